"""Damages inside a case: an officer runs the calculator on the case's figures (API, or the
calculator page opened from the case) and the result is recorded on the case, audited, in the
case's region; bad input is a 422 and records nothing."""

from urllib.parse import urlencode

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ipprotect.cases import damages
from ipprotect.cases.models import CaseEvent
from ipprotect.core.audit import AuditEvent
from ipprotect.core.auth import Role
from tests.cases.factories import make_case
from tests.conftest import login
from tests.factories import BINJIANG, PASSWORD, XIHU, make_user
from tests.registry.factories import bearer

WILFUL_COUNTERFEIT = {
    "law": "trademark",
    "decided_on": "2025-06-01",
    "actual_loss": "100000",
    "punitive_multiplier": "2",
    "reasonable_expenses": "8000.50",
    "intent": ["piracy_or_counterfeit_mark"],
    "serious_circumstances": ["repeat_after_penalty_or_judgment"],
}


def _recorded(db: Session, case_id: int) -> int:
    stmt = select(func.count()).where(CaseEvent.case_id == case_id, CaseEvent.kind == damages.KIND)
    return db.scalar(stmt) or 0


def test_an_officer_records_punitive_damages_on_a_case_through_the_api(
    client: TestClient, db: Session
) -> None:
    case = make_case(db)
    url = f"/api/v1/cases/{case.id}/damages"
    response = client.post(url, json=WILFUL_COUNTERFEIT, headers=bearer(db))
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["compensatory"], body["punitive"], body["total"]) == (
        "100000.00",
        "200000.00",
        "308000.50",
    )
    [recorded] = damages.assessments_of(db, case)
    assert (recorded.law, str(recorded.punitive), str(recorded.total)) == (
        "trademark",
        "200000.00",
        "308000.50",
    )
    assert recorded.reading == body["reading"]["id"]
    assert "商标法 (Trademark Law, 2019 amendment) art. 63" in recorded.sources
    action = db.scalar(
        select(AuditEvent.action)
        .where(AuditEvent.object_id == str(case.id))
        .order_by(AuditEvent.id.desc())
    )
    assert action == "case.damages_assessed"


def test_a_multiplier_of_six_is_refused_and_nothing_is_recorded(
    client: TestClient, db: Session
) -> None:
    case = make_case(db)
    response = client.post(
        f"/api/v1/cases/{case.id}/damages",
        json=WILFUL_COUNTERFEIT | {"punitive_multiplier": "6"},
        headers=bearer(db),
    )
    assert response.status_code == 422
    assert "punitive_multiplier" in response.text
    assert _recorded(db, case.id) == 0


def test_another_districts_officer_and_an_applicant_cannot_record_damages(
    client: TestClient, db: Session
) -> None:
    case = make_case(db)
    url = f"/api/v1/cases/{case.id}/damages"
    outsider = client.post(
        url, json=WILFUL_COUNTERFEIT, headers=bearer(db, Role.OFFICER, [BINJIANG])
    )
    assert outsider.status_code == 404
    applicant = client.post(url, json=WILFUL_COUNTERFEIT, headers=bearer(db, Role.APPLICANT))
    assert applicant.status_code == 403
    assert _recorded(db, case.id) == 0


def test_the_calculator_opened_from_the_case_page_records_its_result_in_the_case(
    client: TestClient, db: Session
) -> None:
    case = make_case(db)
    officer = make_user(db, Role.OFFICER, [XIHU])
    token = login(client, officer.username, PASSWORD)
    assert f'href="/damages?case={case.id}"' in client.get(f"/cases/{case.id}").text
    query = urlencode({"case": case.id, **WILFUL_COUNTERFEIT}, doseq=True)
    calculator = client.get(f"/damages?{query}")
    assert 'id="record-in-case"' in calculator.text
    recorded = client.post(
        f"/cases/{case.id}/damages",
        data={"query": query, "csrf_token": token},
        follow_redirects=False,
    )
    assert recorded.status_code == 303
    page = client.get(f"/cases/{case.id}").text
    assert 'data-punitive="200000.00"' in page
    assert "308000.50" in page
