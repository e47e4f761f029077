"""The listing procedure and credit files through the API: propose, notice, decide, apply for
repair and approve it; problem details for bad input and wrong steps; scope for every role."""

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ipprotect.core.auth import Role
from tests.factories import HANGZHOU, NINGBO, XIHU
from tests.registry.factories import bearer, make_entity

PROPOSAL = {
    "entity_name": "杭州某某茶业有限公司",
    "region_code": XIHU,
    "behaviour": "故意侵犯知识产权",
    "class": "一般",
    "measures": ["government_procurement"],
    "basis": "两次因销售假冒注册商标的茶叶受到行政处罚",
    "on": "2026-03-02",
}


def test_a_listing_goes_from_proposal_to_repair_through_the_api(
    client: TestClient, db: Session
) -> None:
    entity = make_entity(db, "杭州某某茶业有限公司")
    head = bearer(db, Role.CREDIT_OFFICER, [HANGZHOU])
    made = client.post(
        "/api/v1/credit/listings", json=PROPOSAL | {"entity_uscc": entity.uscc}, headers=head
    )
    assert made.status_code == 201, made.text
    listing = made.json()
    assert (listing["status"], listing["class"], listing["behaviour"]) == (
        "proposed",
        "general",
        "deliberate_infringement",
    )
    url = f"/api/v1/credit/listings/{listing['id']}"
    noticed = client.post(f"{url}/notice", json={"on": "2026-03-02"}, headers=head).json()
    # 5 working days from Monday 2026-03-02: Tuesday to the next Monday.
    assert (noticed["status"], noticed["statement_due"]) == ("noticed", "2026-03-09")
    decision = {"document_no": "杭市监信列字〔2026〕第3号", "authority": "杭州市市场监督管理局"}
    early = client.post(f"{url}/decide", json=decision | {"on": "2026-03-09"}, headers=head)
    assert early.status_code == 409
    assert early.json()["code"] == "statement_period_running"
    listed = client.post(f"{url}/decide", json=decision | {"on": "2026-03-10"}, headers=head)
    assert listed.status_code == 200, listed.text
    assert listed.json()["publicity_min_until"] == "2026-06-10"
    assert listed.json()["publicity_max_until"] == "2027-03-10"
    grounds = {"corrected": True, "obligations_performed": True, "public_commitment": True}
    applied = client.post(
        f"{url}/repairs", json=grounds | {"text": "已整改", "on": "2026-06-11"}, headers=head
    )
    assert applied.status_code == 201, applied.text
    review = client.post(
        f"/api/v1/credit/repairs/{applied.json()['id']}/review",
        json={"approve": True, "on": "2026-06-12"},
        headers=head,
    )
    assert review.json()["status"] == "approved"
    after = client.get(url, headers=head).json()
    assert (after["status"], after["repaired_on"]) == ("repaired", "2026-06-12")
    kinds = [
        r["kind"]
        for r in client.get(f"/api/v1/credit/entities/{entity.uscc}/records", headers=head).json()
    ]
    assert kinds == ["repair", "listing"]
    page = client.get("/api/v1/credit/listings", params={"q": "某某茶业"}, headers=head).json()
    assert listing["id"] in [i["id"] for i in page["items"]]


def test_bad_input_and_scope_are_problem_details(client: TestClient, db: Session) -> None:
    head = bearer(db, Role.CREDIT_OFFICER, [HANGZHOU])
    bad = client.post(
        "/api/v1/credit/listings",
        json=PROPOSAL | {"behaviour": "jaywalking", "class": "grave"},
        headers=head,
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in bad.json()["errors"]] == ["behaviour", "class"]
    made = client.post("/api/v1/credit/listings", json=PROPOSAL, headers=head).json()
    url = f"/api/v1/credit/listings/{made['id']}"
    assert client.get(url, headers=bearer(db, Role.CREDIT_OFFICER, [NINGBO])).status_code == 404
    assert (
        client.post(f"{url}/notice", json={}, headers=bearer(db, Role.OFFICER)).status_code == 403
    )
    assert client.post(f"{url}/repairs", json={}, headers=head).status_code == 422
    assert client.get(url).status_code == 401
    wrong_step = client.post(
        f"{url}/decide", json={"document_no": "x", "authority": "y"}, headers=head
    )
    assert (wrong_step.status_code, wrong_step.json()["code"]) == (409, "wrong_status")
    withdrawn = client.post(f"{url}/withdraw", json={"reason": "陈述申辩成立"}, headers=head)
    assert withdrawn.status_code == 200, withdrawn.text
    assert (withdrawn.json()["status"], withdrawn.json()["deposit_id"] is not None) == (
        "withdrawn",
        True,
    )


def test_a_search_with_a_nul_byte_finds_nothing_rather_than_failing(
    client: TestClient, db: Session
) -> None:
    response = client.get("/api/v1/credit/listings", params={"q": "\x00"}, headers=bearer(db))
    assert response.status_code == 200, response.text
