"""Import of existing dishonesty lists as a job, like every import of the platform: CSV in UTF-8
or GB18030 and XLSX, Chinese names of behaviours and classes, the publicity of each decision
date's rule version; the job's progress as rows are checked; one wrong row fails the job with
every wrong row and field reported (also as errors.csv) and nothing written; a file that cannot
be imported at all refused before any job; the API (202 and a job url), the page and the
command."""

import io
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ipprotect.cli import app
from ipprotect.core import jobs, tabular
from ipprotect.core.auth import Role, principal_for
from ipprotect.core.errors import Problem
from ipprotect.credit import imports
from ipprotect.credit.models import CreditListing, CreditRecord, ListingStatus
from ipprotect.db import make_engine, make_sessionmaker
from ipprotect.registry.access import PLATFORM
from ipprotect.settings import get_settings
from tests.conftest import csrf_of, login
from tests.credit.factories import D, credit_officer
from tests.factories import HANGZHOU, NINGBO, PASSWORD, make_user
from tests.registry.factories import bearer, uscc
from tests.registry.importing import fail_audit_of, run_import

HEADER = "uscc,name,behaviour,class,decided_on,authority,document_no"
IMPORTS = "/api/v1/credit/imports"


def csv_file(*lines: str, encoding: str = "utf-8") -> bytes:
    return "\n".join([HEADER, *lines]).encode(encoding)


def count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(CreditListing)) or 0


def import_file(client: TestClient, db: Session, data: bytes, name: str = "list.csv") -> Any:
    """Upload through the API as a credit officer of Hangzhou; the finished job."""
    return run_import(client, IMPORTS, bearer(db, Role.CREDIT_OFFICER, [HANGZHOU]), data, name)


def test_a_gb18030_csv_named_in_chinese_becomes_decided_listings_of_their_rule_version(
    client: TestClient, db: Session
) -> None:
    a, b = uscc(), uscc()
    data = csv_file(
        f"{a},杭州甲商贸有限公司,故意侵犯知识产权,严重,2026-04-01,杭州市市场监督管理局,杭市监信列〔2026〕1号",
        f"{b},杭州乙商贸有限公司,malicious_trademark_applications,一般,2025-11-30,国家知识产权局,国知信〔2025〕9号",
        encoding="gb18030",
    )
    job = import_file(client, db, data)
    assert (job["status"], job["imported"], job["expired"], job["errors"]) == (
        "succeeded",
        2,
        1,
        [],
    )
    assert (job["total"], job["done"], job["percent"]) == (2, 2, 100)
    assert job["counts"] == {"imported": 2, "expired": 1}
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
    assert first.data["imported_from"] == "list.csv"
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


def test_an_xlsx_file_is_read_like_a_csv_file(client: TestClient, db: Session) -> None:
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
    job = import_file(client, db, out.getvalue(), "list.xlsx")
    assert (job["status"], job["imported"]) == ("succeeded", 1)
    listed = db.scalars(select(CreditListing).where(CreditListing.entity_uscc == code)).one()
    assert (listed.decided_on, listed.document_no) == (D("2026-05-06"), "C1")


def test_one_bad_row_fails_the_job_reporting_every_wrong_row_and_field_and_writes_nothing(
    client: TestClient, db: Session
) -> None:
    before = count(db)
    good = uscc()
    data = csv_file(
        f"{good},杭州甲商贸有限公司,故意侵犯知识产权,严重,2026-04-01,杭州市市场监督管理局,A1",
        "91330106MA2B3C4D12,杭州乙商贸有限公司,闯红灯,很严重,2026-13-01,,A2",
        f"{uscc()},杭州丙商贸有限公司,故意侵犯知识产权,轻微,2026-03-31,杭州市市场监督管理局,A3",
        f"{good},杭州甲商贸有限公司,故意侵犯知识产权,严重,2026-04-01,杭州市市场监督管理局,A1",
    )
    job = import_file(client, db, data)
    assert (job["status"], job["imported"], job["counts"]) == ("failed", 0, {"refused": 3})
    assert [(e["row"], e["field"], e["code"]) for e in job["errors"]] == [
        (3, "uscc", "uscc_checksum"),
        (3, "decided_on", "invalid_date"),
        (3, "behaviour", "unknown_behaviour"),
        (3, "class", "unknown_class"),
        (3, "authority", "required"),
        (4, "class", "class_not_in_force"),  # no minor class under Order No. 58
        (5, "document_no", "duplicate"),
    ]
    assert count(db) == before
    errors = client.get(job["errors_url"], headers=bearer(db, Role.CREDIT_OFFICER, [HANGZHOU]))
    assert errors.status_code == 404  # another caller's job: not theirs to read


def test_the_errors_csv_names_the_row_and_the_field_of_a_wrong_row(
    client: TestClient, db: Session
) -> None:
    head = bearer(db, Role.CREDIT_OFFICER, [HANGZHOU])
    good = f"{uscc()},杭州戊商贸有限公司,故意侵犯知识产权,严重,2026-04-01,某局,E1"
    bad = f"{uscc()},杭州己商贸有限公司,故意侵犯知识产权,严重,,某局,E2"
    job = run_import(client, IMPORTS, head, csv_file(good, bad), "list.csv")
    assert job["status"] == "failed"
    assert job["errors"] == [
        {"row": 3, "field": "decided_on", "code": "required", "message": "此项为必填项"}
    ]
    assert job["errors_url"] == f"{IMPORTS}/{job['id']}/errors.csv"
    errors = client.get(job["errors_url"], headers=head)
    assert errors.status_code == 200
    assert errors.headers["content-type"].startswith("text/csv")
    [row] = tabular.read_table(errors.content, "errors.csv").rows
    assert row.values == {
        "row": "3",
        "field": "decided_on",
        "code": "required",
        "message": "此项为必填项",
    }
    assert db.scalar(select(func.count()).where(CreditListing.document_no == "E1")) == 0


def test_a_failure_while_writing_leaves_nothing_half_imported(
    client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = count(db)
    fail_audit_of(monkeypatch, "decided_on", "2026-04-02")
    data = csv_file(
        f"{uscc()},杭州甲商贸有限公司,故意侵犯知识产权,严重,2026-04-01,某局,F1",
        f"{uscc()},杭州乙商贸有限公司,故意侵犯知识产权,严重,2026-04-02,某局,F2",
    )
    job = import_file(client, db, data)
    assert (job["status"], job["imported"]) == ("failed", 0)
    assert count(db) == before  # the first row, written before the failure, is gone too


def test_the_job_reports_its_progress_row_by_row_and_its_page_polls_until_done(
    app: FastAPI, client: TestClient, db: Session
) -> None:
    officer = make_user(db, Role.CREDIT_OFFICER, [HANGZHOU])
    login(client, officer.username, PASSWORD)
    lines = [
        f"{uscc()},杭州进度{n}商贸有限公司,故意侵犯知识产权,严重,2026-04-0{n + 1},某局,P{n}"
        for n in range(3)
    ]
    seen: list[tuple[int, int]] = []
    job, work = imports.queue(db, principal_for(officer), csv_file(*lines), "progress.csv")
    fragment = client.get(f"/credit/import/{job.id}/progress")
    assert fragment.status_code == 200
    assert f'hx-get="/credit/import/{job.id}/progress"' in fragment.text
    assert 'hx-trigger="every 1s"' in fragment.text
    assert "<html" not in fragment.text
    assert 'data-status="queued"' in fragment.text

    def spy(session: Session, progress: jobs.Progress) -> dict[str, Any]:
        original = progress.advance

        def advance(n: int = 1) -> None:
            original(n)
            seen.append((progress.job.done, progress.job.total))

        progress.advance = advance  # type: ignore[method-assign]
        return work(session, progress)

    done = jobs.run(app.state.sessionmaker, job.id, spy)
    assert seen == [(1, 3), (2, 3), (3, 3)]
    assert (done.status, done.done, done.total, done.percent) == (
        jobs.JobStatus.SUCCEEDED,
        3,
        3,
        100,
    )
    assert "3 rows checked; writing them in one transaction" in done.log
    page = client.get(f"/credit/import/{job.id}")
    assert 'hx-trigger="every 1s"' not in page.text  # finished: the page stops polling
    assert "已检查 3 / 3 行" in page.text
    assert "已导入 3 条名单记录，其中 0 条已期满移出。" in page.text


def test_the_page_queues_the_job_and_shows_the_wrong_rows_with_their_csv(
    client: TestClient, db: Session
) -> None:
    officer = make_user(db, Role.CREDIT_OFFICER, [HANGZHOU])
    login(client, officer.username, PASSWORD)
    bad = csv_file(f"{uscc()},杭州庚商贸有限公司,故意侵犯知识产权,严重,,某局,G1")
    response = client.post(
        "/credit/import",
        data={"csrf_token": csrf_of(client, "/credit/import")},
        files={"file": ("list.csv", bad, "text/csv")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    job_url = response.headers["location"]
    page = client.get(job_url)
    assert 'data-status="failed"' in page.text
    assert 'id="import-errors"' in page.text
    assert "<td>2</td><td>decided_on</td><td>此项为必填项</td>" in page.text
    assert "共 1 处错误，未导入任何记录。" in page.text
    errors = client.get(job_url + "/errors.csv")
    [row] = tabular.read_table(errors.content, "errors.csv").rows
    assert (row.values["row"], row.values["field"]) == ("2", "decided_on")
    unreadable = client.post(
        "/credit/import",
        data={"csrf_token": csrf_of(client, "/credit/import")},
        files={"file": ("list.pdf", b"%PDF", "x")},
    )
    assert unreadable.status_code == 422
    assert 'id="e-file"' in unreadable.text


def test_a_file_that_cannot_be_imported_at_all_is_refused_before_any_job(
    client: TestClient, db: Session
) -> None:
    head = bearer(db, Role.CREDIT_OFFICER, [HANGZHOU])
    before = db.scalar(select(func.count()).select_from(jobs.Job))
    no_class = client.post(
        IMPORTS, files={"file": ("x.csv", b"uscc,name\n91330106MA2B3C4D11,x\n")}, headers=head
    )
    assert no_class.status_code == 422
    assert [(e["field"], e["code"]) for e in no_class.json()["errors"]][:1] == [
        ("file", "missing_column")
    ]
    huge = client.post(
        IMPORTS, files={"file": ("x.csv", b"x" * (imports.MAX_UPLOAD + 1))}, headers=head
    )
    assert (huge.status_code, huge.json()["errors"][0]["code"]) == (422, "too_large")
    assert db.scalar(select(func.count()).select_from(jobs.Job)) == before
    applicant = bearer(db, Role.APPLICANT, [HANGZHOU])
    refused = client.post(IMPORTS, files={"file": ("x.csv", csv_file())}, headers=applicant)
    assert refused.status_code == 403


def test_an_officer_out_of_scope_is_refused_row_by_row_and_one_import_runs_at_a_time(
    client: TestClient, db: Session
) -> None:
    ningbo = credit_officer(db, NINGBO)
    data = csv_file(f"{uscc()},杭州甲商贸有限公司,故意侵犯知识产权,严重,2026-04-01,某局,B1")
    job, work = imports.queue(db, ningbo, data, "list.csv")
    with pytest.raises(Problem) as second:
        imports.queue(db, PLATFORM, data, "list.csv")
    assert (second.value.status, second.value.code) == (409, "job_running")
    done = jobs.run(client.app.state.sessionmaker, job.id, work)  # type: ignore[attr-defined]
    assert done.status is jobs.JobStatus.FAILED
    assert [e["code"] for e in done.result["errors"]] == ["out_of_scope"]


def test_the_import_command_prints_progress_and_commits_only_a_clean_file(
    cli_database: Path,
) -> None:
    bad = cli_database / "bad.csv"
    bad.write_text(f"{HEADER}\n{uscc()},杭州甲商贸有限公司,闯红灯,严重,2026-04-01,某局,D1\n")
    report = cli_database / "errors.csv"
    refused = CliRunner().invoke(app, ["credit", "import", str(bad), "--errors", str(report)])
    assert refused.exit_code == 1, refused.output
    assert "行号 2 behaviour: 不属于可列入名单的失信行为" in refused.output
    assert "1 errors; nothing imported" in refused.output
    [row] = tabular.read_table(report.read_bytes(), "errors.csv").rows
    assert (row.values["row"], row.values["field"]) == ("2", "behaviour")
    good = cli_database / "good.csv"
    good.write_text(
        f"{HEADER}\n{uscc()},杭州甲商贸有限公司,故意侵犯知识产权,严重,2026-04-01,某局,D1\n"
    )
    done = CliRunner().invoke(app, ["credit", "import", str(good)])
    assert done.exit_code == 0, done.output
    assert "正在检查各行" in done.output  # the progress bar
    assert "1 listings imported (0 already expired)" in done.output
    unreadable = cli_database / "list.pdf"
    unreadable.write_bytes(b"%PDF")
    assert CliRunner().invoke(app, ["credit", "import", str(unreadable)]).exit_code == 2
    with make_sessionmaker(make_engine(get_settings()))() as session:
        assert count(session) == 1
