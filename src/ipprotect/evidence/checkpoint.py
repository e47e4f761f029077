"""Transparency-log checkpoints (c2sp.org/tlog-checkpoint): the note text that states a log's
origin, tree size and RFC 6962 root hash. Strict parse and format; pure, no I/O.

    example.com/behind-the-sofa
    20852163
    CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ipprotect.evidence import note
from ipprotect.evidence.note import NoteError, Signature, Verifier
from ipprotect.web.i18n import N_

# §Note text: ASCII decimal without leading zeroes; a tree size is a uint64 (tlog-tiles).
_SIZE = re.compile(r"0|[1-9][0-9]*")
_MAX_SIZE = 2**64 - 1
HASH_SIZE = 32  # SHA-256, RFC 6962 §2.1


def _malformed(detail: str) -> NoteError:
    return NoteError("checkpoint_malformed", N_("The checkpoint is malformed"), detail)


@dataclass(frozen=True)
class Checkpoint:
    """§Note text: origin, tree size, root hash, then optional opaque extension lines."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin:
            raise _malformed("the origin is one non-empty line")
        if not 0 <= self.size <= _MAX_SIZE:
            raise _malformed(f"tree size {self.size} out of range")
        if len(self.root_hash) != HASH_SIZE:
            raise _malformed(f"the root hash has {len(self.root_hash)} bytes, not {HASH_SIZE}")
        if any(not line or "\n" in line for line in self.extensions):
            raise _malformed("extension lines are non-empty single lines")

    def to_text(self) -> str:
        """The note text: every line ends with a newline, the last one included."""
        lines = [self.origin, str(self.size), note.b64encode(self.root_hash), *self.extensions]
        return "".join(f"{line}\n" for line in lines)


def parse(text: str) -> Checkpoint:
    """Parse a checkpoint note text strictly: at least three non-empty lines, each ending in a
    newline; a canonical decimal size; a canonical base64 32-byte root hash."""
    if not text.endswith("\n"):
        raise _malformed("the text must end with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3 or not all(lines):
        raise _malformed("at least three non-empty lines")
    origin, size, root, *extensions = lines
    if not _SIZE.fullmatch(size):
        raise _malformed(f"tree size {size!r} is not a decimal without leading zeroes")
    try:
        root_hash = note.b64decode(root)
    except NoteError as exc:
        raise _malformed(exc.detail) from exc
    return Checkpoint(origin, int(size), root_hash, tuple(extensions))


def open_checkpoint(
    signed: bytes, log: Verifier, others: Sequence[Verifier] = ()
) -> tuple[Checkpoint, list[Signature]]:
    """Open a signed checkpoint that must carry a valid signature by the `log` key; `others`
    (witnesses) are checked too and their verified signatures returned alongside the log's."""
    text, signatures = note.open(signed, [log, *others])
    if not any(s.name == log.name and s.key_id == log.key_id for s in signatures):
        raise NoteError(
            "checkpoint_unsigned", N_("The checkpoint is not signed by its log"), log.name
        )
    return parse(text), signatures
