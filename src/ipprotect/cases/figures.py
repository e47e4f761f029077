"""Figures of case handling for a region and a period, for the demonstration-zone evaluation
(国家知识产权保护示范区建设方案 2022: the indicators of protection efficiency) and for the
offices themselves. Pure reads over the database; the zones domain builds its indicators on them.

The period is a range of legal days (Asia/Shanghai dates), both ends included. Each figure
counts what happened in it:

- received: complaints received in the period; accepted / rejected: acceptance decisions made
  in it; closed: cases closed (结案) in it;
- closure time: for the cases closed in the period, calendar days from receipt to closure,
  median and mean, by track (繁简分流) and by the channel of the final step;
- overdue rate: of the deadlines whose binding date (extended if an extension was approved)
  falls in the period and is no later than `today`, the share not met by that date: met
  later, or still open with the date passed (a paused step's clock stands still: not missed);
- mediation success rate: mediations (the `mediating` step) ended in the period that ended in
  an agreement, over all that ended;
- transfers to the police (移送公安): the steps of channel `criminal_transfer` begun in the
  period, by step (`proposed`, `approved`, `transferred`), whichever exist;
- punitive damages applied: cases with a damages assessment recorded in the period
  (`damages.assessed` case events, `cases.damages`) whose punitive amount is above zero.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from ipprotect.cases import damages
from ipprotect.cases.channels.models import CaseStep
from ipprotect.cases.channels.queue import step_due
from ipprotect.cases.models import Case, CaseEvent, CaseStatus, Channel
from ipprotect.core import scope as scopes

MEDIATING = "mediating"  # the step of a mediation in progress (channels.mediation)
AGREEMENTS = ("agree", "agree_on_ownership")  # the transitions that end it in an agreement

RATE = Decimal("0.0001")
DAYS = Decimal("0.1")


@dataclass(frozen=True)
class ClosureTime:
    cases: int
    median_days: Decimal
    mean_days: Decimal


@dataclass(frozen=True)
class Figures:
    region: str
    start: dt.date
    end: dt.date
    received: int
    accepted: int
    rejected: int
    closed: int
    closure_by_track: dict[str, ClosureTime]
    closure_by_channel: dict[str, ClosureTime]
    deadlines: int  # binding dates in the period, up to today
    deadlines_missed: int
    overdue_rate: Decimal | None  # None when no deadline fell in the period
    mediations_ended: int
    mediation_agreements: int
    mediation_success_rate: Decimal | None
    transfers: dict[str, int]  # criminal transfer steps begun, by step
    punitive_damages_applied: int


def _rate(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) / Decimal(whole)).quantize(RATE, ROUND_HALF_UP) if whole else None


def closure_time(days: list[int]) -> ClosureTime:
    ordered = sorted(days)
    n = len(ordered)
    mid = n // 2
    median = Decimal(ordered[mid]) if n % 2 else Decimal(ordered[mid - 1] + ordered[mid]) / 2
    mean = Decimal(sum(ordered)) / n
    return ClosureTime(n, median.quantize(DAYS, ROUND_HALF_UP), mean.quantize(DAYS, ROUND_HALF_UP))


def _count(session: Session, stmt: Select[Any]) -> int:
    return session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def figures(session: Session, region: str, start: dt.date, end: dt.date, today: dt.date) -> Figures:
    """The figures of the cases of `region` (a GB/T 2260 code and its subtree) for the period
    from `start` to `end`, both included, as they stand on `today`."""
    where = scopes.Scope.of([region]).clause(Case.region_code)

    def within(column: Any) -> Any:
        return and_(column >= start, column <= end)

    cases = select(Case.id).where(where)
    received = _count(session, cases.where(within(Case.received_on)))
    decided = cases.where(within(Case.decided_on))
    rejected = _count(session, decided.where(Case.status == CaseStatus.REJECTED))
    accepted = _count(session, decided.where(Case.status != CaseStatus.REJECTED))

    closures = session.execute(
        select(Case.track, Case.closed_as, Case.received_on, Case.closed_on).where(
            where, within(Case.closed_on)
        )
    ).all()
    by_track: dict[str, list[int]] = defaultdict(list)
    by_channel: dict[str, list[int]] = defaultdict(list)
    for track, closed_as, received_on, closed_on in closures:
        assert closed_on is not None  # selected by its closing day
        days = (closed_on - received_on).days
        by_track[track.value].append(days)
        by_channel[(closed_as or "").split(".")[0]].append(days)

    deadlines, missed = _deadlines(session, where, start, min(end, today), today)

    mediations = session.execute(
        select(CaseStep.outcome)
        .join(Case, Case.id == CaseStep.case_id)
        .where(
            where,
            CaseStep.channel == Channel.MEDIATION,
            CaseStep.step == MEDIATING,
            within(CaseStep.done_on),
        )
    ).all()
    agreements = sum(1 for (outcome,) in mediations if outcome in AGREEMENTS)

    steps_table = CaseStep.__table__
    transfers: dict[str, int] = dict(
        session.execute(
            select(steps_table.c.step, func.count())
            .join(Case, Case.id == steps_table.c.case_id)
            .where(where, steps_table.c.channel == Channel.CRIMINAL_TRANSFER.value)
            .where(within(steps_table.c.started_on))
            .group_by(steps_table.c.step)
        ).all()
    )

    return Figures(
        region=region,
        start=start,
        end=end,
        received=received,
        accepted=accepted,
        rejected=rejected,
        closed=len(closures),
        closure_by_track={k: closure_time(v) for k, v in sorted(by_track.items())},
        closure_by_channel={k: closure_time(v) for k, v in sorted(by_channel.items())},
        deadlines=deadlines,
        deadlines_missed=missed,
        overdue_rate=_rate(missed, deadlines),
        mediations_ended=len(mediations),
        mediation_agreements=agreements,
        mediation_success_rate=_rate(agreements, len(mediations)),
        transfers={str(k): int(v) for k, v in sorted(transfers.items())},
        punitive_damages_applied=_punitive(session, where, within),
    )


def _deadlines(
    session: Session, where: Any, start: dt.date, last: dt.date, today: dt.date
) -> tuple[int, int]:
    """(deadlines whose binding date lies from `start` to `last`, those of them missed)."""
    if last < start:
        return 0, 0
    # The acceptance decision (市场监督管理投诉举报处理暂行办法 art. 14).
    acceptance = select(Case.id).where(
        where, Case.acceptance_due >= start, Case.acceptance_due <= last
    )
    acceptance_missed = acceptance.where(
        or_(
            Case.decided_on > Case.acceptance_due,
            and_(Case.decided_on.is_(None), Case.acceptance_due < today),
        )
    )
    due = step_due()
    steps = (
        select(CaseStep.id)
        .join(Case, Case.id == CaseStep.case_id)
        .where(where, CaseStep.due_on.is_not(None), due >= start, due <= last)
    )
    steps_missed = steps.where(
        or_(
            CaseStep.done_on > due,
            and_(CaseStep.done_on.is_(None), CaseStep.paused_since.is_(None), due < today),
        )
    )
    total = _count(session, acceptance) + _count(session, steps)
    return total, _count(session, acceptance_missed) + _count(session, steps_missed)


def _punitive(session: Session, where: Any, within: Any) -> int:
    """Cases with a recorded damages assessment in the period whose punitive part is above
    zero (the amount is kept as text in yuan, "0.00" when none was applied)."""
    rows = session.execute(
        select(CaseEvent.case_id, CaseEvent.data)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(where, CaseEvent.kind == damages.KIND, within(CaseEvent.on))
    ).all()
    return len({case_id for case_id, data in rows if Decimal(data.get("punitive") or "0") > 0})
