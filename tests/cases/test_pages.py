"""The public complaint form and tracking page (no login, zh and en), and the officers' pages."""

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ipprotect.core.auth import Role
from tests.cases.factories import make_case
from tests.conftest import csrf_of, login
from tests.factories import BINJIANG, PASSWORD, XIHU, make_user

FORM = {
    "complainant_name": "钱十",
    "complainant_phone": "13600000000",
    "respondent_name": "某批发市场摊位",
    "region_code": XIHU,
    "facts": "销售假冒商标的运动鞋",
}


@pytest.mark.parametrize(
    ("locale", "received", "tracking"),
    [("zh_CN", "投诉已收到", "跟踪码"), ("en", "Complaint received", "Tracking code")],
)
def test_a_member_of_the_public_files_a_complaint_and_follows_it(
    client: TestClient, locale: str, received: str, tracking: str
) -> None:
    client.get(f"/lang/{locale}?next=/")
    token = csrf_of(client, "/complaints/new")
    filed = client.post("/complaints/new", data=FORM | {"csrf_token": token})
    assert filed.status_code == 200, filed.text
    assert received in filed.text
    code = re.search(r'id="tracking-code">([A-Z0-9]{12})<', filed.text)
    assert code is not None
    followed = client.post("/track", data={"code": code.group(1), "csrf_token": token})
    assert tracking in followed.text
    assert 'data-status="received"' in followed.text
    assert "钱十" not in followed.text
    assert "13600000000" not in followed.text


def test_the_form_shows_each_error_next_to_its_field(client: TestClient) -> None:
    token = csrf_of(client, "/complaints/new")
    response = client.post(
        "/complaints/new", data=FORM | {"complainant_phone": "", "csrf_token": token}
    )
    assert response.status_code == 422
    assert 'id="e-complainant_phone"' in response.text


def test_an_unknown_tracking_code_finds_nothing(client: TestClient) -> None:
    token = csrf_of(client, "/track")
    response = client.post("/track", data={"code": "ABCDEFGHJKLM", "csrf_token": token})
    assert response.status_code == 404


def test_an_officer_accepts_from_the_detail_page_and_sees_the_history(
    client: TestClient, db: Session
) -> None:
    case = make_case(db, received_on="2025-01-24")
    officer = make_user(db, Role.OFFICER, [XIHU])
    token = login(client, officer.username, PASSWORD)
    listed = client.get("/cases")
    assert case.tracking_code in listed.text
    assert "2025-02-10" in listed.text
    response = client.post(
        f"/cases/{case.id}/decide", data={"decision": "accept", "csrf_token": token}
    )
    assert response.status_code == 200
    assert 'data-status="accepted"' in response.text
    assert "case.accept" in response.text


def test_an_officer_records_the_day_a_hotline_complaint_was_accepted(
    client: TestClient, db: Session
) -> None:
    case = make_case(db, received_on="2025-01-24")
    officer = make_user(db, Role.OFFICER, [XIHU])
    token = login(client, officer.username, PASSWORD)
    accept = {"decision": "accept", "csrf_token": token}
    early = client.post(f"/cases/{case.id}/decide", data=accept | {"on": "2025-01-23"})
    assert early.status_code == 422
    assert 'id="e-on"' in early.text
    assert "2025-01-24" in early.text  # before the complaint was received
    wrong = client.post(f"/cases/{case.id}/decide", data=accept | {"on": "24/01/2025"})
    assert wrong.status_code == 422
    assert 'id="e-on"' in wrong.text

    client.post(f"/cases/{case.id}/decide", data=accept | {"on": "2025-01-27"})
    db.refresh(case)
    assert case.status.value == "accepted"
    assert case.decided_on == dt.date(2025, 1, 27)


def test_another_districts_officer_gets_404_on_the_detail_page(
    client: TestClient, db: Session
) -> None:
    case = make_case(db)
    outsider = make_user(db, Role.OFFICER, [BINJIANG])
    login(client, outsider.username, PASSWORD)
    assert client.get(f"/cases/{case.id}").status_code == 404
    assert case.tracking_code not in client.get("/cases").text
