"""Arbitration referral: the agreement, the named commission and its 5 days to decide on
acceptance pinned to the real calendar, the award closing the case, and a declined referral
moving to court with its history."""

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ipprotect.cases.channels import service as channels
from ipprotect.cases.models import Case, CaseStatus, Channel
from ipprotect.core import rules
from ipprotect.core.auth import Principal, Role
from ipprotect.core.errors import Problem
from tests.cases.channel_factories import accepted_case, officer
from tests.conftest import login
from tests.factories import BINJIANG, PASSWORD, XIHU, make_user

D = dt.date.fromisoformat
COMMISSION = "杭州仲裁委员会"


def referred(db: Session, handler: Principal, referred_on: str) -> Case:
    case = accepted_case(db, "2025-09-01")
    channels.enter(db, handler, case, Channel.ARBITRATION, on=D("2025-09-01"))
    channels.take(
        db, handler, case, "record_agreement", on=D("2025-09-02"), note="合同第12条仲裁条款"
    )
    channels.take(
        db, handler, case, "refer_to_commission", on=D(referred_on), institution=COMMISSION
    )
    return case


def test_the_commission_decides_on_acceptance_within_5_days_rolled_past_national_day(
    db: Session,
) -> None:
    handler = officer(db)
    case = referred(db, handler, "2025-09-28")
    step = channels.current_step(db, case)
    assert step is not None
    # Day 5 is October 3, inside the holiday (October 1 to 8).
    assert (step.step, step.rule_id, step.due_on) == (
        "referred",
        "arbitration.acceptance",
        D("2025-10-09"),
    )
    assert step.data["institution"] == COMMISSION


def test_the_acceptance_period_is_article_24_until_the_revised_law() -> None:
    before = rules.get("arbitration.acceptance", on=D("2026-02-28"))
    after = rules.get("arbitration.acceptance", on=D("2026-03-01"))
    assert (before.certainty, "art. 24" in before.source) == ("verified", True)
    assert after.certainty == "uncertain"
    assert rules.period("arbitration.acceptance", on=D("2026-03-01")) == {
        "amount": 5,
        "unit": "days",
    }


def test_the_award_closes_the_case(db: Session) -> None:
    handler = officer(db)
    case = referred(db, handler, "2025-09-03")
    channels.take(db, handler, case, "accept", on=D("2025-09-05"))
    awarded = channels.take(db, handler, case, "record_award", on=D("2025-12-01"))
    assert (awarded.step, awarded.due_on) == ("awarded", None)
    assert (case.status, case.closed_on, case.closed_as) == (
        CaseStatus.CLOSED,
        D("2025-12-01"),
        "arbitration.awarded",
    )


def test_a_declined_referral_moves_to_court_with_its_history(db: Session) -> None:
    handler = officer(db)
    case = referred(db, handler, "2025-09-03")
    channels.take(db, handler, case, "decline", on=D("2025-09-08"), note="仲裁协议无效")
    court = channels.take(db, handler, case, "move_to_court", on=D("2025-09-09"))
    assert (court.channel, court.step, case.channel) == (Channel.COURT, "referring", Channel.COURT)
    assert [(s.channel.value, s.step, s.outcome) for s in channels.steps_of(db, case)] == [
        ("arbitration", "agreement_pending", "record_agreement"),
        ("arbitration", "agreement_recorded", "refer_to_commission"),
        ("arbitration", "referred", "decline"),
        ("arbitration", "declined", "move_to_court"),
        ("court", "referring", None),
    ]


def test_without_an_agreement_the_case_goes_to_mediation(db: Session) -> None:
    handler = officer(db)
    case = accepted_case(db, "2025-09-01")
    channels.enter(db, handler, case, Channel.ARBITRATION, on=D("2025-09-01"))
    with pytest.raises(Problem) as no_agreement:
        channels.take(db, handler, case, "refer_to_commission", institution=COMMISSION)
    assert no_agreement.value.code == "transition_not_allowed"
    mediating = channels.take(db, handler, case, "move_to_mediation", on=D("2025-09-03"))
    assert (mediating.channel, mediating.step) == (Channel.MEDIATION, "mediating")


def test_an_officer_refers_to_a_named_commission_from_the_case_page(
    client: TestClient, db: Session
) -> None:
    case = accepted_case(db, "2025-09-01")
    handler = officer(db)
    channels.enter(db, handler, case, Channel.ARBITRATION, on=D("2025-09-01"))
    channels.take(db, handler, case, "record_agreement", on=D("2025-09-02"))
    user = make_user(db, Role.OFFICER, [XIHU])
    token = login(client, user.username, PASSWORD)
    client.get("/lang/zh_CN?next=/")
    before = client.get(f"/cases/{case.id}")
    assert 'id="f-institution-refer_to_commission"' in before.text
    page = client.post(
        f"/cases/{case.id}/channel/transition",
        data={
            "name": "refer_to_commission",
            "on": "2025-09-28",
            "institution": COMMISSION,
            "csrf_token": token,
        },
    )
    assert page.status_code == 200, page.text
    assert "已申请仲裁：仲裁委员会决定是否受理" in page.text
    assert COMMISSION in page.text
    assert "2025-10-09" in page.text


def test_another_districts_officer_cannot_refer_the_case(client: TestClient, db: Session) -> None:
    case = accepted_case(db, "2025-09-01")
    handler = officer(db)
    channels.enter(db, handler, case, Channel.ARBITRATION, on=D("2025-09-01"))
    channels.take(db, handler, case, "record_agreement", on=D("2025-09-02"))
    outsider = make_user(db, Role.OFFICER, [BINJIANG])
    token = login(client, outsider.username, PASSWORD)
    response = client.post(
        f"/cases/{case.id}/channel/transition",
        data={"name": "refer_to_commission", "institution": COMMISSION, "csrf_token": token},
    )
    assert response.status_code == 404
    assert channels.current_step(db, case).step == "agreement_recorded"  # type: ignore[union-attr]
