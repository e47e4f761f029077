"""Tables of the transparency log: its tiles, its state and the checkpoints it signed.

The Merkle tree is stored as C2SP tlog-tiles: one row per tile position (level, index) holding
the tile at its current width, so a partial tile grows in place until it is full (256 hashes)
and never changes again. A partial tile of a smaller width is a prefix of the stored one, so every
tile path the log ever published can still be served. Entry bundles are stored beside the hash
tiles under their own level, `ENTRIES`.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    event,
)
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


class Deposit(Base):
    """A deposit of evidence: a file (kept in the blob store) or only its hash, with what the
    depositor said about it. Its log entry (`entries.evidence_entry`) is at `log_index`; the row
    and the entry are committed together, so an acknowledged deposit is always in the log."""

    __tablename__ = "evidence_deposits"
    __table_args__ = (UniqueConstraint("depositor_key", "idempotency_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    log_index: Mapped[int] = mapped_column(BigInteger, unique=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)  # lower-case hex
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(127))  # RFC 6838 4.2: at most 127 characters
    stored: Mapped[bool] = mapped_column(Boolean)  # the file is in our blob store
    filename: Mapped[str | None] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(2000), default="")  # e.g. an infringing page's URL
    capture_method: Mapped[str] = mapped_column(String(500), default="")
    custody_notes: Mapped[str] = mapped_column(Text, default="")
    # The case it belongs to; a foreign key once cases exist (issue 4).
    case_id: Mapped[int | None] = mapped_column(Integer, index=True)
    depositor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    depositor_name: Mapped[str] = mapped_column(String(100))
    depositor_uscc: Mapped[str | None] = mapped_column(String(18))
    # "user:<id>" or "token:<id>": whose Idempotency-Key space the key belongs to.
    depositor_key: Mapped[str] = mapped_column(String(40))
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    request_hash: Mapped[str | None] = mapped_column(String(64))  # what the key was used for


class CheckpointTimestamp(Base):
    """An RFC 3161 time-stamp response (DER) over a signed checkpoint's body, from the built-in
    TSA (`tsa` = "builtin") or an external one (its URL)."""

    __tablename__ = "log_timestamps"
    __table_args__ = (UniqueConstraint("checkpoint_size", "tsa"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    checkpoint_size: Mapped[int] = mapped_column(ForeignKey("log_checkpoints.size"))
    tsa: Mapped[str] = mapped_column(String(500))
    response: Mapped[bytes] = mapped_column(LargeBinary)
    gen_time: Mapped[datetime] = mapped_column(UTCDateTime)


class Cosignature(Base):
    """A witness's cosignature (c2sp.org/tlog-cosignature) of one of our checkpoints: the
    signature line as the witness returned it, published with the checkpoint."""

    __tablename__ = "log_cosignatures"
    __table_args__ = (UniqueConstraint("checkpoint_size", "witness"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    checkpoint_size: Mapped[int] = mapped_column(ForeignKey("log_checkpoints.size"))
    witness: Mapped[str] = mapped_column(String(255))  # the witness key's name
    signature_line: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WitnessedLog(Base):
    """Another log this instance witnesses (c2sp.org/tlog-witness): the latest checkpoint it
    cosigned, so the next one must be proved consistent with it."""

    __tablename__ = "witnessed_logs"

    origin: Mapped[str] = mapped_column(String(255), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IntegrityAlarm(Base):
    """The stored log failed an integrity check. While an alarm is open nothing is signed; it
    closes only when a later full check passes (after the operator restored the data)."""

    __tablename__ = "log_alarms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(String(500))  # English msgid template
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
