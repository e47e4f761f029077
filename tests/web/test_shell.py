"""The web shell: logging in and out, the language switch, the dashboard, error pages."""

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ipprotect.core.auth import Role
from tests.conftest import csrf_of, login
from tests.factories import PASSWORD, make_user


def test_dashboard_needs_login_and_redirects_to_it(client: TestClient) -> None:
    response = client.get("/dashboard", headers={"accept": "text/html"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/dashboard"


def test_officer_logs_in_and_sees_the_dashboard_in_chinese(client: TestClient, db: Session) -> None:
    user = make_user(db, Role.OFFICER)
    login(client, user.username, PASSWORD)
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert "工作台" in page.text
    assert user.username in page.text


def test_wrong_password_is_refused_with_a_message(client: TestClient, db: Session) -> None:
    user = make_user(db)
    response = client.post(
        "/login",
        data={"username": user.username, "password": "nope", "csrf_token": csrf_of(client)},
    )
    assert response.status_code == 401
    assert "用户名或密码错误" in response.text


def test_login_without_csrf_token_is_refused(client: TestClient, db: Session) -> None:
    user = make_user(db)
    client.get("/login")
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"


def test_logins_are_throttled_after_repeated_failures(client: TestClient, db: Session) -> None:
    user = make_user(db)
    token = csrf_of(client)
    statuses = [
        client.post(
            "/login", data={"username": user.username, "password": "bad", "csrf_token": token}
        ).status_code
        for _ in range(6)
    ]
    assert statuses == [401] * 5 + [429]
    # Even the right password is refused while throttled.
    response = client.post(
        "/login", data={"username": user.username, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 429


def test_language_switch_shows_english(client: TestClient, db: Session) -> None:
    user = make_user(db)
    login(client, user.username, PASSWORD)
    client.get("/lang/en?next=/dashboard")
    assert "Dashboard" in client.get("/dashboard").text


def test_language_switch_refuses_offsite_redirects(client: TestClient) -> None:
    response = client.get("/lang/en?next=https://evil.example/", follow_redirects=False)
    assert response.headers["location"] == "/"


def test_api_errors_are_problem_json(client: TestClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "not_found"


def test_health(client: TestClient) -> None:
    assert client.get("/api/v1/health").json()["status"] == "ok"


def test_the_language_switch_keeps_the_search_the_user_was_looking_at(
    client: TestClient, db: Session
) -> None:
    user = make_user(db)
    login(client, user.username, PASSWORD)
    page = client.get("/rules?q=调解").text
    assert "/lang/en?next=/rules%3Fq%3D" in page
    response = client.get("/lang/en?next=/rules%3Fq%3D%E8%B0%83%E8%A7%A3", follow_redirects=False)
    assert response.headers["location"] == "/rules?q=%E8%B0%83%E8%A7%A3"


def test_a_validation_message_quoting_a_pattern_is_a_422_not_a_500(
    client: TestClient, db: Session
) -> None:
    """Found by schemathesis: pydantic's message for ^\\d{6}$ was formatted as a template."""
    admin = make_user(db, Role.ADMIN)
    login(client, admin.username, PASSWORD)
    response = client.get("/api/v1/admin/users?region=AAA")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "region"
    assert "{6}" in response.json()["errors"][0]["message"]
