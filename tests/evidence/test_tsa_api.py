"""Trusted time over HTTP, as an outsider uses it: download a checkpoint's token, the bytes it
stamps and the TSA's chain, and check them with `openssl ts -verify`; and the TSA itself
(RFC 3161 3.4), which answers accounts and API tokens only."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rfc3161_client import HashAlgorithm, TimestampRequestBuilder
from sqlalchemy import select
from sqlalchemy.orm import Session

from ipprotect.core import audit
from ipprotect.core.audit import AuditEvent
from ipprotect.core.auth import Role, create_token
from ipprotect.evidence import keys, log, timestamps, tsa
from ipprotect.evidence.models import SignedCheckpoint
from ipprotect.settings import Settings
from tests.conftest import login
from tests.evidence.tsa_certificates import openssl_verifies
from tests.factories import PASSWORD, XIHU, make_user

QUERY = "application/timestamp-query"
REPLY = "application/timestamp-reply"
EVIDENCE = "侵权网页截图 2025-01-01".encode()


@pytest.fixture
def stamped(db: Session, settings: Settings) -> SignedCheckpoint:
    log.append(db, [b"deposit a", b"deposit b"])
    checkpoint = log.publish(db, keys.log_signer(settings), settings.log_origin)
    assert checkpoint is not None
    timestamps.stamp_checkpoint(db, settings, checkpoint)
    return checkpoint


def test_an_outsider_checks_a_checkpoints_token_with_openssl_from_what_the_platform_serves(
    client: TestClient, stamped: SignedCheckpoint, tmp_path: Path
) -> None:
    listing = client.get(f"/api/v1/evidence/checkpoints/{stamped.size}/timestamps")
    assert listing.status_code == 200
    (entry,) = listing.json()
    assert entry["tsa"] == timestamps.BUILTIN
    token = client.get(entry["url"])
    assert token.status_code == 200
    assert token.headers["content-type"] == REPLY
    body = client.get(f"/api/v1/evidence/checkpoints/{stamped.size}/body")
    assert body.headers["content-type"] == "text/plain; charset=utf-8"
    assert body.content.decode().splitlines()[1] == str(stamped.size)
    chain = client.get("/api/v1/evidence/tsa-chain.pem")
    assert chain.headers["content-type"] == "application/x-pem-file"
    assert openssl_verifies(token.content, body.content, chain.content, tmp_path)
    assert not openssl_verifies(token.content, body.content + b"\n", chain.content, tmp_path)
    info = timestamps.verify_token(token.content, body.content, chain.content)
    assert entry["gen_time"].startswith(info.gen_time.strftime("%Y-%m-%dT%H:%M:%S"))


def test_the_body_is_the_signed_note_text_without_its_signatures(
    client: TestClient, stamped: SignedCheckpoint
) -> None:
    body = client.get(f"/api/v1/evidence/checkpoints/{stamped.size}/body").text
    assert stamped.note.startswith(body + "\n— ")
    assert body.count("\n") == 3


def test_unknown_checkpoints_and_tokens_are_not_found(
    client: TestClient, stamped: SignedCheckpoint
) -> None:
    (entry,) = client.get(f"/api/v1/evidence/checkpoints/{stamped.size}/timestamps").json()
    other = stamped.size + 1
    for path in (
        f"/api/v1/evidence/checkpoints/{other}/timestamps",
        f"/api/v1/evidence/checkpoints/{other}/body",
        f"/api/v1/evidence/checkpoints/{other}/timestamps/{entry['id']}.tsr",
        f"/api/v1/evidence/checkpoints/{stamped.size}/timestamps/{entry['id'] + 1}.tsr",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"


def query(data: bytes = EVIDENCE) -> tuple[bytes, int]:
    request = TimestampRequestBuilder().data(data).hash_algorithm(HashAlgorithm.SHA256).build()
    return request.as_bytes(), request.nonce


def test_the_tsa_answers_no_anonymous_caller(client: TestClient) -> None:
    response = client.post(
        "/api/v1/evidence/tsa", content=query()[0], headers={"Content-Type": QUERY}
    )
    assert response.status_code == 401


def test_a_system_token_gets_a_time_stamp_openssl_accepts_and_the_grant_is_audited(
    client: TestClient, db: Session, settings: Settings, tmp_path: Path
) -> None:
    _, secret = create_token(db, audit.SYSTEM, name="procurement", region_codes=[XIHU])
    request, nonce = query()
    response = client.post(
        "/api/v1/evidence/tsa",
        content=request,
        headers={"Content-Type": QUERY, "Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == REPLY
    chain = tsa.authority(settings).chain_pem()
    assert openssl_verifies(response.content, EVIDENCE, chain, tmp_path)
    info = timestamps.verify_token(response.content, EVIDENCE, chain)
    token = tsa.TimeStampResp.load(response.content)["time_stamp_token"]
    assert token["content"]["encap_content_info"]["content"].parsed["nonce"].native == nonce
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "tsa.timestamp")).one()
    assert (event.actor_name, event.object_id) == ("token:procurement", str(info.serial_number))


def test_a_logged_in_applicant_gets_a_time_stamp_too(
    client: TestClient, db: Session, settings: Settings
) -> None:
    user = make_user(db, Role.APPLICANT)
    csrf = login(client, user.username, PASSWORD)
    response = client.post(
        "/api/v1/evidence/tsa",
        content=query()[0],
        headers={"Content-Type": QUERY, "X-CSRF-Token": csrf},
    )
    assert response.status_code == 200
    chain = tsa.authority(settings).chain_pem()
    assert timestamps.verify_token(response.content, EVIDENCE, chain).hash_algorithm == "sha256"


@pytest.fixture
def bearer(db: Session) -> dict[str, str]:
    _, secret = create_token(db, audit.SYSTEM, name="bidding", region_codes=[XIHU])
    return {"Authorization": f"Bearer {secret}"}


def test_a_bad_query_gets_an_rfc3161_rejection_and_no_audit_event(
    client: TestClient, db: Session, bearer: dict[str, str]
) -> None:
    response = client.post(
        "/api/v1/evidence/tsa",
        content=b"\x30\x03\x02\x01\x07",
        headers={"Content-Type": QUERY, **bearer},
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == REPLY
    assert tsa.TimeStampResp.load(response.content)["status"]["status"].native == "rejection"
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "tsa.timestamp")).all() == []


def test_the_tsa_takes_only_time_stamp_queries_of_a_sensible_size(
    client: TestClient, bearer: dict[str, str]
) -> None:
    as_json = client.post("/api/v1/evidence/tsa", json={"query": "x"}, headers=bearer)
    assert (as_json.status_code, as_json.json()["code"]) == (415, "unsupported_media_type")
    huge = client.post(
        "/api/v1/evidence/tsa", content=b"\x00" * 20_000, headers={"Content-Type": QUERY, **bearer}
    )
    assert (huge.status_code, huge.json()["code"]) == (413, "request_too_large")
