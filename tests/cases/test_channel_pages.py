"""The channel section of the case page and the work queue page, in zh and en."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ipprotect.core.auth import Role
from tests.cases.channel_factories import accepted_case
from tests.conftest import login
from tests.factories import BINJIANG, PASSWORD, XIHU, make_user


@pytest.mark.parametrize(
    ("locale", "window", "queue"),
    [
        ("zh_CN", "达成调解协议：司法确认申请期", "待办"),
        ("en", "judicial confirmation window", "Work queue"),
    ],
)
def test_an_officer_mediates_to_agreement_from_the_case_page_and_sees_the_window(
    client: TestClient, db: Session, locale: str, window: str, queue: str
) -> None:
    case = accepted_case(db, "2025-08-20")
    officer = make_user(db, Role.OFFICER, [XIHU])
    token = login(client, officer.username, PASSWORD)
    client.get(f"/lang/{locale}?next=/")
    page = client.post(
        f"/cases/{case.id}/channel",
        data={"channel": "mediation", "on": "2025-08-20", "csrf_token": token},
    )
    assert page.status_code == 200, page.text
    assert 'data-step="mediating"' in page.text
    assert 'id="do-agree"' in page.text
    agreed = client.post(
        f"/cases/{case.id}/channel/transition",
        data={"name": "agree", "on": "2025-09-01", "csrf_token": token},
    )
    assert 'data-step="agreed"' in agreed.text
    assert window in agreed.text
    assert "2025-10-09" in agreed.text
    listed = client.get("/cases/queue")
    assert queue in listed.text
    assert case.tracking_code in listed.text


def test_an_ownership_agreement_page_says_it_cannot_be_confirmed(
    client: TestClient, db: Session
) -> None:
    case = accepted_case(db, "2025-08-20")
    officer = make_user(db, Role.OFFICER, [XIHU])
    token = login(client, officer.username, PASSWORD)
    client.post(f"/cases/{case.id}/channel", data={"channel": "mediation", "csrf_token": token})
    page = client.post(
        f"/cases/{case.id}/channel/transition",
        data={"name": "agree", "decides_ownership": "true", "csrf_token": token},
    )
    assert 'id="no-confirmation"' in page.text
    assert 'id="do-apply_confirmation"' not in page.text


def test_another_districts_officer_cannot_route_the_case(client: TestClient, db: Session) -> None:
    case = accepted_case(db, "2025-08-20")
    outsider = make_user(db, Role.OFFICER, [BINJIANG])
    token = login(client, outsider.username, PASSWORD)
    response = client.post(
        f"/cases/{case.id}/channel", data={"channel": "mediation", "csrf_token": token}
    )
    assert response.status_code == 404
    assert case.tracking_code not in client.get("/cases/queue").text


def test_the_officer_picks_the_mediator_by_name_among_the_mediators_of_the_cases_region(
    client: TestClient, db: Session
) -> None:
    case = accepted_case(db, "2025-08-20")
    ours = make_user(db, Role.MEDIATOR, [XIHU])
    ours.display_name = "西湖区人民调解员甲"
    theirs = make_user(db, Role.MEDIATOR, [BINJIANG])
    theirs.display_name = "滨江区人民调解员乙"
    db.flush()
    officer = make_user(db, Role.OFFICER, [XIHU])
    token = login(client, officer.username, PASSWORD)
    page = client.post(
        f"/cases/{case.id}/channel",
        data={"channel": "mediation", "on": "2025-08-20", "csrf_token": token},
    ).text
    assert f'<option value="{ours.id}">西湖区人民调解员甲</option>' in page
    assert theirs.display_name not in page
    assigned = client.post(
        f"/cases/{case.id}/channel/transition",
        data={"name": "assign_mediator", "mediator_id": str(ours.id), "csrf_token": token},
    )
    assert assigned.status_code == 200, assigned.text
    assert '调解员: <span class="assignee">西湖区人民调解员甲</span>' in assigned.text
