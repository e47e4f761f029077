"""The listing procedure (列入程序) and credit repair (信用修复), on the database.

proposal → notice (the party may state its case until `statement_due`) → decision (listed and
published, or withdrawn) → repair (applied for after the publicity minimum, approved or refused by
a credit officer) or expiry at the publicity maximum (`sweep`, cron-safe and idempotent).

Every act is audited in the caller's transaction; the listing decision and the repair decision are
deposited in the evidence log (evidence/records.py) and entered in the entity's credit file. Each
act takes `on`, the legal day it was done (default today), so past acts can be recorded after the
fact (the demo, an import). Credit officers and administrators act in their scope; an applicant
applies for repair of a listing of their own entity.
"""

import datetime as dt
import html
import io
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from ipprotect.core import audit, ids
from ipprotect.core.auth import Principal, Role
from ipprotect.core.calendar_store import work_calendar
from ipprotect.core.days import today
from ipprotect.core.errors import FieldError, conflict, forbidden, invalid, not_found
from ipprotect.core.pagination import Page, paginate
from ipprotect.core.text import search_text
from ipprotect.credit import listing, service
from ipprotect.credit.models import (
    CreditListing,
    CreditRecord,
    CreditRepair,
    ListingStatus,
    RecordKind,
    RepairStatus,
)
from ipprotect.db import utcnow
from ipprotect.evidence import deposits, entries, records
from ipprotect.evidence.blobs import BlobStore
from ipprotect.web.i18n import N_

OFFICERS = (Role.CREDIT_OFFICER, Role.ADMIN)
REPAIR_GROUNDS = ("corrected", "obligations_performed", "public_commitment")


def _day(on: dt.date | None) -> dt.date:
    day = on or today()
    if day > today():
        raise invalid([FieldError("on", "future", N_("The date lies in the future"))])
    return day


def _officer(who: Principal, region_code: str) -> None:
    if who.role not in OFFICERS or not who.scope.covers(region_code):
        raise forbidden()


def _status(listing_row: CreditListing, *allowed: ListingStatus) -> None:
    if listing_row.status not in allowed:
        raise conflict(
            "wrong_status",
            N_("The listing is not at a step where this can be done"),
            listing_row.status.value,
        )


def snapshot(row: CreditListing) -> dict[str, Any]:
    def day(value: dt.date | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "status": row.status.value,
        "statement_due": day(row.statement_due),
        "decided_on": day(row.decided_on),
        "published_on": day(row.published_on),
        "publicity_min_until": day(row.publicity_min_until),
        "publicity_max_until": day(row.publicity_max_until),
        "repaired_on": day(row.repaired_on),
        "expired_on": day(row.expired_on),
        "deposit_id": row.deposit_id,
    }


def _audit(
    session: Session,
    actor: audit.Actor,
    action: str,
    row: CreditListing,
    before: dict[str, Any] | None,
) -> None:
    after = snapshot(row)
    if before is not None:
        before, after = audit.changes(before, after)
    audit.record(
        session,
        actor,
        f"credit.listing.{action}",
        "credit_listing",
        row.id,
        region_code=row.region_code,
        before=before,
        after=after,
    )


def get(session: Session, who: Principal, listing_id: int) -> CreditListing:
    """A listing the caller may see: officers in scope, an applicant their own entity's."""
    row = session.get(CreditListing, listing_id)
    if row is None:
        raise not_found("listing")
    if who.role is Role.APPLICANT:
        if not who.entity_uscc or row.entity_uscc != who.entity_uscc:
            raise not_found("listing")
    elif who.role not in (*OFFICERS, Role.OFFICER) or not who.scope.covers(row.region_code):
        raise not_found("listing")
    return row


@dataclass(frozen=True)
class Filters:
    status: ListingStatus | None = None
    region: str = ""  # a region code prefix inside the caller's scope
    q: str = ""  # part of the name, or the whole credit code


def search(
    session: Session, who: Principal, filters: Filters, number: int = 1, size: int = 50
) -> Page[CreditListing]:
    """The listings in the caller's scope, newest first (officers only)."""
    if who.role not in (*OFFICERS, Role.OFFICER):
        raise forbidden()
    stmt = select(CreditListing).where(who.scope.clause(CreditListing.region_code))
    if filters.status is not None:
        stmt = stmt.where(CreditListing.status == filters.status)
    if filters.region:
        stmt = stmt.where(CreditListing.region_code.startswith(filters.region, autoescape=True))
    q = search_text(filters.q)
    if q:
        stmt = stmt.where(
            or_(
                CreditListing.entity_uscc == q.upper(),
                CreditListing.entity_name.contains(q, autoescape=True),
            )
        )
    stmt = stmt.order_by(CreditListing.id.desc())
    return paginate(session, stmt, number, size)


def listings_of(session: Session, who: Principal, uscc: str) -> list[CreditListing]:
    """An entity's listings the caller may see (as `service.file_of` decides), newest first."""
    if not service.may_read_file(who, uscc):
        raise forbidden()
    stmt = select(CreditListing).where(CreditListing.entity_uscc == uscc)
    if who.role is not Role.APPLICANT:
        stmt = stmt.where(who.scope.clause(CreditListing.region_code))
    return list(session.scalars(stmt.order_by(CreditListing.id.desc())))


@dataclass(frozen=True)
class RepeatOffender:
    """An entity with enough penalties in the window to be proposed for deliberate
    infringement (Trademark Law 2019 art. 60), and not already proposed or listed."""

    entity_uscc: str
    entity_name: str
    region_code: str
    penalty_days: list[dt.date]


def repeat_offenders(session: Session, who: Principal, on: dt.date) -> list[RepeatOffender]:
    """The repeat infringers in the caller's scope as of `on`, computed from the penalties in
    the credit files (`credit.listing.repeat_infringement_*`, per region)."""
    if who.role not in OFFICERS:
        raise forbidden()
    rows = session.execute(
        select(
            CreditRecord.entity_uscc,
            CreditRecord.entity_name,
            CreditRecord.region_code,
            CreditRecord.occurred_on,
        )
        .where(
            CreditRecord.kind == RecordKind.PENALTY,
            CreditRecord.entity_uscc.is_not(None),
            CreditRecord.occurred_on <= on,
            who.scope.clause(CreditRecord.region_code),
        )
        .order_by(CreditRecord.entity_uscc, CreditRecord.occurred_on)
    ).all()
    by_entity: dict[str, list[Any]] = {}
    for row in rows:
        by_entity.setdefault(row.entity_uscc, []).append(row)
    open_statuses = (ListingStatus.PROPOSED, ListingStatus.NOTICED, ListingStatus.LISTED)
    pending = set(
        session.scalars(
            select(CreditListing.entity_uscc).where(
                CreditListing.entity_uscc.in_(list(by_entity)),
                CreditListing.status.in_(open_statuses),
            )
        )
    )
    found = []
    for uscc, penalties in by_entity.items():
        latest = penalties[-1]
        days = [p.occurred_on for p in penalties]
        if uscc not in pending and listing.is_repeat(days, on, latest.region_code):
            found.append(RepeatOffender(uscc, latest.entity_name, latest.region_code, days))
    return found


def repairs_of(session: Session, row: CreditListing) -> list[CreditRepair]:
    return list(
        session.scalars(
            select(CreditRepair)
            .where(CreditRepair.listing_id == row.id)
            .order_by(CreditRepair.id.desc())
        )
    )


def get_repair(session: Session, who: Principal, repair_id: int) -> CreditRepair:
    repair = session.get(CreditRepair, repair_id)
    if repair is None:
        raise not_found("repair")
    get(session, who, repair.listing_id)  # 404 unless the caller sees the listing
    return repair


# ---------------------------------------------------------------- proposal and notice


@dataclass(frozen=True)
class Proposal:
    entity_name: str
    entity_uscc: str | None
    region_code: str
    behaviour: str  # item id or Chinese name
    class_: str  # minor / general / serious or 轻微 / 一般 / 严重
    measures: list[str] = field(default_factory=list)
    basis: str = ""  # the facts and articles; the behaviour's source is prepended
    source_record_id: int | None = None


def propose(
    session: Session,
    who: Principal,
    proposal: Proposal,
    on: dt.date | None = None,
    request_id: str | None = None,
) -> CreditListing:
    """Propose a listing (拟列入). Raises 403 / 422 before writing. Flushes."""
    _officer(who, proposal.region_code)
    day = _day(on)
    errors: list[FieldError] = []
    if not proposal.entity_name.strip():
        errors.append(FieldError("entity_name", "required", N_("This field is required")))
    uscc = None
    if proposal.entity_uscc:
        try:
            uscc = ids.parse_uscc(proposal.entity_uscc).code
        except ids.InvalidIdentifier as error:
            errors.append(error.field_error("entity_uscc"))
    found = listing.behaviour(proposal.behaviour, day, proposal.region_code)
    if found is None:
        errors.append(FieldError("behaviour", "unknown_behaviour", N_("Not a listable behaviour")))
    class_ = listing.listing_class(proposal.class_)
    if class_ is None:
        errors.append(FieldError("class", "unknown_class", N_("Unknown class")))
    known = listing.measures(day, proposal.region_code)
    unknown = [m for m in proposal.measures if m not in known]
    if unknown:
        errors.append(
            FieldError(
                "measures",
                "unknown_measure",
                N_("Unknown measure {measure}"),
                {"measure": unknown[0]},
            )
        )
    source: CreditRecord | None = None
    if proposal.source_record_id is not None:
        source = session.get(CreditRecord, proposal.source_record_id)
        if source is None or not who.scope.covers(source.region_code):
            errors.append(FieldError("source_record_id", "not_found", N_("No such record")))
        elif source.entity_uscc and uscc and source.entity_uscc != uscc:
            errors.append(
                FieldError(
                    "source_record_id",
                    "other_entity",
                    N_("The record is in the credit file of {uscc}"),
                    {"uscc": source.entity_uscc},
                )
            )
        elif day < source.occurred_on:
            # A listing rests on a decision already taken: it cannot be proposed before it.
            errors.append(
                FieldError(
                    "on",
                    "before_source",
                    N_("The date is before the decision the listing rests on ({date})"),
                    {"date": source.occurred_on.isoformat()},
                )
            )
    if errors:
        raise invalid(errors)
    assert found is not None  # checked above
    assert class_ is not None
    basis = found.source + (f"\n{proposal.basis.strip()}" if proposal.basis.strip() else "")
    row = CreditListing(
        entity_uscc=uscc,
        entity_name=proposal.entity_name.strip()[:200],
        entity_id=service.entity_id_of(session, uscc),
        region_code=proposal.region_code,
        behaviour=found.item.id,
        class_=class_,
        status=ListingStatus.PROPOSED,
        basis=basis,
        measures=[m for m in known if m in proposal.measures],
        proposed_on=day,
        source_record_id=source.id if source else None,
        data={"behaviour_rule": found.rule_id},
    )
    session.add(row)
    session.flush()
    _audit(session, who.actor(request_id), "proposed", row, None)
    return row


def notice(
    session: Session,
    who: Principal,
    row: CreditListing,
    on: dt.date | None = None,
    request_id: str | None = None,
) -> CreditListing:
    """Tell the party of the proposal (告知); it may state its case until `statement_due`."""
    _officer(who, row.region_code)
    _status(row, ListingStatus.PROPOSED)
    day = _day(on)
    if row.proposed_on and day < row.proposed_on:
        raise invalid([FieldError("on", "before_proposal", N_("The date is before the proposal"))])
    before = snapshot(row)
    row.status = ListingStatus.NOTICED
    row.noticed_on = day
    row.statement_due = listing.statement_due(day, row.region_code, work_calendar(session))
    session.flush()
    _audit(session, who.actor(request_id), "noticed", row, before)
    return row


# ---------------------------------------------------------------- decision


def _deposit(
    session: Session,
    who: Principal,
    store: BlobStore,
    title: str,
    lines: list[str],
    region_code: str,
    metadata: dict[str, str | int],
    request_id: str | None,
) -> int:
    """Deposit a decision's text in the evidence log; returns the deposit's id."""
    body = "".join(f"<p>{html.escape(line)}</p>\n" for line in lines)
    page = (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head>\n<body>\n<h1>{html.escape(title)}</h1>\n"
        f"{body}</body></html>\n"
    ).encode()
    filename = f"{title}.html"
    blob = store.put(io.BytesIO(page), filename)
    pending = records.prepare(
        who,
        blob,
        kind=entries.Kind.DECISION,
        title=title,
        filename=filename,
        case_id=None,
        region_code=region_code,
        metadata=metadata,
        issued_at=utcnow(),
        request_id=request_id,
    )
    [deposit] = deposits.commit(session, [pending])
    return deposit.id


def decide(
    session: Session,
    who: Principal,
    row: CreditListing,
    store: BlobStore,
    *,
    document_no: str,
    authority: str,
    on: dt.date | None = None,
    request_id: str | None = None,
) -> CreditListing:
    """Decide to list (列入决定) once the period to state the case has passed, and publish.

    The publicity minimum and maximum follow the rule version in force on the decision date.
    The decision is deposited and entered in the credit file. Flushes."""
    _officer(who, row.region_code)
    _status(row, ListingStatus.NOTICED)
    day = _day(on)
    errors = []
    if not document_no.strip():
        errors.append(FieldError("document_no", "required", N_("This field is required")))
    if not authority.strip():
        errors.append(FieldError("authority", "required", N_("This field is required")))
    if errors:
        raise invalid(errors)
    assert row.statement_due is not None  # set at notice
    if day <= row.statement_due:
        raise conflict(
            "statement_period_running",
            N_("The party may still state its case"),
            row.statement_due.isoformat(),
        )
    shown = listing.publicity(row.class_, day, row.region_code, work_calendar(session))
    before = snapshot(row)
    title = f"列入失信名单决定书 {document_no.strip()}"
    row.deposit_id = _deposit(
        session,
        who,
        store,
        title,
        [
            f"当事人：{row.entity_name}（统一社会信用代码：{row.entity_uscc or '无'}）",
            f"失信行为：{row.behaviour}；类别：{row.class_.value}",
            f"依据：{row.basis}",
            f"公示期限至：{shown.max_until.isoformat()}",
            f"{authority.strip()} {day.isoformat()}",
        ],
        row.region_code,
        {"listing_id": row.id, "decided_on": day.isoformat(), "number": document_no.strip()},
        request_id,
    )
    row.status = ListingStatus.LISTED
    row.decided_on = day
    row.published_on = day if shown.published else None
    row.publicity_min_until = shown.min_until
    row.publicity_max_until = shown.max_until
    row.document_no = document_no.strip()[:100]
    row.authority = authority.strip()[:200]
    row.data = {**row.data, "publicity_rule": shown.source}
    actor = who.actor(request_id)
    service.record(
        session,
        actor,
        service.Entry(
            kind=RecordKind.LISTING,
            entity_name=row.entity_name,
            entity_uscc=row.entity_uscc,
            region_code=row.region_code,
            occurred_on=day,
            title="列入失信名单",
            summary=row.basis,
            authority=row.authority,
            document_no=row.document_no,
            source_kind="credit_listing",
            source_id=row.id,
        ),
        created_by=who.user_id,
    )
    session.flush()
    _audit(session, actor, "listed", row, before)
    return row


def withdraw(
    session: Session,
    who: Principal,
    row: CreditListing,
    store: BlobStore,
    reason: str,
    on: dt.date | None = None,
    request_id: str | None = None,
) -> CreditListing:
    """Decide not to list (不予列入), e.g. after the party stated its case; the decision is
    deposited like a listing decision. Flushes."""
    _officer(who, row.region_code)
    _status(row, ListingStatus.PROPOSED, ListingStatus.NOTICED)
    day = _day(on)
    if not reason.strip():
        raise invalid([FieldError("reason", "required", N_("This field is required"))])
    before = snapshot(row)
    row.deposit_id = _deposit(
        session,
        who,
        store,
        f"不予列入失信名单决定 {row.id}",
        [f"当事人：{row.entity_name}", f"理由：{reason.strip()}", day.isoformat()],
        row.region_code,
        {"listing_id": row.id, "decided_on": day.isoformat()},
        request_id,
    )
    row.status = ListingStatus.WITHDRAWN
    row.data = {**row.data, "withdrawn_on": day.isoformat(), "withdrawn_reason": reason.strip()}
    session.flush()
    _audit(session, who.actor(request_id), "withdrawn", row, before)
    return row


# ---------------------------------------------------------------- repair


def apply_repair(
    session: Session,
    who: Principal,
    row: CreditListing,
    grounds: dict[str, Any],
    on: dt.date | None = None,
    request_id: str | None = None,
) -> CreditRepair:
    """Apply for credit repair (NDRC Order No. 36; Order No. 58 before 2026-04-01): after the
    publicity minimum, having corrected the act, performed the obligations and made a public
    commitment. The applicant for their own entity, or a credit officer on its behalf."""
    if who.role is Role.APPLICANT:
        if not who.entity_uscc or who.entity_uscc != row.entity_uscc:
            raise forbidden()
    else:
        _officer(who, row.region_code)
    _status(row, ListingStatus.LISTED)
    day = _day(on)
    errors = [
        FieldError(name, "required_for_repair", N_("Repair requires this condition"))
        for name in REPAIR_GROUNDS
        if grounds.get(name) is not True
    ]
    if errors:
        raise invalid(errors)
    if row.publicity_min_until is not None and day <= row.publicity_min_until:
        raise conflict(
            "minimum_running",
            N_("Repair may be applied for only after the minimum publicity period"),
            row.publicity_min_until.isoformat(),
        )
    if session.scalar(
        select(CreditRepair.id).where(
            CreditRepair.listing_id == row.id, CreditRepair.status == RepairStatus.APPLIED
        )
    ):
        raise conflict("repair_pending", N_("An application for repair is already pending"))
    repair = CreditRepair(
        listing_id=row.id,
        applied_on=day,
        grounds={
            **dict.fromkeys(REPAIR_GROUNDS, True),
            "text": str(grounds.get("text") or "").strip(),
        },
        status=RepairStatus.APPLIED,
    )
    session.add(repair)
    session.flush()
    audit.record(
        session,
        who.actor(request_id),
        "credit.repair.applied",
        "credit_repair",
        repair.id,
        region_code=row.region_code,
        after={"listing_id": row.id, "applied_on": day.isoformat()},
    )
    return repair


def review_repair(
    session: Session,
    who: Principal,
    repair: CreditRepair,
    store: BlobStore,
    *,
    approve: bool,
    reason: str = "",
    on: dt.date | None = None,
    request_id: str | None = None,
) -> CreditRepair:
    """A credit officer approves (the listing is repaired and leaves the list) or refuses (with
    a reason) an application for repair. The decision is deposited. Flushes."""
    row = session.get(CreditListing, repair.listing_id)
    assert row is not None  # foreign key
    _officer(who, row.region_code)
    if repair.status is not RepairStatus.APPLIED:
        raise conflict("already_reviewed", N_("The application was already decided"))
    day = _day(on)
    if day < repair.applied_on:
        raise invalid(
            [FieldError("on", "before_application", N_("The date is before the application"))]
        )
    if not approve and not reason.strip():
        raise invalid([FieldError("reason", "required", N_("This field is required"))])
    _status(row, ListingStatus.LISTED)
    actor = who.actor(request_id)
    outcome = "同意信用修复" if approve else f"不予信用修复：{reason.strip()}"
    _deposit(
        session,
        who,
        store,
        f"信用修复决定 {row.document_no or row.id}-{repair.id}",
        [f"当事人：{row.entity_name}", f"列入决定：{row.document_no}", outcome, day.isoformat()],
        row.region_code,
        {"listing_id": row.id, "repair_id": repair.id, "decided_on": day.isoformat()},
        request_id,
    )
    repair.status = RepairStatus.APPROVED if approve else RepairStatus.REFUSED
    repair.reviewed_on = day
    repair.reviewed_by = who.user_id
    repair.reason = reason.strip()
    audit.record(
        session,
        actor,
        f"credit.repair.{repair.status.value}",
        "credit_repair",
        repair.id,
        region_code=row.region_code,
        after={"listing_id": row.id, "reviewed_on": day.isoformat(), "reason": repair.reason},
    )
    if approve:
        before = snapshot(row)
        row.status = ListingStatus.REPAIRED
        row.repaired_on = day
        service.record(
            session,
            actor,
            service.Entry(
                kind=RecordKind.REPAIR,
                entity_name=row.entity_name,
                entity_uscc=row.entity_uscc,
                region_code=row.region_code,
                occurred_on=day,
                title="信用修复，移出失信名单",
                summary=repair.grounds.get("text", ""),
                authority=row.authority,
                document_no=row.document_no,
                source_kind="credit_repair",
                source_id=repair.id,
            ),
            created_by=who.user_id,
        )
        session.flush()
        _audit(session, actor, "repaired", row, before)
    session.flush()
    return repair


# ---------------------------------------------------------------- expiry


def sweep(session: Session, on: dt.date) -> list[CreditListing]:
    """Expire the listings whose publicity maximum ended before `on` (期满移出). Idempotent and
    safe to run from cron several at once: each listing is moved by a conditional update, so
    only one sweep expires (and audits) it; `expired_on` is the first day off the list, whenever
    the sweep runs. Flushes; the caller commits."""
    due = session.scalars(
        select(CreditListing.id)
        .where(
            CreditListing.status == ListingStatus.LISTED,
            CreditListing.publicity_max_until < on,
        )
        .order_by(CreditListing.id)
    ).all()
    expired = []
    for listing_id in due:
        row = session.get(CreditListing, listing_id)
        assert row is not None  # just selected
        assert row.publicity_max_until is not None  # filtered above
        before = snapshot(row)
        moved = session.execute(
            update(CreditListing)
            .where(CreditListing.id == listing_id, CreditListing.status == ListingStatus.LISTED)
            .values(
                status=ListingStatus.EXPIRED,
                expired_on=row.publicity_max_until + dt.timedelta(days=1),
                updated_at=utcnow(),
            )
            .execution_options(synchronize_session=False)
        )
        session.refresh(row)
        if getattr(moved, "rowcount", 0) == 1:
            _audit(session, audit.SYSTEM, "expired", row, before)
            expired.append(row)
    session.flush()
    return expired
