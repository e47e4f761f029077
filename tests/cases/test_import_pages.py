"""The officers' hotline import page: upload a 12345 / 12330 export, then follow the job page
with its counts, the rows not imported and their CSV, as on the registry's import pages."""

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ipprotect.cases.models import Case, Source
from ipprotect.core.auth import Role
from ipprotect.core.tabular import read_table
from tests.conftest import csrf_of, login
from tests.factories import BINJIANG, PASSWORD, XIHU, make_user

EXPORT = (
    "工单编号,受理时间,诉求人,联系电话,被反映对象,诉求内容\n"
    "P-001,2025/1/24 09:12:00,孙七,13700000000,某超市,销售假冒商标的白酒\n"
    "P-002,,周八,13700000001,某网店,盗版\n"
    "P-001,2025/1/24 09:12:00,孙七,13700000000,某超市,重复工单\n"
).encode("gb18030")


def _upload(client: TestClient, **data: str) -> str:
    response = client.post(
        "/cases/import",
        files={"file": ("12330.csv", EXPORT, "text/csv")},
        data={"csrf_token": csrf_of(client, "/cases/import")} | data,
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    location: str = response.headers["location"]
    return location


def test_an_officer_imports_a_12330_export_and_follows_the_job(
    client: TestClient, db: Session
) -> None:
    officer = make_user(db, Role.OFFICER, [XIHU])
    login(client, officer.username, PASSWORD)
    assert "/cases/import" in client.get("/cases").text
    form = client.get("/cases/import")
    assert "导入热线工单" in form.text
    assert 'value="hotline_12330"' in form.text

    job_url = _upload(client, hotline="hotline_12330", region_code=XIHU)
    assert re.fullmatch(r"/cases/jobs/\d+", job_url)
    page = client.get(job_url)
    assert page.status_code == 200
    assert re.search(r'data-count="created">1<', page.text)
    assert re.search(r'data-count="failed">1<', page.text)
    assert re.search(r'data-count="skipped">1<', page.text)
    assert "请填写工单的受理时间" in page.text  # row 3's reason, in Chinese
    assert 'hx-trigger="every 1s"' not in page.text  # finished: the page stops polling
    assert f'href="{job_url}/errors.csv"' in page.text

    rows = read_table(client.get(job_url + "/errors.csv").content, "errors.csv").rows
    assert [(r.values["row"], r.values["field"], r.values["code"]) for r in rows] == [
        ("3", "received_on", "required"),
        ("4", "hotline_ticket", "ticket_imported"),
    ]
    case = db.scalar(select(Case).where(Case.hotline_ticket == "P-001"))
    assert case is not None
    assert case.source is Source.HOTLINE_12330
    assert case.region_code == XIHU


def test_the_import_form_shows_its_errors_next_to_the_fields(
    client: TestClient, db: Session
) -> None:
    officer = make_user(db, Role.OFFICER, [XIHU])
    login(client, officer.username, PASSWORD)
    token = csrf_of(client, "/cases/import")
    response = client.post(
        "/cases/import",
        data={"csrf_token": token, "hotline": "hotline_99999", "region_code": XIHU},
        files={"file": ("x.csv", b"", "text/csv")},
    )
    assert response.status_code == 422
    assert 'id="e-hotline"' in response.text


def test_another_districts_officer_cannot_see_the_job(client: TestClient, db: Session) -> None:
    officer = make_user(db, Role.OFFICER, [XIHU])
    login(client, officer.username, PASSWORD)
    job_url = _upload(client, hotline="hotline_12345", region_code=XIHU)
    client.post("/logout", data={"csrf_token": csrf_of(client, "/cases")})
    outsider = make_user(db, Role.OFFICER, [BINJIANG])
    login(client, outsider.username, PASSWORD)
    assert client.get(job_url).status_code == 404
    assert client.get(job_url + "/errors.csv").status_code == 404


def test_the_public_cannot_open_the_import_page(client: TestClient) -> None:
    response = client.get("/cases/import", follow_redirects=False)
    assert response.status_code in (303, 401, 403)
