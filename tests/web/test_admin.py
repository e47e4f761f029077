"""Account administration: the /admin pages and the /api/v1/admin API, scoped by region."""

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ipprotect.core import audit
from ipprotect.core.auth import ApiToken, Role, User, create_token
from tests.conftest import login
from tests.factories import BINJIANG, HANGZHOU, NINGBO, PASSWORD, XIHU, make_user

TOKEN_RE = re.compile(r"ipp_[A-Za-z0-9_-]{40,}")
HTML = {"accept": "text/html"}


@pytest.fixture
def admin(db: Session) -> User:
    return make_user(db, Role.ADMIN, [HANGZHOU])


@pytest.fixture
def csrf(client: TestClient, admin: User) -> str:
    """The Hangzhou admin is logged in; the session's CSRF token."""
    return login(client, admin.username, PASSWORD)


def _new_user_form(csrf: str, **changes: str) -> dict[str, str]:
    form = {
        "csrf_token": csrf,
        "username": "wang.fang",
        "display_name": "王芳",
        "role": "officer",
        "region_codes": XIHU,
        "entity_uscc": "",
        "password": "a long enough password",
    }
    return form | changes


# --- who may administer ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role",
    [Role.APPLICANT, Role.OFFICER, Role.MEDIATOR, Role.CREDIT_OFFICER, Role.EVALUATOR, Role.SYSTEM],
)
def test_only_administrators_reach_the_admin_page_and_api(
    client: TestClient, db: Session, role: Role
) -> None:
    user = make_user(db, role, [HANGZHOU])
    login(client, user.username, PASSWORD)
    assert client.get("/admin", headers=HTML).status_code == 403
    response = client.get("/api/v1/admin/users")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_anonymous_visitors_are_sent_to_log_in(client: TestClient) -> None:
    page = client.get("/admin", headers=HTML, follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=/admin"
    assert client.get("/api/v1/admin/users").status_code == 401


def test_an_admin_post_without_the_csrf_token_is_refused(
    client: TestClient, db: Session, csrf: str
) -> None:
    form = _new_user_form(csrf)
    del form["csrf_token"]
    response = client.post("/admin/users", data=form)
    assert response.status_code == 403
    assert db.scalar(select(User).where(User.username == "wang.fang")) is None
    api = client.post("/api/v1/admin/users", json={k: v for k, v in form.items() if v})
    assert api.status_code == 403
    assert api.json()["code"] == "csrf_failed"


# --- the accounts pages ------------------------------------------------------------------------


def test_the_admin_sees_only_the_accounts_inside_hangzhou(
    client: TestClient, db: Session, csrf: str
) -> None:
    xihu = make_user(db, region_codes=[XIHU])
    ningbo = make_user(db, region_codes=[NINGBO])
    straddling = make_user(db, region_codes=[BINJIANG, NINGBO])
    page = client.get("/admin")
    assert page.status_code == 200
    assert xihu.username in page.text
    assert "西湖区" in page.text
    assert ningbo.username not in page.text
    assert straddling.username not in page.text


def test_the_account_list_filters_by_role_region_and_status(
    client: TestClient, db: Session, csrf: str
) -> None:
    officer = make_user(db, Role.OFFICER, [XIHU])
    mediator = make_user(db, Role.MEDIATOR, [BINJIANG])
    retired = make_user(db, Role.OFFICER, [BINJIANG])
    retired.active = False
    db.flush()
    by_role = client.get("/admin", params={"role": "mediator"}).text
    assert mediator.username in by_role
    assert officer.username not in by_role
    by_region = client.get("/admin", params={"region": BINJIANG}).text
    assert mediator.username in by_region
    assert retired.username in by_region
    assert officer.username not in by_region
    deactivated = client.get("/admin", params={"active": "0"}).text
    assert retired.username in deactivated
    assert mediator.username not in deactivated


def test_a_malformed_region_filter_is_explained_next_to_the_field(
    client: TestClient, csrf: str
) -> None:
    page = client.get("/admin", params={"region": "33x"})
    assert page.status_code == 422
    assert 'id="e-region"' in page.text


def test_the_admin_creates_an_account_and_the_change_is_audited(
    client: TestClient, db: Session, admin: User, csrf: str
) -> None:
    response = client.post("/admin/users", data=_new_user_form(csrf), follow_redirects=False)
    assert response.status_code == 303
    user = db.scalar(select(User).where(User.username == "wang.fang"))
    assert user is not None
    assert user.region_codes == [XIHU]
    assert response.headers["location"] == f"/admin/users/{user.id}"
    assert "wang.fang" in client.get(response.headers["location"]).text
    event = db.scalar(
        select(audit.AuditEvent).where(
            audit.AuditEvent.action == "user.create", audit.AuditEvent.object_id == str(user.id)
        )
    )
    assert event is not None
    assert event.actor_id == admin.id
    assert event.after is not None
    assert event.after["role"] == "officer"
    assert user.password_hash not in str(event.after)


def test_the_create_form_offers_the_roles_by_their_chinese_names(
    client: TestClient, csrf: str
) -> None:
    page = client.get("/admin/users/new").text
    for name in ("申请人/企业用户", "执法人员", "调解员", "信用管理人员", "评估人员", "管理员"):
        assert name in page


def test_a_hangzhou_admin_cannot_create_an_account_for_ningbo(
    client: TestClient, db: Session, csrf: str
) -> None:
    page = client.post("/admin/users", data=_new_user_form(csrf, region_codes=NINGBO))
    assert page.status_code == 422
    error = re.search(r'<p id="e-region_codes" class="error"[^>]*>([^<]+)</p>', page.text)
    assert error is not None
    assert "330200" in error.group(1)
    assert "超出" in error.group(1)
    body = {"username": "li.lei", "password": PASSWORD, "role": "officer", "region_codes": [NINGBO]}
    api = client.post("/api/v1/admin/users", json=body, headers={"X-CSRF-Token": csrf})
    assert api.status_code == 422
    assert [(e["field"], e["code"]) for e in api.json()["errors"]] == [
        ("region_codes", "outside_scope")
    ]
    assert db.scalar(select(User).where(User.username.in_(["wang.fang", "li.lei"]))) is None


def test_a_hangzhou_admin_cannot_create_a_provincial_admin(
    client: TestClient, db: Session, csrf: str
) -> None:
    form = _new_user_form(csrf, role="admin", region_codes="330000")
    assert client.post("/admin/users", data=form).status_code == 422
    assert db.scalar(select(User).where(User.username == "wang.fang")) is None


def test_every_bad_field_is_shown_in_chinese_next_to_it(client: TestClient, csrf: str) -> None:
    form = _new_user_form(csrf, username="x", password="short", region_codes="999999")
    page = client.post("/admin/users", data=form)
    assert page.status_code == 422
    for field in ("username", "password", "region_codes"):
        assert f'id="e-{field}"' in page.text
    assert "至少 10 个字符" in page.text
    assert 'value="x"' in page.text  # what was typed is kept


def test_accounts_outside_the_scope_do_not_exist_for_the_admin(
    client: TestClient, db: Session, csrf: str
) -> None:
    ningbo = make_user(db, region_codes=[NINGBO])
    assert client.get(f"/admin/users/{ningbo.id}", headers=HTML).status_code == 404
    edit = {"csrf_token": csrf, "role": "officer", "region_codes": XIHU, "active": "true"}
    assert client.post(f"/admin/users/{ningbo.id}", data=edit).status_code == 404
    reset = {"csrf_token": csrf, "password": "a new long password"}
    assert client.post(f"/admin/users/{ningbo.id}/password", data=reset).status_code == 404
    header = {"X-CSRF-Token": csrf}
    assert client.get(f"/api/v1/admin/users/{ningbo.id}").status_code == 404
    patch = client.patch(f"/api/v1/admin/users/{ningbo.id}", json={"active": False}, headers=header)
    assert patch.status_code == 404
    assert ningbo.active
    assert ningbo.region_codes == [NINGBO]


def test_the_admin_edits_role_regions_and_status(
    client: TestClient, db: Session, csrf: str
) -> None:
    user = make_user(db, Role.OFFICER, [XIHU])
    edit = {
        "csrf_token": csrf,
        "display_name": "李雷",
        "role": "credit_officer",
        "region_codes": f"{XIHU}，{BINJIANG}",
        "entity_uscc": "",
    }
    response = client.post(f"/admin/users/{user.id}", data=edit, follow_redirects=False)
    assert response.status_code == 303
    assert user.role is Role.CREDIT_OFFICER
    assert user.region_codes == [XIHU, BINJIANG]
    assert user.display_name == "李雷"
    assert not user.active  # the box was not ticked
    assert "已保存" in client.get(f"/admin/users/{user.id}").text


def test_the_admin_cannot_deactivate_themselves(client: TestClient, admin: User, csrf: str) -> None:
    edit = {"csrf_token": csrf, "role": "admin", "region_codes": HANGZHOU}
    page = client.post(f"/admin/users/{admin.id}", data=edit)
    assert page.status_code == 422
    assert 'id="e-active"' in page.text
    assert admin.active
    assert client.get("/admin").status_code == 200


def test_a_password_reset_ends_the_users_sessions_but_not_the_admins(
    client: TestClient, db: Session, admin: User, csrf: str
) -> None:
    user = make_user(db, region_codes=[XIHU])
    with TestClient(client.app) as other_browser:
        login(other_browser, user.username, PASSWORD)
        reset = {"csrf_token": csrf, "password": "a fresh long password"}
        response = client.post(
            f"/admin/users/{user.id}/password", data=reset, follow_redirects=False
        )
        assert response.status_code == 303
        gone = other_browser.get("/dashboard", headers=HTML, follow_redirects=False)
        assert gone.status_code == 303
        login(other_browser, user.username, "a fresh long password")
    own = {"csrf_token": csrf, "password": "the admin's new password"}
    client.post(f"/admin/users/{admin.id}/password", data=own, follow_redirects=False)
    assert client.get("/admin").status_code == 200


# --- API tokens --------------------------------------------------------------------------------


def _create_token(client: TestClient, csrf: str, role: str = "admin") -> str:
    form = {"csrf_token": csrf, "name": "杭州市政府采购系统", "role": role, "region_codes": XIHU}
    page = client.post("/admin/tokens", data=form)
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    match = TOKEN_RE.search(page.text)
    assert match is not None
    return match.group(0)


def test_a_token_is_shown_once_works_as_bearer_and_stops_working_when_revoked(
    client: TestClient, db: Session, csrf: str
) -> None:
    plaintext = _create_token(client, csrf)
    listing = client.get("/admin/tokens").text
    assert "杭州市政府采购系统" in listing
    assert plaintext[:12] in listing
    assert plaintext not in listing
    token = db.scalar(select(ApiToken).where(ApiToken.token_prefix == plaintext[:12]))
    assert token is not None

    with TestClient(client.app, headers={"Authorization": f"Bearer {plaintext}"}) as bearer:
        assert bearer.get("/api/v1/admin/users").status_code == 200
        assert token.last_used_at is not None
        revoke = client.post(
            f"/admin/tokens/{token.id}/revoke", data={"csrf_token": csrf}, follow_redirects=False
        )
        assert revoke.status_code == 303
        refused = bearer.get("/api/v1/admin/users")
    assert refused.status_code == 401
    assert refused.json()["code"] == "invalid_token"


def test_a_system_token_authenticates_but_may_not_administer(client: TestClient, csrf: str) -> None:
    plaintext = _create_token(client, csrf, role="system")
    with TestClient(client.app, headers={"Authorization": f"Bearer {plaintext}"}) as bearer:
        assert bearer.get("/api/v1/admin/users").status_code == 403


def test_a_hangzhou_admin_cannot_issue_a_token_for_ningbo_nor_revoke_one(
    client: TestClient, db: Session, csrf: str
) -> None:
    form = {"csrf_token": csrf, "name": "宁波采购", "role": "system", "region_codes": NINGBO}
    page = client.post("/admin/tokens", data=form)
    assert page.status_code == 422
    assert 'id="e-region_codes"' in page.text
    assert TOKEN_RE.search(page.text) is None
    ningbo, _ = create_token(db, audit.SYSTEM, name="宁波土地出让", region_codes=[NINGBO])
    assert "宁波土地出让" not in client.get("/admin/tokens").text
    revoke = client.post(f"/admin/tokens/{ningbo.id}/revoke", data={"csrf_token": csrf})
    assert revoke.status_code == 404
    assert ningbo.revoked_at is None


# --- the API -----------------------------------------------------------------------------------


def test_the_api_creates_reads_and_patches_accounts_without_exposing_hashes(
    client: TestClient, db: Session, csrf: str
) -> None:
    header = {"X-CSRF-Token": csrf}
    body = {
        "username": "zhao.min",
        "password": PASSWORD,
        "role": "mediator",
        "region_codes": [BINJIANG],
        "display_name": "赵敏",
    }
    created = client.post("/api/v1/admin/users", json=body, headers=header)
    assert created.status_code == 201
    account = created.json()
    assert "password_hash" not in account
    assert "password" not in account
    assert account["role"] == "mediator"
    fetched = client.get(f"/api/v1/admin/users/{account['id']}").json()
    assert fetched == account
    patched = client.patch(
        f"/api/v1/admin/users/{account['id']}",
        json={"role": "officer", "active": False},
        headers=header,
    )
    assert patched.status_code == 200
    assert patched.json()["role"] == "officer"
    assert patched.json()["active"] is False
    unknown_field = client.post(
        "/api/v1/admin/users", json=body | {"password_hash": "x"}, headers=header
    )
    assert unknown_field.status_code == 422


def test_the_api_lists_accounts_in_scope_page_by_page(
    client: TestClient, db: Session, csrf: str
) -> None:
    make_user(db, region_codes=[XIHU])
    make_user(db, region_codes=[BINJIANG])
    make_user(db, region_codes=[NINGBO])
    first = client.get("/api/v1/admin/users", params={"size": 2}).json()
    assert first["total"] == 3  # the two officers and the admin, not Ningbo
    assert len(first["items"]) == 2
    second = client.get("/api/v1/admin/users", params={"size": 2, "page": 2}).json()
    names = {u["username"] for u in first["items"] + second["items"]}
    assert len(names) == 3
    assert all(NINGBO not in u["region_codes"] for u in first["items"] + second["items"])


def test_the_api_returns_a_new_token_once_and_lists_it_without_its_secret(
    client: TestClient, csrf: str
) -> None:
    header = {"X-CSRF-Token": csrf}
    body = {"name": "bidding platform", "region_codes": [XIHU]}
    created = client.post("/api/v1/admin/tokens", json=body, headers=header)
    assert created.status_code == 201
    assert created.headers["cache-control"] == "no-store"
    plaintext = created.json()["plaintext"]
    assert created.json()["token"]["role"] == "system"
    listed = client.get("/api/v1/admin/tokens")
    assert plaintext not in listed.text
    assert "token_hash" not in listed.text
    token_id = created.json()["token"]["id"]
    revoked = client.post(f"/api/v1/admin/tokens/{token_id}/revoke", headers=header)
    assert revoked.json()["revoked_at"] is not None
