"""Deposits over the API: a file or a hash becomes a log entry, acknowledged once committed;
retries with an Idempotency-Key, limits, scope, lists, exports, receipts and file downloads."""

import json
from datetime import UTC, datetime, timedelta

import pytest
import rfc8785
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ipprotect.core import tabular
from ipprotect.core.auth import Role
from ipprotect.evidence import entries, keys, note, receipts
from ipprotect.evidence.blobs import BlobStore
from ipprotect.evidence.deposit_api import FORM_ALLOWANCE
from ipprotect.evidence.merkle import InvalidLogData
from ipprotect.evidence.models import Deposit
from ipprotect.evidence.receipt import parse_receipt, verify_receipt
from ipprotect.settings import Settings
from ipprotect.web.templating import SHANGHAI
from tests.conftest import login
from tests.evidence.depositing import (
    DEPOSITS,
    PDF,
    deposit_file,
    deposit_hash,
    publish,
    sha256_of,
    token_headers,
)
from tests.factories import BINJIANG, HANGZHOU, PASSWORD, XIHU, make_user
from tests.registry.factories import make_entity


def count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Deposit)) or 0


def logged_entry(db: Session, index: int) -> bytes:
    size = index + 1
    return receipts.entry_at(db, index, size)


def test_a_file_deposit_is_stored_logged_and_acknowledged_with_201(
    client: TestClient, db: Session, settings: Settings
) -> None:
    headers = token_headers(db)
    response = deposit_file(
        client, headers, source="https://shop.example/item/1", capture_method="录屏"
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == f"{DEPOSITS}/{body['id']}"
    assert body["sha256"] == sha256_of(PDF)
    assert body["size"] == len(PDF)
    assert body["media_type"] == "application/pdf"  # sniffed, not the declared octet-stream
    assert body["stored"] is True
    assert body["filename"] == "capture.pdf"
    assert body["region_code"] == XIHU
    assert body["receipt_ready"] is False
    assert body["receipt_url"] == f"{DEPOSITS}/{body['id']}/receipt"
    assert body["certificate_url"] == f"/evidence/{body['id']}/certificate"
    row = db.get(Deposit, body["id"])
    assert row is not None
    assert row.log_index == body["log_index"]
    assert BlobStore.of(settings).path(body["sha256"]).read_bytes() == PDF
    entry = entries.decode(logged_entry(db, body["log_index"]))
    assert entry["sha256"] == sha256_of(PDF)
    assert entry["metadata"]["source"] == "https://shop.example/item/1"


def test_the_entry_is_canonical_json_with_depositor_enterprise_region_and_receipt_time(
    client: TestClient, db: Session
) -> None:
    entity = make_entity(db, region_code=XIHU)
    applicant = make_user(db, Role.APPLICANT, [XIHU], entity_uscc=entity.uscc)
    csrf = login(client, applicant.username, PASSWORD)
    response = deposit_file(client, {"X-CSRF-Token": csrf}, description="第一页")
    assert response.status_code == 201, response.text
    body = response.json()
    data = logged_entry(db, body["log_index"])
    assert rfc8785.dumps(json.loads(data)) == data
    entry = json.loads(data)
    assert set(entry) == {
        "version",
        "kind",
        "sha256",
        "size",
        "media_type",
        "depositor",
        "region",
        "metadata",
        "received_at",
    }
    assert entry["version"] == 1
    assert entry["kind"] == "evidence"
    assert entry["depositor"] == {"account": applicant.username, "uscc": entity.uscc}
    assert entry["region"] == entity.region_code
    assert entry["metadata"] == {
        "title": "侵权页面截图",
        "description": "第一页",
        "filename": "capture.pdf",
    }
    received = datetime.fromisoformat(body["received_at"])
    assert entry["received_at"] == entries.utc_text(received)
    assert abs(received - datetime.now(UTC)) < timedelta(minutes=1)


def test_a_hash_deposit_keeps_no_file(client: TestClient, db: Session) -> None:
    headers = token_headers(db)
    data = b"a 3 GB video kept by the notary"
    response = deposit_hash(client, headers, data, media_type="video/mp4")
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["sha256"], body["size"], body["media_type"]) == (
        sha256_of(data),
        len(data),
        "video/mp4",
    )
    assert body["stored"] is False
    assert body["file_url"] is None
    assert client.get(f"{DEPOSITS}/{body['id']}/file", headers=headers).status_code == 404


def test_bad_input_is_a_422_naming_every_bad_field_and_nothing_is_deposited(
    client: TestClient, db: Session
) -> None:
    headers = token_headers(db)
    before = count(db)
    response = client.post(
        DEPOSITS,
        files={
            "title": (None, ""),
            "sha256": (None, "not-a-hash"),
            "size": (None, "12kB"),
            "media_type": (None, "pdf"),
            "case_id": (None, "A-1"),
            "region_code": (None, BINJIANG),
        },
        headers=headers,
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert problem["code"] == "validation_failed"
    codes = {e["field"]: e["code"] for e in problem["errors"]}
    assert codes == {
        "title": "required",
        "sha256": "invalid",
        "size": "invalid",
        "media_type": "invalid",
        "case_id": "invalid",
        "region_code": "out_of_scope",
    }
    assert count(db) == before


def test_a_file_that_does_not_have_the_declared_hash_is_refused(
    client: TestClient, db: Session
) -> None:
    response = deposit_file(client, token_headers(db), sha256="0" * 64)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["sha256"]


def test_a_retry_with_the_same_idempotency_key_returns_the_first_deposit(
    client: TestClient, db: Session
) -> None:
    headers = {**token_headers(db), "Idempotency-Key": '"8e03978e-40d5-43e8-bc93-6894a57f9324"'}
    first = deposit_file(client, headers)
    before = count(db)
    retry = deposit_file(client, headers)
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    assert retry.status_code == 200, retry.text
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.json() == first.json()
    assert retry.headers["location"] == first.headers["location"]
    assert count(db) == before


def test_an_idempotency_key_reused_for_another_request_is_refused(
    client: TestClient, db: Session
) -> None:
    headers = {**token_headers(db), "Idempotency-Key": "order-7"}
    assert deposit_file(client, headers).status_code == 201
    before = count(db)
    other = deposit_file(client, headers, title="另一份证据")
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert count(db) == before
    # The key belongs to one depositor: another may use the same key for its own deposit.
    assert (
        deposit_file(client, {**token_headers(db), "Idempotency-Key": "order-7"}).status_code == 201
    )


def test_an_upload_declared_larger_than_the_limit_is_refused_with_413(
    client: TestClient, db: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "blob_max_size", 1000)
    too_big = b"x" * (1000 + FORM_ALLOWANCE + 1)
    before = count(db)
    response = deposit_file(client, token_headers(db), data=too_big)
    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large"
    assert response.json()["errors"][0]["field"] == "file"
    assert count(db) == before
    assert not BlobStore.of(settings).has(sha256_of(too_big))
    # Refused before the body is parsed, so before the caller is even identified.
    assert deposit_file(client, {}, data=too_big).status_code == 413
    assert deposit_file(client, {}, data=b"small").status_code == 401


def test_a_file_over_the_limit_within_the_allowance_is_refused_while_it_is_stored(
    client: TestClient, db: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "blob_max_size", 1000)
    data = b"y" * 5000
    response = deposit_file(client, token_headers(db), data=data)
    assert response.status_code == 413
    assert not BlobStore.of(settings).has(sha256_of(data))
    assert list((settings.data_dir / "blobs" / "incoming").iterdir()) == []


def test_the_same_file_deposited_twice_is_two_entries_and_one_stored_file(
    client: TestClient, db: Session, settings: Settings
) -> None:
    headers = token_headers(db)
    data = b"%PDF-1.4 the same capture, deposited twice"
    first = deposit_file(client, headers, data=data).json()
    second = deposit_file(client, headers, data=data, title="再次存证").json()
    assert first["id"] != second["id"]
    assert first["log_index"] != second["log_index"]
    store = settings.data_dir / "blobs"
    copies = [p for p in store.rglob("*") if p.is_file() and p.read_bytes() == data]
    assert copies == [BlobStore.of(settings).path(sha256_of(data))]


def test_an_applicant_sees_only_their_own_deposits(client: TestClient, db: Session) -> None:
    other = make_user(db, Role.APPLICANT, [XIHU])
    theirs = deposit_hash(client, token_headers(db, Role.OFFICER), title="官员存证").json()
    applicant = make_user(db, Role.APPLICANT, [XIHU])
    csrf = login(client, other.username, PASSWORD)
    other_deposit = deposit_hash(client, {"X-CSRF-Token": csrf}, title="别人的证据").json()
    client.post("/logout", data={"csrf_token": csrf})
    csrf = login(client, applicant.username, PASSWORD)
    own = deposit_hash(client, {"X-CSRF-Token": csrf}, title="我的证据").json()

    listing = client.get(DEPOSITS).json()
    assert [d["id"] for d in listing["items"]] == [own["id"]]
    assert client.get(f"{DEPOSITS}/{own['id']}").status_code == 200
    for hidden in (theirs, other_deposit):
        for suffix in ("", "/receipt", "/file"):
            response = client.get(f"{DEPOSITS}/{hidden['id']}{suffix}")
            assert response.status_code == 404, suffix
            assert hidden["sha256"] not in response.text


def test_an_officer_sees_their_districts_deposits_and_another_district_gets_404(
    client: TestClient, db: Session
) -> None:
    xihu = token_headers(db, Role.OFFICER, XIHU)
    made = deposit_hash(client, xihu).json()
    city = token_headers(db, Role.OFFICER, HANGZHOU)
    binjiang = token_headers(db, Role.OFFICER, BINJIANG)
    assert client.get(f"{DEPOSITS}/{made['id']}", headers=city).status_code == 200
    assert [d["id"] for d in client.get(DEPOSITS, headers=city).json()["items"]] == [made["id"]]
    for suffix in ("", "/receipt", "/file"):
        assert client.get(f"{DEPOSITS}/{made['id']}{suffix}", headers=binjiang).status_code == 404
    assert client.get(DEPOSITS, headers=binjiang).json()["total"] == 0


def test_evaluators_and_the_public_may_not_deposit(client: TestClient, db: Session) -> None:
    assert deposit_hash(client, {}).status_code == 401
    evaluator = token_headers(db, Role.EVALUATOR)
    assert deposit_hash(client, evaluator).status_code == 403
    assert client.get(DEPOSITS, headers=evaluator).status_code == 403


def test_the_list_filters_by_title_hash_region_depositor_and_received_day(
    client: TestClient, db: Session
) -> None:
    xihu = token_headers(db, Role.OFFICER, XIHU)
    binjiang = token_headers(db, Role.ADMIN, BINJIANG)
    tea = deposit_hash(client, xihu, b"tea", title="龙井茶叶包装").json()
    phone = deposit_hash(client, xihu, b"phone", title="手机外观").json()
    other = deposit_hash(client, binjiang, b"other", title="滨江龙井").json()
    city = token_headers(db, Role.OFFICER, HANGZHOU)

    def ids(**params: str) -> set[int]:
        response = client.get(DEPOSITS, params=params, headers=city)
        assert response.status_code == 200, response.text
        return {d["id"] for d in response.json()["items"]}

    assert ids() == {tea["id"], phone["id"], other["id"]}
    assert ids(q="龙井") == {tea["id"], other["id"]}
    assert ids(sha256=tea["sha256"][:10].upper()) == {tea["id"]}
    assert ids(region=BINJIANG) == {other["id"]}
    assert ids(region=HANGZHOU) == {tea["id"], phone["id"], other["id"]}
    assert ids(depositor="admin") == {other["id"]}
    today = datetime.now(SHANGHAI).date()
    assert ids(received_from=today.isoformat(), received_to=today.isoformat()) == ids()
    assert ids(received_to=(today - timedelta(days=1)).isoformat()) == set()
    assert ids(received_from=(today + timedelta(days=1)).isoformat()) == set()
    page = client.get(DEPOSITS, params={"size": 2, "page": 2}, headers=city).json()
    assert (page["total"], page["pages"], [d["id"] for d in page["items"]]) == (3, 2, [tea["id"]])
    assert client.get(DEPOSITS, params={"sha256": "xyz"}, headers=city).status_code == 422


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_list_exports_as_csv_and_xlsx_with_its_filters(
    fmt: str, client: TestClient, db: Session
) -> None:
    headers = token_headers(db)
    tea = deposit_hash(client, headers, b"tea", title="龙井茶叶包装").json()
    deposit_hash(client, headers, b"phone", title="手机外观")
    response = client.get(DEPOSITS, params={"format": fmt, "q": "龙井"}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(tabular.MEDIA_TYPES[fmt].split(";")[0])
    assert f'filename="deposits.{fmt}"' in response.headers["content-disposition"]
    table = tabular.read_table(response.content, f"deposits.{fmt}")
    assert [row.values["sha256"] for row in table.rows] == [tea["sha256"]]
    assert table.rows[0].values["title"] == "龙井茶叶包装"
    assert table.rows[0].values["log_index"] == str(tea["log_index"])


def test_the_receipt_is_409_until_a_checkpoint_covers_the_deposit_then_verifies(
    client: TestClient, db: Session, settings: Settings
) -> None:
    headers = token_headers(db)
    made = deposit_file(client, headers).json()
    waiting = client.get(f"{DEPOSITS}/{made['id']}/receipt", headers=headers)
    assert waiting.status_code == 409
    assert waiting.json()["code"] == "receipt_not_ready"

    publish(db, settings)
    assert client.get(f"{DEPOSITS}/{made['id']}", headers=headers).json()["receipt_ready"]
    response = client.get(f"{DEPOSITS}/{made['id']}/receipt", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    disposition = response.headers["content-disposition"]
    assert f'filename="deposit-{made["id"]}.tlog-proof"' in disposition
    receipt = parse_receipt(response.text)
    assert receipt.index == made["log_index"]
    assert receipt.extra is not None
    verify_receipt(receipt, entry=receipt.extra)
    verifier = keys.log_signer(settings).verifier()
    _text, signatures = note.open(receipt.note.encode(), [verifier])
    assert [s.name for s in signatures] == [settings.log_origin]
    assert entries.decode(receipt.extra)["sha256"] == sha256_of(PDF)


def test_a_tampered_receipt_entry_fails_verification(
    client: TestClient, db: Session, settings: Settings
) -> None:
    """The control of the test above: the same checks reject an entry the log does not hold."""
    headers = token_headers(db)
    made = deposit_file(client, headers).json()
    publish(db, settings)
    receipt = parse_receipt(client.get(f"{DEPOSITS}/{made['id']}/receipt", headers=headers).text)
    assert receipt.extra is not None
    forged = receipt.extra.replace(made["sha256"].encode(), b"0" * 64)
    with pytest.raises(InvalidLogData):
        verify_receipt(receipt, entry=forged)


def test_the_stored_file_downloads_as_an_attachment(client: TestClient, db: Session) -> None:
    headers = token_headers(db)
    page = b"<html><script>alert(1)</script></html>"
    made = deposit_file(client, headers, data=page, filename="商品页面.html").json()
    assert made["media_type"] == "text/html"
    response = client.get(made["file_url"], headers=headers)
    assert response.status_code == 200
    assert response.content == page
    assert response.headers["content-disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E5%95%86" in response.headers["content-disposition"]
    assert response.headers["content-security-policy"] == "sandbox"
