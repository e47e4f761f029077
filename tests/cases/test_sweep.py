"""The deadline sweep: a reminder once per deadline, level and due date; idempotent when run
again, by cron, or twice at once; audited as the system."""

import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ipprotect.cases import sweep
from ipprotect.cases.channels import service as channels
from ipprotect.cases.models import Case, CaseEvent, Channel
from ipprotect.cli import app
from ipprotect.core.audit import AuditEvent
from ipprotect.db import make_engine, make_sessionmaker
from ipprotect.settings import get_settings
from tests.cases.channel_factories import accepted_case, officer
from tests.cases.factories import make_case
from tests.factories import XIHU

D = dt.date.fromisoformat


def _reminders(db: Session, case: Case) -> list[tuple[str, dt.date, dt.date, str]]:
    stmt = (
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id, CaseEvent.kind.like("reminder.%"))
        .order_by(CaseEvent.id)
    )
    return [(e.kind, e.on, e.due_on, e.data["deadline"]) for e in db.scalars(stmt)]  # type: ignore[misc]


def test_a_complaint_is_reminded_when_due_soon_then_when_overdue_over_national_day(
    db: Session,
) -> None:
    case = make_case(db, received_on="2025-09-26")  # acceptance due Monday 2025-10-13
    assert case.acceptance_due == D("2025-10-13")
    key = f"acceptance:{case.id}"
    # Sep 29: 3 working days ahead reach only Oct 10, the holiday in between.
    assert sweep.sweep(db, D("2025-09-29"), 3).total_raised == 0
    first = sweep.sweep(db, D("2025-10-09"), 3)  # Oct 10, 11 (worked Saturday), 13
    assert (first.checked, first.raised, first.already) == (
        1,
        {"due_soon": 1, "overdue": 0},
        0,
    )
    again = sweep.sweep(db, D("2025-10-10"), 3)
    assert (again.checked, again.total_raised, again.already) == (1, 0, 1)
    assert sweep.sweep(db, D("2025-10-13"), 3).total_raised == 0  # the last day is not overdue
    late = sweep.sweep(db, D("2025-10-14"), 3)
    assert late.raised == {"due_soon": 0, "overdue": 1}
    assert _reminders(db, case) == [
        ("reminder.due_soon", D("2025-10-09"), D("2025-10-13"), key),
        ("reminder.overdue", D("2025-10-14"), D("2025-10-13"), key),
    ]
    audited = db.scalars(
        select(AuditEvent).where(
            AuditEvent.object_id == str(case.id), AuditEvent.action.like("case.reminder.%")
        )
    ).all()
    assert [(a.action, a.actor_name, a.actor_id, a.region_code) for a in audited] == [
        ("case.reminder.due_soon", "system", None, XIHU),
        ("case.reminder.overdue", "system", None, XIHU),
    ]


def test_a_decided_complaint_and_a_paused_step_raise_nothing(db: Session) -> None:
    accepted_case(db, "2025-09-01")  # its acceptance deadline no longer runs
    paused = accepted_case(db, "2025-09-01")
    channels.enter(db, officer(db), paused, Channel.MEDIATION, on=D("2025-09-01"))
    channels.pause(db, officer(db), paused, "鉴定", on=D("2025-09-10"))
    result = sweep.sweep(db, D("2025-12-31"), 3)  # long after the step's 2025-11-07
    assert (result.checked, result.total_raised) == (0, 0)


def test_a_step_whose_date_moves_is_reminded_again_for_the_new_date(db: Session) -> None:
    case = accepted_case(db, "2025-08-20")
    handler = officer(db)
    step = channels.enter(db, handler, case, Channel.MEDIATION, on=D("2025-08-20"))
    assert step.due_on == D("2025-10-28")
    assert sweep.sweep(db, D("2025-10-29"), 3).raised["overdue"] == 1
    # A pause recorded afterwards (an appraisal from Oct 20 to Oct 24) moves the date by the
    # 5 working days it stopped the clock: Nov 4.
    channels.pause(db, handler, case, "鉴定", on=D("2025-10-20"))
    channels.resume(db, handler, case, on=D("2025-10-25"))
    assert step.due_on == D("2025-11-04")
    assert sweep.sweep(db, D("2025-10-29"), 3).total_raised == 0  # Oct 30, 31, Nov 3 ahead
    assert sweep.sweep(db, D("2025-10-30"), 3).raised["due_soon"] == 1
    assert sweep.sweep(db, D("2025-11-05"), 3).raised["overdue"] == 1
    assert [(k, due) for k, _on, due, _key in _reminders(db, case)] == [
        ("reminder.overdue", D("2025-10-28")),
        ("reminder.due_soon", D("2025-11-04")),
        ("reminder.overdue", D("2025-11-04")),
    ]


@pytest.fixture
def cli_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A database of its own in a temporary directory, made by the real migrations: the
    sweep's transactions commit, as from cron."""
    monkeypatch.setenv("IPPROTECT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("IPPROTECT_DATABASE_URL", "")
    get_settings.cache_clear()
    assert CliRunner().invoke(app, ["db", "upgrade"]).exit_code == 0
    yield tmp_path
    get_settings.cache_clear()


def _file_cases(count: int) -> None:
    factory = make_sessionmaker(make_engine(get_settings()))
    with factory() as session:
        for _ in range(count):
            make_case(session, received_on="2025-09-01")  # acceptance due 2025-09-10
        session.commit()


def _count_reminders() -> int:
    with make_sessionmaker(make_engine(get_settings()))() as session:
        return session.scalar(select(func.count()).where(CaseEvent.kind == "reminder.overdue")) or 0


def test_the_command_prints_its_counts_and_raises_nothing_the_second_time(
    cli_database: Path,
) -> None:
    _file_cases(3)
    runner = CliRunner()
    first = runner.invoke(app, ["cases", "sweep", "--today", "2025-09-11"])
    assert first.exit_code == 0, first.output
    assert "3 deadlines due soon or overdue" in first.output
    assert "due soon 0, overdue 3; already reminded 0" in first.output
    second = runner.invoke(app, ["cases", "sweep", "--today", "2025-09-11"])
    assert second.exit_code == 0
    assert "due soon 0, overdue 0; already reminded 3" in second.output
    assert _count_reminders() == 3
    bad = runner.invoke(app, ["cases", "sweep", "--today", "11/09/2025"])
    assert bad.exit_code == 2


def test_two_sweeps_at_once_raise_each_reminder_once(cli_database: Path) -> None:
    _file_cases(50)
    factory = make_sessionmaker(make_engine(get_settings()))
    start = threading.Barrier(2)
    results: list[sweep.SweepResult] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with factory() as session:
                start.wait()
                results.append(sweep.sweep(session, D("2025-09-11"), 3))
                session.commit()
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(r.raised["overdue"] for r in results) == [0, 50]
    assert sorted(r.already for r in results) == [0, 50]
    assert _count_reminders() == 50
