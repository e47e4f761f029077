"""Transfer of a suspected crime out of a penalty case: the reasonable suspicion, the head's
3 days and the 24 hours to the police pinned to the real calendar, no fine in place of a
transfer, the way back into the penalty procedure with its history and its clock, roles, and the
thresholds shown as guidance."""

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ipprotect.cases.channels import clock, criminal_transfer
from ipprotect.cases.channels import service as channels
from ipprotect.cases.channels.models import CaseStep
from ipprotect.cases.models import Case, CaseEvent, CaseStatus, Channel
from ipprotect.core.audit import AuditEvent
from ipprotect.core.auth import Principal, Role, principal_for
from ipprotect.core.errors import Problem
from tests.cases.channel_factories import accepted_case, officer
from tests.conftest import login
from tests.factories import PASSWORD, make_user

D = dt.date.fromisoformat

FINE: dict[str, Any] = {
    "measures": ["fine"],
    "fine": "80000",
    "legal_basis": "《商标法》第六十条第二款",
    "party_present": True,
}
WARNING: dict[str, Any] = {
    "measures": ["warning", "order_to_stop"],
    "legal_basis": "《商标法》第六十条第二款",
    "party_present": True,
}
SUSPICION = "非法经营数额约六万元，涉嫌假冒注册商标罪"


def penalty_case(db: Session, on: str) -> tuple[Case, Principal, Principal]:
    """A penalty case filed on the day, its officer and the region's administrator (the head)."""
    case = accepted_case(db, on)
    handler = officer(db)
    head = principal_for(make_user(db, Role.ADMIN, [case.region_code]))
    channels.enter(db, handler, case, Channel.ADMIN_PENALTY, on=D(on))
    return case, handler, head


def test_a_transfer_needs_the_grounds_of_the_suspicion_not_proof_of_the_threshold(
    db: Session,
) -> None:
    case, handler, _ = penalty_case(db, "2025-03-03")
    with pytest.raises(Problem) as bare:
        channels.take(db, handler, case, "propose_transfer", on=D("2025-03-20"))
    assert [(e.field, e.code) for e in bare.value.errors] == [("note", "required")]
    proposed = channels.take(
        db, handler, case, "propose_transfer", on=D("2025-03-20"), note=SUSPICION
    )
    assert (proposed.channel, proposed.step) == (Channel.CRIMINAL_TRANSFER, "proposed")
    assert proposed.data["note"] == SUSPICION
    assert case.channel is Channel.CRIMINAL_TRANSFER


def test_the_head_decides_in_3_days_and_the_police_get_the_case_next_day_over_national_day(
    db: Session,
) -> None:
    case, handler, head = penalty_case(db, "2025-09-01")
    proposed = channels.take(
        db, handler, case, "propose_transfer", on=D("2025-09-28"), note=SUSPICION
    )
    # Day 3 is Oct 1, inside the holiday (Oct 1 to 8): the next working day.
    assert (proposed.rule_id, proposed.due_on) == (
        "criminal_transfer.head_decides",
        D("2025-10-09"),
    )
    with pytest.raises(Problem) as not_the_head:
        channels.take(db, handler, case, "approve", on=D("2025-09-30"))
    assert not_the_head.value.status == 403
    approved = channels.take(db, head, case, "approve", on=D("2025-09-30"))
    # "Within 24 hours" as the rule reads it: 1 day, rolled past the holiday.
    assert (approved.rule_id, approved.due_on) == (
        "criminal_transfer.transfer_to_police",
        D("2025-10-09"),
    )
    transferred = channels.take(db, handler, case, "transfer", on=D("2025-10-09"))
    # The police's 3 days end on Sunday Oct 12.
    assert (transferred.step, transferred.due_on) == ("transferred", D("2025-10-13"))


def test_an_approved_transfer_goes_to_the_police_the_next_day(db: Session) -> None:
    case, handler, head = penalty_case(db, "2025-03-03")
    channels.take(db, handler, case, "propose_transfer", on=D("2025-03-04"), note=SUSPICION)
    approved = channels.take(db, head, case, "approve", on=D("2025-03-05"))
    assert approved.due_on == D("2025-03-06")


def test_no_penalty_is_decided_while_a_transfer_is_pending(db: Session) -> None:
    case, handler, head = penalty_case(db, "2025-03-03")
    channels.take(db, handler, case, "notify", on=D("2025-03-10"))
    channels.take(db, handler, case, "propose_transfer", on=D("2025-03-20"), note=SUSPICION)
    channels.take(db, head, case, "approve", on=D("2025-03-21"))
    with pytest.raises(Problem) as pending:
        channels.take(db, handler, case, "decide", on=D("2025-03-24"), decision=FINE)
    assert (pending.value.status, pending.value.code) == (409, "transfer_pending")


def test_the_police_opening_a_case_closes_it(db: Session) -> None:
    case, handler, head = penalty_case(db, "2025-03-03")
    channels.take(db, handler, case, "propose_transfer", on=D("2025-03-20"), note=SUSPICION)
    channels.take(db, head, case, "approve", on=D("2025-03-21"))
    channels.take(db, handler, case, "transfer", on=D("2025-03-21"))
    accepted = channels.take(db, handler, case, "police_accept", on=D("2025-03-24"))
    assert accepted.step == "police_accepted"
    assert (case.status, case.closed_as) == (CaseStatus.CLOSED, "criminal_transfer.police_accepted")


def test_a_declined_transfer_returns_to_the_penalty_with_its_history_and_its_clock(
    db: Session,
) -> None:
    case, handler, head = penalty_case(db, "2025-03-03")
    channels.take(db, handler, case, "propose_transfer", on=D("2025-03-20"), note=SUSPICION)
    channels.take(db, head, case, "approve", on=D("2025-03-21"))
    channels.take(db, handler, case, "transfer", on=D("2025-03-21"))
    with pytest.raises(Problem) as no_reasons:
        channels.take(db, handler, case, "police_decline", on=D("2025-03-24"))
    assert [e.code for e in no_reasons.value.errors] == ["required"]
    declined = channels.take(
        db, handler, case, "police_decline", on=D("2025-03-24"), note="不予立案：数额不足"
    )
    assert (declined.rule_id, declined.due_on) == (
        "criminal_transfer.reconsideration",
        D("2025-03-27"),
    )
    back = channels.take(db, handler, case, "return_to_penalty", on=D("2025-04-02"))
    assert (back.channel, back.step) == (Channel.ADMIN_PENALTY, "investigating")
    assert case.channel is Channel.ADMIN_PENALTY
    # The 90 days still count from filing on Mar 3; Mar 20 to Apr 1, with the police, do not
    # count: 13 days after Jun 1 is Saturday Jun 14, so Monday Jun 16.
    assert clock.clock_started_on(back) == D("2025-03-03")
    assert back.pauses == [["2025-03-20", "2025-04-01"]]
    assert back.due_on == D("2025-06-16")
    steps = channels.steps_of(db, case)
    assert [(s.channel.value, s.step, s.outcome) for s in steps] == [
        ("admin_penalty", "investigating", "propose_transfer"),
        ("criminal_transfer", "proposed", "approve"),
        ("criminal_transfer", "approved", "transfer"),
        ("criminal_transfer", "transferred", "police_decline"),
        ("criminal_transfer", "police_declined", "return_to_penalty"),
        ("admin_penalty", "investigating", None),
    ]
    events = db.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case.id)).all()
    assert events[-2:] == ["criminal_transfer.police_declined", "admin_penalty.investigating"]
    actions = db.scalars(
        select(AuditEvent.action).where(
            AuditEvent.object_type == "case", AuditEvent.object_id == str(case.id)
        )
    ).all()
    assert actions[-3:] == [
        "case.channel.transfer",
        "case.channel.police_decline",
        "case.channel.return_to_penalty",
    ]
    # The police declined: the agency may now fine.
    channels.take(db, handler, case, "notify", on=D("2025-04-03"))
    channels.take(db, handler, case, "record_waiver", on=D("2025-04-03"))
    decided = channels.take(db, handler, case, "decide", on=D("2025-04-07"), decision=FINE)
    assert decided.data["decision"]["fine_fen"] == 8000000


def test_reconsideration_is_asked_within_3_days_of_the_refusal(db: Session) -> None:
    case, handler, head = penalty_case(db, "2025-03-03")
    channels.take(db, handler, case, "propose_transfer", on=D("2025-03-20"), note=SUSPICION)
    channels.take(db, head, case, "approve", on=D("2025-03-21"))
    channels.take(db, handler, case, "transfer", on=D("2025-03-21"))
    channels.take(db, handler, case, "police_decline", on=D("2025-03-24"), note="不予立案")
    with pytest.raises(Problem) as late:
        channels.take(db, handler, case, "request_reconsideration", on=D("2025-03-28"))
    assert late.value.code == "reconsideration_late"
    again = channels.take(db, handler, case, "request_reconsideration", on=D("2025-03-27"))
    assert (again.step, again.due_on) == ("transferred", D("2025-03-31"))


def test_a_refused_proposal_goes_back_to_the_penalty_which_may_then_fine(db: Session) -> None:
    case, handler, head = penalty_case(db, "2025-03-03")
    channels.take(db, handler, case, "notify", on=D("2025-03-10"))
    channels.take(db, handler, case, "propose_transfer", on=D("2025-03-11"), note=SUSPICION)
    with pytest.raises(Problem) as bare:
        channels.take(db, head, case, "refuse", on=D("2025-03-12"))
    assert [e.code for e in bare.value.errors] == ["required"]
    back = channels.take(
        db, head, case, "refuse", on=D("2025-03-12"), note="证据不足以认定犯罪嫌疑"
    )
    assert (back.channel, back.step) == (Channel.ADMIN_PENALTY, "investigating")
    channels.take(db, handler, case, "notify", on=D("2025-03-13"))
    channels.take(db, handler, case, "record_waiver", on=D("2025-03-13"))
    decided = channels.take(db, handler, case, "decide", on=D("2025-03-14"), decision=FINE)
    assert decided.step == "decided"


def _step(id_: int, channel: Channel, step: str) -> CaseStep:
    return CaseStep(id=id_, channel=channel, step=step)


def test_a_fine_is_blocked_from_approval_until_the_police_decline() -> None:
    penalty = _step(1, Channel.ADMIN_PENALTY, "investigating")
    approved = _step(3, Channel.CRIMINAL_TRANSFER, "approved")
    declined = _step(5, Channel.CRIMINAL_TRANSFER, "police_declined")
    approved_again = _step(7, Channel.CRIMINAL_TRANSFER, "approved")
    assert criminal_transfer.fine_blocked_by_transfer([penalty]) is False
    assert criminal_transfer.fine_blocked_by_transfer([penalty, approved]) is True
    assert criminal_transfer.fine_blocked_by_transfer([penalty, approved, declined]) is False
    assert (
        criminal_transfer.fine_blocked_by_transfer([penalty, approved, declined, approved_again])
        is True
    )


def test_a_warning_is_not_barred_by_the_rule_against_fines_in_place_of_a_transfer(
    db: Session,
) -> None:
    # Art. 11 para. 2: a warning already given stands; only a fine is what may not replace it.
    case, handler, _ = penalty_case(db, "2025-03-03")
    channels.take(db, handler, case, "notify", on=D("2025-03-10"))
    channels.take(db, handler, case, "record_waiver", on=D("2025-03-10"))
    decided = channels.take(db, handler, case, "decide", on=D("2025-03-11"), decision=WARNING)
    assert decided.data["decision"]["fine_fen"] is None


def test_a_case_cannot_be_routed_straight_into_a_transfer(db: Session) -> None:
    case = accepted_case(db, "2025-03-03")
    with pytest.raises(Problem) as refused:
        channels.enter(db, officer(db), case, Channel.CRIMINAL_TRANSFER, on=D("2025-03-03"))
    assert [(e.field, e.code) for e in refused.value.errors] == [("channel", "not_routable")]


def test_the_thresholds_shown_are_those_in_force_on_the_day_with_their_certainty() -> None:
    before = {
        r.id: (r.value, r.certainty) for r in criminal_transfer.thresholds(D("2025-04-25"), None)
    }
    after = {
        r.id: (r.value, r.certainty) for r in criminal_transfer.thresholds(D("2025-04-26"), None)
    }
    mark = "criminal_transfer.counterfeit_mark.business_volume"
    assert before[mark] == (50000, "verified")
    assert after[mark] == (50000, "uncertain")
    assert "criminal_transfer.selling_counterfeit.sales" not in before
    assert after["criminal_transfer.selling_counterfeit.sales"] == (50000, "uncertain")
    assert not any(id_.endswith(("head_decides", "police_review")) for id_ in after)


@pytest.mark.parametrize(
    ("locale", "threshold", "uncertain"),
    [
        ("zh_CN", "假冒注册商标罪：非法经营数额", "待核实"),
        ("en", "Counterfeiting a registered mark: illegal business volume", "Uncertain"),
    ],
)
def test_the_proposal_page_shows_the_thresholds_in_force_with_their_certainty(
    client: TestClient, db: Session, locale: str, threshold: str, uncertain: str
) -> None:
    case, handler, _ = penalty_case(db, "2025-03-03")
    channels.take(db, handler, case, "propose_transfer", on=D("2025-03-20"), note=SUSPICION)
    user = make_user(db, Role.ADMIN, [case.region_code])
    token = login(client, user.username, PASSWORD)
    client.get(f"/lang/{locale}?next=/")
    page = client.get(f"/cases/{case.id}")
    assert 'data-step="proposed"' in page.text
    assert 'id="do-approve"' in page.text
    assert 'id="do-refuse"' in page.text
    assert 'data-rule="criminal_transfer.counterfeit_mark.business_volume"' in page.text
    assert threshold in page.text
    assert f'<span class="tag uncertain">{uncertain}</span>' in page.text
    approved = client.post(
        f"/cases/{case.id}/channel/transition",
        data={"name": "approve", "on": "2025-03-21", "csrf_token": token},
    )
    assert 'data-step="approved"' in approved.text
    assert 'id="transfer-thresholds"' not in approved.text
