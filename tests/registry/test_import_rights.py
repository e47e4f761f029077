"""Importing IP rights from CSV (GB18030) and XLSX as a job: owners are found by credit code in
the importer's area, bad rows are reported with their numbers and skipped, good rows are written
whole, duplicates (same kind and number) are skipped or updated."""

import io
import re
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ipprotect.core.auth import Role
from ipprotect.core.tabular import read_table
from ipprotect.registry import entity_import, right_import
from ipprotect.registry.models import (
    IpRight,
    MarketEntity,
    RightKind,
    RightStatus,
    TrademarkClass,
)
from tests.conftest import csrf_of, login
from tests.factories import BINJIANG, PASSWORD, XIHU, make_user
from tests.registry.factories import bearer, make_entity, make_right, patent_number, uscc
from tests.registry.importing import fail_audit_of, queued, run_import

IMPORT = "/api/v1/registry/rights/import"
HEADER = ["类型", "编号", "名称", "权利人统一社会信用代码", "尼斯分类", "申请日", "状态"]


def _gb18030_csv(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    lines = [",".join(header)] + [",".join(r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode("gb18030")


def _titled(db: Session, title: str) -> list[IpRight]:
    db.expire_all()
    return list(db.scalars(select(IpRight).where(IpRight.title == title)))


def _import(
    client: TestClient, headers: dict[str, str], data: bytes, name: str, **form: str
) -> Any:
    return run_import(client, IMPORT, headers, data, name, **form)


def _owners(db: Session) -> tuple[MarketEntity, MarketEntity]:
    """An owner in the importer's district (Xihu) and one outside it (Binjiang)."""
    return make_entity(db, "西湖权利人有限公司"), make_entity(db, region_code=BINJIANG)


def test_a_gb18030_csv_imports_good_rights_and_reports_bad_rows_by_number(
    client: TestClient, db: Session
) -> None:
    ours, theirs = _owners(db)
    assert ours.uscc is not None
    assert theirs.uscc is not None
    patent = patent_number()
    data = _gb18030_csv(
        [
            [
                "商标",
                "第30012345号",
                "龙井茶园",
                ours.uscc.lower(),
                "30；35",
                "2024/1/31",
                "已注册",
            ],
            ["专利", patent, "一种炒茶机", ours.uscc, "", "2023-03-01", "已授权"],
            ["商标", "30012346", "无主商标", uscc(XIHU), "30", "", ""],
            ["商标", "30012347", "越界商标", theirs.uscc, "30", "", ""],
            ["专利", "12345", "坏号专利", ours.uscc, "", "", ""],
            ["商标", "30012348", "无类商标", ours.uscc, "", "", ""],
            ["著作权", "", "坏日作品", ours.uscc, "", "2024/2/30", ""],
        ]
    )
    job = _import(client, bearer(db), data, "权利清单.csv")
    assert job["status"] == "succeeded"
    assert job["counts"] == {"created": 2, "failed": 5}
    assert [(e["row"], e["field"], e["code"]) for e in job["errors"]] == [
        (4, "owner_uscc", "unknown_owner"),
        (5, "owner_uscc", "unknown_owner"),  # outside the area: said exactly like unknown
        (6, "number", "patent_format"),
        (7, "nice_classes", "required"),
        (8, "filed_on", "invalid_date"),
    ]
    [mark] = _titled(db, "龙井茶园")
    assert (mark.kind, mark.number, mark.nice_classes) == (
        RightKind.TRADEMARK,
        "30012345",
        [30, 35],
    )
    assert (mark.owner_id, mark.region_code) == (ours.id, XIHU)  # the owner's region
    assert (mark.filed_on, mark.status) == (date(2024, 1, 31), RightStatus.REGISTERED)
    [machine] = _titled(db, "一种炒茶机")
    assert (machine.number, machine.status) == (patent, RightStatus.GRANTED)
    for title in ("无主商标", "越界商标", "坏号专利", "无类商标", "坏日作品"):
        assert _titled(db, title) == []


def test_an_xlsx_with_english_headers_and_date_cells_imports(
    client: TestClient, db: Session
) -> None:
    ours, _theirs = _owners(db)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Kind", "Number", "Title", "Owner_ID", "Nice_Classes", "Filed_On", "Expires_On"])
    sheet.append(["Trademark", 30022345, "表格商标", ours.id, "9, 35", date(2020, 5, 6), None])
    sheet.append(["plant_variety", "CNA20240001", "表格品种", ours.id, "", "2024/1/1", "2023/1/1"])
    sheet.append(["trade_secret", "", "表格秘密", 999_999_999, "", "", ""])
    out = io.BytesIO()
    workbook.save(out)
    job = _import(client, bearer(db), out.getvalue(), "rights.xlsx")
    assert job["counts"] == {"created": 1, "failed": 2}
    assert [(e["row"], e["field"], e["code"]) for e in job["errors"]] == [
        (3, "expires_on", "before_filing"),
        (4, "owner_id", "unknown_owner"),
    ]
    [mark] = _titled(db, "表格商标")
    assert (mark.number, mark.nice_classes, mark.filed_on) == (
        "30022345",
        [9, 35],
        date(2020, 5, 6),
    )


def test_a_registered_kind_and_number_is_skipped_with_a_note_by_default(
    client: TestClient, db: Session
) -> None:
    owner = make_entity(db)
    existing = make_right(db, owner, RightKind.PATENT, title="原专利名")
    assert existing.number is not None
    assert owner.uscc is not None
    typed = "CN" + existing.number  # the same number, written another way
    data = _gb18030_csv([["专利", typed, "新专利名", owner.uscc, "", "", ""]])
    job = _import(client, bearer(db), data, "list.csv")
    assert job["counts"] == {"skipped": 1}
    assert [(n["row"], n["field"], n["code"]) for n in job["notes"]] == [
        (2, "number", "duplicate_skipped")
    ]
    db.refresh(existing)
    assert existing.title == "原专利名"


def test_a_registered_right_is_updated_when_asked_keeping_empty_cells(
    client: TestClient, db: Session
) -> None:
    owner, new_owner = make_entity(db), make_entity(db)
    existing = make_right(db, owner, title="旧商标名", filed_on="2019-01-01")
    assert existing.number is not None
    assert new_owner.uscc is not None
    header = ["kind", "number", "title", "owner_uscc", "nice_classes", "status"]
    data = _gb18030_csv(
        [["商标", existing.number, "新商标名", new_owner.uscc, "30", "revoked"]], header
    )
    job = _import(client, bearer(db), data, "list.csv", on_duplicate="update")
    assert job["counts"] == {"updated": 1}
    db.refresh(existing)
    assert (existing.title, existing.owner_id) == ("新商标名", new_owner.id)
    assert (existing.nice_classes, existing.status) == ([30], RightStatus.REVOKED)
    assert existing.filed_on == date(2019, 1, 1)  # no cell: unchanged
    assert db.scalar(select(func.count()).where(IpRight.number == existing.number)) == 1


def test_a_right_outside_the_scope_is_not_updated_and_not_revealed(
    client: TestClient, db: Session
) -> None:
    ours, theirs = _owners(db)
    their_right = make_right(db, theirs, title="滨江商标")
    assert their_right.number is not None
    assert ours.uscc is not None
    data = _gb18030_csv([["商标", their_right.number, "改名", ours.uscc, "30", "", ""]])
    job = _import(client, bearer(db, region_codes=[XIHU]), data, "list.csv", on_duplicate="update")
    assert [(e["row"], e["code"]) for e in job["errors"]] == [(2, "number_taken")]
    db.refresh(their_right)
    assert (their_right.title, their_right.owner_id) == ("滨江商标", theirs.id)


def test_an_export_imports_back_as_updates(client: TestClient, db: Session) -> None:
    owner = make_entity(db, "往返导出有限公司")
    make_right(db, owner, title="往返商标")
    make_right(db, owner, RightKind.PATENT, title="往返专利", filed_on="2023-02-01")
    headers = bearer(db)
    for fmt in ("csv", "xlsx"):
        exported = client.get(
            "/api/v1/registry/rights/export", params={"format": fmt, "q": "往返"}, headers=headers
        )
        assert exported.status_code == 200
        job = _import(client, headers, exported.content, f"rights.{fmt}", on_duplicate="update")
        assert job["counts"] == {"updated": 2}, job


def test_a_file_without_a_kind_or_title_column_is_refused(client: TestClient, db: Session) -> None:
    data = b"number,owner_uscc\n30012345,x\n"
    response = client.post(IMPORT, files={"file": ("list.csv", data)}, headers=bearer(db))
    assert response.status_code == 422
    missing = [(e["code"], e["message"]) for e in response.json()["errors"]]
    assert missing == [
        ("missing_column", "The file has no column kind / 类型"),
        ("missing_column", "The file has no column title / 名称"),
    ]


def test_a_rights_import_waits_for_another_rights_import_in_its_region_only(
    client: TestClient, db: Session
) -> None:
    owner = make_entity(db)
    assert owner.uscc is not None
    queued(db, entity_import.IMPORTER, _gb18030_csv([["甲公司"]], header=["name"]))
    data = _gb18030_csv([["商标", "30062345", "并行商标", owner.uscc, "30", "", ""]])
    beside = client.post(IMPORT, files={"file": ("b.csv", data)}, headers=bearer(db))
    assert beside.status_code == 202, beside.text  # an entity import holds another lock
    queued(db, right_import.IMPORTER, data)
    again = client.post(IMPORT, files={"file": ("c.csv", data)}, headers=bearer(db))
    assert again.status_code == 409
    assert again.json()["code"] == "job_running"


def test_readers_may_not_import_rights(client: TestClient, db: Session) -> None:
    data = _gb18030_csv([["商标", "1", "甲", "", "30", "", ""]])
    response = client.post(
        IMPORT, files={"file": ("a.csv", data)}, headers=bearer(db, role=Role.MEDIATOR)
    )
    assert response.status_code == 403


def test_the_rights_list_leads_writers_to_the_import_whose_job_page_shows_bad_rows(
    client: TestClient, db: Session
) -> None:
    owner = make_entity(db)
    assert owner.uscc is not None
    user = make_user(db, Role.OFFICER, region_codes=[XIHU])
    login(client, user.username, PASSWORD)
    assert 'href="/registry/rights/import"' in client.get("/registry/rights").text
    form = client.get("/registry/rights/import")
    assert form.status_code == 200
    assert "导入知识产权" in form.text
    assert 'action="/registry/rights/import"' in form.text
    data = _gb18030_csv(
        [
            ["商标", "30032345", "页面商标", owner.uscc, "30", "", ""],
            ["商标", "30032346", "页面坏行", owner.uscc, "30", "2024/13/1", ""],
        ]
    )
    response = client.post(
        "/registry/rights/import",
        files={"file": ("权利.csv", data, "text/csv")},
        data={"csrf_token": csrf_of(client, "/registry/rights/import"), "on_duplicate": "skip"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    job_url = response.headers["location"]
    page = client.get(job_url)
    assert "<h1>导入知识产权</h1>" in page.text
    assert 'href="/registry/rights"' in page.text
    assert re.search(r'data-count="created">1<', page.text)
    assert "<td>3</td><td>申请日</td>" in page.text
    [row] = read_table(client.get(job_url + "/errors.csv").content, "errors.csv").rows
    assert (row.values["row"], row.values["field"], row.values["code"]) == (
        "3",
        "filed_on",
        "invalid_date",
    )
    assert len(_titled(db, "页面商标")) == 1


def test_a_database_error_on_a_row_leaves_nothing_of_that_right(
    client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = make_entity(db)
    assert owner.uscc is not None
    fail_audit_of(monkeypatch, "title", "写到一半的商标")
    data = _gb18030_csv(
        [
            ["商标", "30052345", "写到一半的商标", owner.uscc, "30、35", "", ""],
            ["商标", "30052346", "完整写入的商标", owner.uscc, "30", "", ""],
        ]
    )
    classes = select(func.count()).select_from(TrademarkClass)
    before = db.scalar(classes) or 0
    job = _import(client, bearer(db), data, "list.csv")
    assert [(e["row"], e["code"]) for e in job["errors"]] == [(2, "database_error")]
    # The right and its Nice classes were flushed before the audit event failed: all undone.
    assert _titled(db, "写到一半的商标") == []
    assert len(_titled(db, "完整写入的商标")) == 1
    assert db.scalar(classes) == before + 1  # class 30 of the whole row only
