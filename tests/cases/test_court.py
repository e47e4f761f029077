"""Court referral: the court's 7 days to docket, the procedure's time limit and its extension
pinned to the real calendar, the judgment closing the case, and the way out of a suit the
court does not accept."""

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ipprotect.cases.channels import service as channels
from ipprotect.cases.models import Case, CaseStatus, Channel
from ipprotect.core.auth import Principal, Role
from ipprotect.core.errors import Problem
from tests.cases.channel_factories import accepted_case, mediator, officer
from tests.factories import XIHU
from tests.registry.factories import bearer

D = dt.date.fromisoformat
COURT = "杭州市西湖区人民法院"


def filed_suit(db: Session, handler: Principal, filed_on: str) -> Case:
    case = accepted_case(db, "2025-03-03")
    channels.enter(db, handler, case, Channel.COURT, on=D("2025-03-03"))
    channels.take(db, handler, case, "file_suit", on=D(filed_on), institution=COURT)
    return case


def test_the_court_dockets_within_7_days_rolled_past_national_day(db: Session) -> None:
    handler = officer(db)
    case = filed_suit(db, handler, "2025-09-26")
    step = channels.current_step(db, case)
    assert step is not None
    # Day 7 is October 3, inside the holiday (October 1 to 8).
    assert (step.step, step.rule_id, step.due_on) == (
        "suit_filed",
        "courts.docketing",
        D("2025-10-09"),
    )
    assert step.data["institution"] == COURT


@pytest.mark.parametrize(
    ("transition", "docketed_on", "rule", "due", "extended"),
    [
        # 6 months end on October 1: after the holiday; 6 more months from October 9.
        (
            "docket_ordinary",
            "2025-04-01",
            "courts.ordinary_first_instance",
            "2025-10-09",
            "2026-04-09",
        ),
        # 3 months end on Saturday January 10, 2026: Monday the 12th; one more month from then.
        ("docket_simple", "2025-10-10", "courts.simple_procedure", "2026-01-12", "2026-02-12"),
        # 2 months end on February 17, 2026, in the Spring Festival holiday (February 15 to 23).
        ("docket_small_claims", "2025-12-17", "courts.small_claims", "2026-02-24", "2026-03-24"),
    ],
)
def test_the_procedure_sets_the_time_limit_and_its_extension(
    db: Session, transition: str, docketed_on: str, rule: str, due: str, extended: str
) -> None:
    handler = officer(db)
    case = filed_suit(db, handler, docketed_on)
    step = channels.take(db, handler, case, transition, on=D(docketed_on))
    assert (step.rule_id, step.due_on) == (rule, D(due))
    approved = channels.extend(db, handler, case, "院长批准延长", on=D(docketed_on))
    assert approved.extended_to == D(extended)


def test_the_judgment_closes_the_case(db: Session) -> None:
    handler = officer(db)
    case = filed_suit(db, handler, "2025-04-01")
    channels.take(db, handler, case, "docket_simple", on=D("2025-04-03"))
    judged = channels.take(db, handler, case, "record_judgment", on=D("2025-06-20"))
    assert (judged.step, judged.due_on) == ("judged", None)
    assert (case.status, case.closed_on, case.closed_as) == (
        CaseStatus.CLOSED,
        D("2025-06-20"),
        "court.judged",
    )


def test_a_suit_the_court_does_not_accept_can_go_to_mediation_with_its_history(
    db: Session,
) -> None:
    handler = officer(db)
    case = filed_suit(db, handler, "2025-04-01")
    channels.take(db, handler, case, "record_not_accepted", on=D("2025-04-07"))
    assert case.status is CaseStatus.ACCEPTED  # not the end of the dispute
    mediating = channels.take(db, handler, case, "move_to_mediation", on=D("2025-04-08"))
    assert (mediating.channel, mediating.step) == (Channel.MEDIATION, "mediating")
    assert [(s.channel.value, s.step) for s in channels.steps_of(db, case)] == [
        ("court", "referring"),
        ("court", "suit_filed"),
        ("court", "not_accepted"),
        ("mediation", "mediating"),
    ]


def test_the_court_must_be_named(db: Session) -> None:
    handler = officer(db)
    case = accepted_case(db, "2025-03-03")
    channels.enter(db, handler, case, Channel.COURT, on=D("2025-03-03"))
    for name in ("", "  ", "法" * 201):
        with pytest.raises(Problem) as bad:
            channels.take(db, handler, case, "file_suit", institution=name)
        assert [e.field for e in bad.value.errors] == ["institution"]
    assert channels.current_step(db, case).step == "referring"  # type: ignore[union-attr]


def test_a_mediator_cannot_record_court_acts(db: Session) -> None:
    handler = officer(db)
    case = filed_suit(db, handler, "2025-04-01")
    _user, as_mediator = mediator(db)
    with pytest.raises(Problem) as refused:
        channels.take(db, as_mediator, case, "docket_simple")
    assert refused.value.status == 403


def test_the_api_refers_a_case_to_a_named_court(client: TestClient, db: Session) -> None:
    case = accepted_case(db, "2025-09-01")
    head = bearer(db, Role.OFFICER, [XIHU])
    client.post(
        f"/api/v1/cases/{case.id}/channel",
        json={"channel": "court", "on": "2025-09-01"},
        headers=head,
    )
    url = f"/api/v1/cases/{case.id}/channel/transitions"
    nameless = client.post(url, json={"transition": "file_suit", "on": "2025-09-26"}, headers=head)
    assert nameless.status_code == 422
    assert [e["field"] for e in nameless.json()["errors"]] == ["institution"]
    filed = client.post(
        url,
        json={"transition": "file_suit", "on": "2025-09-26", "institution": COURT},
        headers=head,
    )
    current = filed.json()["current"]
    assert (current["step"], current["due_on"]) == ("suit_filed", "2025-10-09")
    assert current["data"]["institution"] == COURT
    assert filed.json()["actions"] == [
        "docket_ordinary",
        "docket_simple",
        "docket_small_claims",
        "record_not_accepted",
    ]
