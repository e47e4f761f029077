"""Rapid protection at a protection centre: the target period chosen by the case's IP rights
(10 days for trademarks and designs, one month for invention and utility-model patents),
pinned to the real calendar, the conclusion closing the case, and the moves to other channels
keeping the history."""

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ipprotect.cases.channels import service as channels
from ipprotect.cases.channels.rapid_protection import first_state
from ipprotect.cases.models import Case, CaseStatus, Channel
from ipprotect.cases.triage import RightFacts
from ipprotect.core import rules
from ipprotect.core.auth import Role
from ipprotect.core.errors import Problem
from ipprotect.registry.models import RightKind
from tests.cases.channel_factories import accepted_case, mediator, officer
from tests.factories import XIHU
from tests.registry.factories import bearer, make_entity, make_right, patent_number

D = dt.date.fromisoformat


def case_with(db: Session, accepted_on: str, *numbers: tuple[RightKind, str | None]) -> Case:
    """An accepted case about registered rights of the given kinds (patent number type digit:
    1 invention, 2 utility model, 3 design)."""
    owner = make_entity(db, region_code=XIHU)
    rights = [
        make_right(db, owner, kind, number=patent_number(type_digit=digit) if digit else None)
        for kind, digit in numbers
    ]
    return accepted_case(db, accepted_on, right_ids=",".join(str(r.id) for r in rights))


def test_a_trademark_counterfeiting_case_gets_10_days_rolled_past_national_day(
    db: Session,
) -> None:
    case = case_with(db, "2025-09-26", (RightKind.TRADEMARK, None))
    step = channels.enter(db, officer(db), case, Channel.RAPID_PROTECTION, on=D("2025-09-26"))
    # Day 10 is October 6, inside the holiday (October 1 to 8).
    assert (step.step, step.due_on) == ("handling_fast", D("2025-10-09"))
    assert step.rule_id == "rapid_protection.target_counterfeiting_design"


def test_a_design_patent_case_gets_10_days(db: Session) -> None:
    case = case_with(db, "2025-03-03", (RightKind.PATENT, "3"))
    step = channels.enter(db, officer(db), case, Channel.RAPID_PROTECTION, on=D("2025-03-03"))
    assert (step.step, step.due_on) == ("handling_fast", D("2025-03-13"))


def test_an_invention_patent_case_gets_one_month_rolled_past_the_dragon_boat_festival(
    db: Session,
) -> None:
    case = case_with(db, "2025-05-01", (RightKind.PATENT, "1"))
    step = channels.enter(db, officer(db), case, Channel.RAPID_PROTECTION, on=D("2025-05-01"))
    # One month ends on Sunday June 1, inside the holiday (May 31 to June 2).
    assert (step.step, step.due_on) == ("handling_technical", D("2025-06-03"))
    assert step.rule_id == "rapid_protection.target_invention_utility_model"


def test_a_utility_model_with_a_trademark_gets_the_longer_target() -> None:
    rights = (RightFacts("trademark", None, True), RightFacts("patent", "utility_model", True))
    assert first_state(rights) == "handling_technical"


def test_rights_without_a_target_are_handled_without_a_deadline(db: Session) -> None:
    case = case_with(db, "2025-03-03", (RightKind.COPYRIGHT, None))
    step = channels.enter(db, officer(db), case, Channel.RAPID_PROTECTION, on=D("2025-03-03"))
    assert (step.step, step.rule_id, step.due_on) == ("handling", None, None)
    assert first_state(()) == "handling"


def test_the_targets_are_tagged_uncertain() -> None:
    for rule_id in (
        "rapid_protection.target_counterfeiting_design",
        "rapid_protection.target_invention_utility_model",
    ):
        assert rules.get(rule_id, on=D("2025-03-03")).certainty == "uncertain"


def test_the_conclusion_closes_the_case(db: Session) -> None:
    handler = officer(db)
    case = case_with(db, "2025-03-03", (RightKind.TRADEMARK, None))
    channels.enter(db, handler, case, Channel.RAPID_PROTECTION, on=D("2025-03-03"))
    concluded = channels.take(db, handler, case, "conclude", on=D("2025-03-12"), note="已下架")
    assert concluded.step == "concluded"
    assert (case.status, case.closed_on, case.closed_as) == (
        CaseStatus.CLOSED,
        D("2025-03-12"),
        "rapid_protection.concluded",
    )


@pytest.mark.parametrize(
    ("transition", "channel"),
    [
        ("move_to_penalty", Channel.ADMIN_PENALTY),
        ("move_to_adjudication", Channel.ADMIN_ADJUDICATION),
        ("move_to_mediation", Channel.MEDIATION),
    ],
)
def test_the_centre_hands_the_case_on_with_its_history(
    db: Session, transition: str, channel: Channel
) -> None:
    handler = officer(db)
    case = case_with(db, "2025-03-03", (RightKind.PATENT, "2"))
    channels.enter(db, handler, case, Channel.RAPID_PROTECTION, on=D("2025-03-03"))
    moved = channels.take(db, handler, case, transition, on=D("2025-03-10"))
    assert (moved.channel, case.channel, case.status) == (channel, channel, CaseStatus.ACCEPTED)
    first = channels.steps_of(db, case)[0]
    assert (first.channel, first.step, first.outcome) == (
        Channel.RAPID_PROTECTION,
        "handling_technical",
        transition,
    )


def test_a_mediator_cannot_conclude(db: Session) -> None:
    handler = officer(db)
    case = case_with(db, "2025-03-03", (RightKind.TRADEMARK, None))
    channels.enter(db, handler, case, Channel.RAPID_PROTECTION, on=D("2025-03-03"))
    _user, as_mediator = mediator(db)
    with pytest.raises(Problem) as refused:
        channels.take(db, as_mediator, case, "conclude")
    assert refused.value.status == 403


def test_the_api_routes_a_design_case_to_the_centre(client: TestClient, db: Session) -> None:
    case = case_with(db, "2025-09-26", (RightKind.PATENT, "3"))
    head = bearer(db, Role.OFFICER, [XIHU])
    entered = client.post(
        f"/api/v1/cases/{case.id}/channel",
        json={"channel": "rapid_protection", "on": "2025-09-26"},
        headers=head,
    )
    assert entered.status_code == 201, entered.text
    current = entered.json()["current"]
    assert (current["step"], current["due_on"]) == ("handling_fast", "2025-10-09")
    assert entered.json()["actions"] == [
        "conclude",
        "move_to_penalty",
        "move_to_adjudication",
        "move_to_mediation",
    ]
