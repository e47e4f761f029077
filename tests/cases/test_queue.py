"""The work queue as a service: every deadline an officer owns (acceptance decisions and open
channel steps) in one order by the binding date, its filters, pagination and provisional dates,
pinned to the 2025 official calendar (National Day: Oct 1 to 8 off, Sep 28 and Oct 11 worked)."""

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from ipprotect.cases.channels import queue
from ipprotect.cases.channels import service as channels
from ipprotect.cases.models import Case, Channel, Track
from ipprotect.core.auth import Role, principal_for
from ipprotect.core.calendar import WorkCalendar
from ipprotect.core.errors import Problem
from ipprotect.core.pagination import Page
from tests.cases.channel_factories import accepted_case, mediator, officer
from tests.cases.factories import make_case
from tests.factories import BINJIANG, HANGZHOU, XIHU, make_user

D = dt.date.fromisoformat
MONDAY_BEFORE_NATIONAL_DAY = D("2025-09-29")


@dataclass
class Desk:
    """Five deadlines of one district, as they stand on Monday 2025-09-29."""

    late: Case  # received 2025-09-01: acceptance due 2025-09-10, overdue
    agreed: Case  # mediation agreement of 2025-09-01: confirmation window ends 2025-10-09
    received: Case  # received 2025-09-26: acceptance due 2025-10-13
    mediating: Case  # mediation from 2025-08-20: 45 working days end 2025-10-28
    paused: Case  # mediation from 2025-09-01, paused on 2025-09-10 for an appraisal


@pytest.fixture
def desk(db: Session) -> Desk:
    handler = officer(db)
    late = make_case(db, received_on="2025-09-01")
    received = make_case(db, received_on="2025-09-26")
    agreed = accepted_case(db, "2025-08-20")
    channels.enter(db, handler, agreed, Channel.MEDIATION, on=D("2025-08-20"))
    channels.take(db, handler, agreed, "agree", on=D("2025-09-01"))
    mediating = accepted_case(db, "2025-08-20")
    channels.enter(db, handler, mediating, Channel.MEDIATION, on=D("2025-08-20"))
    paused = accepted_case(db, "2025-09-01")
    channels.enter(db, handler, paused, Channel.MEDIATION, on=D("2025-09-01"))
    channels.pause(db, handler, paused, "鉴定", on=D("2025-09-10"))
    received.track = Track.COMPLEX
    mediating.track = Track.COMPLEX
    db.flush()
    return Desk(late, agreed, received, mediating, paused)


def _ids(page: Page[queue.QueueItem]) -> list[int]:
    return [i.case_id for i in page.items]


def test_deadlines_in_one_order_by_binding_date_over_national_day(db: Session, desk: Desk) -> None:
    page = queue.work_queue(
        db, officer(db), queue.QueueFilters(), MONDAY_BEFORE_NATIONAL_DAY, 3, 1, 50
    )
    d = desk
    assert _ids(page) == [d.late.id, d.agreed.id, d.received.id, d.mediating.id, d.paused.id]
    assert [(i.source, i.step, i.due_on) for i in page.items] == [
        ("acceptance", "acceptance", D("2025-09-10")),
        ("step", "agreed", D("2025-10-09")),
        ("acceptance", "acceptance", D("2025-10-13")),
        ("step", "mediating", D("2025-10-28")),
        ("step", "mediating", D("2025-11-07")),
    ]
    assert [(i.overdue, i.due_soon, i.paused) for i in page.items] == [
        (True, False, False),
        (False, True, False),  # 3 working days after Sep 29: Sep 30, Oct 9, Oct 10
        (False, False, False),
        (False, False, False),
        (False, False, True),
    ]
    assert page.total == 5
    assert not any(i.provisional for i in page.items)


def test_an_approved_extension_moves_the_binding_date(db: Session, desk: Desk) -> None:
    # As `channels.extend` records it for a step whose rules allow an extension (the
    # confirmation window allows none: the date is set here, the queue only reads it).
    step = channels.current_step(db, desk.agreed)
    assert step is not None
    step.extended_to = D("2025-10-30")
    db.flush()
    page = queue.work_queue(
        db, officer(db), queue.QueueFilters(), MONDAY_BEFORE_NATIONAL_DAY, 3, 1, 50
    )
    d = desk
    assert _ids(page) == [d.late.id, d.received.id, d.mediating.id, d.agreed.id, d.paused.id]
    agreed = page.items[3]
    assert (agreed.due_on, agreed.due_soon) == (D("2025-10-30"), False)


def test_due_soon_counts_working_days_so_the_holiday_stretches_it(db: Session) -> None:
    cal = WorkCalendar()
    # Friday Sep 26: Sunday Sep 28 (worked), Sep 29, Sep 30 are the 3 days; then Oct 1-8 off.
    assert queue.soon_until(D("2025-09-26"), 3, cal) == D("2025-10-08")
    assert queue.soon_until(MONDAY_BEFORE_NATIONAL_DAY, 3, cal) == D("2025-10-10")
    assert queue.soon_until(D("2025-03-03"), 3, cal) == D("2025-03-06")
    assert queue.soon_until(D("2025-03-07"), 0, cal) == D("2025-03-09")


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (queue.QueueFilters(due="overdue"), ["late"]),
        (queue.QueueFilters(due="soon"), ["agreed"]),
        (queue.QueueFilters(channel=Channel.MEDIATION), ["agreed", "mediating", "paused"]),
        (queue.QueueFilters(channel=Channel.ADMIN_ADJUDICATION), []),
        (queue.QueueFilters(track=Track.COMPLEX), ["received", "mediating"]),
        (queue.QueueFilters(track=Track.SIMPLE), ["late", "agreed", "paused"]),
    ],
)
def test_filters(db: Session, desk: Desk, filters: queue.QueueFilters, expected: list[str]) -> None:
    page = queue.work_queue(db, officer(db), filters, MONDAY_BEFORE_NATIONAL_DAY, 3, 1, 50)
    assert _ids(page) == [getattr(desk, name).id for name in expected]


def test_the_assignee_filter_keeps_the_steps_of_one_user(db: Session, desk: Desk) -> None:
    user, _ = mediator(db)
    channels.take(db, officer(db), desk.mediating, "assign_mediator", mediator_id=user.id)
    page = queue.work_queue(
        db,
        officer(db),
        queue.QueueFilters(assignee_id=user.id),
        MONDAY_BEFORE_NATIONAL_DAY,
        3,
        1,
        50,
    )
    assert _ids(page) == [desk.mediating.id]
    assert page.items[0].assignee_id == user.id


def test_pages_follow_the_order(db: Session, desk: Desk) -> None:
    who, f, day = officer(db), queue.QueueFilters(), MONDAY_BEFORE_NATIONAL_DAY
    second = queue.work_queue(db, who, f, day, 3, 2, 2)
    assert (second.total, second.pages, _ids(second)) == (
        5,
        3,
        [desk.received.id, desk.mediating.id],
    )
    past_the_end = queue.work_queue(db, who, f, day, 3, 4, 2)
    assert (past_the_end.total, past_the_end.items) == (5, [])


def test_scope_for_every_role(db: Session, desk: Desk) -> None:
    everything = {desk.late.id, desk.agreed.id, desk.received.id, desk.mediating.id}
    everything.add(desk.paused.id)
    other = make_case(db, region_code=BINJIANG, received_on="2025-09-26")
    day, f = MONDAY_BEFORE_NATIONAL_DAY, queue.QueueFilters()

    def seen(role: Role, regions: list[str]) -> set[int]:
        who = principal_for(make_user(db, role, regions))
        return set(_ids(queue.work_queue(db, who, f, day, 3, 1, 50)))

    assert seen(Role.OFFICER, [XIHU]) == everything
    assert seen(Role.ADMIN, [XIHU]) == everything
    assert seen(Role.OFFICER, [HANGZHOU]) == everything | {other.id}
    assert seen(Role.OFFICER, [BINJIANG]) == {other.id}
    assert seen(Role.MEDIATOR, [XIHU]) == set()  # nothing assigned to them
    for role in (Role.SYSTEM, Role.APPLICANT, Role.CREDIT_OFFICER, Role.EVALUATOR):
        with pytest.raises(Problem) as refused:
            seen(role, [XIHU])
        assert refused.value.status == 403


def test_a_mediator_sees_only_the_steps_assigned_to_them(db: Session, desk: Desk) -> None:
    user, as_mediator = mediator(db)
    channels.take(db, officer(db), desk.paused, "assign_mediator", mediator_id=user.id)
    page = queue.work_queue(
        db, as_mediator, queue.QueueFilters(), MONDAY_BEFORE_NATIONAL_DAY, 3, 1, 50
    )
    assert _ids(page) == [desk.paused.id]


def test_a_deadline_in_2027_a_year_without_an_official_calendar_is_provisional(
    db: Session,
) -> None:
    case = accepted_case(db, "2026-12-01")
    channels.enter(db, officer(db), case, Channel.MEDIATION, on=D("2026-12-01"))
    page = queue.work_queue(db, officer(db), queue.QueueFilters(), D("2026-12-01"), 3, 1, 50)
    (item,) = page.items
    # 22 working days left in December 2026, New Year's Day off, then 23 more in 2027.
    assert (item.due_on, item.provisional) == (D("2027-02-03"), True)
