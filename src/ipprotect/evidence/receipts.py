"""Receipts of logged entries (c2sp.org/tlog-proof@v1), read from the stored tiles.

A receipt carries the entry itself on its `extra` line, its index, its audit path and the
latest checkpoint exactly as published (the log's signature and the witnesses' cosignatures),
so it can be checked offline against the file and the log's and witnesses' keys.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from ipprotect.evidence import log, tiles
from ipprotect.evidence.models import Cosignature, SignedCheckpoint
from ipprotect.evidence.receipt import format_receipt

MEDIA_TYPE = "text/plain; charset=utf-8"


def entry_at(session: Session, index: int, size: int) -> bytes:
    """The entry at `index` of the log of `size` entries, from its entry bundle."""
    bundle = tiles.tile_for(0, index, size)
    data = log.read_tile(session)(tiles.Tile(None, bundle.index, bundle.width).path)
    return tiles.decode_bundle(data, bundle.width)[index % tiles.TILE_WIDTH]


def published_note(session: Session, checkpoint: SignedCheckpoint) -> str:
    """The checkpoint as served: the log's signed note followed by the witnesses' cosignature
    lines (c2sp.org/tlog-witness), oldest first."""
    lines = session.scalars(
        select(Cosignature.signature_line)
        .where(Cosignature.checkpoint_size == checkpoint.size)
        .order_by(Cosignature.id)
    ).all()
    return checkpoint.note + "".join(f"{line}\n" for line in lines)


def receipt_for(session: Session, index: int) -> str | None:
    """The receipt of the entry at `index` against the latest checkpoint, or None while no
    signed checkpoint covers it yet."""
    checkpoint = log.latest_checkpoint(session)
    if checkpoint is None or checkpoint.size <= index:
        return None
    proof = log.inclusion_proof(session, index, checkpoint.size)
    entry = entry_at(session, index, checkpoint.size)
    return format_receipt(index, proof, published_note(session, checkpoint), extra=entry)
