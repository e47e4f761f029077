"""The deadline sweep (`ipprotect cases sweep`): a reminder for every open deadline that is due
soon or overdue, raised once per deadline, level and due date.

A reminder is a case event of kind `reminder.due_soon` or `reminder.overdue` whose `due_on` is
the date it reminds of and whose `data["deadline"]` names the deadline (`queue.deadline_key`),
with an audit event by the system in the same transaction. A deadline moved by an extension or
a pause gets its reminders again for the new date. The sweep runs in one transaction that first
takes a lock every other sweep waits for (a transaction-level advisory lock on PostgreSQL, the
database's write lock on SQLite), then reads which reminders exist: two sweeps at once, or one
a minute from cron, never raise a reminder twice.
"""

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import text, update
from sqlalchemy.orm import Session

from ipprotect.cases.channels import queue
from ipprotect.cases.models import CaseEvent
from ipprotect.core import audit
from ipprotect.core.calendar_store import work_calendar
from ipprotect.core.scope import NATIONAL, Scope

# Any constant shared by every sweep: the key of PostgreSQL's advisory lock ("ipp" "swp").
ADVISORY_LOCK_KEY = 0x69707073_7770

BATCH = 1000


@dataclass
class SweepResult:
    today: dt.date
    checked: int = 0  # open deadlines due soon or overdue
    raised: dict[str, int] = field(default_factory=lambda: {"due_soon": 0, "overdue": 0})
    already: int = 0  # reminded before for the same level and due date

    @property
    def total_raised(self) -> int:
        return sum(self.raised.values())


def _lock(session: Session) -> None:
    """Wait until no other sweep is running, and hold them off until this one commits."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
        return
    # SQLite: a write, even one that changes no row, takes the database's write lock, which
    # the driver's busy timeout makes every other writer wait for. It is the transaction's
    # first statement, so what the sweep reads next is what the last sweep committed.
    session.execute(update(CaseEvent).where(CaseEvent.id == 0).values(kind=CaseEvent.kind))


def sweep(session: Session, today: dt.date, soon_days: int) -> SweepResult:
    """Raise the reminders due on `today`. The caller commits (and so releases the lock)."""
    _lock(session)
    q = queue.QueueQuery(
        scope=Scope.of([NATIONAL]),
        filters=queue.QueueFilters(),
        today=today,
        soon_until=queue.soon_until(today, soon_days, work_calendar(session)),
    )
    result = SweepResult(today)
    # The deadlines are sorted by date: stop at the first that is neither overdue nor soon.
    batch: list[queue.QueueItem] = []
    for item in queue.open_deadlines(session, q):
        if item.due_on > q.soon_until:
            break
        if item.paused:
            continue
        batch.append(item)
        if len(batch) == BATCH:
            _raise(session, batch, result)
            batch = []
    _raise(session, batch, result)
    session.flush()
    return result


def _raise(session: Session, items: list[queue.QueueItem], result: SweepResult) -> None:
    if not items:
        return
    existing = queue.reminders_by_deadline(session, (i.case_id for i in items))
    for item in items:
        result.checked += 1
        level = "overdue" if item.overdue else "due_soon"
        kind = f"reminder.{level}"
        if any(e.kind == kind for e in existing.get((item.key, item.due_on), [])):
            result.already += 1
            continue
        data = {"deadline": item.key, "level": level, "step": item.step}
        session.add(
            CaseEvent(
                case_id=item.case_id,
                kind=kind,
                channel=item.channel,
                on=result.today,
                due_on=item.due_on,
                due_provisional=item.provisional,
                data=data,
            )
        )
        audit.record(
            session,
            audit.SYSTEM,
            f"case.{kind}",
            "case",
            item.case_id,
            region_code=item.region_code,
            after=data | {"due_on": item.due_on.isoformat()},
        )
        result.raised[level] += 1
