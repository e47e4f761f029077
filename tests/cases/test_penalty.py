"""Administrative penalty as a channel: the 90-day decision period carried from filing across
the notice and standing still for a hearing, the party's windows pinned to the real calendar,
the decision and its validation, roles and scope."""

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ipprotect.cases.channels import clock, penalty
from ipprotect.cases.channels import service as channels
from ipprotect.cases.models import Case, CaseStatus, Channel
from ipprotect.core.auth import Principal, Role, principal_for
from ipprotect.core.errors import Problem
from tests.cases.channel_factories import accepted_case, mediator, officer
from tests.conftest import login
from tests.factories import BINJIANG, PASSWORD, XIHU, make_user
from tests.registry.factories import bearer

D = dt.date.fromisoformat

FINE: dict[str, Any] = {
    "measures": ["fine", "confiscate_goods", "order_to_stop"],
    "fine": "50,000.50",
    "confiscated_goods": "假冒“西湖龙井”包装盒 300 个",
    "legal_basis": "《商标法》第六十条第二款",
    "party_present": False,
}


def filed(db: Session, on: str) -> tuple[Case, Principal]:
    case = accepted_case(db, on)
    handler = officer(db)
    channels.enter(db, handler, case, Channel.ADMIN_PENALTY, on=D(on))
    return case, handler


def test_the_decision_is_due_90_days_after_filing_rolled_past_the_dragon_boat_festival(
    db: Session,
) -> None:
    case, _ = filed(db, "2025-03-03")
    step = channels.current_step(db, case)
    assert step is not None
    assert (step.step, step.rule_id) == ("investigating", "penalties.decision_period")
    # Day 90 is Sunday 2025-06-01; Monday Jun 2 is the Dragon Boat holiday.
    assert step.due_on == D("2025-06-03")


def test_the_90_days_run_on_through_the_notice_and_stand_still_for_the_hearing(
    db: Session,
) -> None:
    case, handler = filed(db, "2025-03-03")
    notified = channels.take(db, handler, case, "notify", on=D("2025-04-01"))
    assert notified.due_on == D("2025-06-03")  # not restarted by the notice
    assert clock.clock_started_on(notified) == D("2025-03-03")
    # The party's 5 working days: Apr 4 (Qingming) is off.
    assert clock.limit_due(notified) == D("2025-04-09")
    hearing = channels.take(db, handler, case, "request_hearing", on=D("2025-04-03"))
    assert hearing.paused_since == D("2025-04-03")
    with pytest.raises(Problem) as resumed:
        channels.resume(db, handler, case, on=D("2025-04-07"))
    assert resumed.value.code == "paused_by_step"
    with pytest.raises(Problem) as too_soon:
        channels.take(
            db, handler, case, "notify_hearing", on=D("2025-04-07"), hearing_on=D("2025-04-15")
        )
    assert [(e.field, e.code) for e in too_soon.value.errors] == [
        ("hearing_on", "notice_too_short")
    ]
    channels.take(
        db, handler, case, "notify_hearing", on=D("2025-04-07"), hearing_on=D("2025-04-16")
    )
    with pytest.raises(Problem) as before_hearing:
        channels.take(db, handler, case, "decide", on=D("2025-04-15"), decision=FINE)
    assert before_hearing.value.code == "hearing_not_held"
    decided = channels.take(db, handler, case, "decide", on=D("2025-04-18"), decision=FINE)
    # The hearing, Apr 3 to 17, did not count: 15 days later than Jun 1, a Monday.
    assert hearing.pauses == [["2025-04-03", "2025-04-17"]]
    assert hearing.due_on == D("2025-06-16")
    assert (hearing.outcome, decided.step) == ("decide", "decided")


def test_a_hearing_can_be_asked_for_5_working_days_over_national_day(db: Session) -> None:
    case, handler = filed(db, "2025-09-01")
    notified = channels.take(db, handler, case, "notify", on=D("2025-09-26"))
    # Sep 28 (Sunday) is a makeup working day; Oct 1 to 8 are off.
    assert clock.limit_due(notified) == D("2025-10-10")
    with pytest.raises(Problem) as late:
        channels.take(db, handler, case, "request_hearing", on=D("2025-10-11"))
    assert late.value.code == "hearing_request_late"
    with pytest.raises(Problem) as early:
        channels.take(db, handler, case, "decide", on=D("2025-10-10"), decision=FINE)
    assert early.value.code == "hearing_request_open"
    decided = channels.take(db, handler, case, "decide", on=D("2025-10-11"), decision=FINE)
    assert decided.step == "decided"


def test_a_waiver_lets_the_agency_decide_before_the_window_closes(db: Session) -> None:
    case, handler = filed(db, "2025-09-01")
    channels.take(db, handler, case, "notify", on=D("2025-09-26"))
    channels.take(db, handler, case, "record_waiver", on=D("2025-09-29"), note="当事人书面放弃")
    with pytest.raises(Problem) as again:
        channels.take(db, handler, case, "record_waiver", on=D("2025-09-29"))
    assert again.value.code == "already_waived"
    decided = channels.take(db, handler, case, "decide", on=D("2025-09-30"), decision=FINE)
    assert decided.data["decision"] == {
        "measures": ["fine", "confiscate_goods", "order_to_stop"],
        "fine_fen": 5000050,
        "illegal_gains_fen": None,
        "confiscated_goods": "假冒“西湖龙井”包装盒 300 个",
        "legal_basis": "《商标法》第六十条第二款",
        "party_present": False,
    }
    # The party was absent: serve within 7 working days, Oct 1 to 8 off and Saturday Oct 11 a
    # makeup working day.
    assert (decided.rule_id, decided.due_on) == ("penalties.decision_service", D("2025-10-16"))


def test_a_decision_handed_to_the_party_on_the_spot_has_no_service_deadline(db: Session) -> None:
    case, handler = filed(db, "2025-03-03")
    channels.take(db, handler, case, "notify", on=D("2025-04-01"))
    present = {"measures": ["warning"], "legal_basis": "《商标法》第六十条", "party_present": True}
    decided = channels.take(db, handler, case, "decide", on=D("2025-04-10"), decision=present)
    assert (decided.rule_id, decided.due_on) == (None, None)
    served = channels.take(db, handler, case, "serve", on=D("2025-04-10"))
    assert served.step == "served"
    assert (case.status, case.closed_on, case.closed_as) == (
        CaseStatus.CLOSED,
        D("2025-04-10"),
        "admin_penalty.served",
    )


def test_the_decision_period_is_extended_by_30_days_and_the_extension_carries_on(
    db: Session,
) -> None:
    case, handler = filed(db, "2025-03-03")
    channels.take(db, handler, case, "notify", on=D("2025-04-01"))
    extended = channels.extend(db, handler, case, "案情复杂，经负责人批准", on=D("2025-04-02"))
    assert extended.extended_to == D("2025-07-03")
    hearing = channels.take(db, handler, case, "request_hearing", on=D("2025-04-08"))
    assert hearing.extended_to == D("2025-07-03")
    assert hearing.extension_reason == "案情复杂，经负责人批准"


@pytest.mark.parametrize(
    ("decision", "errors"),
    [
        ({"legal_basis": "x", "party_present": True}, [("decision.measures", "required")]),
        (
            {"measures": ["jail"], "legal_basis": "x", "party_present": True},
            [("decision.measures", "invalid_choice")],
        ),
        (
            {"measures": ["fine"], "fine": "12.345", "legal_basis": "x", "party_present": True},
            [("decision.fine", "invalid_amount")],
        ),
        (
            {"measures": ["fine"], "fine": "0", "legal_basis": "x", "party_present": True},
            [("decision.fine", "invalid_amount")],
        ),
        (
            {"measures": ["warning"], "fine": "100", "legal_basis": "x", "party_present": True},
            [("decision.fine", "without_measure")],
        ),
        (
            {"measures": ["confiscate_gains", "confiscate_goods"], "legal_basis": "x"},
            [
                ("decision.illegal_gains", "required"),
                ("decision.confiscated_goods", "required"),
                ("decision.party_present", "required"),
            ],
        ),
        ({"measures": ["warning"], "party_present": False}, [("decision.legal_basis", "required")]),
    ],
)
def test_a_decision_is_refused_with_the_path_of_each_bad_field(
    decision: dict[str, Any], errors: list[tuple[str, str]]
) -> None:
    _, found = penalty.parse_decision(decision)
    assert [(e.field, e.code) for e in found] == errors


def test_amounts_are_kept_in_fen_and_measures_in_the_statutes_order() -> None:
    decision, errors = penalty.parse_decision(
        {
            "measures": ["confiscate_gains", "fine", "warning"],
            "fine": "1,234,567.8",
            "illegal_gains": "30000",
            "legal_basis": "《行政处罚法》第九条",
            "party_present": True,
        }
    )
    assert errors == []
    assert decision["measures"] == ["warning", "fine", "confiscate_gains"]
    assert (decision["fine_fen"], decision["illegal_gains_fen"]) == (123456780, 3000000)
    assert penalty.yuan(decision["fine_fen"]) == "1,234,567.80"


def test_a_bad_decision_writes_nothing(db: Session) -> None:
    case, handler = filed(db, "2025-03-03")
    channels.take(db, handler, case, "notify", on=D("2025-04-01"))
    with pytest.raises(Problem) as bad:
        channels.take(db, handler, case, "decide", on=D("2025-04-10"), decision={})
    assert bad.value.status == 422
    step = channels.current_step(db, case)
    assert step is not None
    assert (step.step, step.done_on) == ("notified", None)


def test_closing_without_a_penalty_needs_reasons_and_closes_the_case(db: Session) -> None:
    case, handler = filed(db, "2025-03-03")
    with pytest.raises(Problem) as bare:
        channels.take(db, handler, case, "close_without_penalty", on=D("2025-03-20"))
    assert [(e.field, e.code) for e in bare.value.errors] == [("note", "required")]
    closed = channels.take(
        db, handler, case, "close_without_penalty", on=D("2025-03-20"), note="违法事实不能成立"
    )
    assert closed.step == "closed_no_penalty"
    assert (case.status, case.closed_as) == (CaseStatus.CLOSED, "admin_penalty.closed_no_penalty")


def test_only_officers_and_administrators_of_the_region_handle_a_penalty(db: Session) -> None:
    case, _ = filed(db, "2025-03-03")
    _, as_mediator = mediator(db)
    applicant = principal_for(make_user(db, Role.APPLICANT, []))
    for who in (as_mediator, applicant):
        with pytest.raises(Problem) as refused:
            channels.take(db, who, case, "notify", on=D("2025-04-01"))
        assert refused.value.status == 403
    with pytest.raises(Problem) as unseen:
        channels.get_case(db, officer(db, BINJIANG), case.id)
    assert unseen.value.status == 404
    admin = principal_for(make_user(db, Role.ADMIN, [case.region_code]))
    assert channels.take(db, admin, case, "notify", on=D("2025-04-01")).step == "notified"


def test_the_api_takes_a_penalty_case_from_filing_to_a_served_decision(
    client: TestClient, db: Session
) -> None:
    case = accepted_case(db, "2025-03-03")
    head = bearer(db, Role.OFFICER, [XIHU])
    entered = client.post(
        f"/api/v1/cases/{case.id}/channel",
        json={"channel": "admin_penalty", "on": "2025-03-03"},
        headers=head,
    )
    assert entered.status_code == 201, entered.text
    assert entered.json()["current"]["due_on"] == "2025-06-03"
    assert {"notify", "propose_transfer", "close_without_penalty"} <= set(entered.json()["actions"])
    url = f"/api/v1/cases/{case.id}/channel/transitions"
    notified = client.post(url, json={"transition": "notify", "on": "2025-04-01"}, headers=head)
    assert notified.json()["current"]["data"]["limit"]["due_on"] == "2025-04-09"
    early = client.post(url, json={"transition": "decide", "on": "2025-04-09"}, headers=head)
    assert (early.status_code, early.json()["code"]) == (409, "hearing_request_open")
    bad = client.post(
        url,
        json={
            "transition": "decide",
            "on": "2025-04-10",
            "decision": {"measures": ["fine"], "fine": "-5", "party_present": False},
        },
        headers=head,
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert [(e["field"], e["code"]) for e in bad.json()["errors"]] == [
        ("decision.fine", "invalid_amount"),
        ("decision.legal_basis", "required"),
    ]
    decided = client.post(
        url,
        json={"transition": "decide", "on": "2025-04-10", "decision": FINE},
        headers=head,
    )
    current = decided.json()["current"]
    assert (current["step"], current["due_on"]) == ("decided", "2025-04-21")
    assert current["data"]["decision"]["fine_fen"] == 5000050
    served = client.post(url, json={"transition": "serve", "on": "2025-04-15"}, headers=head)
    assert (served.json()["current"]["step"], served.json()["actions"]) == ("served", [])
    assert [s["step"] for s in served.json()["steps"]] == [
        "investigating",
        "notified",
        "decided",
        "served",
    ]


@pytest.mark.parametrize(
    ("locale", "fine", "measure"),
    [("zh_CN", "罚款", "责令停止侵权行为"), ("en", "Fine", "Order to stop")],
)
def test_an_officer_decides_a_penalty_on_the_case_page_and_sees_it(
    client: TestClient, db: Session, locale: str, fine: str, measure: str
) -> None:
    case = accepted_case(db, "2025-03-03")
    user = make_user(db, Role.OFFICER, [XIHU])
    token = login(client, user.username, PASSWORD)
    client.get(f"/lang/{locale}?next=/")
    page = client.post(
        f"/cases/{case.id}/channel",
        data={"channel": "admin_penalty", "on": "2025-03-03", "csrf_token": token},
    )
    assert 'data-step="investigating"' in page.text
    assert 'id="transfer-thresholds"' in page.text
    assert 'value="criminal_transfer"' not in page.text  # not a channel to route into
    transition = f"/cases/{case.id}/channel/transition"
    client.post(transition, data={"name": "notify", "on": "2025-04-01", "csrf_token": token})
    client.post(transition, data={"name": "record_waiver", "on": "2025-04-01", "csrf_token": token})
    decided = client.post(
        transition,
        data={
            "name": "decide",
            "on": "2025-04-02",
            "decision_measures": ["fine", "order_to_stop"],
            "decision_fine": "50000",
            "decision_legal_basis": "《商标法》第六十条第二款",
            "decision_party_present": "no",
            "csrf_token": token,
        },
    )
    assert decided.status_code == 200, decided.text
    assert 'data-step="decided"' in decided.text
    assert "¥50,000.00" in decided.text
    assert fine in decided.text
    assert measure in decided.text
    assert 'id="transfer-thresholds"' not in decided.text  # decided: no transfer from here
