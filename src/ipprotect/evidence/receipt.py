"""Portable receipts (c2sp.org/tlog-proof@v1).

A receipt proves offline that an entry is in the log: the entry's index, its RFC 6962 audit
path and the log's checkpoint, carried verbatim. This module formats, parses (strictly) and
verifies the inclusion half; the checkpoint's signatures are checked on `Receipt.note` by
`checkpoint.open_checkpoint`.
"""

import base64
import binascii
import re
from dataclasses import dataclass

from ipprotect.evidence import checkpoint
from ipprotect.evidence.merkle import InvalidLogData, check_hash, leaf_hash, verify_inclusion
from ipprotect.web.i18n import N_

HEADER = "c2sp.org/tlog-proof@v1"
MAX_SIZE = 1 << 64  # tree sizes and indexes are uint64 (RFC 9162 2.1)
MAX_PROOF = 64  # so an audit path has at most 64 hashes
_DECIMAL = re.compile(r"0|[1-9][0-9]*")  # ASCII, no leading zeroes


@dataclass(frozen=True)
class Receipt:
    """A parsed c2sp.org/tlog-proof@v1. `note` is the checkpoint text exactly as received (its
    signatures are checked on it); `checkpoint` is its parsed body. `extra` is unauthenticated
    and must not be trusted."""

    index: int
    proof: tuple[bytes, ...]
    note: str
    checkpoint: checkpoint.Checkpoint
    extra: bytes | None = None


def format_receipt(index: int, proof: list[bytes], note: str, extra: bytes | None = None) -> str:
    """tlog-proof@v1: the header, `extra <base64>` when there is extra data, `index <n>`, the
    audit path one base64 hash a line (leaf's sibling first), a blank line, the note verbatim."""
    if not 0 <= index < MAX_SIZE:
        raise _malformed(N_("The index {text} is not a decimal number"), text=str(index))
    lines = [HEADER]
    if extra is not None:
        lines.append(f"extra {_b64(extra)}")
    lines.append(f"index {index}")
    lines.extend(_b64(check_hash(p)) for p in proof)
    return "\n".join(lines) + "\n\n" + note


def parse_receipt(text: str) -> Receipt:
    """Parse a tlog-proof@v1 strictly: every line where the format puts it, canonical base64,
    32-byte hashes, and a checkpoint note whose body parses. Raises `InvalidLogData`, or
    `note.NoteError` when the checkpoint body is malformed."""
    head, blank, note = text.partition("\n\n")
    lines = head.split("\n")
    if not blank or lines[0] != HEADER:
        raise _malformed(N_("A receipt starts with the line c2sp.org/tlog-proof@v1"))
    extra = None
    position = 1
    if position < len(lines) and lines[position].startswith("extra "):
        extra = _base64(lines[position].removeprefix("extra "))
        position += 1
    if position == len(lines) or not lines[position].startswith("index "):
        raise _malformed(N_("A receipt has an index line after its header"))
    index = _decimal(
        lines[position].removeprefix("index "), N_("The index {text} is not a decimal number")
    )
    proof = tuple(check_hash(_base64(line)) for line in lines[position + 1 :])
    if len(proof) > MAX_PROOF:
        raise _malformed(N_("An inclusion proof has at most 64 hashes"))
    body, separator, _signatures = note.partition("\n\n")
    if not separator:
        raise _malformed(N_("A receipt ends with a signed checkpoint"))
    return Receipt(index, proof, note, checkpoint.parse(body + "\n"), extra)


def verify_receipt(
    receipt: Receipt, *, entry: bytes | None = None, leaf: bytes | None = None
) -> None:
    """Verify (RFC 9162 2.1.3.2) that the entry, or its RFC 6962 leaf hash, is at the receipt's
    index in the tree its checkpoint commits to. Raises `InvalidLogData`. The checkpoint's
    signatures are not checked here."""
    if entry is not None and leaf is None:
        hashed = leaf_hash(entry)
    elif leaf is not None and entry is None:
        hashed = leaf
    else:
        raise TypeError("give exactly one of entry and leaf")
    tree = receipt.checkpoint
    verify_inclusion(hashed, receipt.index, tree.size, receipt.proof, tree.root_hash)


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def _base64(text: str) -> bytes:
    """Standard base64 (RFC 4648 section 4), canonical only: padded, without whitespace or
    stray bits, so one value has one spelling."""
    try:
        value = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error):
        value = None
    if value is None or _b64(value) != text:
        raise _malformed(N_("{text} is not canonical base64"), text=text[:64])
    return value


def _decimal(text: str, message: str) -> int:
    """An unsigned 64-bit number in ASCII decimal without leading zeroes."""
    if not _DECIMAL.fullmatch(text) or int(text) >= MAX_SIZE:
        raise _malformed(message, text=text[:32])
    return int(text)


def _malformed(message: str, **params: str) -> InvalidLogData:
    return InvalidLogData("receipt_format", message, **params)
