"""Tables of the transparency log: its tiles, its state and the checkpoints it signed.

The Merkle tree is stored as C2SP tlog-tiles: one row per tile position (level, index) holding
the tile at its current width, so a partial tile grows in place until it is full (256 hashes)
and never changes again. A partial tile of a smaller width is a prefix of the stored one, so every
tile path the log ever published can still be served. Entry bundles are stored beside the hash
tiles under their own level, `ENTRIES`.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Integer, LargeBinary, SmallInteger, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from ipprotect.db import Base, UTCDateTime, utcnow

# The level of entry bundles (tile/entries/...); hash tiles use levels 0-63 (tlog-tiles).
ENTRIES = -1


class LogTile(Base):
    """A hash tile or an entry bundle: `width` hashes (entries), 1-256, in `data`."""

    __tablename__ = "log_tiles"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    width: Mapped[int] = mapped_column(SmallInteger)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class LogState(Base):
    """The one row saying how many entries the log holds and the RFC 6962 root over them.

    Sequencing locks this row, so batches are numbered one after the other."""

    __tablename__ = "log_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class SignedCheckpoint(Base):
    """A checkpoint the log signed (c2sp.org/tlog-checkpoint): the signed note, verbatim."""

    __tablename__ = "log_checkpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, unique=True)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    note: Mapped[str] = mapped_column(Text)
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@event.listens_for(SignedCheckpoint, "before_update")
@event.listens_for(SignedCheckpoint, "before_delete")
def _append_only(*_args: Any) -> None:
    # tlog-checkpoint: a log must never sign two inconsistent checkpoints, so what it signed stays.
    raise RuntimeError("signed checkpoints are append-only")
