"""Import of existing dishonesty lists: Chinese names of behaviours and classes, CSV in UTF-8 or
GB18030 and XLSX, the publicity of each decision date's rule version, a row-level error report
with nothing written when one row fails, duplicates, scope, and the command."""

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ipprotect.cli import app
from ipprotect.core import tabular
from ipprotect.core.auth import Role
from ipprotect.credit import imports
from ipprotect.credit.models import CreditListing, CreditRecord, ListingStatus
from ipprotect.db import make_engine, make_sessionmaker
from ipprotect.registry.access import PLATFORM
from ipprotect.settings import get_settings
from tests.conftest import login
from tests.credit.factories import D, credit_officer
from tests.factories import HANGZHOU, NINGBO, PASSWORD, make_user
from tests.registry.factories import bearer, uscc

HEADER = "uscc,name,behaviour,class,decided_on,authority,document_no"


def csv_table(*lines: str, encoding: str = "utf-8") -> tabular.Table:
    return tabular.read_table("\n".join([HEADER, *lines]).encode(encoding), "list.csv")


def count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(CreditListing)) or 0


def test_rows_named_in_chinese_become_decided_listings_of_their_rule_version(
    db: Session,
) -> None:
    a, b = uscc(), uscc()
    table = csv_table(
        f"{a},杭州甲商贸有限公司,故意侵犯知识产权,严重,2026-04-01,杭州市市场监督管理局,杭市监信列〔2026〕1号",
        f"{b},杭州乙商贸有限公司,malicious_trademark_applications,一般,2025-11-30,国家知识产权局,国知信〔2025〕9号",
        encoding="gb18030",
    )
    assert table.encoding == "gb18030"
    report = imports.run(db, PLATFORM, table, "list.csv")
    assert (report.errors, report.imported, report.expired) == ([], 2, 1)
    first = db.scalars(select(CreditListing).where(CreditListing.entity_uscc == a)).one()
    assert (first.behaviour, first.class_.value, first.status) == (
        "deliberate_infringement",
        "serious",
        ListingStatus.LISTED,
    )
    assert (first.publicity_min_until, first.publicity_max_until) == (
        D("2027-04-01"),
        D("2029-04-01"),
    )
    assert "government_procurement" in first.measures  # SAMR list: joint punishment
    assert first.region_code == "330106"
    second = db.scalars(select(CreditListing).where(CreditListing.entity_uscc == b)).one()
    # General, decided 2025-11-30: shown until 2026-11-30, so expired by today.
    assert (second.status, second.expired_on) == (ListingStatus.EXPIRED, D("2026-12-01"))
    assert second.measures == [
        "strict_review_of_fiscal_projects_and_fee_reductions",
        "excluded_from_awards_and_demonstration_status",
        "key_supervision",
        "no_credit_commitment",
    ]
    entries = db.scalar(
        select(func.count()).where(
            CreditRecord.entity_uscc.in_([a, b]), CreditRecord.kind == "listing"
        )
    )
    assert entries == 2


def test_one_bad_row_reports_every_error_and_writes_nothing(db: Session) -> None:
    before = count(db)
    good = uscc()
    table = csv_table(
        f"{good},杭州甲商贸有限公司,故意侵犯知识产权,严重,2026-04-01,杭州市市场监督管理局,A1",
        "91330106MA2B3C4D12,杭州乙商贸有限公司,闯红灯,很严重,2026-13-01,,A2",
        f"{uscc()},杭州丙商贸有限公司,故意侵犯知识产权,轻微,2026-03-31,杭州市市场监督管理局,A3",
        f"{good},杭州甲商贸有限公司,故意侵犯知识产权,严重,2026-04-01,杭州市市场监督管理局,A1",
    )
    report = imports.run(db, PLATFORM, table, "list.csv")
    assert [(e.row, e.field, e.error.code) for e in report.errors] == [
        (3, "uscc", "uscc_checksum"),
        (3, "decided_on", "invalid_date"),
        (3, "behaviour", "unknown_behaviour"),
        (3, "class", "unknown_class"),
        (3, "authority", "required"),
        (4, "class", "class_not_in_force"),  # no minor class under Order No. 58
        (5, "document_no", "duplicate"),
    ]
    assert report.imported == 0
    assert count(db) == before


def test_a_file_without_the_columns_and_an_officer_out_of_scope_are_refused(
    db: Session,
) -> None:
    no_class = tabular.read_table(b"uscc,name\n91330106MA2B3C4D11,x\n", "x.csv")
    [missing] = imports.run(db, PLATFORM, no_class, "x.csv").errors
    assert (missing.row, missing.error.code, missing.error.params) == (
        1,
        "missing_column",
        {"column": "behaviour"},
    )
    ningbo = credit_officer(db, NINGBO)
    table = csv_table(f"{uscc()},杭州甲商贸有限公司,故意侵犯知识产权,严重,2026-04-01,某局,B1")
    [outside] = imports.run(db, ningbo, table, "list.csv").errors
    assert outside.error.code == "out_of_scope"


def test_an_xlsx_file_is_read_like_a_csv_file(db: Session) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER.split(","))
    code = uscc()
    sheet.append(
        [code, "杭州丁商贸有限公司", "故意侵犯知识产权", "serious", "2026-05-06", "某局", "C1"]
    )
    out = io.BytesIO()
    book.save(out)
    report = imports.run(db, PLATFORM, tabular.read_table(out.getvalue(), "list.xlsx"), "x")
    assert (report.errors, report.imported) == ([], 1)


@pytest.fixture
def cli_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("IPPROTECT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("IPPROTECT_DATABASE_URL", "")
    get_settings.cache_clear()
    assert CliRunner().invoke(app, ["db", "upgrade"]).exit_code == 0
    yield tmp_path
    get_settings.cache_clear()


def test_the_import_command_reports_rows_in_chinese_and_commits_only_a_clean_file(
    cli_database: Path,
) -> None:
    bad = cli_database / "bad.csv"
    bad.write_text(f"{HEADER}\n{uscc()},杭州甲商贸有限公司,闯红灯,严重,2026-04-01,某局,D1\n")
    refused = CliRunner().invoke(app, ["credit", "import", str(bad)])
    assert refused.exit_code == 1
    assert "行号 2 behaviour: 不属于可列入名单的失信行为" in refused.output
    good = cli_database / "good.csv"
    good.write_text(
        f"{HEADER}\n{uscc()},杭州甲商贸有限公司,故意侵犯知识产权,严重,2026-04-01,某局,D1\n"
    )
    done = CliRunner().invoke(app, ["credit", "import", str(good)])
    assert done.exit_code == 0, done.output
    assert "1 listings imported (0 already expired)" in done.output
    with make_sessionmaker(make_engine(get_settings()))() as session:
        assert count(session) == 1


def test_the_api_and_the_page_import_or_report_every_wrong_row(
    client: TestClient, db: Session
) -> None:
    head = bearer(db, Role.CREDIT_OFFICER, [HANGZHOU])
    code = uscc()
    row = f"{code},杭州戊商贸有限公司,故意侵犯知识产权,严重,2026-04-01,某局,E1"
    bad = f"{HEADER}\n{row}\n{uscc()},杭州己商贸有限公司,故意侵犯知识产权,严重,,某局,E2\n"
    refused = client.post(
        "/api/v1/credit/imports",
        files={"file": ("list.csv", bad.encode(), "text/csv")},
        headers=head,
    )
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"row": 3, "field": "decided_on", "code": "required", "message": "此项为必填项"}
    ]
    assert db.scalar(select(func.count()).where(CreditListing.entity_uscc == code)) == 0
    done = client.post(
        "/api/v1/credit/imports",
        files={"file": ("list.csv", f"{HEADER}\n{row}\n".encode(), "text/csv")},
        headers=head,
    )
    assert (done.status_code, done.json()["imported"]) == (200, 1)
    officer = make_user(db, Role.CREDIT_OFFICER, [HANGZHOU])
    token = login(client, officer.username, PASSWORD)
    page = client.post(
        "/credit/import",
        data={"csrf_token": token},
        files={"file": ("list.csv", bad.encode(), "text/csv")},
    )
    assert page.status_code == 422
    assert 'id="import-errors"' in page.text
    unreadable = client.post(
        "/credit/import", data={"csrf_token": token}, files={"file": ("list.pdf", b"%PDF", "x")}
    )
    assert unreadable.status_code == 422
    assert 'id="e-file"' in unreadable.text
