"""Damages inside a case: an officer runs the calculator (`damages.service.estimate`) on the
case's figures and records the result on the case, as a case event and an audit event in the
same transaction. The record keeps the law, the decision date, the amounts, the reading of the
punitive formula applied and the steps' legal sources, so the figure can be explained later
and the zone figures can count the cases where punitive damages were applied. Callers commit.
"""

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ipprotect.cases import access
from ipprotect.cases.models import Case, CaseEvent
from ipprotect.core import audit
from ipprotect.core.auth import Principal
from ipprotect.core.errors import forbidden
from ipprotect.damages import service as damages
from ipprotect.damages.model import Claim, Result
from ipprotect.settings import Settings

KIND = "damages.assessed"


@dataclass(frozen=True)
class Assessment:
    """A recorded result, as the case page and the API show it."""

    event_id: int
    recorded_on: date
    law: str
    decided_on: date
    compensatory: Decimal | None
    punitive: Decimal
    reasonable_expenses: Decimal
    total: Decimal | None
    reading: str
    reading_applied: bool
    sources: list[str]


def _text(amount: Decimal | None) -> str | None:
    return None if amount is None else f"{amount:.2f}"


def _record(result: Result) -> dict[str, Any]:
    claim = result.claim
    return {
        "law": claim.law,
        "decided_on": claim.decided_on.isoformat(),
        "method": result.method,
        "compensatory": _text(result.compensatory),
        "punitive": _text(result.punitive),
        "punitive_multiplier": _text(claim.punitive_multiplier),
        "reasonable_expenses": _text(result.reasonable_expenses),
        "total": _text(result.total),
        "reading": result.reading.reading.value,
        "reading_applied": result.reading.applied,
        "sources": list(dict.fromkeys(step.source.text for step in result.steps)),
    }


def assess(
    session: Session,
    who: Principal,
    case: Case,
    claim: Claim,
    settings: Settings,
    today: date,
    request_id: str | None = None,
) -> tuple[Result, CaseEvent]:
    """Compute damages for the case (a 422 lists every bad field) and record the result.
    The claim's region is the case's: a region's version of a rule applies to its cases."""
    if not (access.may_handle(who) and access.can_see(who, case)):
        raise forbidden()
    claim = replace(claim, region_code=case.region_code)
    result = damages.estimate(claim, settings)
    data = _record(result)
    event = CaseEvent(case_id=case.id, kind=KIND, on=today, data=data)
    session.add(event)
    session.flush()
    audit.record(
        session,
        who.actor(request_id),
        "case.damages_assessed",
        "case",
        case.id,
        region_code=case.region_code,
        before=None,
        after=data,
    )
    return result, event


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def assessments_of(session: Session, case: Case) -> list[Assessment]:
    """The results recorded on the case, the latest first."""
    stmt = (
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id, CaseEvent.kind == KIND)
        .order_by(CaseEvent.id.desc())
    )
    return [
        Assessment(
            event_id=e.id,
            recorded_on=e.on,
            law=e.data["law"],
            decided_on=date.fromisoformat(e.data["decided_on"]),
            compensatory=_decimal(e.data["compensatory"]),
            punitive=Decimal(e.data["punitive"]),
            reasonable_expenses=Decimal(e.data["reasonable_expenses"]),
            total=_decimal(e.data["total"]),
            reading=e.data["reading"],
            reading_applied=e.data["reading_applied"],
            sources=e.data["sources"],
        )
        for e in session.scalars(stmt)
    ]
