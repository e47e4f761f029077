"""Restriction checks (POST /api/v1/credit/check): who is restricted from what, the signed and
recorded answer, the rate limit, scope and roles.

The listing: 杭州天衡电子科技有限公司 (a made-up name), on SAMR's serious dishonesty list for
deliberate infringement since 2026-03-02, with the joint-punishment measures
(发改财金〔2018〕1702号) on procurement, bidding, land transfer and subsidies, but not the CNIPA
measure on awards.
"""

import base64
import copy
import gc
import json
import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ipprotect.core import ids
from ipprotect.core.auth import Role, principal_for
from ipprotect.credit import checks, signing
from ipprotect.credit.matching import Thresholds
from ipprotect.credit.models import CheckPurpose, CreditCheck, CreditListing, ListingStatus
from ipprotect.settings import Settings
from tests.conftest import login
from tests.credit.check_factories import make_listing, system_token
from tests.factories import NINGBO, PASSWORD, XIHU, make_user

NAME = "杭州天衡电子科技有限公司"
USCC = ids.make_uscc("9", "1", "330106", "MA2H7K3P")
OTHER_USCC = ids.make_uscc("9", "1", "330106", "MA2J5N8Q")


def ask(client: TestClient, token: str, **body: object) -> dict[str, Any]:
    response = client.post(
        "/api/v1/credit/check", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


@pytest.fixture
def token(db: Session) -> str:
    make_listing(db, NAME, USCC)
    return system_token(db)[1]


def test_a_listed_entity_is_restricted_from_procurement_with_the_basis_and_period(
    client: TestClient, db: Session, token: str
) -> None:
    answer = ask(client, token, purpose="procurement", uscc=USCC, name=NAME)

    assert answer["decision"] == "restricted"
    [listing] = answer["listings"]
    assert listing["decision"] == "restricted"
    assert listing["entity_uscc"] == USCC
    assert listing["basis"].startswith("市场监督管理严重违法失信名单管理办法")
    assert listing["behaviour"] == {
        "id": "deliberate_infringement",
        "zh": "故意侵犯知识产权",
        "en": "deliberate infringement of IP rights",
    }
    assert listing["measures"][0] == {
        "id": "government_procurement",
        "zh": "限制作为供应商参加政府采购",
        "en": "government procurement as a supplier",
        "applies": True,
    }
    assert [m["applies"] for m in listing["measures"]] == [True, False, False, False]
    assert listing["period"] == {
        "decided_on": "2026-03-02",
        "published_on": "2026-03-03",
        "publicity_min_until": "2027-03-02",
        "publicity_max_until": "2029-03-02",
    }
    assert listing["match"]["reason_code"] == "uscc_equal"
    assert listing["match"]["confidence"] == 1.0
    assert listing["match"]["reason"] == {
        "zh": f"统一社会信用代码相同：{USCC}",
        "en": f"The same unified social credit code {USCC}",
    }


@pytest.mark.parametrize(
    ("purpose", "decision"),
    [
        ("procurement", "restricted"),
        ("bidding", "restricted"),
        ("land", "restricted"),
        ("subsidy", "restricted"),
        # The listing carries no CNIPA art. 9 measure: awards are not barred by it.
        ("award", "clear"),
    ],
)
def test_only_the_measures_of_the_purpose_restrict(
    client: TestClient, token: str, purpose: str, decision: str
) -> None:
    answer = ask(client, token, purpose=purpose, uscc=USCC)
    assert answer["decision"] == decision
    assert len(answer["listings"]) == 1  # shown either way, with whether it applies


def test_the_same_name_without_a_code_is_restricted(client: TestClient, token: str) -> None:
    answer = ask(client, token, purpose="procurement", name="杭州天衡电子科技有限公司")
    assert answer["decision"] == "restricted"
    assert answer["listings"][0]["match"]["reason_code"] == "same_name"


@pytest.mark.parametrize(
    ("name", "uscc", "reason"),
    [
        ("杭州天恒电子科技有限公司", None, "same_sound"),
        ("杭州天衡电器科技有限公司", None, "one_character"),
        ("深圳天衡电子科技有限公司", None, "place_differs"),
        ("杭州天衡电子科技有限公司滨江分公司", None, "branch_office"),
        (NAME, OTHER_USCC, "uscc_differs"),
    ],
)
def test_a_similar_company_is_never_restricted_only_reviewed(
    client: TestClient, token: str, name: str, uscc: str | None, reason: str
) -> None:
    answer = ask(client, token, purpose="procurement", name=name, uscc=uscc)
    assert answer["decision"] == "review"
    assert answer["listings"][0]["match"]["decision"] == "review"
    assert answer["listings"][0]["match"]["reason_code"] == reason


def test_a_review_match_on_a_measure_of_another_purpose_is_clear(
    client: TestClient, token: str
) -> None:
    answer = ask(client, token, purpose="award", name="杭州天恒电子科技有限公司")
    assert answer["decision"] == "clear"


def test_an_unrelated_company_is_clear(client: TestClient, token: str) -> None:
    answer = ask(client, token, purpose="procurement", name="宁波海曙纺织品进出口有限公司")
    assert answer == {**answer, "decision": "clear", "listings": []}


def test_a_repaired_listing_no_longer_restricts(
    client: TestClient, db: Session, token: str
) -> None:
    assert ask(client, token, purpose="procurement", uscc=USCC)["decision"] == "restricted"
    # Repaired (信用修复): the same checks, asked again at once, are clear, whatever the index
    # kept in the process still holds.
    listing = db.scalars(select(CreditListing).where(CreditListing.entity_uscc == USCC)).one()
    listing.status = ListingStatus.REPAIRED
    db.flush()
    assert ask(client, token, purpose="procurement", uscc=USCC)["decision"] == "clear"
    assert ask(client, token, purpose="procurement", name=NAME)["decision"] == "clear"


def test_a_listing_made_after_the_index_is_found_by_name(db: Session, settings: Settings) -> None:
    officer = principal_for(make_user(db, Role.CREDIT_OFFICER))
    index = checks.ListingIndex(Thresholds.from_settings(settings), refresh_seconds=0)
    signer = signing.answer_signer(settings)
    query = checks.Query(CheckPurpose.BIDDING, name="杭州新列电子有限公司")
    on = date(2026, 12, 7)
    assert checks.check(db, index, signer, officer, query, on)[1]["decision"] == "clear"
    make_listing(db, "杭州新列电子有限公司", None)
    assert checks.check(db, index, signer, officer, query, on)[1]["decision"] == "restricted"


def test_every_check_is_recorded_with_its_signed_answer(client: TestClient, db: Session) -> None:
    make_listing(db, NAME, USCC)
    token_id, token = system_token(db)
    answer = ask(client, token, purpose="bidding", uscc=USCC, name="天衡电子", region="330100")

    row = db.get(CreditCheck, answer["check_id"])
    assert row is not None
    assert row.caller_token_id == token_id
    assert row.caller_name == "杭州市政府采购系统"
    assert (row.purpose, row.query_uscc, row.query_name, row.query_region) == (
        CheckPurpose.BIDDING,
        USCC,
        "天衡电子",
        "330100",
    )
    assert row.decision.value == answer["decision"] == "restricted"
    assert row.response == answer
    assert row.signature == answer["signature"]
    assert row.key_id == answer["key_id"]


def test_the_signature_verifies_with_the_published_key_and_a_changed_byte_fails(
    client: TestClient, token: str
) -> None:
    answer = ask(client, token, purpose="procurement", uscc=USCC)
    published = client.get("/api/v1/credit/check-key").json()
    assert published["algorithm"] == "Ed25519"
    assert published["key_id"] == answer["key_id"]
    key = signing.public_key_from_text(published["public_key"])
    assert signing.verify(answer, key)
    assert signing.verify(answer, signing.public_key_from_text(published["verifier_key"]))

    changed = copy.deepcopy(answer)
    changed["decision"] = "clear"
    assert not signing.verify(changed, key)
    changed = copy.deepcopy(answer)
    changed["listings"][0]["period"]["publicity_max_until"] = "2029-03-01"
    assert not signing.verify(changed, key)
    raw = bytearray(base64.b64decode(answer["signature"]))
    raw[0] ^= 1
    assert not signing.verify({**answer, "signature": base64.b64encode(raw).decode()}, key)


def test_the_key_is_made_once_readable_only_by_its_owner(settings: Settings) -> None:
    first = signing.answer_signer(settings)
    assert signing.key_path(settings).stat().st_mode & 0o777 == 0o600
    assert signing.answer_signer(settings).key_id == first.key_id


def test_verify_answer_on_the_command_line(client: TestClient, token: str, tmp_path: Path) -> None:
    from ipprotect.cli import app

    answer = ask(client, token, purpose="procurement", uscc=USCC)
    key = client.get("/api/v1/credit/check-key").json()["verifier_key"]
    good = tmp_path / "answer.json"
    good.write_text(json.dumps(answer, ensure_ascii=False, indent=2), encoding="utf-8")
    bad = tmp_path / "changed.json"
    bad.write_text(good.read_text(encoding="utf-8").replace("restricted", "clear"), "utf-8")

    runner = CliRunner()
    ok = runner.invoke(app, ["credit", "verify-answer", str(good), "--key", key])
    assert ok.exit_code == 0, ok.output
    assert f"check {answer['check_id']}" in ok.output
    failed = runner.invoke(app, ["credit", "verify-answer", str(bad), "--key", key])
    assert failed.exit_code == 1
    assert "NOT" in failed.output


def test_the_rate_limit_answers_429_with_retry_after(
    client: TestClient, app: FastAPI, token: str
) -> None:
    ask(client, token, purpose="procurement", uscc=USCC)
    app.state.credit_check_limiter = checks.RateLimiter(per_minute=1)
    headers = {"Authorization": f"Bearer {token}"}
    body = {"purpose": "procurement", "uscc": USCC}
    assert client.post("/api/v1/credit/check", json=body, headers=headers).status_code == 200
    refused = client.post("/api/v1/credit/check", json=body, headers=headers)
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.headers["retry-after"] == "60"
    assert refused.json()["code"] == "rate_limited"


def test_the_rate_limit_allows_its_count_in_a_minute_then_one_every_interval() -> None:
    now = [1000.0]
    limiter = checks.RateLimiter(per_minute=600, clock=lambda: now[0])
    assert all(limiter.acquire("token:1") is None for _ in range(600))
    assert limiter.acquire("token:1") == pytest.approx(0.1)
    assert limiter.acquire("token:2") is None  # another caller has its own count
    now[0] += 0.1
    assert limiter.acquire("token:1") is None
    assert limiter.acquire("token:1") == pytest.approx(0.1)


def test_the_rate_limit_is_exact_under_64_concurrent_callers_of_one_token() -> None:
    limiter = checks.RateLimiter(per_minute=600, clock=lambda: 1000.0)
    allowed: list[bool] = []

    def caller() -> None:
        for _ in range(20):
            allowed.append(limiter.acquire("token:1") is None)

    threads = [threading.Thread(target=caller) for _ in range(64)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(allowed) == 1280
    assert allowed.count(True) == 600


def test_a_caller_sees_only_listings_of_its_scope(client: TestClient, db: Session) -> None:
    make_listing(db, NAME, USCC, region_code=XIHU)
    _, ningbo = system_token(db, [NINGBO])
    assert ask(client, ningbo, purpose="procurement", uscc=USCC)["decision"] == "clear"
    refused = client.post(
        "/api/v1/credit/check",
        json={"purpose": "procurement", "uscc": USCC, "region": XIHU},
        headers={"Authorization": f"Bearer {ningbo}"},
    )
    assert refused.status_code == 403


def test_a_region_narrows_the_check(client: TestClient, db: Session, token: str) -> None:
    assert ask(client, token, purpose="procurement", uscc=USCC, region="330108")["listings"] == []
    assert ask(client, token, purpose="procurement", uscc=USCC, region=XIHU)["decision"] == (
        "restricted"
    )


def test_officers_may_check_and_applicants_may_not(client: TestClient, db: Session) -> None:
    make_listing(db, NAME, USCC)
    body = {"purpose": "procurement", "uscc": USCC}
    assert client.post("/api/v1/credit/check", json=body).status_code == 401
    applicant = make_user(db, Role.APPLICANT, entity_uscc=OTHER_USCC)
    login(client, applicant.username, PASSWORD)
    assert client.post("/api/v1/credit/check", json=body).status_code == 403
    client.post("/logout", data={})
    officer = make_user(db, Role.CREDIT_OFFICER)
    csrf = login(client, officer.username, PASSWORD)
    checked = client.post("/api/v1/credit/check", json=body, headers={"X-CSRF-Token": csrf})
    assert checked.status_code == 200
    assert checked.json()["decision"] == "restricted"
    assert checked.json()["caller"] == officer.username


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"purpose": "procurement"}, "name", "required"),
        ({"purpose": "procurement", "name": "\x00"}, "name", "required"),  # nothing to look for
        (
            {
                "purpose": "procurement",
                "uscc": USCC[:-1] + "0" if USCC[-1] != "0" else USCC[:-1] + "1",
            },
            "uscc",
            None,
        ),
        ({"purpose": "procurement", "name": NAME, "region": "33010"}, "region", "invalid_region"),
        ({"purpose": "lottery", "name": NAME}, "purpose", None),
    ],
)
def test_bad_input_is_a_422_naming_the_field(
    client: TestClient, token: str, body: dict[str, Any], field: str, code: str | None
) -> None:
    response = client.post(
        "/api/v1/credit/check", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [field]
    if code:
        assert errors[0]["code"] == code


def test_the_name_index_is_kept_out_of_full_garbage_collections_once_per_build(
    app: FastAPI, client: TestClient, token: str
) -> None:
    gc.unfreeze()
    try:
        ask(client, token, purpose="procurement", uscc=USCC)
        built = app.state.credit_check_index._built
        assert app.state.credit_check_frozen is built
        frozen = gc.get_freeze_count()
        assert frozen > 0
        # The same index: not frozen again (a freeze is preceded by a full collection); the
        # count only falls, as frozen objects are freed.
        ask(client, token, purpose="bidding", uscc=USCC)
        assert gc.get_freeze_count() <= frozen
    finally:
        gc.unfreeze()
