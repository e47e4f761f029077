"""When the publicity of a penalty decision stops (SAMR Order No. 45 art. 13): 3 months from
publication for a reprimand or a low fine only, 3 years for any other penalty, as long as a
restriction of business or practice longer than that; fixed at publication by the rule versions
in force that day, months counted on the calendar. "A low fine" is the province's value (a
region version of the rule); without one no fine is low. The portal shows nothing past the last
day in any view, and the sweep records each stop once."""

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ipprotect.cli import app
from ipprotect.core import audit, rules
from ipprotect.core.audit import AuditEvent
from ipprotect.core.errors import Problem
from ipprotect.credit import publicity
from ipprotect.credit.models import CreditPublication
from ipprotect.db import make_engine, make_sessionmaker
from ipprotect.settings import get_settings
from tests.cases.document_factories import PENALTY, D, penalty_case
from tests.credit.test_publicity import decide, keeper
from tests.credit.test_publicity_pages import log_in
from tests.factories import XIHU

_serial = iter(range(700_000, 800_000))
ZHEJIANG_LOW_FINE = """
[[rule]]
id = "publicity.samr.low_fine_person"
title_zh = "较低数额罚款（测试省份）"
title_en = "A low fine (test province)"
kind = "money"
value = "5000"
effective_from = 2026-01-01
region = "330000"
source = "a provincial notice (test)"
certainty = "uncertain"

[[rule]]
id = "publicity.samr.low_fine_organisation"
title_zh = "较低数额罚款（测试省份）"
title_en = "A low fine (test province)"
kind = "money"
value = "50000"
effective_from = 2026-01-01
region = "330000"
source = "a provincial notice (test)"
certainty = "uncertain"
"""


def penalty(
    db: Session,
    measures: list[str],
    fine_fen: int | None = None,
    *,
    name: str = "杭州停止公示测试商贸有限公司",
    person: bool = False,
    region: str = XIHU,
    decided_on: str = "2025-11-20",
) -> CreditPublication:
    """A penalty decision recorded for publicity, as cases hand it over."""
    serial = next(_serial)
    return publicity.record_decision(
        db,
        audit.SYSTEM,
        publicity.Decision(
            source_kind=publicity.PENALTY_DECISION,
            source_id=serial,
            region_code=region,
            party=publicity.Party(name, natural_person=person),
            title="行政处罚决定书",
            document_no=f"杭西市监处罚〔2025〕{serial}号",
            decided_on=D(decided_on),
            authority="杭州市西湖区市场监督管理局",
            measures=measures,
            measure_texts=["通报批评" if m == "reprimand" else m for m in measures],
            fine_fen=fine_fen,
        ),
    )


def published(db: Session, p: CreditPublication, on: str, months: int | None = None) -> str:
    publicity.publish(db, keeper(db, p.region_code), p, D(on), restriction_months=months)
    assert p.publicity_until is not None
    return p.publicity_until.isoformat()


@pytest.fixture
def province_low_fine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Zhejiang's low fine from 2026-01-01 (an operator's region version): 5,000 yuan on a
    person, 50,000 on an organisation."""
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "publicity.toml").write_text(ZHEJIANG_LOW_FINE, encoding="utf-8")
    ruleset = rules.load(rules.PACKAGE_DIR, folder)
    monkeypatch.setattr(rules, "configured", lambda: ruleset)


def test_a_reprimand_published_on_2025_11_28_is_public_until_2026_02_28(db: Session) -> None:
    p = penalty(db, ["reprimand"])
    assert published(db, p, "2025-11-28") == "2026-02-28"
    assert publicity.is_minor_penalty(p, D("2025-11-28"))


def test_three_months_from_november_30_end_on_the_last_day_of_february(db: Session) -> None:
    # Day 1 is Dec 1; February 2026 has no 30th, so its last day ends the period.
    assert published(db, penalty(db, ["reprimand"]), "2025-11-30") == "2026-02-28"


def test_a_fine_decided_in_a_case_is_public_for_3_years_from_publication(
    db: Session, tmp_path: Path
) -> None:
    p = decide(db, penalty_case(db, "2025-09-26"), "2025-09-26", tmp_path)
    assert (p.measures, p.fine_fen) == (["order_to_stop", "confiscate_goods", "fine"], 3_000_000)
    assert published(db, p, "2025-10-10") == "2028-10-10"


def test_three_years_from_february_29_end_on_february_28(db: Session) -> None:
    assert (
        published(db, penalty(db, ["fine"], 3_000_000, decided_on="2024-02-20"), "2024-02-29")
        == "2027-02-28"
    )


def test_a_5_year_restriction_keeps_the_decision_public_for_5_years(db: Session) -> None:
    p = penalty(db, ["fine", "restrict_practice"], 10_000_000)
    assert published(db, p, "2025-11-28", months=60) == "2030-11-28"
    event = db.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "credit.publication.publish",
            AuditEvent.object_id == str(p.id),
        )
    ).one()
    assert event.after["stop_basis"] == "restriction"
    assert event.after["restriction_months"] == 60


def test_a_restriction_shorter_than_3_years_changes_nothing(db: Session) -> None:
    p = penalty(db, ["reprimand"])
    assert published(db, p, "2025-11-28", months=24) == "2028-11-28"  # no longer minor


def test_without_a_provincial_value_only_a_reprimand_is_minor(db: Session) -> None:
    assert published(db, penalty(db, ["fine"], 100), "2025-11-28") == "2028-11-28"  # 1 yuan
    # A warning and an order to stop add nothing (APL art. 9(1), art. 28).
    assert published(db, penalty(db, ["reprimand", "warning"]), "2025-11-28") == "2026-02-28"
    assert published(db, penalty(db, ["reprimand", "order_to_stop"]), "2025-11-28") == (
        "2026-02-28"
    )
    # Any other penalty is not "only a reprimand".
    assert published(db, penalty(db, ["reprimand", "confiscate_gains"]), "2025-11-28") == (
        "2028-11-28"
    )


@pytest.mark.usefixtures("province_low_fine")
def test_a_low_fine_is_the_provinces_value_in_force_on_the_day_of_publication(
    db: Session,
) -> None:
    # Before Zhejiang's value is in force nothing is low.
    assert published(db, penalty(db, ["fine"], 2_000_000), "2025-12-31") == "2028-12-31"
    # From 2026-01-01: up to 50,000 yuan on a company, 5,000 on a person.
    assert published(db, penalty(db, ["fine"], 5_000_000), "2026-01-05") == "2026-04-05"
    assert published(db, penalty(db, ["fine"], 5_000_001), "2026-01-05") == "2029-01-05"
    assert published(db, penalty(db, ["fine"], 500_000, person=True), "2026-01-05") == (
        "2026-04-05"
    )
    assert published(db, penalty(db, ["fine"], 600_000, person=True), "2026-01-05") == (
        "2029-01-05"
    )
    assert published(db, penalty(db, ["reprimand", "fine"], 100_000), "2026-01-05") == (
        "2026-04-05"
    )
    # A fine whose amount was not handed over is not known to be low.
    assert published(db, penalty(db, ["fine"]), "2026-01-05") == "2029-01-05"
    # Another province has no value: 3 years.
    jiangsu = penalty(db, ["fine"], 100_000, region="320102")
    assert published(db, jiangsu, "2026-01-05") == "2029-01-05"


def test_a_licence_has_no_stop_and_states_no_restriction(db: Session) -> None:
    licence = publicity.Licence(
        XIHU, "杭州某某食品有限公司", "", "食品经营许可证", "JY13301060000001",
        D("2025-11-20"), "杭州市西湖区市场监督管理局", "食品销售",
    )  # fmt: skip
    p = publicity.record_licence(db, keeper(db), licence, D("2025-11-28"), None)
    with pytest.raises(Problem) as refused:
        publicity.publish(db, keeper(db), p, D("2025-11-28"), restriction_months=60)
    assert [e.code for e in refused.value.errors] == ["not_a_penalty"]
    publicity.publish(db, keeper(db), p, D("2025-11-28"))
    assert p.publicity_until is None


@pytest.mark.parametrize("months", [0, 601])
def test_a_restriction_is_given_in_months_from_1_to_600(db: Session, months: int) -> None:
    p = penalty(db, ["fine"], 100)
    with pytest.raises(Problem) as refused:
        publicity.publish(db, keeper(db), p, D("2025-11-28"), restriction_months=months)
    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("restriction_months", "out_of_range")
    ]
    assert p.published_on is None


def test_the_sweep_records_each_stop_once_on_the_day_after_the_last(db: Session) -> None:
    p = penalty(db, ["reprimand"])
    published(db, p, "2025-11-28")
    assert publicity.sweep(db, D("2026-02-28")).stopped == 0  # still its last day
    first = publicity.sweep(db, D("2026-03-01"))
    again = publicity.sweep(db, D("2026-03-02"))
    assert (first.stopped >= 1, again.stopped) == (True, 0)
    assert p.stopped_on == D("2026-03-01")
    [event] = db.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "credit.publication.stop", AuditEvent.object_id == str(p.id)
        )
    ).all()
    assert (event.actor_id, event.actor_name) == (None, "system")
    assert event.after == {
        "published_on": "2025-11-28",
        "publicity_until": "2026-02-28",
        "stopped_on": "2026-03-01",
        "document_no": p.document_no,
    }


def test_the_sweep_fixes_the_last_day_of_decisions_published_before_it_was_kept(
    db: Session,
) -> None:
    old = penalty(db, ["reprimand"])
    # As migration 0012 leaves a decision published before it: no kinds, no last day.
    old.published_on, old.measures = D("2025-11-28"), None
    db.flush()
    assert publicity.sweep(db, D("2025-12-01")).fixed >= 1
    # Its kinds were not kept, so it is not known to be minor: 3 years.
    assert old.publicity_until == D("2028-11-28")
    assert publicity.sweep(db, D("2025-12-02")).fixed == 0
    fixed = db.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "credit.publication.stop_fixed",
            AuditEvent.object_id == str(old.id),
        )
    ).all()
    assert [e.after["publicity_until"] for e in fixed] == ["2028-11-28"]


def test_the_cli_sweep_records_a_stop_once_as_from_cron(cli_database: Path) -> None:
    factory = make_sessionmaker(make_engine(get_settings()))
    with factory() as session:
        p = penalty(session, ["reprimand"])
        published(session, p, "2025-11-28")
        publication_id = p.id
        session.commit()
    runner = CliRunner()
    last_day = runner.invoke(app, ["credit", "publicity-sweep", "--today", "2026-02-28"])
    assert last_day.exit_code == 0, last_day.output
    assert "publicity stopped 0, last public day fixed 0" in last_day.output
    first = runner.invoke(app, ["credit", "publicity-sweep", "--today", "2026-03-01"])
    assert "2026-03-01:" in first.output
    assert "publicity stopped 1, last public day fixed 0" in first.output
    again = runner.invoke(app, ["credit", "publicity-sweep", "--today", "2026-03-01"])
    assert "publicity stopped 0" in again.output
    with factory() as session:
        stopped = session.get(CreditPublication, publication_id)
        assert stopped is not None
        assert stopped.stopped_on == D("2026-03-01")


def _portal_views(client: TestClient, p: CreditPublication, q: str) -> dict[str, bool]:
    """Whether the decision is in each public view."""
    feed = client.get("/public/data/decisions.atom").text
    rows = csv.DictReader(
        io.StringIO(client.get("/public/data/decisions.csv").content.decode("utf-8-sig"))
    )
    found = client.get("/public/data/decisions.json", params={"q": q, "size": 100}).json()
    return {
        "page": client.get(f"/public/decisions/{p.id}").status_code == 200,
        "list": p.document_no in client.get("/public/decisions").text,
        "search": p.document_no in client.get("/public/decisions", params={"q": q}).text,
        "json": p.id in [i["id"] for i in found["items"]],
        "csv": str(p.id) in [r["id"] for r in rows],
        "atom": f"/public/decisions/{p.id}<" in feed,
    }


def test_the_portal_shows_a_reprimand_on_its_last_day_and_nowhere_the_day_after(
    client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = "杭州通报批评公示测试有限公司"
    p = penalty(db, ["reprimand"], name=name)
    published(db, p, "2025-11-28")
    monkeypatch.setattr("ipprotect.portal.pages.today", lambda: dt.date(2026, 2, 28))
    shown = _portal_views(client, p, name)
    assert shown == dict.fromkeys(shown, True)
    page = client.get(f"/public/decisions/{p.id}").text
    assert "2026-02-28" in page  # its last public day, on the page
    json_item = client.get("/public/data/decisions.json", params={"q": name}).json()["items"]
    assert json_item[0]["publicity_until"] == "2026-02-28"
    # The day after, before any sweep has run: gone from every view.
    monkeypatch.setattr("ipprotect.portal.pages.today", lambda: dt.date(2026, 3, 1))
    gone = _portal_views(client, p, name)
    assert gone == dict.fromkeys(gone, False)


def test_the_officers_desk_shows_the_last_public_day_and_drops_a_stopped_decision(
    client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = penalty(db, ["reprimand"])
    published(db, p, "2025-11-28")
    log_in(client, db, publicity.KEEPERS[1])
    monkeypatch.setattr("ipprotect.credit.publicity_pages.today", lambda: dt.date(2026, 2, 28))
    desk = client.get("/credit/publicity").text
    row = desk.split(f'data-publication="{p.id}"', 1)[1].split("</tr>", 1)[0]
    assert '<td class="publicity-until">2026-02-28</td>' in row
    assert "2026-02-28" in client.get(f"/credit/publicity/{p.id}").text
    monkeypatch.setattr("ipprotect.credit.publicity_pages.today", lambda: dt.date(2026, 3, 1))
    assert f'data-publication="{p.id}"' not in client.get("/credit/publicity").text


def test_an_officer_states_a_restriction_when_publishing_by_the_api_and_the_page(
    client: TestClient, db: Session
) -> None:
    by_api = penalty(db, ["fine", "restrict_business"], 10_000_000)
    on_page = penalty(db, ["fine", "restrict_business"], 10_000_000)
    csrf = log_in(client, db, publicity.KEEPERS[1])
    headers = {"x-csrf-token": csrf}
    wrong = client.post(
        f"/api/v1/credit/publications/{by_api.id}/publish",
        json={"on": "2025-11-28", "restriction_months": 0},
        headers=headers,
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "restriction_months"
    done = client.post(
        f"/api/v1/credit/publications/{by_api.id}/publish",
        json={"on": "2025-11-28", "restriction_months": 60},
        headers=headers,
    )
    assert done.status_code == 200
    assert (done.json()["publicity_until"], done.json()["restriction_months"]) == (
        "2030-11-28",
        60,
    )
    form = {"csrf_token": csrf, "published_on": "2025-11-28", "restriction_months": "五年"}
    bad = client.post(f"/credit/publicity/{on_page.id}/publish", data=form)
    assert bad.status_code == 422
    assert 'id="e-restriction_months"' in bad.text
    form["restriction_months"] = "72"
    ok = client.post(f"/credit/publicity/{on_page.id}/publish", data=form)
    assert ok.status_code == 200  # the redirect to the decision's page, followed
    assert "2031-11-28" in ok.text


def test_a_case_hands_over_the_fine_of_a_warning_and_fine_decision(
    db: Session, tmp_path: Path
) -> None:
    decision = PENALTY | {"measures": ["warning", "fine"], "fine_fen": 50_000}
    p = decide(db, penalty_case(db, "2025-09-26", decision), "2025-09-26", tmp_path)
    assert (p.measures, p.fine_fen) == (["warning", "fine"], 50_000)
