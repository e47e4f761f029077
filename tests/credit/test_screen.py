"""Bulk screening of bidders: upload a list, a job screens each row as a restriction check
would, the result keeps the input columns and adds decision, matched_uscc, matched_name,
confidence and reason."""

import io
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ipprotect.cli import app
from ipprotect.core import ids
from ipprotect.core.auth import Role
from ipprotect.core.scope import Scope
from ipprotect.core.tabular import read_table
from ipprotect.credit import checks, matching, screening
from ipprotect.credit.matching import Thresholds
from ipprotect.credit.models import CheckPurpose
from ipprotect.db import make_engine, make_sessionmaker
from ipprotect.settings import Settings, get_settings
from tests.conftest import login
from tests.credit.check_factories import make_listing, system_token
from tests.factories import PASSWORD, make_user

NAME = "杭州天衡电子科技有限公司"
USCC = ids.make_uscc("9", "1", "330106", "MA2H7K3P")
OTHER_USCC = ids.make_uscc("9", "1", "330106", "MA2J5N8Q")
AWARDS_ONLY = "杭州明远软件有限公司"  # listed by CNIPA, with the awards measure only

BIDDERS = (
    "序号,投标人名称,统一社会信用代码,联系人\n"
    f"1,{NAME},{USCC},王经理\n"
    f"2,杭州天衡电子科技有限公司,,李经理\n"
    f"3,深圳天衡电子科技有限公司,,张经理\n"
    f"4,{NAME},{OTHER_USCC},赵经理\n"
    f"5,宁波海曙纺织品进出口有限公司,,钱经理\n"
    f"6,{AWARDS_ONLY},,孙经理\n"
)


@pytest.fixture
def token(db: Session) -> str:
    make_listing(db, NAME, USCC)
    make_listing(db, AWARDS_ONLY, None, measures=["excluded_from_awards_and_demonstration_status"])
    return system_token(db)[1]


def upload(
    client: TestClient, token: str, data: bytes, filename: str, **form: str
) -> dict[str, object]:
    response = client.post(
        "/api/v1/credit/screen",
        files={"file": (filename, data)},
        data={"purpose": "procurement", **form},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 202, response.text
    job: dict[str, object] = client.get(
        str(response.json()["url"]), headers={"Authorization": f"Bearer {token}"}
    ).json()
    return job


def test_a_gb18030_list_is_screened_row_by_row_keeping_its_columns(
    client: TestClient, token: str
) -> None:
    job = upload(client, token, BIDDERS.encode("gb18030"), "投标人.csv")
    assert job["status"] == "succeeded"
    assert (job["total"], job["done"], job["percent"]) == (6, 6, 100)
    assert job["counts"] == {"restricted": 2, "review": 2, "clear": 2}

    result = client.get(str(job["result_url"]), headers={"Authorization": f"Bearer {token}"})
    assert result.status_code == 200
    table = read_table(result.content, "result.csv")
    assert table.header == [
        "序号",
        "投标人名称",
        "统一社会信用代码",
        "联系人",
        "decision",
        "matched_uscc",
        "matched_name",
        "confidence",
        "reason",
    ]
    rows = [[row.values[h] for h in table.header[4:]] for row in table.rows]
    assert rows == [
        ["restricted", USCC, NAME, "1.00", f"统一社会信用代码相同：{USCC}"],
        ["restricted", USCC, NAME, "1.00", "规范写法后名称相同"],
        [
            "review",
            USCC,
            NAME,
            "1.00",
            "字号相同，但登记地不同（深圳 / 杭州）：企业名称仅在同一登记机关辖区内享有专用权",
        ],
        rows[3],
        ["clear", "", "", "", "无匹配的失信主体"],
        ["clear", "", AWARDS_ONLY, "1.00", "已列入，但该名单的惩戒措施均不适用于此用途"],
    ]
    assert rows[3][:3] == ["review", USCC, NAME]
    assert rows[3][4].startswith("名称相同，但统一社会信用代码不同")
    assert table.rows[0].values["联系人"] == "王经理"


def test_an_xlsx_result_in_english(client: TestClient, token: str) -> None:
    client.cookies.set("lang", "en")
    job = upload(client, token, BIDDERS.encode("utf-8"), "bidders.csv", format="xlsx")
    result = client.get(str(job["result_url"]), headers={"Authorization": f"Bearer {token}"})
    assert result.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = load_workbook(io.BytesIO(result.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][-5:] == ("decision", "matched_uscc", "matched_name", "confidence", "reason")
    assert rows[5][-5:] == ("clear", None, None, None, "No listed entity matches")
    # The reviews are ranked in the spreadsheet itself: a filter on every column, the header
    # kept in view, the confidence a number.
    assert (sheet.auto_filter.ref, sheet.freeze_panes) == ("A1:I7", "A2")
    assert rows[3][-5:-1] == ("review", USCC, NAME, 1.0)


def screened(db: Session, bidders: screening.Bidders, processes: int) -> list[list[object]]:
    index = checks.ListingIndex(Thresholds.from_settings(Settings()), refresh_seconds=0)
    rows = screening.screen(
        db,
        index.current(db),
        bidders,
        CheckPurpose.PROCUREMENT,
        Scope.of(["000000"]),
        date(2026, 12, 7),
        str,
        processes,
    )
    return [cells for _, cells in rows]


def test_a_long_list_is_searched_by_worker_processes_and_keeps_its_order(
    db: Session, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Forty rows in chunks of three: the workers' answers come back a chunk at a time and
    # each chunk's listings are read at once; the result must be the one process's, row for row.
    lines = BIDDERS.splitlines()
    text = "\n".join([lines[0], *(lines[1:] * 7)[:40]]) + "\n"
    bidders = screening.read_bidders(text.encode(), "bidders.csv", 100)
    alone = screened(db, bidders, 1)
    monkeypatch.setattr(screening, "PARALLEL_FROM", 10)
    monkeypatch.setattr(screening, "CHUNK", 3)
    assert screened(db, bidders, 2) == alone

    class NoFork:
        def Pool(self, processes: int, initializer: object) -> None:  # noqa: N802 (its name)
            raise OSError(11, "Resource temporarily unavailable")  # EAGAIN: no process left

    # No process to be had: the job's own process searches alone, with the same result.
    monkeypatch.setattr(matching.multiprocessing, "get_context", lambda method: NoFork())
    assert screened(db, bidders, 2) == alone
    assert [cells[0] for cells in alone] == [line.split(",")[0] for line in lines[1:] * 7][:40]
    assert [cells[4] for cells in alone[:6]] == [
        "restricted",
        "restricted",
        "review",
        "review",
        "clear",
        "clear",
    ]


def test_the_job_page_lists_the_strongest_reviews_first(
    client: TestClient, db: Session, token: str
) -> None:
    make_listing(db, "杭州华兴电子科技有限公司", None)
    bidders = (
        "投标人名称\n"
        "深圳天衡电子科技有限公司\n"  # the same trade name in another place: review at 1.00
        "杭州华星电子科技有限公司\n"  # one character apart: review, less alike
        "宁波海曙纺织品进出口有限公司\n"  # clear
    )
    officer = make_user(db, Role.OFFICER)
    csrf = login(client, officer.username, PASSWORD)
    posted = client.post(
        "/credit/screen",
        data={"csrf_token": csrf, "purpose": "procurement"},
        files={"file": ("投标人.csv", bidders.encode())},
        follow_redirects=False,
    )
    page = client.get(posted.headers["location"]).text
    table = page[page.index('id="strongest-reviews"') :]
    assert table.index("深圳天衡电子科技有限公司") < table.index("杭州华星电子科技有限公司")
    assert '<td data-confidence="1.0">1.00</td>' in table
    assert "宁波海曙纺织品进出口有限公司" not in table
    assert "建议优先复核" in page


def test_a_list_without_a_name_column_is_refused(client: TestClient, token: str) -> None:
    response = client.post(
        "/api/v1/credit/screen",
        files={"file": ("x.csv", "编号,金额\n1,2\n".encode())},
        data={"purpose": "procurement"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "missing_column"


def test_another_caller_cannot_read_the_job(client: TestClient, db: Session, token: str) -> None:
    job = upload(client, token, BIDDERS.encode("utf-8"), "bidders.csv")
    _, other = system_token(db)
    headers = {"Authorization": f"Bearer {other}"}
    assert client.get(f"/api/v1/credit/screen/{job['job_id']}", headers=headers).status_code == 404
    assert client.get(str(job["result_url"]), headers=headers).status_code == 404


def test_screen_on_the_command_line(cli_database: Path) -> None:
    engine = make_engine(get_settings())
    with make_sessionmaker(engine)() as session:
        make_listing(session, NAME, USCC)
        session.commit()
    engine.dispose()
    source = cli_database / "投标人.csv"
    source.write_bytes(BIDDERS.encode("gb18030"))
    out = cli_database / "结果.xlsx"

    result = CliRunner().invoke(
        app, ["credit", "screen", str(source), "--purpose", "bidding", "--out", str(out)]
    )
    assert result.exit_code == 1, result.output  # some bidders are restricted
    assert "clear 2, restricted 2, review 2" in result.output
    rows = list(load_workbook(out).worksheets[0].iter_rows(values_only=True))
    assert [r[4] for r in rows] == [
        "decision",
        "restricted",
        "restricted",
        "review",
        "review",
        "clear",
        "clear",
    ]


def test_the_page_screens_an_upload_and_shows_progress_and_the_result(
    client: TestClient, db: Session, token: str
) -> None:
    officer = make_user(db, Role.OFFICER)
    csrf = login(client, officer.username, PASSWORD)
    page = client.get("/credit/screen")
    assert page.status_code == 200
    assert "<h1>筛查投标人名单</h1>" in page.text

    refused = client.post(
        "/credit/screen", data={"csrf_token": csrf, "purpose": "procurement"}, files={}
    )
    assert refused.status_code == 422
    assert 'id="e-file"' in refused.text

    posted = client.post(
        "/credit/screen",
        data={"csrf_token": csrf, "purpose": "procurement", "format": "csv"},
        files={"file": ("投标人.xlsx", xlsx(BIDDERS))},
        follow_redirects=False,
    )
    assert posted.status_code == 303
    job_page = client.get(posted.headers["location"])
    assert 'data-status="succeeded"' in job_page.text
    assert '<dd data-count="restricted">2</dd>' in job_page.text
    result = client.get(
        f"/api/v1/credit/screen/{posted.headers['location'].rsplit('/', 1)[1]}/result"
    )
    assert read_table(result.content, "r.csv").rows[0].values["decision"] == "restricted"
    assert "投标人.xlsx" in client.get("/credit/screen").text


def xlsx(text: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for line in text.splitlines():
        sheet.append(line.split(","))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
