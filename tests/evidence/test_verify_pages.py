"""The public /verify page: no login, CSRF-protected uploads, the same verdict as the verifier
in Chinese (default) and English, the lookup the certificate's QR code points to, and size
limits on uploads."""

import re

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ipprotect.evidence import log, timestamps
from ipprotect.evidence.verify import MAX_RECEIPT
from ipprotect.settings import Settings
from tests.conftest import csrf_of
from tests.evidence.verify_receipts import CONTENT, Deposited, cosigned, deposit, witness


@pytest.fixture
def deposited(db: Session, settings: Settings) -> Deposited:
    return deposit(db, settings)


def english(client: TestClient) -> None:
    client.cookies.set("lang", "en")


def status_of(html: str, check: str) -> str:
    match = re.search(rf'data-check="{check}" data-status="(\w+)"', html)
    assert match, f"no row for the check {check}"
    return match.group(1)


def upload(
    client: TestClient,
    receipt: bytes | None,
    file: bytes | None = None,
    **fields: str,
) -> httpx.Response:
    files = {}
    if receipt is not None:
        files["receipt"] = ("deposit.tlog-proof", receipt, "text/plain")
    if file is not None:
        files["file"] = ("evidence.png", file, "image/png")
    data = {"csrf_token": csrf_of(client, "/verify"), **fields}
    return client.post("/verify", data=data, files=files or None)


def test_the_page_needs_no_login_and_speaks_chinese_by_default(client: TestClient) -> None:
    page = client.get("/verify")
    assert page.status_code == 200
    assert "验证存证回执" in page.text
    english(client)
    assert "Verify a receipt" in client.get("/verify").text


def test_a_receipt_and_its_file_verify_in_chinese(client: TestClient, deposited: Deposited) -> None:
    page = upload(client, deposited.receipt.encode(), CONTENT)
    assert page.status_code == 200, page.text
    assert "回执验证通过" in page.text
    assert status_of(page.text, "signature") == "passed"
    assert status_of(page.text, "file") == "passed"
    assert deposited.sha256 in page.text
    assert "侵权网页截图" in page.text


def test_a_tampered_file_is_rejected_in_english(client: TestClient, deposited: Deposited) -> None:
    english(client)
    page = upload(client, deposited.receipt.encode(), CONTENT + b"tampered")
    assert page.status_code == 200
    assert "The receipt failed verification" in page.text
    assert status_of(page.text, "file") == "failed"
    assert status_of(page.text, "inclusion") == "passed"
    assert "not the entry&#39;s" in page.text


def test_pasted_keys_replace_the_platforms(client: TestClient, deposited: Deposited) -> None:
    signer = witness()
    receipt = cosigned(deposited.receipt, signer).encode()
    page = upload(client, receipt, witness_keys=signer.verifier().to_text() + "\n")
    assert status_of(page.text, "witnesses") == "passed"
    page = upload(client, receipt, vkey=signer.verifier().to_text())
    assert status_of(page.text, "signature") == "failed"


def test_a_post_without_the_csrf_token_is_refused(client: TestClient, deposited: Deposited) -> None:
    client.get("/verify")
    files = {"receipt": ("deposit.tlog-proof", deposited.receipt.encode(), "text/plain")}
    assert client.post("/verify", files=files).status_code == 403


def test_a_post_without_a_receipt_asks_for_one(client: TestClient) -> None:
    english(client)
    page = upload(client, None)
    assert page.status_code == 422
    assert "Choose a receipt file" in page.text


def test_a_receipt_over_one_mebibyte_is_refused(client: TestClient) -> None:
    english(client)
    page = upload(client, b"c2sp.org/tlog-proof@v1\n" + b"x" * MAX_RECEIPT)
    assert page.status_code == 413
    assert "larger than 1048576 bytes" in page.text
    assert "data-check=" not in page.text


def test_a_file_over_the_blob_limit_is_refused(
    app: FastAPI, client: TestClient, settings: Settings, deposited: Deposited
) -> None:
    app.state.settings = settings.model_copy(update={"blob_max_size": len(CONTENT) - 1})
    page = upload(client, deposited.receipt.encode(), CONTENT)
    assert page.status_code == 413
    assert "data-check=" not in page.text
    app.state.settings = settings.model_copy(update={"blob_max_size": len(CONTENT)})
    assert upload(client, deposited.receipt.encode(), CONTENT).status_code == 200


def test_the_qr_link_verifies_the_entry_and_confirms_its_hash(
    client: TestClient, deposited: Deposited
) -> None:
    page = client.get(f"/verify?index={deposited.index}&sha256={deposited.sha256}")
    assert page.status_code == 200
    assert "回执验证通过" in page.text
    assert f"条目 {deposited.index} 记录的 SHA-256 为 {deposited.sha256}" in page.text
    assert f'name="index" value="{deposited.index}"' in page.text
    english(client)
    other = "0" * 64
    page = client.get(f"/verify?index={deposited.index}&sha256={other}")
    assert f"Entry {deposited.index} does not record the SHA-256 {other}" in page.text


def test_the_qr_lookup_checks_the_platforms_time_stamp_token(
    client: TestClient, db: Session, settings: Settings, deposited: Deposited
) -> None:
    assert status_of(client.get(f"/verify?index={deposited.index}").text, "time") == "skipped"
    latest = log.latest_checkpoint(db)
    assert latest is not None
    timestamps.stamp_checkpoint(db, settings, latest)
    page = client.get(f"/verify?index={deposited.index}")
    assert status_of(page.text, "time") == "passed"
    assert f"CN={settings.tsa_name}" in page.text


def test_the_file_uploaded_from_the_qr_page_is_compared_with_that_entry(
    client: TestClient, deposited: Deposited
) -> None:
    english(client)
    page = upload(client, None, CONTENT, index=str(deposited.index))
    assert status_of(page.text, "file") == "passed"
    page = upload(client, None, b"another file", index=str(deposited.index))
    assert status_of(page.text, "file") == "failed"


def test_an_unknown_index_is_a_clear_answer(client: TestClient, deposited: Deposited) -> None:
    english(client)
    page = client.get(f"/verify?index={deposited.index + 1000}")
    assert page.status_code == 404
    assert f"log has no entry {deposited.index + 1000} yet" in page.text


@pytest.mark.parametrize("index", ["-1", "abc", "1e3", "٣", "18446744073709551616", "9" * 40])
def test_a_malformed_index_is_a_clear_answer_not_a_crash(client: TestClient, index: str) -> None:
    english(client)
    page = client.get("/verify", params={"index": index})
    assert page.status_code == 422
    assert f"{index} is not the index of a log entry" in page.text


def test_an_index_posted_for_an_unknown_entry_is_refused(client: TestClient) -> None:
    english(client)
    page = upload(client, None, CONTENT, index="99999999")
    assert page.status_code == 422
    assert "no entry 99999999 yet" in page.text


@pytest.mark.parametrize("quorum", ["0", "x", "²", "9" * 5000])
def test_a_bad_quorum_is_refused_next_to_its_field(
    client: TestClient, deposited: Deposited, quorum: str
) -> None:
    english(client)
    page = upload(client, deposited.receipt.encode(), quorum=quorum)
    assert page.status_code == 422
    assert "Give the number of witnesses that must have cosigned" in page.text


def test_a_huge_posted_index_is_refused_not_a_crash(client: TestClient) -> None:
    assert upload(client, None, index="9" * 5000).status_code == 422
