"""The officer's work queue: the open steps with a deadline, in the caller's scope, the nearest
deadline first, each flagged overdue or due soon. A mediator sees the steps assigned to them."""

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ipprotect.cases import access
from ipprotect.cases.channels.models import CaseStep
from ipprotect.cases.models import Case
from ipprotect.core import scope
from ipprotect.core.auth import Principal, Role
from ipprotect.core.calendar import working_days_between
from ipprotect.core.calendar_store import work_calendar
from ipprotect.core.errors import forbidden

QUEUE_ROLES = (*access.HANDLERS, Role.MEDIATOR)


@dataclass(frozen=True)
class QueueItem:
    step: CaseStep
    tracking_code: str
    due_on: dt.date
    paused: bool
    overdue: bool
    due_soon: bool


def work_queue(
    session: Session, who: Principal, today: dt.date, soon_days: int, limit: int
) -> list[QueueItem]:
    """Open steps sorted by the deadline that binds (extended if approved). A paused step is
    never overdue: its clock stands still. Due soon: within `soon_days` working days."""
    if who.role not in QUEUE_ROLES:
        raise forbidden()
    due = func.coalesce(CaseStep.extended_to, CaseStep.due_on)
    stmt = (
        select(CaseStep, Case.tracking_code)
        .join(Case, Case.id == CaseStep.case_id)
        .where(CaseStep.done_on.is_(None), CaseStep.due_on.is_not(None))
        .order_by(due, CaseStep.id)
        .limit(limit)
    )
    stmt = scope.apply(stmt, CaseStep.region_code, who.scope)
    if who.role is Role.MEDIATOR:
        stmt = stmt.where(CaseStep.assignee_id == who.user_id)
    cal = work_calendar(session)
    items = []
    for step, code in session.execute(stmt):
        on = step.effective_due
        assert on is not None  # filtered above
        paused = step.paused_since is not None
        overdue = not paused and on < today
        soon = not paused and not overdue and working_days_between(today, on, cal) <= soon_days
        items.append(QueueItem(step, code, on, paused, overdue, soon))
    return items
