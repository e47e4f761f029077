"""Reads of cases for the API, the pages and the CLI: one case (by id for those who may see it,
by tracking code for anyone holding it), the officers' list with filters sorted by acceptance
deadline, exports, the rights and evidence a case names, and its history."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ipprotect.cases import access, tracking
from ipprotect.cases.models import Case, CaseEvidence, CaseRight, CaseStatus, Channel, Track
from ipprotect.core import audit, ids
from ipprotect.core.auth import Principal
from ipprotect.core.errors import not_found
from ipprotect.core.jobs import Job
from ipprotect.core.pagination import Page, paginate
from ipprotect.core.scope import prefix_of
from ipprotect.core.text import search_text
from ipprotect.registry.models import IpRight


def get_case(session: Session, who: Principal, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None or not access.can_see(who, case):
        raise not_found("case")
    return case


def by_tracking_code(session: Session, code: str) -> Case:
    """The case the code names; whoever holds the code may follow it."""
    clean = tracking.normalise(code)
    case = (
        session.scalar(select(Case).where(Case.tracking_code == clean))
        if tracking.looks_valid(clean)
        else None
    )
    if case is None:
        raise not_found("case")
    return case


@dataclass(frozen=True)
class CaseFilters:
    status: CaseStatus | None = None
    track: Track | None = None
    channel: Channel | None = None
    region: str = ""  # a region code; its whole subtree matches
    q: str = ""  # tracking code, or part of the complainant's or respondent's name


def _select(who: Principal, f: CaseFilters) -> Select[Any]:
    stmt = select(Case).where(access.visibility(who))
    if f.status is not None:
        stmt = stmt.where(Case.status == f.status)
    if f.track is not None:
        stmt = stmt.where(Case.track == f.track)
    if f.channel is not None:
        stmt = stmt.where(Case.channel_requested == f.channel)
    if f.region:
        stmt = stmt.where(Case.region_code.startswith(prefix_of(f.region), autoescape=True))
    q = search_text(f.q)
    if q:
        code = tracking.normalise(q)
        stmt = stmt.where(
            (Case.tracking_code == code)
            | Case.complainant_name.contains(q, autoescape=True)
            | Case.respondent_name.contains(q, autoescape=True)
        )
    # The officer's order: the nearest acceptance deadline first.
    return stmt.order_by(Case.acceptance_due, Case.id)


def list_cases(
    session: Session, who: Principal, f: CaseFilters, number: int, size: int
) -> Page[Case]:
    return paginate(session, _select(who, f), number, size)


EXPORT_COLUMNS = [
    "tracking_code",
    "received_on",
    "acceptance_due",
    "provisional",
    "status",
    "track",
    "channel_requested",
    "region_code",
    "source",
    "hotline_ticket",
    "complainant_name",
    "complainant_phone",
    "respondent_name",
    "respondent_uscc",
    "amount_claimed",
]


def export_rows(session: Session, who: Principal, f: CaseFilters) -> Iterator[list[Any]]:
    """Exports leave the platform: a complainant's phone is masked (personal data)."""
    for case in session.scalars(_select(who, f).execution_options(yield_per=1000)):
        yield [
            case.tracking_code,
            case.received_on.isoformat(),
            case.acceptance_due.isoformat(),
            "yes" if case.acceptance_due_provisional else "no",
            case.status.value,
            case.track.value,
            case.channel_requested.value if case.channel_requested else "",
            case.region_code,
            case.source.value,
            case.hotline_ticket or "",
            case.complainant_name,
            ids.mask_phone(case.complainant_phone) if case.complainant_phone else "",
            case.respondent_name,
            case.respondent_uscc or "",
            case.amount_claimed_yuan or "",
        ]


def rights_of(session: Session, case: Case) -> list[IpRight]:
    stmt = (
        select(IpRight)
        .join(CaseRight, CaseRight.right_id == IpRight.id)
        .where(CaseRight.case_id == case.id)
        .order_by(IpRight.id)
    )
    return list(session.scalars(stmt))


def deposit_ids_of(session: Session, case: Case) -> list[int]:
    stmt = select(CaseEvidence.deposit_id).where(CaseEvidence.case_id == case.id)
    return sorted(session.scalars(stmt))


def history(session: Session, case: Case) -> list[audit.AuditEvent]:
    stmt = (
        select(audit.AuditEvent)
        .where(audit.AuditEvent.object_type == "case", audit.AuditEvent.object_id == str(case.id))
        .order_by(audit.AuditEvent.id)
    )
    return list(session.scalars(stmt))


def get_job(session: Session, who: Principal, job_id: int) -> Job:
    """A cases job the caller started or whose region lies in the caller's scope."""
    job = session.get(Job, job_id)
    if (
        job is None
        or not job.kind.startswith("cases.")
        or not (
            (who.user_id is not None and job.created_by == who.user_id)
            or who.scope.covers(job.region_code)
        )
    ):
        raise not_found("job")
    return job
