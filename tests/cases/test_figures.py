"""Figures of case handling for a region and a period, on a small built set with exact numbers:
Xihu district in September 2025, as they stand on 2025-10-15."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ipprotect.cases import figures, service
from ipprotect.cases.channels import service as channels
from ipprotect.cases.models import Case, CaseEvent, Channel, Track
from ipprotect.core.auth import Role, principal_for
from tests.cases.channel_factories import officer
from tests.cases.factories import make_case
from tests.conftest import login
from tests.factories import BINJIANG, HANGZHOU, PASSWORD, XIHU, make_user
from tests.registry.factories import bearer

D = dt.date.fromisoformat
SEPTEMBER = (D("2025-09-01"), D("2025-09-30"))
AS_OF = D("2025-10-15")


def _case(db: Session, received: str, decided: str | None = None, **fields: Any) -> Case:
    case = make_case(db, received_on=received, **fields)
    if decided:
        service.accept(db, officer(db, str(fields.get("region_code", XIHU))), case, on=D(decided))
    return case


def _mediate(db: Session, case: Case, start: str, end: str, how: str, **kw: Any) -> None:
    channels.enter(db, officer(db), case, Channel.MEDIATION, on=D(start))
    channels.take(db, officer(db), case, how, on=D(end), **kw)


@pytest.fixture
def september(db: Session) -> dict[str, Case]:
    """Ten cases of Xihu and one of Binjiang; the comments give each one's deadlines."""
    c: dict[str, Case] = {}
    c["agreed"] = _case(db, "2025-09-01", "2025-09-05")  # acceptance due 09-10, met
    _mediate(db, c["agreed"], "2025-09-05", "2025-09-15", "agree")
    c["late_decision"] = _case(db, "2025-09-02", "2025-09-12")  # due 09-11: missed
    _mediate(db, c["late_decision"], "2025-09-12", "2025-09-19", "fail")
    c["closed_simple"] = _case(db, "2025-09-03", "2025-09-03")  # due 09-12, met
    _mediate(db, c["closed_simple"], "2025-09-03", "2025-09-10", "agree", decides_ownership=True)
    c["closed_complex"] = _case(db, "2025-09-01", "2025-09-01")  # due 09-10, met
    c["closed_complex"].track = Track.COMPLEX
    _mediate(db, c["closed_complex"], "2025-09-01", "2025-09-21", "agree", decides_ownership=True)
    c["rejected"] = make_case(db, received_on="2025-09-20")  # due 09-29
    service.reject(db, officer(db), c["rejected"], "不属于本部门管辖", on=D("2025-09-24"))
    c["waiting"] = _case(db, "2025-09-22")  # due 09-30, still undecided: missed
    c["august"] = _case(db, "2025-08-25", "2025-08-27")  # due 09-03, met in August
    # Agreements of August whose 30-day confirmation windows end in September:
    c["window_missed"] = _case(db, "2025-08-01", "2025-08-01")
    _mediate(db, c["window_missed"], "2025-08-01", "2025-08-20", "agree")  # window to 09-19
    c["window_met"] = _case(db, "2025-08-01", "2025-08-01")
    _mediate(db, c["window_met"], "2025-08-01", "2025-08-25", "agree")  # window to 09-24
    channels.take(db, officer(db), c["window_met"], "apply_confirmation", on=D("2025-09-22"))
    c["binjiang"] = _case(db, "2025-09-05", "2025-09-05", region_code=BINJIANG)
    # Damages recorded by `cases.damages`: punitive applied in one case, not in another.
    for name, punitive in (("closed_complex", "30000.00"), ("closed_simple", "0.00")):
        db.add(
            CaseEvent(
                case_id=c[name].id,
                kind="damages.assessed",
                on=D("2025-09-25"),
                data={"punitive": punitive},
            )
        )
    db.flush()
    return c


def test_the_figures_of_a_district_for_september(db: Session, september: dict[str, Case]) -> None:
    f = figures.figures(db, XIHU, *SEPTEMBER, AS_OF)
    assert (f.received, f.accepted, f.rejected, f.closed) == (6, 4, 1, 2)
    # Closed on 09-10 after 7 days (simple) and on 09-21 after 20 days (complex).
    assert f.closure_by_track == {
        "complex": figures.ClosureTime(1, Decimal("20.0"), Decimal("20.0")),
        "simple": figures.ClosureTime(1, Decimal("7.0"), Decimal("7.0")),
    }
    assert f.closure_by_channel == {
        "mediation": figures.ClosureTime(2, Decimal("13.5"), Decimal("13.5"))
    }
    # 7 acceptance deadlines (2 missed) and 2 confirmation windows (1 missed) fell in September.
    assert (f.deadlines, f.deadlines_missed, f.overdue_rate) == (9, 3, Decimal("0.3333"))
    # Four mediations ended in September, three in an agreement.
    assert (f.mediations_ended, f.mediation_agreements) == (4, 3)
    assert f.mediation_success_rate == Decimal("0.7500")
    assert f.transfers == {}
    assert f.punitive_damages_applied == 1


def test_the_city_counts_its_districts_and_another_city_counts_nothing(
    db: Session, september: dict[str, Case]
) -> None:
    city = figures.figures(db, HANGZHOU, *SEPTEMBER, AS_OF)
    assert (city.received, city.accepted) == (7, 5)
    elsewhere = figures.figures(db, "330200", *SEPTEMBER, AS_OF)
    assert (elsewhere.received, elsewhere.closed, elsewhere.deadlines) == (0, 0, 0)
    assert (elsewhere.overdue_rate, elsewhere.mediation_success_rate) == (None, None)


def test_deadlines_still_running_on_the_day_are_not_counted_yet(
    db: Session, september: dict[str, Case]
) -> None:
    # On 2025-09-20 only the deadlines up to that day count: 09-03, 09-10 (twice), 09-11,
    # 09-12 and the window of 09-19, which was then missed.
    f = figures.figures(db, XIHU, *SEPTEMBER, D("2025-09-20"))
    assert (f.deadlines, f.deadlines_missed) == (6, 2)


def test_transfers_to_the_police_count_the_steps_of_the_criminal_transfer_channel(
    db: Session,
) -> None:
    case = _case(db, "2025-09-01", "2025-09-02")
    handler = officer(db)
    head = principal_for(make_user(db, Role.ADMIN, [XIHU]))  # stands for the agency's head
    channels.enter(db, handler, case, Channel.ADMIN_PENALTY, on=D("2025-09-02"))
    note = "非法经营额超过五万元，涉嫌假冒注册商标罪"
    channels.take(db, handler, case, "propose_transfer", on=D("2025-09-03"), note=note)
    channels.take(db, head, case, "approve", on=D("2025-09-04"))
    assert figures.figures(db, XIHU, *SEPTEMBER, AS_OF).transfers == {"approved": 1, "proposed": 1}


def test_the_api_answers_officers_and_evaluators_in_scope(
    client: TestClient, db: Session, september: dict[str, Case]
) -> None:
    url = "/api/v1/cases/figures?region=330106&from=2025-09-01&to=2025-09-30"
    answer = client.get(url, headers=bearer(db, Role.OFFICER, [XIHU]))
    assert answer.status_code == 200
    body = answer.json()
    assert (body["received"], body["closed"], body["mediation_success_rate"]) == (6, 2, "0.7500")
    assert body["closure_by_channel"] == {
        "mediation": {"cases": 2, "median_days": "13.5", "mean_days": "13.5"}
    }
    evaluator = bearer(db, Role.EVALUATOR, ["330000"])
    assert client.get(url, headers=evaluator).json()["received"] == 6
    city_url = url.replace("330106", "330100")
    assert client.get(city_url, headers=bearer(db, Role.OFFICER, [XIHU])).status_code == 403
    assert client.get(url, headers=bearer(db, Role.OFFICER, [BINJIANG])).status_code == 403
    for role in (Role.SYSTEM, Role.APPLICANT, Role.MEDIATOR):
        assert client.get(url, headers=bearer(db, role, [XIHU])).status_code == 403
    bad = client.get(
        "/api/v1/cases/figures?region=33&from=2025-09-31&to=2025-09-01",
        headers=bearer(db, Role.OFFICER, [XIHU]),
    )
    assert bad.status_code == 422
    assert [(e["field"], e["code"]) for e in bad.json()["errors"]] == [
        ("region", "invalid_region"),
        ("from", "invalid_date"),
    ]
    backwards = client.get(
        "/api/v1/cases/figures?region=330106&from=2025-09-30&to=2025-09-01",
        headers=bearer(db, Role.OFFICER, [XIHU]),
    )
    assert [e["code"] for e in backwards.json()["errors"]] == ["before_start"]


@pytest.mark.parametrize(
    ("locale", "heading", "closed"),
    [("zh_CN", "案件数据", "结案数"), ("en", "Case figures", "Cases closed")],
)
def test_the_figures_page(
    client: TestClient,
    db: Session,
    september: dict[str, Case],
    locale: str,
    heading: str,
    closed: str,
) -> None:
    user = make_user(db, Role.OFFICER, [XIHU])
    login(client, user.username, PASSWORD)
    client.get(f"/lang/{locale}?next=/")
    page = client.get("/cases/figures?region=330106&from=2025-09-01&to=2025-09-30")
    assert page.status_code == 200
    assert heading in page.text
    assert closed in page.text
    assert '<tr data-figure="received"><th>' in page.text
    assert "<td>6</td>" in page.text
    assert "3 / 9 (33.3 %)" in page.text
    wrong = client.get("/cases/figures?region=330106&from=2025-13-01&to=2025-09-30")
    assert wrong.status_code == 422
    assert 'id="e-from"' in wrong.text
