"""Mediation as a channel: periods pinned to the real calendar, the refusal of judicial
confirmation for ownership agreements, roles, and the move to administrative adjudication with
the history kept."""

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ipprotect.cases.channels import service as channels
from ipprotect.cases.channels.machine import Machine, State, Transition
from ipprotect.cases.models import CaseEvent, CaseStatus, Channel
from ipprotect.core.audit import AuditEvent
from ipprotect.core.auth import Role
from ipprotect.core.errors import Problem
from tests.cases.channel_factories import accepted_case, mediator, officer
from tests.cases.factories import make_case
from tests.factories import BINJIANG, make_user

D = dt.date.fromisoformat


def test_mediation_ends_45_working_days_after_it_starts_over_the_spring_festival(
    db: Session,
) -> None:
    # 2025: Jan 28 to Feb 4 off, Jan 26 (Sun) and Feb 8 (Sat) are makeup working days.
    case = accepted_case(db, "2025-01-20")
    step = channels.enter(db, officer(db), case, Channel.MEDIATION, on=D("2025-01-20"))
    assert (step.step, step.rule_id) == ("mediating", "complaints.mediation_limit")
    assert step.due_on == D("2025-03-28")
    assert step.due_provisional is False
    assert case.channel is Channel.MEDIATION


def test_termination_is_refused_until_the_limit_has_run_out(db: Session) -> None:
    case = accepted_case(db, "2025-01-20")
    handler = officer(db)
    channels.enter(db, handler, case, Channel.MEDIATION, on=D("2025-01-20"))
    with pytest.raises(Problem) as early:
        channels.take(db, handler, case, "terminate", on=D("2025-03-28"))
    assert early.value.code == "limit_not_reached"
    ended = channels.take(db, handler, case, "terminate", on=D("2025-03-31"))
    assert ended.step == "terminated"


def test_an_agreement_opens_the_30_day_confirmation_window_rolled_past_national_day(
    db: Session,
) -> None:
    case = accepted_case(db, "2025-08-20")
    handler = officer(db)
    channels.enter(db, handler, case, Channel.MEDIATION, on=D("2025-08-20"))
    agreed = channels.take(db, handler, case, "agree", on=D("2025-09-01"))
    # Day 30 is 2025-10-01, inside the National Day holiday (Oct 1 to 8): next working day.
    assert (agreed.step, agreed.due_on) == ("agreed", D("2025-10-09"))
    assert agreed.rule_id == "mediation.judicial_confirmation_window"
    applied = channels.take(db, handler, case, "apply_confirmation", on=D("2025-10-09"))
    assert applied.step == "confirmation_applied"
    assert applied.due_on == D("2025-11-10")  # the court's 30 days end on Sunday Nov 9


def test_confirmation_is_refused_after_the_window_closes(db: Session) -> None:
    case = accepted_case(db, "2025-08-20")
    handler = officer(db)
    channels.enter(db, handler, case, Channel.MEDIATION, on=D("2025-08-20"))
    channels.take(db, handler, case, "agree", on=D("2025-09-01"))
    with pytest.raises(Problem) as late:
        channels.take(db, handler, case, "apply_confirmation", on=D("2025-10-10"))
    assert late.value.code == "confirmation_window_closed"


def test_an_agreement_deciding_ownership_of_an_ip_right_cannot_be_confirmed(db: Session) -> None:
    case = accepted_case(db, "2025-08-20")
    handler = officer(db)
    channels.enter(db, handler, case, Channel.MEDIATION, on=D("2025-08-20"))
    agreed = channels.take(db, handler, case, "agree", on=D("2025-09-01"), decides_ownership=True)
    assert agreed.step == "agreed_on_ownership"
    assert agreed.due_on is None  # no window opens
    with pytest.raises(Problem) as refused:
        channels.take(db, handler, case, "apply_confirmation", on=D("2025-09-02"))
    assert refused.value.code == "ownership_not_confirmable"


def test_only_an_accepted_case_enters_a_channel(db: Session) -> None:
    case = make_case(db)
    with pytest.raises(Problem) as refused:
        channels.enter(db, officer(db), case, Channel.MEDIATION)
    assert refused.value.code == "case_not_accepted"


def test_the_mediator_must_be_a_mediator_of_the_cases_region(db: Session) -> None:
    case = accepted_case(db, "2025-03-03")
    handler = officer(db)
    channels.enter(db, handler, case, Channel.MEDIATION, on=D("2025-03-03"))
    outsider, _ = mediator(db, BINJIANG)
    not_a_mediator = make_user(db, Role.OFFICER, [case.region_code])
    for user in (outsider, not_a_mediator):
        with pytest.raises(Problem) as bad:
            channels.take(db, handler, case, "assign_mediator", mediator_id=user.id)
        assert [e.code for e in bad.value.errors] == ["not_a_mediator"]


def test_only_the_assigned_mediator_records_sessions_and_the_outcome(db: Session) -> None:
    case = accepted_case(db, "2025-03-03")
    handler = officer(db)
    channels.enter(db, handler, case, Channel.MEDIATION, on=D("2025-03-03"))
    assigned, as_assigned = mediator(db)
    _other, as_other = mediator(db)
    with pytest.raises(Problem) as not_yet:
        channels.take(db, as_assigned, case, "record_session", on=D("2025-03-05"))
    assert not_yet.value.status == 403
    channels.take(db, handler, case, "assign_mediator", mediator_id=assigned.id)
    channels.take(db, as_assigned, case, "record_session", on=D("2025-03-05"), note="第一次调解")
    with pytest.raises(Problem) as other:
        channels.take(db, as_other, case, "record_session", on=D("2025-03-06"))
    assert other.value.status == 403
    with pytest.raises(Problem) as mediators_do_not_terminate:
        channels.take(db, as_assigned, case, "terminate")
    assert mediators_do_not_terminate.value.status == 403
    failed = channels.take(db, as_assigned, case, "fail", on=D("2025-03-10"))
    assert (failed.step, failed.assignee_id) == ("failed", assigned.id)


def test_a_failed_mediation_moves_to_adjudication_with_its_history_intact(db: Session) -> None:
    case = accepted_case(db, "2025-03-03")
    handler = officer(db)
    channels.enter(db, handler, case, Channel.MEDIATION, on=D("2025-03-03"))
    channels.take(db, handler, case, "fail", on=D("2025-03-10"))
    filed = channels.take(db, handler, case, "move_to_adjudication", on=D("2025-03-11"))
    assert (filed.channel, filed.step) == (Channel.ADMIN_ADJUDICATION, "filed")
    assert filed.rule_id == "adjudication.patent.docket"
    assert filed.due_on == D("2025-03-18")  # 5 working days
    assert case.channel is Channel.ADMIN_ADJUDICATION
    steps = channels.steps_of(db, case)
    assert [(s.channel.value, s.step, s.outcome) for s in steps] == [
        ("mediation", "mediating", "fail"),
        ("mediation", "failed", "move_to_adjudication"),
        ("admin_adjudication", "filed", None),
    ]
    events = db.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case.id)).all()
    assert events[-3:] == ["mediation.mediating", "mediation.failed", "admin_adjudication.filed"]
    actions = db.scalars(
        select(AuditEvent.action).where(
            AuditEvent.object_type == "case", AuditEvent.object_id == str(case.id)
        )
    ).all()
    assert actions[-3:] == [
        "case.channel.enter",
        "case.channel.fail",
        "case.channel.move_to_adjudication",
    ]


def test_a_pause_moves_the_deadline_by_the_working_days_it_stopped(db: Session) -> None:
    case = accepted_case(db, "2025-03-03")
    handler = officer(db)
    step = channels.enter(db, handler, case, Channel.MEDIATION, on=D("2025-03-03"))
    before = step.due_on
    channels.pause(db, handler, case, "鉴定", on=D("2025-03-10"))
    resumed = channels.resume(db, handler, case, on=D("2025-03-17"))
    # Over Qingming (Apr 4), a makeup Sunday (Apr 27) and Labour Day (May 1 to 5).
    assert before == D("2025-05-08")
    # Paused Mar 10 to 16: five working days do not count.
    assert resumed.due_on == D("2025-05-15")
    assert resumed.paused_days == 7


def test_mediation_allows_no_extension_adjudication_one_month(db: Session) -> None:
    case = accepted_case(db, "2025-03-03")
    handler = officer(db)
    channels.enter(db, handler, case, Channel.MEDIATION, on=D("2025-03-03"))
    with pytest.raises(Problem) as none:
        channels.extend(db, handler, case, "案情复杂")
    assert none.value.code == "no_extension"
    channels.take(db, handler, case, "fail", on=D("2025-03-10"))
    channels.take(db, handler, case, "move_to_adjudication", on=D("2025-03-11"))
    docketed = channels.take(db, handler, case, "docket", on=D("2025-03-14"))
    assert docketed.due_on == D("2025-06-16")  # 3 months: Saturday Jun 14, rolled to Monday
    extended = channels.extend(db, handler, case, "案情复杂", on=D("2025-06-10"))
    assert extended.extended_to == D("2025-07-16")
    assert extended.extended_by == handler.user_id


def test_a_deadline_running_into_a_year_without_an_official_calendar_is_provisional(
    db: Session,
) -> None:
    # The bundled schedule ends with 2026: 45 working days from 2026-11-20 end in 2027.
    case = accepted_case(db, "2026-11-20")
    step = channels.enter(db, officer(db), case, Channel.MEDIATION, on=D("2026-11-20"))
    assert step.due_on is not None
    assert step.due_on.year == 2027
    assert step.due_provisional is True


def test_a_judicially_confirmed_agreement_closes_the_case(db: Session) -> None:
    case = accepted_case(db, "2025-08-20")
    handler = officer(db)
    channels.enter(db, handler, case, Channel.MEDIATION, on=D("2025-08-20"))
    channels.take(db, handler, case, "agree", on=D("2025-09-01"))
    channels.take(db, handler, case, "apply_confirmation", on=D("2025-09-03"))
    assert case.status is CaseStatus.ACCEPTED
    confirmed = channels.take(db, handler, case, "record_confirmation", on=D("2025-09-20"))
    assert (confirmed.step, confirmed.due_on) == ("confirmed", None)
    assert (case.status, case.closed_on) == (CaseStatus.CLOSED, D("2025-09-20"))
    assert case.closed_as == "mediation.confirmed"
    assert channels.available(db, handler, case) == []


def test_a_machine_that_leaves_a_final_state_is_refused_at_import() -> None:
    with pytest.raises(ValueError, match="leaves a final state"):
        Machine(
            channel=Channel.MEDIATION,
            initial="open",
            states=(State("open", "Open"), State("done", "Done", final=True)),
            transitions=(Transition("reopen", "Reopen", ("done",), (Role.OFFICER,), "open"),),
        )
