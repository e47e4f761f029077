"""Administrative adjudication of patent disputes: the closing period running from docketing
across service, answer and examination to the ruling (pinned to the real calendar), the
respondent's time, the ruling's validation, the time to sue, and the case closing."""

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ipprotect.cases.channels import clock
from ipprotect.cases.channels import service as channels
from ipprotect.cases.channels.adjudication import ADJUDICATION, check_ruling
from ipprotect.cases.channels.machine import Machine, State, Transition
from ipprotect.cases.models import Case, CaseEvent, CaseStatus, Channel
from ipprotect.core.auth import Principal, Role
from ipprotect.core.errors import Problem
from tests.cases.channel_factories import accepted_case, mediator, officer
from tests.conftest import login
from tests.factories import BINJIANG, PASSWORD, XIHU, make_user
from tests.registry.factories import bearer

D = dt.date.fromisoformat

RULING: dict[str, Any] = {
    "infringement_found": True,
    "order_to_stop": True,
    "reasons": "被请求人制造、销售的产品落入涉案专利权利要求1的保护范围。",
    "legal_basis": "《中华人民共和国专利法》第十一条、第六十五条",
}


def docketed_case(db: Session, handler: Principal, docketed_on: str = "2025-07-01") -> Case:
    """A request filed a few days before and docketed on the given day."""
    case = accepted_case(db, "2025-06-25")
    channels.enter(db, handler, case, Channel.ADMIN_ADJUDICATION, on=D("2025-06-25"))
    channels.take(db, handler, case, "docket", on=D(docketed_on))
    return case


def examining_case(db: Session, handler: Principal) -> Case:
    case = docketed_case(db, handler)
    channels.take(db, handler, case, "serve", on=D("2025-07-04"))
    channels.take(db, handler, case, "record_answer", on=D("2025-07-15"))
    return case


def test_the_request_is_docketed_within_5_working_days(db: Session) -> None:
    case = accepted_case(db, "2025-09-26")
    filed = channels.enter(db, officer(db), case, Channel.ADMIN_ADJUDICATION, on=D("2025-09-26"))
    # Sunday Sep 28 is a makeup working day, then the National Day holiday (Oct 1 to 8).
    assert (filed.step, filed.due_on) == ("filed", D("2025-10-10"))


def test_the_3_month_closing_period_runs_on_from_docketing_to_the_ruling_over_national_day(
    db: Session,
) -> None:
    handler = officer(db)
    case = docketed_case(db, handler, "2025-07-01")
    docketed = channels.current_step(db, case)
    assert docketed is not None
    # 3 months from July 1 end on October 1, inside the holiday: the next working day.
    assert (docketed.step, docketed.due_on) == ("docketed", D("2025-10-09"))
    served = channels.take(db, handler, case, "serve", on=D("2025-07-04"))
    examining = channels.take(db, handler, case, "record_answer", on=D("2025-07-15"))
    for step in (served, examining):
        assert step.rule_id == "adjudication.patent.close_period"
        assert step.due_on == D("2025-10-09")  # not restarted by the step
        assert clock.clock_started_on(step) == D("2025-07-01")
    assert [s.started_on for s in (served, examining)] == [D("2025-07-04"), D("2025-07-15")]


def test_service_and_the_answer_have_their_own_time_limits_inside_the_period(
    db: Session,
) -> None:
    handler = officer(db)
    case = docketed_case(db, handler, "2025-07-01")
    docketed = channels.current_step(db, case)
    assert docketed is not None
    # Serve within 5 working days of docketing: July 2, 3, 4, 7, 8.
    assert clock.limit_due(docketed) == D("2025-07-08")
    served = channels.take(db, handler, case, "serve", on=D("2025-07-04"))
    # The respondent's 15 days end on Saturday July 19: the next working day.
    assert clock.limit_due(served) == D("2025-07-21")
    assert served.data["limit"]["rule_id"] == "adjudication.patent.answer"
    with pytest.raises(Problem) as early:
        channels.take(db, handler, case, "proceed_without_answer", on=D("2025-07-21"))
    assert early.value.code == "answer_period_open"
    examining = channels.take(db, handler, case, "proceed_without_answer", on=D("2025-07-22"))
    assert (examining.step, examining.due_on) == ("examining", D("2025-10-09"))


def test_the_one_extension_and_the_pauses_follow_the_period_across_steps(db: Session) -> None:
    handler = officer(db)
    case = docketed_case(db, handler, "2025-07-01")
    channels.take(db, handler, case, "serve", on=D("2025-07-04"))
    # An appraisal (鉴定) is left out of the period (2015 Measures): 14 days paused move the
    # end from October 1 to October 15, a working day again after the holiday.
    channels.pause(db, handler, case, "技术鉴定", on=D("2025-07-07"))
    resumed = channels.resume(db, handler, case, on=D("2025-07-21"))
    assert resumed.due_on == D("2025-10-15")
    extended = channels.extend(db, handler, case, "案情特别复杂", on=D("2025-09-30"))
    # One month after October 15 is Saturday November 15: the next working day.
    assert extended.extended_to == D("2025-11-17")
    examining = channels.take(db, handler, case, "record_answer", on=D("2025-10-10"))
    assert (examining.due_on, examining.extended_to) == (D("2025-10-15"), D("2025-11-17"))
    assert examining.paused_days == 14
    assert examining.extension_reason == "案情特别复杂"
    with pytest.raises(Problem) as twice:
        channels.extend(db, handler, case, "再次延长", on=D("2025-10-10"))
    assert twice.value.code == "already_extended"


def test_the_oral_hearing_and_the_mediation_of_damages_are_acts_that_do_not_stop_the_clock(
    db: Session,
) -> None:
    handler = officer(db)
    case = examining_case(db, handler)
    heard = channels.take(db, handler, case, "hold_hearing", on=D("2025-08-05"), note="口头审理")
    mediated = channels.take(db, handler, case, "mediate_damages", on=D("2025-08-06"))
    assert heard is mediated
    assert (heard.step, heard.due_on, heard.paused_since) == ("examining", D("2025-10-09"), None)
    kinds = db.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case.id)).all()
    assert kinds[-2:] == ["admin_adjudication.hold_hearing", "admin_adjudication.mediate_damages"]


def test_the_ruling_is_stored_and_opens_15_days_to_sue(db: Session) -> None:
    handler = officer(db)
    case = examining_case(db, handler)
    ruled = channels.take(db, handler, case, "rule", on=D("2025-09-16"), ruling=RULING)
    assert ruled.step == "ruled"
    assert ruled.data["ruling"] == RULING
    # 15 days from September 16 end on October 1: after the holiday, October 9.
    assert (ruled.rule_id, ruled.due_on) == (
        "adjudication.patent.sue_after_decision",
        D("2025-10-09"),
    )
    examining = channels.steps_of(db, case)[-2]
    assert (examining.done_on, examining.outcome) == (D("2025-09-16"), "rule")


def test_the_ruling_takes_effect_and_closes_the_case_only_after_the_time_to_sue(
    db: Session,
) -> None:
    handler = officer(db)
    case = examining_case(db, handler)
    channels.take(db, handler, case, "rule", on=D("2025-09-16"), ruling=RULING)
    with pytest.raises(Problem) as early:
        channels.take(db, handler, case, "take_effect", on=D("2025-10-09"))
    assert early.value.code == "window_open"
    assert case.status is CaseStatus.ACCEPTED
    effective = channels.take(db, handler, case, "take_effect", on=D("2025-10-10"))
    assert (effective.step, effective.due_on) == ("ruling_effective", None)
    assert (case.status, case.closed_on) == (CaseStatus.CLOSED, D("2025-10-10"))
    assert case.closed_as == "admin_adjudication.ruling_effective"
    assert channels.available(db, handler, case) == []


def test_a_party_who_sues_in_time_moves_the_case_to_court_with_its_history(db: Session) -> None:
    handler = officer(db)
    case = examining_case(db, handler)
    channels.take(db, handler, case, "rule", on=D("2025-09-16"), ruling=RULING)
    referring = channels.take(db, handler, case, "move_to_court", on=D("2025-10-09"))
    assert (referring.channel, referring.step) == (Channel.COURT, "referring")
    assert case.channel is Channel.COURT
    assert [(s.step, s.outcome) for s in channels.steps_of(db, case)] == [
        ("filed", "docket"),
        ("docketed", "serve"),
        ("served", "record_answer"),
        ("examining", "rule"),
        ("ruled", "move_to_court"),
        ("referring", None),
    ]


def test_a_suit_after_the_15_days_is_refused(db: Session) -> None:
    handler = officer(db)
    case = examining_case(db, handler)
    channels.take(db, handler, case, "rule", on=D("2025-09-16"), ruling=RULING)
    with pytest.raises(Problem) as late:
        channels.take(db, handler, case, "move_to_court", on=D("2025-10-10"))
    assert late.value.code == "time_to_sue_passed"


def test_a_request_refused_docketing_closes_the_case(db: Session) -> None:
    handler = officer(db)
    case = accepted_case(db, "2025-06-25")
    channels.enter(db, handler, case, Channel.ADMIN_ADJUDICATION, on=D("2025-06-25"))
    channels.take(db, handler, case, "refuse_docketing", on=D("2025-06-27"), note="不属于受案范围")
    assert (case.status, case.closed_as) == (CaseStatus.CLOSED, "admin_adjudication.not_docketed")


def test_every_part_of_the_ruling_is_required() -> None:
    with pytest.raises(Problem) as empty:
        check_ruling({"reasons": "  "})
    assert empty.value.status == 422
    assert [(e.field, e.code) for e in empty.value.errors] == [
        ("ruling.infringement_found", "required"),
        ("ruling.order_to_stop", "required"),
        ("ruling.reasons", "required"),
        ("ruling.legal_basis", "required"),
    ]


def test_only_a_ruling_that_finds_infringement_orders_it_to_stop() -> None:
    with pytest.raises(Problem) as bad:
        check_ruling(RULING | {"infringement_found": False})
    assert [(e.field, e.code) for e in bad.value.errors] == [
        ("ruling.order_to_stop", "no_infringement_found")
    ]
    no_infringement = RULING | {"infringement_found": False, "order_to_stop": False}
    assert check_ruling(no_infringement)["infringement_found"] is False


def test_overlong_reasons_are_refused() -> None:
    with pytest.raises(Problem) as long:
        check_ruling(RULING | {"reasons": "理" * 10_001})
    assert [(e.field, e.code, e.params) for e in long.value.errors] == [
        ("ruling.reasons", "too_long", {"max": 10_000})
    ]


def test_a_mediator_cannot_act_in_adjudication(db: Session) -> None:
    handler = officer(db)
    case = examining_case(db, handler)
    _user, as_mediator = mediator(db)
    with pytest.raises(Problem) as refused:
        channels.take(db, as_mediator, case, "rule", ruling=RULING)
    assert refused.value.status == 403


def test_a_state_that_continues_a_deadline_its_source_does_not_run_is_refused_at_import() -> None:
    with pytest.raises(ValueError, match="continues a deadline its sources do not run"):
        Machine(
            channel=Channel.ADMIN_ADJUDICATION,
            initial="open",
            states=(
                State("open", "Open", rule_id="adjudication.patent.docket"),
                State(
                    "next", "Next", rule_id=ADJUDICATION.state("docketed").rule_id, continues=True
                ),
            ),
            transitions=(Transition("go", "Go", ("open",), (Role.OFFICER,), "next"),),
        )


def test_the_api_refuses_a_ruling_with_missing_parts_by_field_then_records_it(
    client: TestClient, db: Session
) -> None:
    handler = officer(db)
    case = examining_case(db, handler)
    head = bearer(db, Role.OFFICER, [XIHU])
    url = f"/api/v1/cases/{case.id}/channel/transitions"
    bad = client.post(
        url,
        json={"transition": "rule", "on": "2025-09-16", "ruling": {"infringement_found": True}},
        headers=head,
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in bad.json()["errors"]] == [
        "ruling.order_to_stop",
        "ruling.reasons",
        "ruling.legal_basis",
    ]
    assert channels.current_step(db, case).step == "examining"  # type: ignore[union-attr]
    good = client.post(
        url, json={"transition": "rule", "on": "2025-09-16", "ruling": RULING}, headers=head
    )
    assert good.status_code == 200, good.text
    current = good.json()["current"]
    assert (current["step"], current["due_on"]) == ("ruled", "2025-10-09")
    assert current["data"]["ruling"] == RULING
    assert good.json()["actions"] == ["take_effect", "move_to_court"]


def test_another_district_cannot_see_the_adjudication(client: TestClient, db: Session) -> None:
    case = examining_case(db, officer(db))
    head = bearer(db, Role.OFFICER, [BINJIANG])
    response = client.get(f"/api/v1/cases/{case.id}/channel", headers=head)
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("locale", "step", "found"),
    [
        ("zh_CN", "已裁决：当事人起诉期", "认定侵权"),
        ("en", "Ruled: time for a party to sue", "Infringement found"),
    ],
)
def test_an_officer_rules_from_the_case_page(
    client: TestClient, db: Session, locale: str, step: str, found: str
) -> None:
    case = examining_case(db, officer(db))
    user = make_user(db, Role.OFFICER, [XIHU])
    token = login(client, user.username, PASSWORD)
    client.get(f"/lang/{locale}?next=/")
    before = client.get(f"/cases/{case.id}")
    assert 'id="do-rule"' in before.text
    assert 'name="ruling_reasons"' in before.text
    page = client.post(
        f"/cases/{case.id}/channel/transition",
        data={
            "name": "rule",
            "on": "2025-09-16",
            "ruling_infringement_found": "yes",
            "ruling_order_to_stop": "yes",
            "ruling_reasons": RULING["reasons"],
            "ruling_legal_basis": RULING["legal_basis"],
            "csrf_token": token,
        },
    )
    assert page.status_code == 200, page.text
    assert 'data-step="ruled"' in page.text
    assert step in page.text
    assert found in page.text
    assert RULING["legal_basis"] in page.text
    assert "2025-10-09" in page.text


def test_the_case_page_shows_the_respondents_time_to_answer(
    client: TestClient, db: Session
) -> None:
    handler = officer(db)
    case = docketed_case(db, handler, "2025-07-01")
    channels.take(db, handler, case, "serve", on=D("2025-07-04"))
    user = make_user(db, Role.OFFICER, [XIHU])
    login(client, user.username, PASSWORD)
    client.get("/lang/zh_CN?next=/")
    page = client.get(f"/cases/{case.id}")
    assert "请求书已送达：待被请求人答辩" in page.text
    assert "本环节期限：2025-07-21" in page.text
    assert 'id="do-proceed_without_answer"' in page.text
