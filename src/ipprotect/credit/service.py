"""Credit files (信用档案): the entries of a market entity's file and who may read them.

Cases call `record` when a final decision is issued (a penalty decision, a ruling that finds
infringement); officers enter court judgments, commitments and objections (`enter`). Entries are
never changed: the file is their timeline, newest first. Credit never imports cases.

Who reads a file: credit officers, case officers and administrators in whose scope the entry's
region lies; an applicant reads the file of their own entity (their account's USCC) only.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ipprotect.core import audit
from ipprotect.core.auth import Principal, Role
from ipprotect.core.days import today
from ipprotect.core.errors import FieldError, forbidden, invalid
from ipprotect.credit.models import CreditRecord, RecordKind
from ipprotect.registry.models import MarketEntity
from ipprotect.web.i18n import N_

# Credit officers keep the files; case officers and administrators read them in their region.
KEEPERS = (Role.CREDIT_OFFICER, Role.ADMIN)
READERS = (*KEEPERS, Role.OFFICER)
# What an officer enters by hand; the others come from cases or from the listing procedure.
ENTERED_KINDS = (RecordKind.JUDGMENT, RecordKind.COMMITMENT, RecordKind.OBJECTION)
SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Entry:
    """One entry as the caller knows it."""

    kind: RecordKind
    entity_name: str
    entity_uscc: str | None
    region_code: str
    occurred_on: date
    title: str
    summary: str = ""
    authority: str = ""
    document_no: str = ""
    source_kind: str = ""
    source_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)


def entity_id_of(session: Session, uscc: str | None) -> int | None:
    if not uscc:
        return None
    return session.scalar(select(MarketEntity.id).where(MarketEntity.uscc == uscc))


def record(
    session: Session, actor: audit.Actor, entry: Entry, created_by: int | None = None
) -> CreditRecord:
    """Add an entry to an entity's credit file, audited in the caller's transaction. Flushes."""
    row = CreditRecord(
        entity_uscc=entry.entity_uscc or None,
        entity_name=entry.entity_name[:200],
        entity_id=entity_id_of(session, entry.entity_uscc),
        region_code=entry.region_code,
        kind=entry.kind,
        occurred_on=entry.occurred_on,
        title=entry.title[:200],
        summary=entry.summary,
        source_kind=entry.source_kind,
        source_id=entry.source_id,
        authority=entry.authority[:200],
        document_no=entry.document_no[:100],
        data=entry.data,
        created_by=created_by,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        f"credit.record.{entry.kind.value}",
        "credit_record",
        row.id,
        region_code=entry.region_code,
        after={
            "entity_uscc": row.entity_uscc,
            "entity_name": row.entity_name,
            "occurred_on": entry.occurred_on.isoformat(),
            "title": row.title,
            "document_no": row.document_no,
            "source_kind": entry.source_kind,
            "source_id": entry.source_id,
        },
    )
    return row


def enter(
    session: Session, who: Principal, entry: Entry, request_id: str | None = None
) -> CreditRecord:
    """An officer enters a court judgment, a commitment or an objection (403/422 before writing)."""
    if who.role not in KEEPERS or not who.scope.covers(entry.region_code):
        raise forbidden()
    errors = []
    if entry.kind not in ENTERED_KINDS:
        errors.append(
            FieldError("kind", "not_entered", N_("Only judgments, commitments and objections"))
        )
    if not entry.entity_name.strip():
        errors.append(FieldError("entity_name", "required", N_("This field is required")))
    if not entry.title.strip():
        errors.append(FieldError("title", "required", N_("This field is required")))
    if entry.occurred_on > today():
        errors.append(FieldError("occurred_on", "future", N_("The date lies in the future")))
    if errors:
        raise invalid(errors)
    return record(session, who.actor(request_id), entry, created_by=who.user_id)


def may_read_file(who: Principal, uscc: str) -> bool:
    """An applicant reads their own entity's file; officers read any (entries filtered by scope)."""
    if who.role is Role.APPLICANT:
        return bool(who.entity_uscc) and who.entity_uscc == uscc
    return who.role in READERS


def file_of(session: Session, who: Principal, uscc: str) -> list[CreditRecord]:
    """The entries of the entity's file the caller may see, newest first."""
    if not may_read_file(who, uscc):
        raise forbidden()
    stmt = select(CreditRecord).where(CreditRecord.entity_uscc == uscc)
    if who.role is not Role.APPLICANT:
        stmt = stmt.where(who.scope.clause(CreditRecord.region_code))
    stmt = stmt.order_by(CreditRecord.occurred_on.desc(), CreditRecord.id.desc())
    return list(session.scalars(stmt))


def penalties_within(
    session: Session, uscc: str | None, name: str, since: date, until: date
) -> list[CreditRecord]:
    """The penalty decisions against an entity (by code, else by exact name) in [since, until]:
    the count repeat infringement is judged on."""
    who_clause = (
        or_(CreditRecord.entity_uscc == uscc, CreditRecord.entity_name == name)
        if uscc
        else CreditRecord.entity_name == name
    )
    stmt = (
        select(CreditRecord)
        .where(
            who_clause,
            CreditRecord.kind == RecordKind.PENALTY,
            CreditRecord.occurred_on >= since,
            CreditRecord.occurred_on <= until,
        )
        .order_by(CreditRecord.occurred_on)
    )
    return list(session.scalars(stmt))
