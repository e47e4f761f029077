"""This log asking its configured witnesses to cosign a checkpoint it signed (c2sp.org/
tlog-witness, the client side) and keeping the cosignatures that verify (c2sp.org/
tlog-cosignature), which are then published with the checkpoint (`receipts.published_note`).

Witnesses add trust to a checkpoint; they never hold its publication back: a witness that is
down, slow or refusing is logged and skipped, and asked again with the next checkpoint.
"""

import logging
import re
from contextlib import nullcontext
from dataclasses import dataclass

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ipprotect.evidence import log, note
from ipprotect.evidence.cosignature import CosignatureVerifier, parse_witness_key
from ipprotect.evidence.models import Cosignature, SignedCheckpoint
from ipprotect.evidence.note import NoteError
from ipprotect.settings import Settings

logger = logging.getLogger(__name__)

# A witness answers in milliseconds; one that does not within seconds is skipped this round.
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
SIZE_MEDIA_TYPE = "text/x.tlog.size"  # tlog-witness: the 409 body's type
_SIZE_BODY = re.compile(r"(0|[1-9][0-9]*)\n")


class WitnessError(Exception):
    """A witness did not give a cosignature that verifies."""


@dataclass(frozen=True)
class Witness:
    """A configured witness: its submission prefix and its cosignature key."""

    url: str
    verifier: CosignatureVerifier

    @property
    def add_checkpoint_url(self) -> str:
        return f"{self.url.rstrip('/')}/add-checkpoint"


class _Conflict(Exception):  # noqa: N818 - the witness's 409 answer, carrying its size
    def __init__(self, size: int) -> None:
        super().__init__(f"the witness holds size {size}")
        self.size = size


def collect_cosignatures(
    session: Session,
    settings: Settings,
    checkpoint: SignedCheckpoint,
    client: httpx.Client | None = None,
) -> list[Cosignature]:
    """Ask every witness in `settings.witnesses` to cosign `checkpoint`; store and return the
    cosignatures that verify with the witness's key. A witness that already cosigned it is not
    asked again. `client` is the HTTP client to use (one with `TIMEOUT` when None). Flushes; the
    caller commits."""
    received: dict[str, Cosignature] = {}  # by witness name
    if not settings.witnesses:
        return []  # the keeper calls this every round: no client to build for nobody
    with httpx.Client(timeout=TIMEOUT) if client is None else nullcontext(client) as http:
        for configured in settings.witnesses:
            try:
                witness = _witness(configured)
                name = witness.verifier.name
                if _has_cosigned(session, witness, checkpoint.size) or name in received:
                    continue  # each witness counts once (and is one row) per checkpoint
                line = _cosign(session, http, witness, checkpoint)
            except (WitnessError, httpx.HTTPError) as exc:
                logger.warning(
                    "witness %s did not cosign checkpoint %d: %s",
                    configured.get("url"),
                    checkpoint.size,
                    exc,
                )
                continue
            received[name] = Cosignature(
                checkpoint_size=checkpoint.size, witness=name, signature_line=line
            )
    # Rows are added after every witness answered, so no write lock is held while waiting.
    session.add_all(received.values())
    session.flush()
    return list(received.values())


def _witness(configured: dict[str, str]) -> Witness:
    try:
        return Witness(configured["url"], parse_witness_key(configured["vkey"]))
    except KeyError as exc:
        raise WitnessError(f"IPPROTECT_WITNESSES entry without {exc}") from exc
    except NoteError as exc:
        raise WitnessError(f"bad witness vkey: {exc}") from exc


def _cosign(
    session: Session, client: httpx.Client, witness: Witness, checkpoint: SignedCheckpoint
) -> str:
    """The witness's verified cosignature line. The old size is the largest of our checkpoints
    it cosigned; when the witness holds another size (409), the request is made once more from
    that size if it is one this log signed."""
    old = _last_cosigned_size(session, witness)
    if old > checkpoint.size:
        raise WitnessError(f"it already cosigned the larger checkpoint {old}")
    try:
        return _add_checkpoint(session, client, witness, checkpoint, old)
    except _Conflict as conflict:
        held = conflict.size
    if held > checkpoint.size or not _signed(session, held):
        raise WitnessError(f"it holds size {held}, no checkpoint of ours before this one")
    try:
        return _add_checkpoint(session, client, witness, checkpoint, held)
    except _Conflict as again:
        raise WitnessError(f"it moved to size {again.size} meanwhile") from again


def _add_checkpoint(
    session: Session,
    client: httpx.Client,
    witness: Witness,
    checkpoint: SignedCheckpoint,
    old: int,
) -> str:
    """One add-checkpoint call: `old <size>`, the consistency proof lines, an empty line, the
    signed checkpoint (tlog-witness §add-checkpoint)."""
    proof = log.consistency_proof(session, old, checkpoint.size)
    body = f"old {old}\n" + "".join(f"{note.b64encode(h)}\n" for h in proof)
    body += "\n" + checkpoint.note
    response = client.post(witness.add_checkpoint_url, content=body.encode())
    if response.status_code == 409 and response.headers.get("content-type") == SIZE_MEDIA_TYPE:
        size = _SIZE_BODY.fullmatch(response.text)
        if size is None:
            raise WitnessError(f"unreadable size {response.text[:40]!r}")
        raise _Conflict(int(size.group(1)))
    if response.status_code != 200:
        raise WitnessError(f"HTTP {response.status_code}: {response.text[:200]}")
    return _verified_line(witness, checkpoint, response.content)


def _verified_line(witness: Witness, checkpoint: SignedCheckpoint, answer: bytes) -> str:
    """tlog-witness: the answer's signature lines, appended to the checkpoint, are opened with
    the witness's key; lines by other keys are ignored. Returns its line without the newline."""
    try:
        _, signatures = note.open(checkpoint.note.encode() + answer, [witness.verifier])
    except NoteError as exc:
        raise WitnessError(f"no cosignature that verifies: {exc}") from exc
    return signatures[0].line().removesuffix("\n")


def _last_cosigned_size(session: Session, witness: Witness) -> int:
    largest = session.scalar(
        select(func.max(Cosignature.checkpoint_size)).where(
            Cosignature.witness == witness.verifier.name
        )
    )
    return largest or 0


def _has_cosigned(session: Session, witness: Witness, size: int) -> bool:
    found = session.scalar(
        select(Cosignature.id).where(
            Cosignature.checkpoint_size == size, Cosignature.witness == witness.verifier.name
        )
    )
    return found is not None


def _signed(session: Session, size: int) -> bool:
    found = session.scalar(select(SignedCheckpoint.id).where(SignedCheckpoint.size == size))
    return size == 0 or found is not None
