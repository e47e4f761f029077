"""The deposit pages: the form (a file or a hash) with each error next to its field in Chinese,
the list with its filters and exports, and the detail page with the logged entry, the
checkpoint, the receipt and the history, in Chinese by default and in English."""

import html
import io
import re

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ipprotect.core.auth import Role
from ipprotect.evidence.models import Deposit
from ipprotect.settings import Settings
from tests.conftest import login
from tests.evidence.depositing import PDF, publish, sha256_of
from tests.factories import BINJIANG, PASSWORD, XIHU, make_user


def officer_session(client: TestClient, db: Session, region: str = XIHU) -> str:
    officer = make_user(db, Role.OFFICER, [region])
    return login(client, officer.username, PASSWORD)


def post_form(
    client: TestClient, csrf: str, data: bytes | None = PDF, **fields: str
) -> httpx.Response:
    form = {"csrf_token": csrf, "mode": "file", "title": "网店侵权页面", **fields}
    files = {"file": ("page.pdf", io.BytesIO(data), "application/pdf")} if data else {}
    return client.post("/evidence/new", data=form, files=files, follow_redirects=False)


def error_of(page: str, field: str) -> str:
    match = re.search(rf'id="e-{field}" class="error" role="alert">([^<]*)<', page)
    assert match, f"no error shown next to {field}"
    return html.unescape(match.group(1))


def test_depositing_a_file_through_the_form_leads_to_its_page(
    client: TestClient, db: Session
) -> None:
    csrf = officer_session(client, db)
    form = client.get("/evidence/new")
    assert form.status_code == 200
    assert "证据存证" in form.text
    assert 'enctype="multipart/form-data"' in form.text
    response = post_form(client, csrf, source="https://shop.example/1")
    assert response.status_code == 303, response.text
    deposit = db.scalars(select(Deposit).where(Deposit.sha256 == sha256_of(PDF))).one()
    assert response.headers["location"] == f"/evidence/{deposit.id}"
    page = client.get(response.headers["location"])
    assert page.status_code == 200
    assert f"日志第 {deposit.log_index} 号条目" in page.text  # the flash
    assert deposit.sha256 in page.text
    assert '"kind": "evidence"' in html.unescape(page.text)  # the entry, pretty-printed
    assert '"source": "https://shop.example/1"' in html.unescape(page.text)
    assert 'id="receipt-waiting"' in page.text
    assert "证据存证" in page.text.split('id="history"')[1]  # the audit event, translated


def test_the_detail_page_offers_the_receipt_once_a_checkpoint_covers_the_deposit(
    client: TestClient, db: Session, settings: Settings
) -> None:
    csrf = officer_session(client, db)
    location = post_form(client, csrf).headers["location"]
    checkpoint = publish(db, settings)
    page = client.get(location).text
    assert 'id="receipt-waiting"' not in page
    deposit_id = location.rsplit("/", 1)[1]
    assert f"/api/v1/evidence/deposits/{deposit_id}/receipt" in page
    assert "首个涵盖此存证的检查点" in page
    assert settings.log_origin in page
    assert f"<dd>{checkpoint.size}</dd>" in page


def test_a_form_without_title_or_file_shows_chinese_errors_next_to_the_fields(
    client: TestClient, db: Session
) -> None:
    csrf = officer_session(client, db)
    response = post_form(client, csrf, data=None, title="", case_id="第三号")
    assert response.status_code == 422
    page = response.text
    assert error_of(page, "file") == "请选择要存证的文件"
    assert error_of(page, "title") == "此项为必填项"
    assert error_of(page, "case_id") == "请填写案件编号"
    assert 'id="e-sha256"' not in page  # the hash fields do not apply to a file deposit
    assert 'value="第三号"' in page  # what was typed is kept
    assert db.scalars(select(Deposit)).all() == []


def test_a_hash_deposit_through_the_form_checks_the_hash(client: TestClient, db: Session) -> None:
    csrf = officer_session(client, db)
    bad = post_form(client, csrf, data=None, mode="hash", sha256="abc", size="10")
    assert bad.status_code == 422
    assert "64" in error_of(bad.text, "sha256")
    good = post_form(
        client, csrf, data=None, mode="hash", sha256="AB" * 32, size="10", filename="video.mp4"
    )
    assert good.status_code == 303, good.text
    deposit = db.scalars(select(Deposit)).one()
    assert (deposit.sha256, deposit.size, deposit.stored) == ("ab" * 32, 10, False)


def test_a_region_outside_the_scope_is_refused_in_chinese(client: TestClient, db: Session) -> None:
    csrf = officer_session(client, db)
    response = post_form(client, csrf, region_code=BINJIANG)
    assert response.status_code == 422
    assert error_of(response.text, "region_code") == "该行政区划不在您的权限范围内"


def test_the_list_filters_and_links_its_exports(client: TestClient, db: Session) -> None:
    csrf = officer_session(client, db)
    post_form(client, csrf, data=b"tea box", title="龙井茶叶包装")
    post_form(client, csrf, data=b"phone", title="手机外观")
    listing = client.get("/evidence", params={"q": "龙井"})
    assert listing.status_code == 200
    assert "龙井茶叶包装" in listing.text
    assert "手机外观" not in listing.text
    exports = dict(re.findall(r'href="([^"]+)" data-export="(csv|xlsx)"', listing.text))
    csv_url = html.unescape(next(url for url, fmt in exports.items() if fmt == "csv"))
    assert csv_url.startswith("/api/v1/evidence/deposits?format=csv")
    exported = client.get(csv_url).content.decode("utf-8-sig")
    assert "龙井茶叶包装" in exported
    assert "手机外观" not in exported


def test_the_pages_speak_chinese_by_default_and_english_on_request(
    client: TestClient, db: Session
) -> None:
    csrf = officer_session(client, db)
    location = post_form(client, csrf).headers["location"]
    zh_list, zh_detail = client.get("/evidence").text, client.get(location).text
    assert "存证记录" in zh_list
    assert "Evidence deposits" not in zh_list
    assert "日志条目" in zh_detail
    client.cookies.set("lang", "en")
    en_list, en_detail = client.get("/evidence").text, client.get(location).text
    en_form = client.get("/evidence/new").text
    assert "Evidence deposits" in en_list
    assert "存证记录" not in en_list
    assert "The log entry" in en_detail
    assert "日志条目" not in en_detail
    assert "Give only its hash" in en_form


def test_another_district_gets_404_on_the_pages(client: TestClient, db: Session) -> None:
    csrf = officer_session(client, db)
    location = post_form(client, csrf).headers["location"]
    client.post("/logout", data={"csrf_token": csrf})
    officer_session(client, db, BINJIANG)
    for path in (location, f"{location}/certificate"):
        response = client.get(path, headers={"accept": "text/html"})
        assert response.status_code == 404
        assert sha256_of(PDF) not in response.text
    assert sha256_of(PDF)[:16] not in client.get("/evidence").text
