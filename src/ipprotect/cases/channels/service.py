"""Channel operations: the only writer of `case_steps` and of `Case.channel`.

A case enters a channel only once accepted; from then on it moves by the transitions its
channel's machine declares, each recorded as a case event and an audit event in the same
transaction, with the day of the act (`on`, a legal day; today unless the officer records an
act done earlier). Each step's deadline comes from its rule, in the version in force on the day
the step started, on the official calendar; pauses and an approved extension move it. Moving to
another channel closes the last step and opens the next: the history stays. Callers commit.
The arithmetic of a step's deadline is `clock`; what the law requires of particular acts beyond
the machines' states and roles is `acts`.
"""

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ipprotect.cases import access
from ipprotect.cases.channels import acts, clock
from ipprotect.cases.channels.machine import Machine, Transition
from ipprotect.cases.channels.models import CaseStep
from ipprotect.cases.channels.registry import MACHINES
from ipprotect.cases.models import Case, CaseEvent, CaseStatus, Channel
from ipprotect.cases.reads import rights_of
from ipprotect.cases.service import right_facts
from ipprotect.core import audit
from ipprotect.core.auth import Principal, Role
from ipprotect.core.days import today
from ipprotect.core.errors import FieldError, conflict, forbidden, invalid, not_found
from ipprotect.web.i18n import N_

ONE_DAY = dt.timedelta(days=1)


# ---------------------------------------------------------------- reads


def steps_of(session: Session, case: Case) -> list[CaseStep]:
    """Every step of the case in every channel it went through, oldest first."""
    stmt = select(CaseStep).where(CaseStep.case_id == case.id).order_by(CaseStep.id)
    return list(session.scalars(stmt))


def current_step(session: Session, case: Case) -> CaseStep | None:
    stmt = (
        select(CaseStep)
        .where(CaseStep.case_id == case.id, CaseStep.done_on.is_(None))
        .order_by(CaseStep.id.desc())
        .limit(1)
    )
    return session.scalar(stmt)


def _assigned(session: Session, case: Case, user_id: int | None) -> bool:
    if user_id is None:
        return False
    stmt = select(CaseStep.id).where(CaseStep.case_id == case.id, CaseStep.assignee_id == user_id)
    return session.scalar(stmt.limit(1)) is not None


def get_case(session: Session, who: Principal, case_id: int) -> Case:
    """A case whose channel the caller may see: those who see the case, and a mediator
    assigned to one of its steps (in scope). Anyone else: not found."""
    case = session.get(Case, case_id)
    if case is None:
        raise not_found("case")
    if access.can_see(who, case):
        return case
    if (
        who.role is Role.MEDIATOR
        and who.scope.covers(case.region_code)
        and _assigned(session, case, who.user_id)
    ):
        return case
    raise not_found("case")


def machine_of(step: CaseStep) -> Machine:
    return MACHINES[step.channel]


def available(session: Session, who: Principal, case: Case) -> list[Transition]:
    """What the caller may do next on the case's current step."""
    step = current_step(session, case)
    if step is None:
        return []
    if who.role is Role.MEDIATOR and step.assignee_id != who.user_id:
        return []
    return machine_of(step).available(step.step, who.role)


# ---------------------------------------------------------------- writing helpers


def _extension_rule(step: CaseStep) -> str | None:
    return machine_of(step).state(step.step).extension_rule_id


def _set_due(session: Session, step: CaseStep) -> None:
    clock.set_due(session, step, _extension_rule(step))


def _day(on: dt.date | None, not_before: dt.date | None) -> dt.date:
    """The day of the act: today by default, never in the future nor before the step."""
    day = on or today()
    if day > today():
        raise invalid([FieldError("on", "in_future", N_("The date is in the future"))])
    if not_before is not None and day < not_before:
        raise invalid(
            [
                FieldError(
                    "on",
                    "before_previous_step",
                    N_("The date is before the current step began ({date})"),
                    {"date": not_before.isoformat()},
                )
            ]
        )
    return day


def _require(who: Principal, roles: tuple[Role, ...]) -> None:
    if who.role not in roles:
        raise forbidden()


def _event(
    session: Session, case: Case, kind: str, step: CaseStep, on: dt.date, data: dict[str, Any]
) -> None:
    session.add(
        CaseEvent(
            case_id=case.id,
            kind=kind,
            channel=step.channel,
            on=on,
            due_on=step.effective_due,
            due_provisional=step.due_provisional,
            data={"step": step.step, **data},
        )
    )


def _audit(
    session: Session,
    who: Principal,
    case: Case,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any],
    request_id: str | None,
) -> None:
    audit.record(
        session,
        who.actor(request_id),
        f"case.channel.{action}",
        "case",
        case.id,
        region_code=case.region_code,
        before=before,
        after=after,
    )


def _state(step: CaseStep) -> dict[str, Any]:
    due = step.effective_due
    return {
        "channel": step.channel.value,
        "step": step.step,
        "due_on": due.isoformat() if due else None,
    }


def _open(
    session: Session,
    case: Case,
    machine: Machine,
    state: str,
    on: dt.date,
    assignee_id: int | None,
    data: dict[str, Any],
    previous: CaseStep | None = None,
) -> CaseStep:
    declared = machine.state(state)
    step = CaseStep(
        case_id=case.id,
        region_code=case.region_code,
        channel=machine.channel,
        step=state,
        assignee_id=assignee_id,
        started_on=on,
        rule_id=declared.rule_id,
        pauses=[],
        paused_days=0,
        data=dict(data),
    )
    if declared.no_deadline_if is not None and _flag(data, declared.no_deadline_if):
        step.rule_id = None
    if declared.limit_rule_id is not None:
        step.data["limit"] = clock.limit(session, declared.limit_rule_id, on, case.region_code)
    if (
        declared.continues
        and previous is not None
        and previous.channel is machine.channel
        and previous.rule_id == declared.rule_id
    ):
        # The law counts one period across these steps: it runs on, it does not restart.
        step.data["clock_started_on"] = clock.clock_started_on(previous).isoformat()
        step.pauses = list(previous.pauses)
        step.paused_days = previous.paused_days
        step.extended_to = previous.extended_to
        step.extended_by = previous.extended_by
        step.extension_reason = previous.extension_reason
        if previous.done_on is not None and previous.done_on < on:
            # Back from another channel (a transfer the police declined): the procedure stood
            # still meanwhile, like a suspension (案件中止, rule penalties.clock_pauses).
            step.paused_since = previous.done_on
            clock.end_pause(step, on)
    if declared.pauses_clock:
        step.paused_since = on
    _set_due(session, step)
    session.add(step)
    session.flush()
    _event(session, case, f"{machine.channel.value}.{state}", step, on, data)
    if machine.state(state).final:
        case.status = CaseStatus.CLOSED
        case.closed_on = on
        case.closed_as = f"{machine.channel.value}.{state}"
    return step


def _flag(data: dict[str, Any], path: str) -> bool:
    """A true flag at a dotted path of a transition's data ("decision.party_present")."""
    value: Any = data
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value is True


def _last_in(session: Session, case: Case, machine: Machine, state: str) -> CaseStep | None:
    """The case's last step in a channel it comes back to, for a first state that carries on
    the deadline it ran there."""
    if not machine.state(state).continues:
        return None
    stmt = (
        select(CaseStep)
        .where(CaseStep.case_id == case.id, CaseStep.channel == machine.channel)
        .order_by(CaseStep.id.desc())
        .limit(1)
    )
    return session.scalar(stmt)


def _close(session: Session, step: CaseStep, on: dt.date, outcome: str) -> None:
    if step.paused_since is not None:
        # The history shows the deadline with the pause counted out (a penalty hearing).
        clock.end_pause(step, on)
        _set_due(session, step)
    step.done_on = on
    step.outcome = outcome


# ---------------------------------------------------------------- entering a channel


def _first_state(session: Session, case: Case, machine: Machine) -> str:
    """The channel's first step; for a channel whose first step depends on the case's IP
    rights (`Machine.entry`), the one its rights call for."""
    if machine.entry is None:
        return machine.initial
    return machine.entry(right_facts(rights_of(session, case)))


def enter(
    session: Session,
    who: Principal,
    case: Case,
    channel: Channel,
    on: dt.date | None = None,
    request_id: str | None = None,
) -> CaseStep:
    """Route an accepted case into a channel's first step."""
    _require(who, access.HANDLERS)
    if case.status is not CaseStatus.ACCEPTED:
        raise conflict("case_not_accepted", N_("Only an accepted case enters a channel"))
    if current_step(session, case) is not None:
        raise conflict(
            "already_in_channel", N_("The case is already in a channel; move it from there")
        )
    machine = MACHINES.get(channel)
    if machine is None:
        raise invalid(
            [FieldError("channel", "not_available", N_("This channel is not available yet"))]
        )
    if not machine.entered_directly:
        raise invalid(
            [
                FieldError(
                    "channel",
                    "not_routable",
                    N_("A case reaches this channel only from another channel"),
                )
            ]
        )
    day = _day(on, case.decided_on)
    step = _open(session, case, machine, _first_state(session, case, machine), day, None, {})
    case.channel = channel
    _audit(session, who, case, "enter", None, _state(step), request_id)
    session.flush()
    return step


# ---------------------------------------------------------------- transitions


def take(
    session: Session,
    who: Principal,
    case: Case,
    name: str,
    *,
    on: dt.date | None = None,
    mediator_id: int | None = None,
    note: str = "",
    decides_ownership: bool = False,
    decision: Mapping[str, Any] | None = None,
    hearing_on: dt.date | None = None,
    ruling: Mapping[str, Any] | None = None,
    institution: str = "",
    request_id: str | None = None,
) -> CaseStep:
    """Take a transition of the case's current step; returns the step the case is then in."""
    step = current_step(session, case)
    if step is None:
        raise conflict("not_in_channel", N_("The case is not in a channel"))
    note = note.strip()
    if len(note) > 2000:
        raise invalid(
            [FieldError("note", "too_long", N_("At most {max} characters, please"), {"max": 2000})]
        )
    day = _day(on, step.started_on)
    if name in ("agree", "agree_on_ownership"):  # the law decides which, not the caller
        name = acts.agreement_transition(decides_ownership, day, case.region_code)
    acts.refuse_early(step, name)
    machine = machine_of(step)
    transition = machine.transition(name)
    if transition is None or step.step not in transition.sources:
        raise conflict("transition_not_allowed", N_("This action is not possible at this step"))
    _require(who, transition.roles)
    if who.role is Role.MEDIATOR and step.assignee_id != who.user_id:
        raise forbidden()
    before = _state(step)
    inputs = acts.Inputs(
        note=note,
        mediator_id=mediator_id,
        decides_ownership=decides_ownership,
        decision=decision,
        hearing_on=hearing_on,
        ruling=ruling,
        institution=institution,
    )
    data = acts.check(session, case, step, name, day, inputs, steps_of(session, case))
    result = step
    if transition.target is not None:
        _close(session, step, day, name)
        result = _open(session, case, machine, transition.target, day, step.assignee_id, data, step)
    elif transition.to_channel is not None:
        _close(session, step, day, name)
        target = MACHINES[transition.to_channel]
        first = _first_state(session, case, target)
        previous = _last_in(session, case, target, first)
        result = _open(session, case, target, first, day, None, data, previous)
        case.channel = transition.to_channel
    else:
        _event(session, case, f"{step.channel.value}.{name}", step, day, data)
    _audit(session, who, case, name, before, _state(result) | data, request_id)
    session.flush()
    return result


# ---------------------------------------------------------------- pauses and extensions


def _handled_step(session: Session, who: Principal, case: Case) -> CaseStep:
    _require(who, access.HANDLERS)
    step = current_step(session, case)
    if step is None or step.rule_id is None:
        raise conflict("no_deadline", N_("The case has no running deadline"))
    return step


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise invalid([FieldError("reason", "required", N_("This field is required"))])
    if len(reason) > 2000:
        raise invalid(
            [
                FieldError(
                    "reason", "too_long", N_("At most {max} characters, please"), {"max": 2000}
                )
            ]
        )
    return reason


def _step_change(
    session: Session,
    who: Principal,
    case: Case,
    step: CaseStep,
    action: str,
    change: Callable[[], None],
    on: dt.date,
    data: dict[str, Any],
    request_id: str | None,
) -> CaseStep:
    before = _state(step)
    change()
    _event(session, case, f"{step.channel.value}.{action}", step, on, data)
    _audit(session, who, case, action, before, _state(step) | data, request_id)
    session.flush()
    return step


def pause(
    session: Session,
    who: Principal,
    case: Case,
    reason: str,
    on: dt.date | None = None,
    request_id: str | None = None,
) -> CaseStep:
    """Stop the clock (suspension, hearing, appraisal): the days do not count until resumed."""
    step = _handled_step(session, who, case)
    if step.paused_since is not None:
        raise conflict("already_paused", N_("The deadline is already paused"))
    reason = _reason(reason)
    day = _day(on, step.started_on)

    def change() -> None:
        step.paused_since = day

    data = {"reason": reason}
    return _step_change(session, who, case, step, "pause", change, day, data, request_id)


def resume(
    session: Session,
    who: Principal,
    case: Case,
    on: dt.date | None = None,
    request_id: str | None = None,
) -> CaseStep:
    """Restart the clock; the deadline moves by the paused days that would have counted."""
    step = _handled_step(session, who, case)
    if step.paused_since is None:
        raise conflict("not_paused", N_("The deadline is not paused"))
    if machine_of(step).state(step.step).pauses_clock:
        raise conflict(
            "paused_by_step", N_("The deadline stands still until the case leaves this step")
        )
    day = _day(on, step.paused_since)

    def change() -> None:
        clock.end_pause(step, day)
        _set_due(session, step)

    return _step_change(session, who, case, step, "resume", change, day, {}, request_id)


def extend(
    session: Session,
    who: Principal,
    case: Case,
    reason: str,
    on: dt.date | None = None,
    request_id: str | None = None,
) -> CaseStep:
    """Record an approved extension, as long as the step's extension rule allows."""
    step = _handled_step(session, who, case)
    if step.extended_to is not None:
        raise conflict("already_extended", N_("The deadline has already been extended"))
    reason = _reason(reason)
    day = _day(on, step.started_on)
    assert step.due_on is not None  # a step with a rule always has a due date
    extended_to = clock.extended(session, step, step.due_on, _extension_rule(step))

    def change() -> None:
        step.extended_to = extended_to
        step.extended_by = who.user_id
        step.extension_reason = reason

    data = {"reason": reason, "extended_to": extended_to.isoformat()}
    return _step_change(session, who, case, step, "extend", change, day, data, request_id)
