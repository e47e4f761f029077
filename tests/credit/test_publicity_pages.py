"""Dual publicity through the API and the pages: officers and credit officers of the region see
the decisions to publish by deadline and the withheld ones with the reason, publish and withdraw
(the portal follows at once), with errors next to the fields; other regions and roles get
nothing."""

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ipprotect.core.auth import Role
from tests.cases.document_factories import PENALTY, penalty_case
from tests.conftest import login
from tests.credit.test_publicity import decide
from tests.factories import BINJIANG, PASSWORD, XIHU, make_user


def log_in(client: TestClient, db: Session, role: Role, region: str = XIHU) -> str:
    user = make_user(db, role, [region])
    return login(client, user.username, PASSWORD)


def test_the_api_lists_publishes_and_withdraws_in_the_region(
    client: TestClient, db: Session, tmp_path: Path
) -> None:
    p = decide(db, penalty_case(db, "2025-09-26"), "2025-09-26", tmp_path)
    warning = PENALTY | {"measures": ["warning"], "fine_fen": None}
    held = decide(db, penalty_case(db, "2025-09-26", warning), "2025-09-26", tmp_path)
    csrf = log_in(client, db, Role.CREDIT_OFFICER)
    headers = {"x-csrf-token": csrf}
    listed = client.get("/api/v1/credit/publications").json()
    mine = [i for i in listed if i["id"] == p.id]
    assert mine[0]["publicity_due"] == "2025-10-13"
    assert mine[0]["overdue"] is True  # the platform's today is past 2025-10-13
    assert held.id not in [i["id"] for i in listed]
    withheld = client.get("/api/v1/credit/publications/withheld").json()
    assert [i["withheld_reason"] for i in withheld if i["id"] == held.id] == [
        "A warning alone is not published (SAMR Order No. 45 art. 2)"
    ]
    early = client.post(
        f"/api/v1/credit/publications/{p.id}/publish", json={"on": "2025-09-01"}, headers=headers
    )
    assert early.status_code == 422
    assert early.headers["content-type"].startswith("application/problem+json")
    done = client.post(
        f"/api/v1/credit/publications/{p.id}/publish", json={"on": "2025-10-10"}, headers=headers
    )
    assert done.status_code == 200
    assert done.json()["published_on"] == "2025-10-10"
    assert client.get(f"/public/decisions/{p.id}").status_code == 200
    no_reason = client.post(
        f"/api/v1/credit/publications/{p.id}/withdraw",
        json={"on": "2025-10-20", "reason": ""},
        headers=headers,
    )
    assert no_reason.status_code == 422
    withdrawn = client.post(
        f"/api/v1/credit/publications/{p.id}/withdraw",
        json={"on": "2025-10-20", "reason": "复议撤销"},
        headers=headers,
    )
    assert withdrawn.json()["withdrawn_on"] == "2025-10-20"
    assert client.get(f"/public/decisions/{p.id}").status_code == 404


def test_another_district_and_other_roles_get_nothing(
    client: TestClient, db: Session, tmp_path: Path
) -> None:
    p = decide(db, penalty_case(db, "2025-09-26"), "2025-09-26", tmp_path)
    csrf = log_in(client, db, Role.OFFICER, BINJIANG)
    assert p.id not in [i["id"] for i in client.get("/api/v1/credit/publications").json()]
    assert client.get(f"/api/v1/credit/publications/{p.id}").status_code == 404
    refused = client.post(
        f"/api/v1/credit/publications/{p.id}/publish", json={}, headers={"x-csrf-token": csrf}
    )
    assert refused.status_code == 404
    assert p.published_on is None
    client.post("/logout", data={"csrf_token": csrf})
    log_in(client, db, Role.MEDIATOR)
    assert client.get("/api/v1/credit/publications").status_code == 403
    assert client.get("/credit/publicity").status_code == 403


def test_the_page_publishes_with_a_date_and_shows_a_bad_one_next_to_the_field(
    client: TestClient, db: Session, tmp_path: Path
) -> None:
    p = decide(db, penalty_case(db, "2025-09-26"), "2025-09-26", tmp_path)
    csrf = log_in(client, db, Role.OFFICER)
    desk = client.get("/credit/publicity", params={"due": "overdue"})
    assert f'data-publication="{p.id}"' in desk.text
    assert "已逾期" in desk.text or "逾期" in desk.text
    page = client.get(f"/credit/publicity/{p.id}")
    assert 'id="publish"' in page.text
    bad = client.post(
        f"/credit/publicity/{p.id}/publish",
        data={"published_on": "2025-13-01", "csrf_token": csrf},
    )
    assert bad.status_code == 422
    assert 'id="e-published_on"' in bad.text
    ok = client.post(
        f"/credit/publicity/{p.id}/publish",
        data={"published_on": "2025-10-09", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    after = client.get(f"/credit/publicity/{p.id}").text
    assert 'id="withdraw"' in after
    assert "2025-10-09" in after


def test_an_officer_enters_a_licence_due_in_7_working_days_and_the_portal_shows_it_once_published(
    client: TestClient, db: Session
) -> None:
    csrf = log_in(client, db, Role.CREDIT_OFFICER)
    headers = {"x-csrf-token": csrf}
    licence = {
        "region_code": XIHU,
        "name": "杭州某某茶业有限公司",
        "uscc": "",
        "title": "食品经营许可证",
        "document_no": "JY13301060012345",
        "decided_on": "2025-09-26",
        "authority": "杭州市西湖区市场监督管理局",
        "matter": "预包装食品销售",
    }
    bad = client.post(
        "/api/v1/credit/publications/licensing",
        json=licence | {"region_code": BINJIANG, "uscc": "91330106MA2H0A1B2X", "name": ""},
        headers=headers,
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"region_code", "uscc", "name"}
    first = client.post("/api/v1/credit/publications/licensing", json=licence, headers=headers)
    second = client.post(
        "/api/v1/credit/publications/licensing",
        json=licence | {"document_no": "JY13301060012346"},
        headers=headers,
    )
    assert first.status_code == second.status_code == 201
    a, b = first.json(), second.json()
    assert (a["source_kind"], a["publicity_due"], a["withheld"]) == (
        "licensing",
        "2025-10-13",
        False,
    )
    assert b["source_id"] == a["source_id"] + 1
    client.post(
        f"/api/v1/credit/publications/{a['id']}/publish", json={"on": "2025-09-29"}, headers=headers
    )
    page = client.get(f"/public/decisions/{a['id']}").text
    assert "预包装食品销售" in page
    assert "许可事项" in page
    listed = client.get("/public/decisions", params={"q": "某某茶业"}).text
    assert "行政许可" in listed


def test_the_licence_form_shows_errors_next_to_the_fields_and_enters_a_good_one(
    client: TestClient, db: Session
) -> None:
    csrf = log_in(client, db, Role.OFFICER)
    assert 'value="330106"' in client.get("/credit/publicity/licensing/new").text
    form = {
        "region_code": XIHU,
        "name": "杭州某某餐饮有限公司",
        "title": "食品经营许可证",
        "document_no": "JY23301060000077",
        "decided_on": "2025-12-31",
        "authority": "杭州市西湖区市场监督管理局",
        "matter": "热食类食品制售",
        "csrf_token": csrf,
    }
    bad = client.post("/credit/publicity/licensing", data=form | {"decided_on": "2025/13/1"})
    assert bad.status_code == 422
    assert 'id="e-decided_on"' in bad.text
    assert "杭州某某餐饮有限公司" in bad.text  # what was typed stays
    ok = client.post("/credit/publicity/licensing", data=form, follow_redirects=False)
    assert ok.status_code == 303
    page = client.get(ok.headers["location"]).text
    assert "JY23301060000077" in page
    assert "2026-01-12" in page  # 7 working days over New Year 2026
