"""What the law requires of particular acts, beyond the states and roles the machines declare:
the mediator assigned must mediate in the case's region, an agreement on ownership opens no
confirmation window, a mediation ends only when its limit has run out, a penalty waits for the
hearing window or the party's waiver and never takes the place of a transfer, the hearing is
notified in time, a ruling says what it found, a referral names its commission or court. Each
check raises a 409 or 422 problem; what the act adds to the step's data is returned.
"""

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ipprotect.cases.channels import adjudication, clock, criminal_transfer, penalty
from ipprotect.cases.channels.models import CaseStep
from ipprotect.cases.models import Case, Channel
from ipprotect.core import rules
from ipprotect.core.auth import Role, User
from ipprotect.core.calendar import due_date
from ipprotect.core.calendar_store import work_calendar
from ipprotect.core.errors import FieldError, conflict, invalid
from ipprotect.core.scope import Scope
from ipprotect.web.i18n import N_


@dataclass(frozen=True)
class Inputs:
    """What the officer gives with a transition besides its day; each act reads what it needs."""

    note: str = ""
    mediator_id: int | None = None
    decides_ownership: bool = False
    decision: Mapping[str, Any] | None = None
    hearing_on: dt.date | None = None
    ruling: Mapping[str, Any] | None = None
    institution: str = ""


def refuse_early(step: CaseStep, name: str) -> None:
    """Acts the law forbids at this step, said in its words rather than as "not possible"."""
    if name == "apply_confirmation" and step.step == "agreed_on_ownership":
        raise conflict(
            "ownership_not_confirmable",
            N_("An agreement that decides who owns an IP right cannot be judicially confirmed"),
        )
    if name == "decide" and step.channel is Channel.CRIMINAL_TRANSFER:
        raise conflict(
            "transfer_pending",
            N_("No penalty can be decided while a transfer to the police is pending"),
        )


def check(
    session: Session,
    case: Case,
    step: CaseStep,
    name: str,
    on: dt.date,
    inputs: Inputs,
    history: Sequence[CaseStep],
) -> dict[str, Any]:
    """The law's conditions on the act (raises) and the data it records on the step."""
    _guard(step, name, on)
    data: dict[str, Any] = {"note": inputs.note} if inputs.note else {}
    if name == "assign_mediator":
        mediator = _assign_mediator(session, case, inputs.mediator_id)
        step.assignee_id = mediator.id
        data |= {"mediator_id": mediator.id, "mediator": mediator.display_name}
    if name.startswith("agree"):
        data["decides_ownership"] = inputs.decides_ownership
    data |= _penalty_act(session, case, step, name, on, inputs, history)
    data |= _adjudication_or_referral_act(step, name, on, inputs)
    return data


def mediators_for(session: Session, case: Case) -> list[User]:
    """The mediators who may be assigned to the case: active, and of its region."""
    stmt = select(User).where(User.role == Role.MEDIATOR, User.active.is_(True)).order_by(User.id)
    return [u for u in session.scalars(stmt) if Scope.of(u.region_codes).covers(case.region_code)]


def _assign_mediator(session: Session, case: Case, mediator_id: int | None) -> User:
    """A mediator is an active user with the mediator role whose scope covers the case."""
    user = session.get(User, mediator_id) if mediator_id else None
    if (
        user is None
        or not user.active
        or user.role is not Role.MEDIATOR
        or not Scope.of(user.region_codes).covers(case.region_code)
    ):
        raise invalid(
            [
                FieldError(
                    "mediator_id",
                    "not_a_mediator",
                    N_("Choose a mediator of the case's region"),
                )
            ]
        )
    return user


def agreement_transition(decides_ownership: bool, on: dt.date, region: str) -> str:
    """An agreement deciding who owns an IP right cannot be judicially confirmed
    (CPL Interpretation 2022 art. 355(5)), so it opens no confirmation window."""
    try:
        excluded = rules.flag("mediation.ip_ownership_excluded", on=on, region=region)
    except rules.RuleNotFound:
        excluded = False  # before the rule: nothing excluded it
    return "agree_on_ownership" if decides_ownership and excluded else "agree"


def _guard(step: CaseStep, name: str, on: dt.date) -> None:
    """Conditions the law puts on a transition beyond the machine's states."""
    due = step.effective_due
    if name == "terminate" and (due is None or step.paused_since is not None or on <= due):
        # 45 working days without agreement end the mediation; not before.
        raise conflict("limit_not_reached", N_("The time limit for mediation has not run out yet"))
    if name == "apply_confirmation" and due is not None and on > due:
        raise conflict(
            "confirmation_window_closed",
            N_("The window for applying for judicial confirmation has closed"),
        )


def _required_note(note: str) -> None:
    if not note:
        raise invalid([FieldError("note", "required", N_("Give the reasons in the note"))])


def _penalty_act(
    session: Session,
    case: Case,
    step: CaseStep,
    name: str,
    on: dt.date,
    inputs: Inputs,
    history: Sequence[CaseStep],
) -> dict[str, Any]:
    """What the penalty and transfer transitions require (see `penalty`, `criminal_transfer`);
    returns what they add to the act's data."""
    if step.channel not in (Channel.ADMIN_PENALTY, Channel.CRIMINAL_TRANSFER):
        return {}
    if name in criminal_transfer.REASONED or name == "close_without_penalty":
        _required_note(inputs.note)
    limit = clock.limit_due(step)
    if name == "request_hearing" and limit is not None and on > limit:
        # Administrative Penalty Law 2021 art. 64(1): 5 working days after being told.
        raise conflict(
            "hearing_request_late",
            N_("The period for asking for a hearing has ended"),
            limit.isoformat(),
        )
    if name == "request_reconsideration" and step.due_on is not None and on > step.due_on:
        # 行政执法机关移送涉嫌犯罪案件的规定 art. 9: within 3 days of the police's refusal.
        raise conflict(
            "reconsideration_late",
            N_("The period for asking the police to reconsider has ended"),
            step.due_on.isoformat(),
        )
    if name == "record_waiver":
        if step.data.get("waived"):
            raise conflict("already_waived", N_("The party's waiver is already on record"))
        step.data = {**step.data, "waived": True}
    if name == "notify_hearing":
        hearing_on = _hearing_day(session, case, step, on, inputs.hearing_on)
        return {"hearing_on": hearing_on.isoformat()}
    if name != "decide":
        return {}
    if (
        step.step == "notified"
        and limit is not None
        and on <= limit
        and not step.data.get("waived")
    ):
        # The party may still ask for a hearing (art. 64(1)); deciding now would take the right.
        raise conflict(
            "hearing_request_open",
            N_("The party may still ask for a hearing: decide after the period ends"),
            limit.isoformat(),
        )
    held = step.data.get("hearing_on")
    if step.step == "hearing" and (held is None or on < dt.date.fromisoformat(held)):
        raise conflict("hearing_not_held", N_("Decide after the hearing has been held"))
    parsed, errors = penalty.parse_decision(inputs.decision)
    if errors:
        raise invalid(errors)
    try:
        no_fine = rules.flag(
            "criminal_transfer.fine_cannot_replace_transfer", on=on, region=case.region_code
        )
    except rules.RuleNotFound:
        no_fine = False  # before the 2020 revision: not a rule of this platform
    if no_fine and parsed["fine_fen"] and criminal_transfer.fine_blocked_by_transfer(history):
        raise conflict(
            "fine_replaces_transfer",
            N_("A fine may not replace the approved transfer: record the police's decision first"),
        )
    return {"decision": parsed}


def _hearing_day(
    session: Session, case: Case, step: CaseStep, on: dt.date, hearing_on: dt.date | None
) -> dt.date:
    """The hearing is held at least 7 working days after the parties are notified
    (Administrative Penalty Law 2021 art. 64(2); rule `penalties.hearing_notice`)."""
    if hearing_on is None:
        raise invalid([FieldError("hearing_on", "required", N_("This field is required"))])
    period = clock.period("penalties.hearing_notice", on, case.region_code)
    earliest = due_date(on, period, work_calendar(session)).date
    if hearing_on < earliest:
        raise invalid(
            [
                FieldError(
                    "hearing_on",
                    "notice_too_short",
                    N_("Notified on {on}, the hearing can be held on {date} at the earliest"),
                    {"on": on.isoformat(), "date": earliest.isoformat()},
                )
            ]
        )
    step.data = {**step.data, "hearing_on": hearing_on.isoformat()}
    return hearing_on


# Transitions that name the body a case is referred to (an arbitration commission, a court).
NAMES_A_BODY = ("refer_to_commission", "file_suit")
BODY_MAX = 200


def _adjudication_or_referral_act(
    step: CaseStep, name: str, on: dt.date, inputs: Inputs
) -> dict[str, Any]:
    """What the adjudication, arbitration, court and mediation-performance transitions require
    (see `adjudication`, `arbitration`, `court`, `mediation`); returns what they add to the
    act's data."""
    due = step.effective_due
    running = due is not None and step.paused_since is None
    limit = clock.limit_due(step)
    if name == "proceed_without_answer" and limit is not None and on <= limit:
        raise conflict(
            "answer_period_open",
            N_("The respondent may still answer: go on once the answer period has run out"),
            f"answer_due_on={limit.isoformat()}",
        )
    if name == "mediate_damages" and not _flag_in_force(
        "adjudication.patent.damages_mediation", on, step.region_code
    ):
        raise conflict("no_damages_mediation", N_("The rules in force allow no such mediation"))
    if name in ("take_effect", "record_performance") and not (running and due and on > due):
        # Patent Law 2020 art. 65: 15 days to sue; CPL 2023 art. 205: 30 days to apply.
        raise conflict("window_open", N_("The parties' time has not run out yet"))
    if name == "move_to_court" and step.step == "ruled" and due is not None and on > due:
        raise conflict("time_to_sue_passed", N_("The time to sue has run out"))
    if name in NAMES_A_BODY:
        body = inputs.institution.strip()
        if not body:
            raise invalid([FieldError("institution", "required", N_("This field is required"))])
        if len(body) > BODY_MAX:
            raise invalid(
                [
                    FieldError(
                        "institution",
                        "too_long",
                        N_("At most {max} characters, please"),
                        {"max": BODY_MAX},
                    )
                ]
            )
        return {"institution": body}
    if name == "rule":
        return {"ruling": adjudication.check_ruling(inputs.ruling)}
    return {}


def _flag_in_force(rule_id: str, on: dt.date, region: str) -> bool:
    try:
        return rules.flag(rule_id, on=on, region=region)
    except rules.RuleNotFound:
        return False
