"""The officer's work queue: every open deadline an officer owns, in the caller's scope, the
binding date first, each flagged overdue or due soon, with the reminders the sweep raised.

A deadline comes from a *source*: a function that returns one SELECT of the open deadlines of
one kind with the columns of `COLUMNS`, already narrowed by the filters it can apply, or None
when no deadline of its kind can pass them. The sources are

- `acceptance`: complaints awaiting the acceptance decision (`Case.acceptance_due`, 市场监督管理
  投诉举报处理暂行办法 art. 14);
- `step`: open channel steps with a deadline, extended if an extension was approved; a paused
  step's clock stands still, so it is never overdue nor due soon;
- `publicity`: penalty decisions issued and not yet published (双公示, credit's publications,
  read through `credit.publicity`), on the step the decision was issued at.

The queue is the UNION ALL of the sources, sorted and paginated in the database: the pager's
count over the sources, and for the page each source's first `offset + size` rows in queue
order, so that no source's whole scope is sorted. The sources read one table each (the case's
tracking code and track are read for the page's rows only), and filter the scope by ranges of
region codes, which indexes serve where `LIKE 'prefix%'` is served by none (SQLite's LIKE
ignores case; PostgreSQL's needs the C collation); `publicity` joins its decisions' documents
too, for their cases. Another kind of deadline joins the queue as one more function in
`SOURCES`.
Deadlines counted in a year without an official calendar are provisional.
"""

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Integer,
    Select,
    String,
    and_,
    cast,
    false,
    func,
    literal_column,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session

from ipprotect.cases import access
from ipprotect.cases.channels.models import CaseStep
from ipprotect.cases.documents.models import CaseDocument
from ipprotect.cases.models import Case, CaseEvent, CaseStatus, Channel, Track
from ipprotect.core import scope as scopes
from ipprotect.core import tabular
from ipprotect.core.auth import Principal, Role
from ipprotect.core.calendar import ONE_DAY, WorkCalendar
from ipprotect.core.calendar_store import work_calendar
from ipprotect.core.errors import forbidden
from ipprotect.core.pagination import MAX_PAGE_SIZE, Page
from ipprotect.credit import publicity as credit_publicity

QUEUE_ROLES = (*access.HANDLERS, Role.MEDIATOR)

# The columns every source selects, in this order.
COLUMNS = (
    "source",
    "case_id",
    "step_id",
    "region_code",
    "channel",
    "step",
    "assignee_id",
    "due_on",
    "provisional",
    "paused_since",
)

# Reminders the sweep raises (cases.sweep), one per deadline, level and due date.
REMINDER_DUE_SOON = "reminder.due_soon"
REMINDER_OVERDUE = "reminder.overdue"
REMINDER_KINDS = (REMINDER_DUE_SOON, REMINDER_OVERDUE)

Due = Literal["overdue", "soon"]


@dataclass(frozen=True)
class QueueFilters:
    due: Due | None = None  # overdue only, or due soon only (not yet overdue)
    channel: Channel | None = None
    track: Track | None = None
    assignee_id: int | None = None


@dataclass(frozen=True)
class QueueQuery:
    """What a source needs: whose deadlines, the filters, and the day's limits."""

    scope: scopes.Scope
    filters: QueueFilters
    today: dt.date
    soon_until: dt.date  # the last day still "due soon"
    mediator_id: int | None = None  # a mediator sees only the steps assigned to them


@dataclass(frozen=True)
class QueueItem:
    source: str  # "acceptance", "step", ...: the kind of deadline
    case_id: int
    step_id: int | None
    tracking_code: str
    region_code: str
    track: Track
    channel: Channel | None
    step: str  # the step's state name; "acceptance" for the acceptance decision
    assignee_id: int | None
    due_on: dt.date
    provisional: bool  # counted in a year without an official calendar
    paused: bool
    overdue: bool
    due_soon: bool
    reminded: str | None = None  # the last reminder raised for this deadline and due date

    @property
    def key(self) -> str:
        """Names the deadline across sweeps: the source and the row it lives on."""
        return deadline_key(self.source, self.case_id, self.step_id)


def deadline_key(source: str, case_id: int, step_id: int | None) -> str:
    return f"{source}:{step_id if step_id is not None else case_id}"


def soon_until(today: dt.date, working_days: int, cal: WorkCalendar) -> dt.date:
    """The last day that lies within `working_days` working days of today: the day before the
    next working day after those. Non-working days after the last one still count as soon,
    since a deadline on them rolls forward to the next working day anyway."""
    d, counted = today, 0
    while True:
        d += ONE_DAY
        if cal.is_workday(d):
            counted += 1
            if counted > working_days:
                return d - ONE_DAY


def in_scope(column: Any, scope: scopes.Scope) -> ColumnElement[bool]:
    """`scope.clause` as ranges: region codes are digits, so the codes starting with "3301"
    are those from "3301" up to, not including, "3302"."""
    if scope.national:
        return true()
    if not scope.prefixes:
        return false()
    return or_(
        *(and_(column >= p, column < p[:-1] + chr(ord(p[-1]) + 1)) for p in sorted(scope.prefixes))
    )


def _due_window(stmt: Select[Any], due: Any, paused: Any | None, q: QueueQuery) -> Select[Any]:
    if q.filters.due is None:
        return stmt
    if paused is not None:
        stmt = stmt.where(paused.is_(None))
    if q.filters.due == "overdue":
        return stmt.where(due < q.today)
    return stmt.where(due >= q.today, due <= q.soon_until)


def acceptance_source(q: QueueQuery) -> Select[Any] | None:
    """Complaints received and not yet accepted or refused."""
    f = q.filters
    if q.mediator_id is not None or f.channel is not None or f.assignee_id is not None:
        return None  # no channel yet, and nobody is assigned to the decision
    columns: list[Any] = [
        literal_column("'acceptance'", String).label("source"),
        Case.id.label("case_id"),
        cast(null(), Integer).label("step_id"),
        Case.region_code,
        cast(null(), String).label("channel"),
        literal_column("'acceptance'", String).label("step"),
        cast(null(), Integer).label("assignee_id"),
        Case.acceptance_due.label("due_on"),
        Case.acceptance_due_provisional.label("provisional"),
        cast(null(), CaseStep.paused_since.type).label("paused_since"),
    ]
    stmt: Select[Any] = select(*columns).where(
        Case.status == CaseStatus.RECEIVED, in_scope(Case.region_code, q.scope)
    )
    if f.track is not None:
        stmt = stmt.where(Case.track == f.track)
    return _due_window(stmt, Case.acceptance_due, None, q)


def step_due() -> Any:
    """The deadline that binds an open step: the extended one when an extension was approved."""
    return func.coalesce(CaseStep.extended_to, CaseStep.due_on)


def step_source(q: QueueQuery) -> Select[Any] | None:
    """Open channel steps with a deadline."""
    f = q.filters
    due = step_due()
    stmt: Select[Any] = (
        select(
            literal_column("'step'", String).label("source"),
            CaseStep.case_id,
            CaseStep.id.label("step_id"),
            CaseStep.region_code,
            CaseStep.channel,
            CaseStep.step,
            CaseStep.assignee_id,
            due.label("due_on"),
            CaseStep.due_provisional.label("provisional"),
            CaseStep.paused_since,
        )
        .where(CaseStep.done_on.is_(None), CaseStep.due_on.is_not(None))
        .where(in_scope(CaseStep.region_code, q.scope))
    )
    if q.mediator_id is not None:
        stmt = stmt.where(CaseStep.assignee_id == q.mediator_id)
    if f.assignee_id is not None:
        stmt = stmt.where(CaseStep.assignee_id == f.assignee_id)
    if f.channel is not None:
        stmt = stmt.where(CaseStep.channel == f.channel)
    if f.track is not None:
        stmt = stmt.join(Case, Case.id == CaseStep.case_id).where(Case.track == f.track)
    return _due_window(stmt, due, CaseStep.paused_since, q)


def publicity_source(q: QueueQuery) -> Select[Any] | None:
    """Penalty decisions still to publish (双公示, publicity.dual_publicity), from credit's
    publications, on the step where each decision was issued."""
    f = q.filters
    if q.mediator_id is not None or f.assignee_id is not None:
        return None  # publication is the region's duty, nobody's assignment
    if f.channel not in (None, Channel.ADMIN_PENALTY):
        return None
    due = credit_publicity.pending_penalty_decisions().subquery("publicity")
    stmt: Select[Any] = (
        select(
            literal_column("'publicity'", String).label("source"),
            CaseDocument.case_id,
            CaseDocument.step_id,
            due.c.region_code,
            literal_column(f"'{Channel.ADMIN_PENALTY.value}'", String).label("channel"),
            literal_column("'publicity'", String).label("step"),
            cast(null(), Integer).label("assignee_id"),
            due.c.publicity_due.label("due_on"),
            CaseDocument.publicity_provisional.label("provisional"),
            cast(null(), CaseStep.paused_since.type).label("paused_since"),
        )
        .join(CaseDocument, CaseDocument.id == due.c.source_id)
        .where(in_scope(due.c.region_code, q.scope))
    )
    if f.track is not None:
        stmt = stmt.join(Case, Case.id == CaseDocument.case_id).where(Case.track == f.track)
    return _due_window(stmt, due.c.publicity_due, None, q)


Source = Callable[[QueueQuery], Select[Any] | None]

SOURCES: tuple[Source, ...] = (acceptance_source, step_source, publicity_source)


ORDER = ("due_on", "case_id", "step_id")


def _sources(q: QueueQuery) -> list[Select[Any]]:
    return [s for s in (source(q) for source in SOURCES) if s is not None]


def _ordered(parts: list[Select[Any]], limit: int | None = None) -> Select[Any]:
    """The union in queue order; with `limit`, of each part's first `limit` rows only."""
    if limit is not None:
        parts = [select(*p.order_by(*ORDER).limit(limit).subquery().c) for p in parts]
    queue = union_all(*parts).subquery("queue")
    return select(*(queue.c[name] for name in COLUMNS)).order_by(*(queue.c[n] for n in ORDER))


def _items(session: Session, rows: Sequence[Any], q: QueueQuery) -> list[QueueItem]:
    """The rows as queue items, with their cases' tracking codes and tracks (one query)."""
    cases = {
        r.id: r
        for start in range(0, len(rows), 500)
        for r in session.execute(
            select(Case.id, Case.tracking_code, Case.track).where(
                Case.id.in_({row.case_id for row in rows[start : start + 500]})
            )
        )
    }
    return [_item(row, cases[row.case_id], q) for row in rows]


def _item(row: Any, case: Any, q: QueueQuery) -> QueueItem:
    paused = row.paused_since is not None
    overdue = not paused and row.due_on < q.today
    soon = not paused and not overdue and row.due_on <= q.soon_until
    return QueueItem(
        source=row.source,
        case_id=row.case_id,
        step_id=row.step_id,
        tracking_code=case.tracking_code,
        region_code=row.region_code,
        track=Track(case.track),
        channel=Channel(row.channel) if row.channel else None,
        step=row.step,
        assignee_id=row.assignee_id,
        due_on=row.due_on,
        provisional=bool(row.provisional),
        paused=paused,
        overdue=overdue,
        due_soon=soon,
    )


def query_for(
    session: Session, who: Principal, f: QueueFilters, today: dt.date, soon_days: int
) -> QueueQuery:
    """The caller's view of the queue; officers and administrators of a region, and mediators
    (their assigned steps only)."""
    if who.role not in QUEUE_ROLES:
        raise forbidden()
    return QueueQuery(
        scope=who.scope,
        filters=f,
        today=today,
        soon_until=soon_until(today, soon_days, work_calendar(session)),
        mediator_id=(who.user_id or 0) if who.role is Role.MEDIATOR else None,
    )


def deadline_page(session: Session, q: QueueQuery, number: int, size: int) -> Page[QueueItem]:
    """A page as `core.pagination.paginate` makes one (same bounds, no rows past the end),
    with each source limited to the rows the page can need."""
    size = min(max(size, 1), MAX_PAGE_SIZE)
    number = max(number, 1)
    parts = _sources(q)
    if not parts:
        return Page([], 0, number, size)
    # Counted on a constant: SQLite reads the columns a union's parts select, even unused.
    counted: CompoundSelect[Any] = union_all(
        *(p.with_only_columns(literal_column("1")) for p in parts)
    )
    total = session.scalar(select(func.count()).select_from(counted.subquery())) or 0
    offset = (number - 1) * size
    rows: list[Any] = []
    if total > offset:
        stmt = _ordered(parts, limit=offset + size).limit(size).offset(offset)
        rows = list(session.execute(stmt).all())
    return Page(with_reminders(session, _items(session, rows, q)), total, number, size)


def open_deadlines(session: Session, q: QueueQuery) -> Iterator[QueueItem]:
    """Every deadline that passes the filters, in queue order, streamed."""
    parts = _sources(q)
    if not parts:
        return
    result = session.execute(_ordered(parts).execution_options(yield_per=1000))
    for rows in result.partitions():
        yield from _items(session, rows, q)


def work_queue(
    session: Session,
    who: Principal,
    f: QueueFilters,
    today: dt.date,
    soon_days: int,
    number: int = 1,
    size: int = 50,
) -> Page[QueueItem]:
    """One page of the caller's queue, the binding date first."""
    return deadline_page(session, query_for(session, who, f, today, soon_days), number, size)


# ---------------------------------------------------------------- reminders


def reminders_by_deadline(
    session: Session, case_ids: Iterable[int]
) -> dict[tuple[str, dt.date], list[CaseEvent]]:
    """The reminders raised on these cases, by (deadline key, due date), oldest first."""
    ids = sorted(set(case_ids))
    found: dict[tuple[str, dt.date], list[CaseEvent]] = {}
    for start in range(0, len(ids), 500):
        stmt = (
            select(CaseEvent)
            .where(CaseEvent.case_id.in_(ids[start : start + 500]))
            .where(CaseEvent.kind.in_(REMINDER_KINDS))
            .order_by(CaseEvent.id)
        )
        for event in session.scalars(stmt):
            if event.due_on is not None:
                found.setdefault((event.data.get("deadline", ""), event.due_on), []).append(event)
    return found


def with_reminders(session: Session, items: Sequence[QueueItem]) -> list[QueueItem]:
    raised = reminders_by_deadline(session, (i.case_id for i in items))
    out = []
    for item in items:
        events = raised.get((item.key, item.due_on))
        level = events[-1].kind.removeprefix("reminder.") if events else None
        out.append(replace(item, reminded=level))
    return out


def reminders_of(session: Session, case: Case) -> list[CaseEvent]:
    """The reminders raised on a case, newest first (the case page)."""
    stmt = (
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id, CaseEvent.kind.in_(REMINDER_KINDS))
        .order_by(CaseEvent.id.desc())
    )
    return list(session.scalars(stmt))


# ---------------------------------------------------------------- export

EXPORT_COLUMNS = [
    "source",
    "tracking_code",
    "region_code",
    "track",
    "channel",
    "step",
    "assignee_id",
    "due_on",
    "provisional",
    "paused",
    "overdue",
    "due_soon",
]

Encoding = Literal["utf-8", "gb18030"]


def export_rows(session: Session, q: QueueQuery) -> Iterator[list[Any]]:
    def yes(flag: bool) -> str:
        return "yes" if flag else "no"

    for i in open_deadlines(session, q):
        yield [
            i.source,
            i.tracking_code,
            i.region_code,
            i.track.value,
            i.channel.value if i.channel else "",
            i.step,
            i.assignee_id or "",
            i.due_on.isoformat(),
            yes(i.provisional),
            yes(i.paused),
            yes(i.overdue),
            yes(i.due_soon),
        ]


def iter_export(
    fmt: tabular.Format, encoding: Encoding, rows: Iterable[Sequence[Any]]
) -> Iterator[bytes]:
    """XLSX, or CSV in UTF-8 with a BOM (`core.tabular`) or in GB18030 without one, for the
    spreadsheet programs set to the Chinese code page."""
    if fmt == "xlsx" or encoding == "utf-8":
        yield from tabular.iter_export(fmt, EXPORT_COLUMNS, rows, title="queue")
        return

    def line(row: Sequence[Any]) -> bytes:
        text = io.StringIO()
        csv.writer(text).writerow(row)
        return text.getvalue().encode("gb18030")

    yield line(EXPORT_COLUMNS)
    for row in rows:
        yield line(row)


def media_type(fmt: tabular.Format, encoding: Encoding) -> str:
    if fmt == "csv" and encoding == "gb18030":
        return "text/csv; charset=gb18030"
    return tabular.MEDIA_TYPES[fmt]
