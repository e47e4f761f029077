"""The printable deposit certificate (存证证书): the file's hash and size, the log index, the
checkpoint that covers the entry, and a QR code (inline SVG) to the public verification page."""

import html
import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ipprotect.evidence import note
from ipprotect.evidence.pages import qr_svg
from ipprotect.settings import Settings
from tests.evidence.depositing import PDF, deposit_file, publish, sha256_of, token_headers


def certificate(client: TestClient, headers: dict[str, str], deposit_id: int) -> str:
    response = client.get(f"/evidence/{deposit_id}/certificate", headers=headers)
    assert response.status_code == 200, response.text
    return response.text


def test_the_certificate_shows_hash_index_checkpoint_and_a_qr_code_to_verify(
    client: TestClient, db: Session, settings: Settings
) -> None:
    headers = token_headers(db)
    made = deposit_file(client, headers).json()
    checkpoint = publish(db, settings)
    page = certificate(client, headers, made["id"])
    assert "存证证书" in page
    assert f'<code id="cert-sha256">{sha256_of(PDF)}</code>' in page
    assert f'<dd id="cert-index">{made["log_index"]}</dd>' in page
    assert f"{len(PDF)} 字节" in page
    assert note.b64encode(checkpoint.root_hash) in page
    assert f"<dd>{checkpoint.size}</dd>" in page
    assert settings.log_origin in page
    url = f"http://testserver/verify?index={made['log_index']}&sha256={sha256_of(PDF)}"
    shown = re.search(r'<a href="([^"]+)" id="verify-url">', page)
    assert shown
    assert html.unescape(shown.group(1)) == url
    qr = re.search(r'<div id="qr">(<svg.*?</svg>)</div>', page, re.S)
    assert qr
    assert qr.group(1) == str(qr_svg(url))
    assert "http" not in qr.group(1).replace(html.escape(url), "")  # nothing fetched
    assert "@media print" in page


def test_the_qr_code_changes_with_the_deposit(
    client: TestClient, db: Session, settings: Settings
) -> None:
    headers = token_headers(db)
    first = deposit_file(client, headers).json()
    second = deposit_file(client, headers, data=b"another capture").json()
    publish(db, settings)

    def qr(deposit_id: int) -> str:
        found = re.search(
            r'<div id="qr">(<svg.*?</svg>)</div>', certificate(client, headers, deposit_id), re.S
        )
        assert found
        return found.group(1)

    assert qr(first["id"]) != qr(second["id"])


def test_before_any_checkpoint_the_certificate_says_it_is_not_yet_provable(
    client: TestClient, db: Session
) -> None:
    headers = token_headers(db)
    made = deposit_file(client, headers).json()
    page = certificate(client, headers, made["id"])
    assert 'id="cert-waiting"' in page
    assert "检查点根哈希值" not in page


def test_the_certificate_in_english(client: TestClient, db: Session, settings: Settings) -> None:
    headers = token_headers(db)
    made = deposit_file(client, headers).json()
    publish(db, settings)
    client.cookies.set("lang", "en")
    page = certificate(client, headers, made["id"])
    assert "Deposit certificate" in page
    assert "存证证书" not in page
    assert f"{len(PDF)} bytes" in page
