"""This instance as a witness of other logs (c2sp.org/tlog-witness `add-checkpoint`, answered
with c2sp.org/tlog-cosignature v1 Ed25519 cosignatures).

A city's platform can witness another city's log: it keeps, per witnessed log (its origin), the
latest checkpoint it cosigned in `WitnessedLog`, and cosigns a new checkpoint only when the log's
key signed it and an RFC 6962 consistency proof ties it to that one. So it never cosigns two
inconsistent views of one log, nor rolls a log back. The logs it accepts are configured
(`settings.witnessed_logs`, their verifier keys; the key name is the origin).

The witness key is kept in `data_dir/keys/witness.key` (mode 0600, made on first use, by
`keys.stored_signer`) as a signed-note signer key; the cosignature key ID (type 0x04) is derived
from the same Ed25519 key, so the vkey others configure is `witness_verifier(...).to_text()`.
"""

import hashlib
import logging
import re
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from ipprotect.core import audit
from ipprotect.core.errors import Problem
from ipprotect.db import utcnow
from ipprotect.evidence import checkpoint, keys, merkle, note
from ipprotect.evidence.cosignature import CosignatureSigner, CosignatureVerifier
from ipprotect.evidence.merkle import HASH_SIZE, InvalidLogData
from ipprotect.evidence.models import WitnessedLog
from ipprotect.evidence.note import Ed25519Verifier, NoteError
from ipprotect.settings import Settings
from ipprotect.web.i18n import N_

logger = logging.getLogger(__name__)

# tlog-witness §add-checkpoint: "The client MUST NOT send more than 63 consistency proof lines."
MAX_PROOF_LINES = 63
# The largest body read: 63 proof lines and a checkpoint with the 100 signatures a note may
# carry (note.MAX_SIGNATURES) fit in well under this.
MAX_BODY_SIZE = 64 * 1024
_OLD_LINE = re.compile(r"old (0|[1-9][0-9]*)")  # ASCII decimal, no leading zeroes
_MAX_SIZE = 2**64 - 1  # a tree size is a uint64 (tlog-tiles)
_MAX_STORED_SIZE = 2**63 - 1  # WitnessedLog.size is a signed 64-bit BIGINT
_ORIGIN_LENGTH = 255  # WitnessedLog.origin


class WitnessKeyError(RuntimeError):
    """The witness key file holds a key made under another name."""


class OldSizeMismatch(Exception):  # noqa: N818 - an answer (409 with a size), not a failure
    """§add-checkpoint: the old size is not the size of the latest checkpoint cosigned for the
    origin; the answer is 409 with that `size` (text/x.tlog.size)."""

    def __init__(self, size: int) -> None:
        super().__init__(f"the witness cosigned size {size}")
        self.size = size


@dataclass(frozen=True)
class Submission:
    """An add-checkpoint request body: the old size, the consistency proof from it, and the
    signed checkpoint verbatim."""

    old_size: int
    proof: tuple[bytes, ...]
    signed_note: bytes


def key_path(settings: Settings) -> Path:
    return settings.data_dir / "keys" / "witness.key"


def witness_signer(settings: Settings, timestamp: int) -> CosignatureSigner:
    """The witness key, named `settings.effective_witness_name`, signing at `timestamp`; the
    key is made on first use."""
    name = settings.effective_witness_name
    path = key_path(settings)
    stored = keys.stored_signer(path, name)
    if stored.name != name:
        raise WitnessKeyError(
            f"{path} holds the witness key {stored.name!r}, not {name!r}: set "
            "IPPROTECT_WITNESS_NAME back, or move the key away to start a new witness"
        )
    return CosignatureSigner(name, stored.private_key, timestamp)


def witness_verifier(settings: Settings) -> CosignatureVerifier:
    """The witness's public key, which logs configure to check its cosignatures."""
    return witness_signer(settings, 0).verifier()


def parse_submission(body: bytes) -> Submission:
    """§add-checkpoint: an old size line, zero to 63 base64 proof lines, an empty line, then the
    checkpoint. Raises a 400 problem when the body is not that."""
    head, blank, signed_note = body.partition(b"\n\n")
    if not blank:
        raise _malformed("no empty line before the checkpoint")
    try:
        first, *proof_lines = head.decode("ascii").split("\n")
    except UnicodeDecodeError as exc:
        raise _malformed("the old size and proof lines are ASCII") from exc
    match = _OLD_LINE.fullmatch(first)
    if match is None or int(match.group(1)) > _MAX_SIZE:
        raise _malformed(f"bad old size line {first[:40]!r}")
    if len(proof_lines) > MAX_PROOF_LINES:
        raise _malformed(f"more than {MAX_PROOF_LINES} consistency proof lines")
    proof = []
    for line in proof_lines:
        try:
            proof.append(merkle.check_hash(note.b64decode(line)))
        except (NoteError, InvalidLogData) as exc:
            raise _malformed(f"a proof line is not a base64 {HASH_SIZE}-byte hash") from exc
    return Submission(int(match.group(1)), tuple(proof), signed_note)


def add_checkpoint(
    session: Session, settings: Settings, submission: Submission, actor: audit.Actor
) -> str:
    """Check a submitted checkpoint against the latest one cosigned for its log, record it as
    the new latest one, and return the cosignature line(s). The caller commits before it
    answers (§add-checkpoint: the witness MUST persist the new checkpoint before responding).

    Raises a `Problem` (400, 403, 404, 409, 422 as the spec says) or `OldSizeMismatch`."""
    origin = _origin_line(submission.signed_note)
    verifiers = log_verifiers(settings).get(origin)
    if not verifiers:
        raise Problem(404, "log_unknown", N_("This witness does not witness that log"), origin)
    try:
        text, _ = note.open(submission.signed_note, verifiers)
        submitted = checkpoint.parse(text)
    except NoteError as exc:
        if exc.code in {"note_signature_invalid", "note_unverified"}:
            raise Problem(
                403,
                "checkpoint_signature_invalid",
                N_("The checkpoint carries no valid signature by the log's key"),
                exc.detail,
            ) from exc
        raise _malformed(exc.detail) from exc
    if submitted.size > _MAX_STORED_SIZE:
        raise _malformed(f"tree size {submitted.size} is beyond what this witness records")
    if submission.old_size > submitted.size:
        raise _malformed(f"old size {submission.old_size} > checkpoint size {submitted.size}")
    # Checking the old size and recording the new checkpoint happen under one row lock
    # (SELECT ... FOR UPDATE; SQLite has one writer), or two requests could roll the log back.
    state = session.get(WitnessedLog, origin, with_for_update=True, populate_existing=True)
    size, root = (state.size, state.root_hash) if state else (0, merkle.EMPTY_ROOT)
    if submission.old_size != size:
        raise OldSizeMismatch(size)
    if state is not None and size == submitted.size and root != submitted.root_hash:
        logger.warning("log %s signed two roots for size %d: possible split view", origin, size)
        raise Problem(
            409,
            "checkpoint_root_conflict",
            N_("The log signed another root hash for the size this witness cosigned"),
            origin,
        )
    try:
        merkle.verify_consistency(size, submitted.size, submission.proof, root, submitted.root_hash)
    except InvalidLogData as exc:
        logger.warning("log %s sent a bad consistency proof from %d: %s", origin, size, exc)
        raise Problem(
            422,
            "consistency_proof_invalid",
            N_("The consistency proof does not verify"),
            f"{size} -> {submitted.size}",
        ) from exc
    if state is None:
        state = WitnessedLog(origin=origin)
        session.add(state)
    state.size, state.root_hash, state.updated_at = submitted.size, submitted.root_hash, utcnow()
    cosignature = note.signature_for(text, witness_signer(settings, int(time.time())))
    audit.record(
        session,
        actor,
        "witness.cosign",
        "witnessed_log",
        # The object is the log; tlog-witness names logs by SHA-256(origin) in hex (64 chars).
        hashlib.sha256(origin.encode()).hexdigest(),
        before={"origin": origin, "size": size, "root_hash": note.b64encode(root)},
        after={
            "origin": origin,
            "size": submitted.size,
            "root_hash": note.b64encode(submitted.root_hash),
        },
    )
    session.flush()
    return cosignature.line()


def log_verifiers(settings: Settings) -> dict[str, list[Ed25519Verifier]]:
    """The configured logs' verifier keys by origin (the key name). A key that does not parse
    is left out, with an error in the operator's log, so the others keep being witnessed."""
    verifiers: dict[str, list[Ed25519Verifier]] = {}
    for vkey in settings.witnessed_logs:
        try:
            verifier = note.parse_verifier_key(vkey)
        except NoteError as exc:
            logger.error("IPPROTECT_WITNESSED_LOGS holds a bad key %r: %s", vkey, exc)
            continue
        if len(verifier.name) > _ORIGIN_LENGTH:
            logger.error("IPPROTECT_WITNESSED_LOGS: origin %r is too long", verifier.name)
            continue
        verifiers.setdefault(verifier.name, []).append(verifier)
    return verifiers


def _origin_line(signed_note: bytes) -> str:
    """The checkpoint's first line, to choose the keys that must have signed it."""
    first, newline, _ = signed_note.partition(b"\n")
    try:
        origin = first.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _malformed("the origin line is not UTF-8") from exc
    if not newline or not origin:
        raise _malformed("no origin line")
    return origin


def _malformed(detail: str) -> Problem:
    return Problem(
        400, "witness_request_malformed", N_("The add-checkpoint request is malformed"), detail
    )
