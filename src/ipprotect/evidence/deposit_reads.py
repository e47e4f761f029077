"""Reads of deposits for the API, the pages and the CLI: who may see which deposit, lists with
filters, exports, one deposit with its log entry, the checkpoints that cover it and its history.

Officers and administrators see the deposits of their region scope; every other depositor
(applicants, mediators, systems) sees only their own. A deposit one may not see is "not found",
so its existence does not leak.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.orm import Session

from ipprotect.core import audit
from ipprotect.core.auth import Principal, Role
from ipprotect.core.errors import not_found
from ipprotect.core.pagination import Page, paginate
from ipprotect.core.scope import prefix_of
from ipprotect.evidence import checkpoint, entries, log, merkle, note, receipts
from ipprotect.evidence.deposits import DEPOSITORS, depositor_key
from ipprotect.evidence.log import LogIntegrityError
from ipprotect.evidence.merkle import InvalidLogData
from ipprotect.evidence.models import (
    CheckpointTimestamp,
    Cosignature,
    Deposit,
    LogState,
    SignedCheckpoint,
)
from ipprotect.web.templating import SHANGHAI

# Those who keep a region's evidence see all of it; every other depositor only their own.
REGION_READERS = (Role.OFFICER, Role.ADMIN)
READERS = tuple(sorted(DEPOSITORS))


def visibility(who: Principal) -> ColumnElement[bool]:
    if who.role in REGION_READERS:
        return who.scope.clause(Deposit.region_code)
    return Deposit.depositor_key == depositor_key(who)


def can_see(who: Principal, deposit: Deposit) -> bool:
    if who.role in REGION_READERS:
        return who.scope.covers(deposit.region_code)
    return deposit.depositor_key == depositor_key(who)


def get_deposit(session: Session, who: Principal, deposit_id: int) -> Deposit:
    deposit = session.get(Deposit, deposit_id)
    if deposit is None or not can_see(who, deposit):
        raise not_found("deposit")
    return deposit


@dataclass(frozen=True)
class DepositFilters:
    q: str = ""  # words of the title
    sha256: str = ""  # the start of the file's SHA-256 (hex)
    region: str = ""  # a region code; its whole subtree matches
    depositor: str = ""  # part of the account name, or the enterprise's credit code
    received_from: date | None = None  # days in Asia/Shanghai, both included
    received_to: date | None = None


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=SHANGHAI).astimezone(UTC)


def _select(who: Principal, f: DepositFilters) -> Select[Deposit]:
    stmt = select(Deposit).where(visibility(who))
    if f.q.strip():
        stmt = stmt.where(Deposit.title.icontains(f.q.strip(), autoescape=True))
    if f.sha256.strip():
        stmt = stmt.where(Deposit.sha256.startswith(f.sha256.strip().lower(), autoescape=True))
    region_prefix = prefix_of(f.region) if f.region else ""
    if region_prefix:
        stmt = stmt.where(Deposit.region_code.startswith(region_prefix, autoescape=True))
    depositor = f.depositor.strip()
    if depositor:
        stmt = stmt.where(
            or_(
                Deposit.depositor_name.icontains(depositor, autoescape=True),
                Deposit.depositor_uscc == depositor.upper(),
            )
        )
    if f.received_from is not None:
        stmt = stmt.where(Deposit.received_at >= _day_start(f.received_from))
    if f.received_to is not None:
        stmt = stmt.where(Deposit.received_at < _day_start(f.received_to + timedelta(days=1)))
    return stmt.order_by(Deposit.id.desc())


def list_deposits(
    session: Session, who: Principal, f: DepositFilters, number: int = 1, size: int = 50
) -> Page[Deposit]:
    return paginate(session, _select(who, f), number, size)


EXPORT_COLUMNS = [
    "id",
    "log_index",
    "sha256",
    "size",
    "media_type",
    "stored",
    "filename",
    "title",
    "description",
    "source",
    "capture_method",
    "custody_notes",
    "case_id",
    "region_code",
    "depositor",
    "depositor_uscc",
    "received_at_utc",
    "received_at_beijing",
]


def export_rows(session: Session, who: Principal, f: DepositFilters) -> Iterator[list[Any]]:
    stmt = _select(who, f).execution_options(yield_per=1000)
    for d in session.scalars(stmt):
        yield [
            d.id,
            d.log_index,
            d.sha256,
            d.size,
            d.media_type,
            "yes" if d.stored else "no",
            d.filename,
            d.title,
            d.description,
            d.source,
            d.capture_method,
            d.custody_notes,
            d.case_id,
            d.region_code,
            d.depositor_name,
            d.depositor_uscc,
            entries.utc_text(d.received_at),
            d.received_at.astimezone(SHANGHAI).isoformat(timespec="seconds"),
        ]


# ---------------------------------------------------------------- the log's view of a deposit


def signed_size(session: Session) -> int:
    """How many entries the latest signed checkpoint covers (0 before the first)."""
    latest = log.latest_checkpoint(session)
    return latest.size if latest else 0


def first_covering(session: Session, index: int) -> SignedCheckpoint | None:
    """The first checkpoint the log signed over the entry at `index`: when it became provable.
    (Receipts use the latest checkpoint; any later one is consistent with this one.)"""
    stmt = (
        select(SignedCheckpoint)
        .where(SignedCheckpoint.size > index)
        .order_by(SignedCheckpoint.size)
        .limit(1)
    )
    return session.scalars(stmt).first()


@dataclass(frozen=True)
class CheckpointView:
    origin: str
    size: int
    root_hash: str  # base64, as in the checkpoint
    signed_at: datetime
    timestamps: list[CheckpointTimestamp]
    witnesses: list[str]


def checkpoint_view(session: Session, signed: SignedCheckpoint) -> CheckpointView:
    body = signed.note.partition("\n\n")[0] + "\n"
    parsed = checkpoint.parse(body)
    timestamps = session.scalars(
        select(CheckpointTimestamp)
        .where(CheckpointTimestamp.checkpoint_size == signed.size)
        .order_by(CheckpointTimestamp.id)
    ).all()
    witnesses = session.scalars(
        select(Cosignature.witness)
        .where(Cosignature.checkpoint_size == signed.size)
        .order_by(Cosignature.id)
    ).all()
    return CheckpointView(
        origin=parsed.origin,
        size=signed.size,
        root_hash=note.b64encode(parsed.root_hash),
        signed_at=signed.signed_at,
        timestamps=list(timestamps),
        witnesses=list(witnesses),
    )


@dataclass(frozen=True)
class LoggedEntry:
    """A deposit's entry as the log holds it, or why it cannot be read."""

    data: bytes | None
    pretty: str
    leaf_hash: str  # hex
    matches: bool  # the logged entry names this deposit's file
    problem: str = ""  # English msgid template, when the entry cannot be read
    params: dict[str, Any] = field(default_factory=dict)


def logged_entry(session: Session, deposit: Deposit) -> LoggedEntry:
    size = session.scalar(select(LogState.size).where(LogState.id == log.STATE_ID)) or 0
    try:
        data = receipts.entry_at(session, deposit.log_index, size)
        entry = entries.decode(data)
    except (LogIntegrityError, InvalidLogData) as exc:
        return LoggedEntry(None, "", "", False, exc.message, exc.params)
    matches = entry.get("sha256") == deposit.sha256 and entry.get("size") == deposit.size
    return LoggedEntry(
        data,
        json.dumps(entry, indent=2, ensure_ascii=False, sort_keys=True),
        merkle.leaf_hash(data).hex(),
        matches,
    )


def history(session: Session, deposit: Deposit) -> list[audit.AuditEvent]:
    stmt = (
        select(audit.AuditEvent)
        .where(
            audit.AuditEvent.object_type == "deposit",
            audit.AuditEvent.object_id == str(deposit.id),
        )
        .order_by(audit.AuditEvent.id)
    )
    return list(session.scalars(stmt))
