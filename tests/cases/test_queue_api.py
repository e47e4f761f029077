"""The work queue over HTTP: the paginated API, its exports (UTF-8 CSV with a BOM, GB18030 CSV,
XLSX) and the page with its filters and reminders, in zh and en."""

import datetime as dt
import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from ipprotect.cases import sweep
from ipprotect.cases.channels import service as channels
from ipprotect.cases.models import Case, Channel
from ipprotect.core.auth import Role
from tests.cases.channel_factories import accepted_case, officer
from tests.cases.factories import make_case
from tests.conftest import login
from tests.factories import BINJIANG, PASSWORD, XIHU, make_user
from tests.registry.factories import bearer

D = dt.date.fromisoformat
QUEUE = "/api/v1/cases/queue"


def _two_deadlines(db: Session) -> tuple[Case, Case]:
    """A complaint awaiting acceptance (due 2025-09-10) and a mediation (due 2025-10-28)."""
    waiting = make_case(db, received_on="2025-09-01", complainant_name="王五")
    mediated = accepted_case(db, "2025-08-20")
    channels.enter(db, officer(db), mediated, Channel.MEDIATION, on=D("2025-08-20"))
    return waiting, mediated


def test_the_api_pages_the_queue_with_the_acceptance_deadline_first(
    client: TestClient, db: Session
) -> None:
    waiting, mediated = _two_deadlines(db)
    headers = bearer(db, Role.OFFICER, [XIHU])
    first = client.get(f"{QUEUE}?size=1", headers=headers).json()
    assert (first["total"], first["pages"], first["page"]) == (2, 2, 1)
    (item,) = first["items"]
    assert item == {
        "source": "acceptance",
        "case_id": waiting.id,
        "step_id": None,
        "tracking_code": waiting.tracking_code,
        "region_code": XIHU,
        "track": "simple",
        "channel": None,
        "step": "acceptance",
        "assignee_id": None,
        "due_on": "2025-09-10",
        "provisional": False,
        "paused": False,
        "overdue": True,
        "due_soon": False,
        "reminded": None,
    }
    second = client.get(f"{QUEUE}?size=1&page=2", headers=headers).json()
    assert [(i["case_id"], i["step"], i["due_on"]) for i in second["items"]] == [
        (mediated.id, "mediating", "2025-10-28")
    ]
    only_mediation = client.get(f"{QUEUE}?channel=mediation", headers=headers).json()
    assert [i["case_id"] for i in only_mediation["items"]] == [mediated.id]


def test_the_api_refuses_bad_filters_and_other_roles(client: TestClient, db: Session) -> None:
    headers = bearer(db, Role.OFFICER, [XIHU])
    bad = client.get(f"{QUEUE}?due=tomorrow", headers=headers)
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert client.get(QUEUE).status_code == 401
    for role in (Role.SYSTEM, Role.APPLICANT, Role.EVALUATOR):
        assert client.get(QUEUE, headers=bearer(db, role, [XIHU])).status_code == 403
        export = client.get(f"{QUEUE}/export", headers=bearer(db, role, [XIHU]))
        assert export.status_code == 403


def test_another_district_sees_nothing_and_the_city_sees_both(
    client: TestClient, db: Session
) -> None:
    _two_deadlines(db)
    assert client.get(QUEUE, headers=bearer(db, Role.OFFICER, [BINJIANG])).json()["total"] == 0
    assert client.get(QUEUE, headers=bearer(db, Role.OFFICER, ["330100"])).json()["total"] == 2


def test_exports_in_utf8_with_bom_in_gb18030_and_as_xlsx(client: TestClient, db: Session) -> None:
    waiting, mediated = _two_deadlines(db)
    headers = bearer(db, Role.OFFICER, [XIHU])
    utf8 = client.get(f"{QUEUE}/export?format=csv", headers=headers)
    assert utf8.status_code == 200
    assert utf8.content.startswith(b"\xef\xbb\xbf")
    lines = utf8.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("source,tracking_code,region_code,track,channel,step")
    assert lines[1].startswith(f"acceptance,{waiting.tracking_code},{XIHU},simple,,acceptance,")
    assert lines[2].startswith(f"step,{mediated.tracking_code},{XIHU},simple,mediation,mediating,")
    assert lines[1].endswith("2025-09-10,no,no,yes,no")

    gb = client.get(f"{QUEUE}/export?format=csv&encoding=gb18030&due=overdue", headers=headers)
    assert gb.headers["content-type"] == "text/csv; charset=gb18030"
    assert not gb.content.startswith(b"\xef\xbb\xbf")
    assert gb.content.decode("gb18030").splitlines()[1:] == [
        line
        for line in lines[1:]
        if ",yes,no" in line  # both overdue on the real today
    ]

    xlsx = client.get(f"{QUEUE}/export?format=xlsx", headers=headers)
    sheet = load_workbook(io.BytesIO(xlsx.content), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert [r[1] for r in rows] == ["tracking_code", waiting.tracking_code, mediated.tracking_code]


@pytest.mark.parametrize(
    ("locale", "acceptance", "reminded", "export"),
    [
        ("zh_CN", "受理决定", "已发逾期提醒", "导出此列表"),
        ("en", "Acceptance decision", "Overdue reminder sent", "Export this list"),
    ],
)
def test_the_page_lists_filters_and_shows_reminders(
    client: TestClient, db: Session, locale: str, acceptance: str, reminded: str, export: str
) -> None:
    waiting, mediated = _two_deadlines(db)
    sweep.sweep(db, D("2025-09-29"), 3)  # the acceptance decision is overdue then
    user = make_user(db, Role.OFFICER, [XIHU])
    login(client, user.username, PASSWORD)
    client.get(f"/lang/{locale}?next=/")
    page = client.get("/cases/queue")
    assert page.status_code == 200
    assert acceptance in page.text
    assert reminded in page.text
    assert export in page.text
    assert page.text.index(waiting.tracking_code) < page.text.index(mediated.tracking_code)
    assert "encoding=gb18030" in page.text
    filtered = client.get("/cases/queue?channel=mediation&due=overdue")
    assert mediated.tracking_code in filtered.text
    assert waiting.tracking_code not in filtered.text
    assert 'value="mediation" selected' in filtered.text
    case_page = client.get(f"/cases/{waiting.id}")
    assert 'id="reminders"' in case_page.text
    assert "2025-09-10" in case_page.text
