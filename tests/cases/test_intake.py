"""Receiving complaints: the acceptance deadline from the rules and the calendar, the tracking
code, what the filer may name, and the officers' decision."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ipprotect.cases import reads, service, tracking
from ipprotect.cases.models import CaseEvent, CaseStatus, Source
from ipprotect.core import audit
from ipprotect.core.auth import ANONYMOUS, Role, principal_for
from ipprotect.core.days import today
from ipprotect.core.errors import Problem
from tests.cases.factories import make_case
from tests.factories import BINJIANG, XIHU, make_user


def test_a_complaint_received_on_2025_01_24_is_due_for_acceptance_on_2025_02_10(
    db: Session,
) -> None:
    case = make_case(db, received_on="2025-01-24")
    assert case.acceptance_due == date(2025, 2, 10)  # 7 working days over the Spring Festival
    assert case.acceptance_due_provisional is False


def test_a_deadline_in_a_year_without_an_official_calendar_is_provisional(db: Session) -> None:
    officer = principal_for(make_user(db, Role.OFFICER, [XIHU]))
    case = service.receive(
        db,
        officer,
        service.CaseDraft(
            region_code=XIHU,
            complainant_name="李四",
            complainant_phone="13900000000",
            respondent_name="乙公司",
            facts="仿冒外观设计",
        ),
        source=Source.API,
    )
    # Today's year may or may not have a loaded notice; the flag follows the calendar.
    assert case.received_on == today()
    assert case.acceptance_due > case.received_on
    event = db.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id))
    assert event is not None
    assert event.due_on == case.acceptance_due


def test_every_case_gets_a_distinct_unguessable_tracking_code(db: Session) -> None:
    codes = {make_case(db).tracking_code for _ in range(5)}
    assert len(codes) == 5
    assert all(tracking.looks_valid(c) for c in codes)
    assert not any(c in codes for c in ("0", "O", "1", "I"))
    found = reads.by_tracking_code(db, next(iter(codes)).lower())
    assert found.tracking_code in codes


def test_the_public_must_give_a_way_to_be_reached(db: Session) -> None:
    draft = service.CaseDraft(
        region_code=XIHU, complainant_name="王五", respondent_name="丙", facts="侵权"
    )
    with pytest.raises(Problem) as caught:
        service.receive(db, ANONYMOUS, draft, source=Source.FORM)
    assert [e.code for e in caught.value.errors] == ["contact_required"]


def test_only_the_receiving_office_sets_the_date_of_receipt(db: Session) -> None:
    draft = service.CaseDraft(
        region_code=XIHU,
        complainant_name="王五",
        complainant_email="w@example.cn",
        respondent_name="丙",
        facts="侵权",
        received_on="2025-01-24",
    )
    with pytest.raises(Problem) as caught:
        service.receive(db, ANONYMOUS, draft, source=Source.FORM)
    assert {e.field for e in caught.value.errors} == {"received_on"}


def test_bad_fields_are_all_reported_and_nothing_is_written(db: Session) -> None:
    officer = principal_for(make_user(db, Role.OFFICER, [XIHU]))
    draft = service.CaseDraft(
        region_code=BINJIANG,
        complainant_name="",
        respondent_uscc="not-a-code",
        amount_claimed="-5",
        triage_flags=["made_up"],
        right_ids="abc",
    )
    before = reads.list_cases(db, officer, reads.CaseFilters(), 1, 10).total
    with pytest.raises(Problem) as caught:
        service.receive(db, officer, draft, source=Source.API)
    fields = {e.field for e in caught.value.errors}
    assert {
        "region_code",
        "complainant_name",
        "respondent_uscc",
        "amount_claimed",
        "triage_flags",
        "right_ids",
        "facts",
    } <= fields
    assert reads.list_cases(db, officer, reads.CaseFilters(), 1, 10).total == before


def test_the_amount_claimed_is_kept_in_fen(db: Session) -> None:
    case = make_case(db, amount_claimed="12,000.50")
    assert case.amount_claimed_fen == 1_200_050
    assert case.amount_claimed_yuan == "12000.50"


def test_an_officer_accepts_a_complaint_and_the_decision_is_audited(db: Session) -> None:
    officer = principal_for(make_user(db, Role.OFFICER, [XIHU]))
    case = make_case(db)
    service.accept(db, officer, case)
    assert case.status is CaseStatus.ACCEPTED
    assert case.decided_on == today()
    actions = [e.action for e in reads.history(db, case)]
    assert actions == ["case.receive", "case.accept"]
    with pytest.raises(Problem) as caught:
        service.reject(db, officer, case, "重复投诉")
    assert caught.value.status == 409


def test_a_rejection_needs_its_reason(db: Session) -> None:
    officer = principal_for(make_user(db, Role.OFFICER, [XIHU]))
    case = make_case(db)
    with pytest.raises(Problem):
        service.reject(db, officer, case, "  ")
    service.reject(db, officer, case, "不属于本部门管辖")
    assert case.status is CaseStatus.REJECTED
    event = reads.history(db, case)[-1]
    assert isinstance(event, audit.AuditEvent)
    assert event.after is not None
    assert event.after["reason"] == "不属于本部门管辖"


def test_another_districts_officer_cannot_see_the_case(db: Session) -> None:
    outsider = principal_for(make_user(db, Role.OFFICER, [BINJIANG]))
    case = make_case(db)
    with pytest.raises(Problem) as caught:
        reads.get_case(db, outsider, case.id)
    assert caught.value.status == 404
    assert reads.list_cases(db, outsider, reads.CaseFilters(), 1, 50).total == 0


def test_a_date_of_receipt_before_any_rule_was_in_force_is_refused(db: Session) -> None:
    with pytest.raises(Problem) as caught:
        make_case(db, received_on="2019-12-31")
    assert [e.code for e in caught.value.errors] == ["no_rule_in_force"]


def test_an_officer_records_an_acceptance_decided_earlier_but_not_before_receipt(
    db: Session,
) -> None:
    officer = principal_for(make_user(db, Role.OFFICER, [XIHU]))
    case = make_case(db, received_on="2025-01-24")
    with pytest.raises(Problem) as early:
        service.accept(db, officer, case, on=date(2025, 1, 23))
    assert [e.code for e in early.value.errors] == ["before_received"]
    with pytest.raises(Problem) as future:
        service.accept(db, officer, case, on=today() + timedelta(days=1))
    assert [e.code for e in future.value.errors] == ["in_future"]
    service.accept(db, officer, case, on=date(2025, 2, 10))
    assert (case.status, case.decided_on) == (CaseStatus.ACCEPTED, date(2025, 2, 10))
    late = db.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)).all()[-1]
    assert (late.kind, late.data["late"]) == ("accepted", False)  # the due day itself
