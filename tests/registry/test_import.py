"""Importing entities from CSV (UTF-8, GB18030) and XLSX as a job: bad rows are reported with
their numbers and skipped, good rows are written whole, duplicates are skipped or updated."""

import io
import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ipprotect.core import jobs
from ipprotect.core.auth import Role
from ipprotect.core.tabular import read_table
from ipprotect.registry import access, entity_import, imports
from ipprotect.registry.models import EntityKind, MarketEntity
from ipprotect.settings import Settings
from tests.conftest import csrf_of, login
from tests.factories import BINJIANG, PASSWORD, XIHU, make_user
from tests.registry.factories import bearer, make_entity, uscc
from tests.registry.importing import fail_audit_of, queued, run_import

IMPORT = "/api/v1/registry/entities/import"


def _gb18030_csv(rows: list[list[str]]) -> bytes:
    header = ["企业名称", "统一社会信用代码", "类型", "行政区划代码", "法定代表人"]
    lines = [",".join(header)] + [",".join(r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode("gb18030")


def _count(db: Session, name: str) -> int:
    return db.scalar(select(func.count()).where(MarketEntity.name == name)) or 0


def _import(
    client: TestClient, headers: dict[str, str], data: bytes, name: str, **form: str
) -> Any:
    return run_import(client, IMPORT, headers, data, name, **{"region_code": XIHU, **form})


def test_a_gb18030_csv_imports_good_rows_and_reports_bad_rows_by_number(
    client: TestClient, db: Session
) -> None:
    good = uscc(XIHU)
    right = uscc(XIHU)
    mistyped = right[:-1] + ("Y" if right[-1] != "Y" else "X")  # never the right check character
    individual = uscc(XIHU, category="2")
    data = _gb18030_csv(
        [
            ["杭州甲茶业有限公司", good, "企业", "330106", "张三"],
            ["杭州乙茶业有限公司", mistyped, "企业", "330106", "李四"],
            ["", uscc(XIHU), "企业", "330106", "王五"],
            ["丙茶叶店", individual, "个体工商户", "", "赵六"],
        ]
    )
    job = _import(client, bearer(db), data, "名单.csv")
    assert job["status"] == "succeeded"
    assert job["counts"] == {"created": 2, "failed": 2}
    assert [(e["row"], e["field"], e["code"]) for e in job["errors"]] == [
        (3, "uscc", "uscc_checksum"),
        (4, "name", "required"),
    ]
    assert _count(db, "杭州甲茶业有限公司") == 1
    assert _count(db, "杭州乙茶业有限公司") == 0
    shop = db.scalar(select(MarketEntity).where(MarketEntity.name == "丙茶叶店"))
    assert shop is not None
    assert shop.kind is EntityKind.INDIVIDUAL_BUSINESS
    assert shop.legal_representative == "赵六"


def test_an_xlsx_with_english_headers_imports(client: TestClient, db: Session) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Name", "USCC", "Kind", "Region_Code", "Email"])
    sheet.append(["西湖表格有限公司", uscc(XIHU), "company", XIHU, "info@example.cn"])
    sheet.append(["表格自然人", "", "Natural person", XIHU, ""])
    out = io.BytesIO()
    workbook.save(out)
    job = _import(client, bearer(db), out.getvalue(), "list.xlsx")
    assert job["counts"] == {"created": 2}
    person = db.scalar(select(MarketEntity).where(MarketEntity.name == "表格自然人"))
    assert person is not None
    assert person.kind is EntityKind.NATURAL_PERSON


def test_a_database_error_on_a_row_leaves_nothing_of_that_row(
    client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_audit_of(monkeypatch, "name", "写到一半的有限公司")
    data = _gb18030_csv(
        [
            ["写到一半的有限公司", uscc(XIHU), "企业", XIHU, ""],
            ["完整写入的有限公司", uscc(XIHU), "企业", XIHU, ""],
        ]
    )
    job = _import(client, bearer(db), data, "list.csv")
    assert job["counts"] == {"failed": 1, "created": 1}
    assert [(e["row"], e["code"]) for e in job["errors"]] == [(2, "database_error")]
    # The entity row was flushed before its audit event failed: the savepoint undid it.
    assert _count(db, "写到一半的有限公司") == 0
    assert _count(db, "完整写入的有限公司") == 1


def test_a_registered_uscc_is_skipped_with_a_note_by_default(
    client: TestClient, db: Session
) -> None:
    existing = make_entity(db, "已登记有限公司")
    assert existing.uscc is not None
    data = _gb18030_csv([["已登记有限公司（新名）", existing.uscc, "企业", XIHU, "新代表"]])
    job = _import(client, bearer(db), data, "list.csv")
    assert job["counts"] == {"skipped": 1}
    assert [(n["row"], n["code"]) for n in job["notes"]] == [(2, "duplicate_skipped")]
    db.refresh(existing)
    assert existing.name == "已登记有限公司"


def test_a_registered_uscc_is_updated_when_asked_keeping_empty_cells(
    client: TestClient, db: Session
) -> None:
    existing = make_entity(
        db,
        "待更新商行",
        kind=EntityKind.INDIVIDUAL_BUSINESS,
        legal_representative="旧代表",
        email="a@b.cn",
    )
    assert existing.uscc is not None
    data = _gb18030_csv([["待更新商行", existing.uscc.lower(), "", "", "新代表"]])
    job = _import(client, bearer(db), data, "list.csv", on_duplicate="update")
    assert job["counts"] == {"updated": 1}
    db.refresh(existing)
    assert existing.legal_representative == "新代表"
    assert existing.email == "a@b.cn"
    assert existing.kind is EntityKind.INDIVIDUAL_BUSINESS  # an empty kind cell changes nothing


def test_masked_cells_of_an_export_never_overwrite_personal_data(
    client: TestClient, db: Session
) -> None:
    existing = make_entity(db, "掩码测试有限公司", phone="0571-88886666")
    assert existing.uscc is not None
    data = (
        f"name,uscc,phone,address\n掩码测试有限公司,{existing.uscc},057****6666,浙江省杭州市****\n"
    )
    job = _import(client, bearer(db), data.encode(), "export.csv", on_duplicate="update")
    assert job["counts"] == {"updated": 1}
    db.refresh(existing)
    assert existing.phone == "0571-88886666"
    assert existing.address is None


def test_an_entity_outside_the_scope_is_not_updated_and_not_revealed(
    client: TestClient, db: Session
) -> None:
    theirs = make_entity(db, "滨江已有有限公司", region_code=BINJIANG)
    assert theirs.uscc is not None
    data = _gb18030_csv([["滨江已有有限公司", theirs.uscc, "", "", "改人"]])
    job = _import(client, bearer(db, region_codes=[XIHU]), data, "list.csv", on_duplicate="update")
    assert [(e["row"], e["code"]) for e in job["errors"]] == [(2, "uscc_taken")]
    db.refresh(theirs)
    assert theirs.legal_representative is None


def test_an_unreadable_file_is_refused_before_any_job(client: TestClient, db: Session) -> None:
    response = client.post(
        IMPORT, files={"file": ("list.xlsx", b"PK\x03\x04broken")}, headers=bearer(db)
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "file"
    no_name = client.post(
        IMPORT, files={"file": ("list.csv", b"uscc,phone\n1,2\n")}, headers=bearer(db)
    )
    assert no_name.json()["errors"][0]["code"] == "missing_column"


def test_a_file_over_the_row_limit_is_refused(
    client: TestClient, db: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "max_import_rows", 1)
    data = _gb18030_csv([["甲", uscc(), "", "", ""], ["乙", uscc(), "", "", ""]])
    response = client.post(IMPORT, files={"file": ("list.csv", data)}, headers=bearer(db))
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "too_many_rows"


def test_two_imports_into_one_region_do_not_overlap(client: TestClient, db: Session) -> None:
    queued(db, entity_import.IMPORTER, _gb18030_csv([["甲公司", uscc(), "", "", ""]]))
    response = client.post(
        IMPORT,
        files={"file": ("b.csv", _gb18030_csv([["乙公司", uscc(), "", "", ""]]))},
        data={"region_code": XIHU},
        headers=bearer(db),
    )
    assert response.status_code == 409
    assert response.json()["code"] == "job_running"


def test_an_import_job_is_not_shown_to_other_regions(client: TestClient, db: Session) -> None:
    job, _table = queued(db, entity_import.IMPORTER, _gb18030_csv([["甲公司", uscc(), "", "", ""]]))
    url = f"/api/v1/registry/jobs/{job.id}"
    assert client.get(url, headers=bearer(db, region_codes=[BINJIANG])).status_code == 404
    assert client.get(url, headers=bearer(db, region_codes=[XIHU])).status_code == 200


def test_the_import_page_starts_a_job_whose_page_shows_counts_and_bad_rows(
    client: TestClient, db: Session
) -> None:
    user = make_user(db, Role.OFFICER, region_codes=[XIHU])
    login(client, user.username, PASSWORD)
    data = _gb18030_csv(
        [["页面导入有限公司", uscc(XIHU), "企业", "", ""], ["页面坏行", "123", "企业", "", ""]]
    )
    response = client.post(
        "/registry/entities/import",
        files={"file": ("名单.csv", data, "text/csv")},
        data={
            "csrf_token": csrf_of(client, "/registry/entities/import"),
            "region_code": XIHU,
            "on_duplicate": "skip",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    job_url = response.headers["location"]
    page = client.get(job_url)
    assert page.status_code == 200
    assert re.search(r'data-count="created">1<', page.text)
    assert re.search(r'data-count="failed">1<', page.text)
    assert "统一社会信用代码为 18 位" in page.text  # the reason, in Chinese, for row 3
    assert "<td>3</td>" in page.text
    assert 'hx-trigger="every 1s"' not in page.text  # finished: the page stops polling
    errors = client.get(job_url + "/errors.csv")
    [row] = read_table(errors.content, "errors.csv").rows
    assert (row.values["row"], row.values["field"], row.values["code"]) == (
        "3",
        "uscc",
        "uscc_length",
    )


def test_a_running_job_page_polls_its_progress(
    app: FastAPI, client: TestClient, db: Session
) -> None:
    user = make_user(db, Role.OFFICER, region_codes=[XIHU])
    login(client, user.username, PASSWORD)
    job, table = queued(db, entity_import.IMPORTER, _gb18030_csv([["甲公司", uscc(), "", "", ""]]))
    fragment = client.get(f"/registry/jobs/{job.id}/progress")
    assert f'hx-get="/registry/jobs/{job.id}/progress"' in fragment.text
    assert 'hx-trigger="every 1s"' in fragment.text
    assert "<html" not in fragment.text
    work = imports.work(
        entity_import.IMPORTER,
        access.PLATFORM,
        table,
        default_region=XIHU,
        on_duplicate=imports.OnDuplicate.SKIP,
    )
    jobs.run(app.state.sessionmaker, job.id, work)
    assert 'hx-trigger="every 1s"' not in client.get(f"/registry/jobs/{job.id}/progress").text


@pytest.mark.parametrize(
    ("path", "update"),
    [
        ("/registry/entities/import", "更新已登记的主体"),
        ("/registry/rights/import", "更新已登记的权利"),
    ],
)
def test_an_import_form_shows_an_error_next_to_a_missing_file(
    client: TestClient, db: Session, path: str, update: str
) -> None:
    user = make_user(db, Role.OFFICER, region_codes=[XIHU])
    login(client, user.username, PASSWORD)
    response = client.post(
        path,
        data={"csrf_token": csrf_of(client, path), "region_code": XIHU, "on_duplicate": "update"},
    )
    assert response.status_code == 422
    assert 'id="e-file"' in response.text
    assert "此项为必填项" in response.text
    assert f'<option value="update" selected>{update}</option>' in response.text
