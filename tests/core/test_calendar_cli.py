"""`ipprotect calendar due | show | load` against a migrated database."""

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, Select, delete, func, select
from typer.testing import CliRunner

from ipprotect.cli import app
from ipprotect.core import migrate
from ipprotect.core.audit import AuditEvent
from ipprotect.core.calendar_overrides import CalendarOverride
from ipprotect.db import make_engine
from ipprotect.settings import Settings, get_settings
from ipprotect.web.i18n import _

runner = CliRunner()

NOTICE_2027 = """date,type,name
2027-01-01,休,元旦
2027-02-05,休,春节
2027-02-08,休,春节
2027-02-09,休,春节
"""


def env_of(settings: Settings) -> dict[str, str]:
    return {
        "IPPROTECT_DATA_DIR": str(settings.data_dir),
        "IPPROTECT_DATABASE_URL": settings.database_url,
    }


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    """`get_settings` is cached per process: read the environment the runner sets each time."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def shared_env(settings: Settings, engine: Engine) -> dict[str, str]:
    """The test database, migrated by the `engine` fixture: for commands that only read."""
    return env_of(settings)


@pytest.fixture(scope="module")
def own_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """A database of this module's own: loads commit, which the test transaction cannot hide."""
    own = Settings(data_dir=tmp_path_factory.mktemp("calendar"), database_url="")
    engine = make_engine(own)
    with engine.begin() as connection:
        migrate.upgrade(connection)
    yield own
    engine.dispose()


@pytest.fixture
def own_env(own_database: Settings) -> Iterator[dict[str, str]]:
    yield env_of(own_database)
    engine = make_engine(own_database)
    with engine.begin() as connection:
        connection.execute(delete(CalendarOverride))
    engine.dispose()


def count(settings: Settings, stmt: Select[tuple[int]]) -> int:
    engine = make_engine(settings)
    with engine.connect() as connection:
        value = connection.scalar(stmt)
    engine.dispose()
    return value or 0


def write(tmp_path: Path, text: str, name: str = "notice.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_due_prints_the_date_of_7_working_days_over_spring_festival(
    shared_env: dict[str, str],
) -> None:
    result = runner.invoke(
        app, ["calendar", "due", "2025-01-24", "--working-days", "7"], env=shared_env
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == "2025-02-10\n"


def test_due_marks_a_date_in_an_unannounced_year_provisional(shared_env: dict[str, str]) -> None:
    result = runner.invoke(
        app, ["calendar", "due", "2030-01-31", "--working-days", "4"], env=shared_env
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == "2030-02-08 provisional\n"


def test_due_as_json_gives_date_provisional_and_steps(shared_env: dict[str, str]) -> None:
    args = ["calendar", "due", "2025-09-16", "--days", "15", "--json"]
    data = json.loads(runner.invoke(app, args, env=shared_env).stdout)
    assert data["date"] == "2025-10-09"
    assert data["provisional"] is False
    assert any("2025-10-01" in step and "2025-10-09" in step for step in data["steps"])
    args = ["calendar", "due", "2025-09-16", "--days", "15", "--no-roll-forward", "--json"]
    assert json.loads(runner.invoke(app, args, env=shared_env).stdout)["date"] == "2025-10-01"


def test_due_counts_pauses(shared_env: dict[str, str]) -> None:
    args = ["calendar", "due", "2025-03-03", "--working-days", "5"]
    args += ["--pause", "2025-03-05:2025-03-05", "--pause", "2025-03-06:2025-03-06"]
    result = runner.invoke(app, args, env=shared_env)
    assert result.stdout == "2025-03-12\n"


@pytest.mark.parametrize(
    ("args", "exit_code"),
    [
        (["2025-01-24"], 2),  # no period
        (["2025-01-24", "--days", "3", "--months", "1"], 2),  # two periods
        (["2025-13-01", "--days", "3"], 2),  # not a date
        (["2025-01-24", "--days", "3", "--pause", "2025-02-01"], 2),  # not a range
        (["2025-01-24", "--days", "-3"], 1),
        (["2025-01-24", "--days", "3", "--pause", "2025-02-09:2025-02-01"], 1),
        (["2100-01-04", "--days", "3"], 1),
    ],
)
def test_due_refuses_bad_input_with_a_message_not_a_traceback(
    shared_env: dict[str, str], args: list[str], exit_code: int
) -> None:
    result = runner.invoke(app, ["calendar", "due", *args], env=shared_env)
    assert result.exit_code == exit_code
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.strip()


def test_show_lists_a_years_holidays_and_makeup_days(shared_env: dict[str, str]) -> None:
    result = runner.invoke(app, ["calendar", "show", "2025"], env=shared_env)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == _("{year}: official schedule (bundled with the platform)").format(year=2025)
    assert any(line.startswith("2025-01-26") and _("Makeup working day") in line for line in lines)
    assert any(line.startswith("2025-10-06") and _("Mid-autumn Festival") in line for line in lines)


def test_show_says_an_unannounced_year_is_provisional(shared_env: dict[str, str]) -> None:
    result = runner.invoke(app, ["calendar", "show", "2027"], env=shared_env)
    assert result.exit_code == 0, result.output
    header = _(
        "{year}: provisional, no official schedule yet: only the statutory holidays and weekends"
    )
    assert result.stdout.startswith(header.format(year=2027))
    assert "2027-02-05" in result.stdout  # lunar new year's eve


def test_a_database_not_yet_migrated_gets_a_clear_message(tmp_path: Path) -> None:
    env = {"IPPROTECT_DATA_DIR": str(tmp_path), "IPPROTECT_DATABASE_URL": ""}
    result = runner.invoke(app, ["calendar", "due", "2025-01-24", "--days", "3"], env=env)
    assert result.exit_code == 1
    assert "ipprotect db upgrade" in result.stderr


def test_loading_a_notice_makes_the_year_official_and_changes_the_due_date(
    own_env: dict[str, str], own_database: Settings, tmp_path: Path
) -> None:
    due = ["calendar", "due", "2027-02-04", "--working-days", "3"]
    assert runner.invoke(app, due, env=own_env).stdout == "2027-02-11 provisional\n"
    load = ["calendar", "load", write(tmp_path, NOTICE_2027), "--source", "国办发明电〔2026〕1号"]
    result = runner.invoke(app, load, env=own_env)
    assert result.exit_code == 0, result.output
    assert "2027" in result.stdout
    assert runner.invoke(app, due, env=own_env).stdout == "2027-02-12\n"
    show = runner.invoke(app, ["calendar", "show", "2027"], env=own_env).stdout
    assert show.startswith(
        _("{year}: official schedule (loaded by the operator)").format(year=2027)
    )


def test_loading_the_same_file_twice_changes_nothing_the_second_time(
    own_env: dict[str, str], own_database: Settings, tmp_path: Path
) -> None:
    events = select(func.count()).where(AuditEvent.action == "calendar.load")
    before = count(own_database, events)
    load = ["calendar", "load", write(tmp_path, NOTICE_2027)]
    assert runner.invoke(app, load, env=own_env).exit_code == 0
    second = runner.invoke(app, load, env=own_env)
    assert second.exit_code == 0, second.output
    assert count(own_database, events) == before + 1
    assert count(own_database, select(func.count()).select_from(CalendarOverride)) == 4
    assert second.stdout.startswith(
        _("Loaded {file}: {added} days added, {changed} changed, {unchanged} unchanged").format(
            file="notice.csv", added=0, changed=0, unchanged=4
        )
    )


def test_a_file_with_bad_rows_loads_nothing_and_names_each_row(
    own_env: dict[str, str], own_database: Settings, tmp_path: Path
) -> None:
    text = "date,type,name\n2027-01-01,休,元旦\n2027-02-30,休,春节\n2027-02-05,off,春节\n"
    result = runner.invoke(app, ["calendar", "load", write(tmp_path, text)], env=own_env)
    assert result.exit_code == 1
    errors = result.stderr.splitlines()[1:]
    assert len(errors) == 2
    assert "3" in errors[0]
    assert "2027-02-30" in errors[0]
    assert "4" in errors[1]
    assert "off" in errors[1]
    assert count(own_database, select(func.count()).select_from(CalendarOverride)) == 0


def test_a_year_loaded_without_its_new_years_day_stays_provisional(
    own_env: dict[str, str], tmp_path: Path
) -> None:
    path = write(tmp_path, "date,type,name\n2028-02-07,休,春节\n")
    result = runner.invoke(app, ["calendar", "load", path], env=own_env)
    assert result.exit_code == 0, result.output
    assert "2028" in result.stdout.splitlines()[-1]
    due = ["calendar", "due", "2028-02-04", "--working-days", "1"]
    assert runner.invoke(app, due, env=own_env).stdout == "2028-02-08 provisional\n"


def test_an_unreadable_file_is_refused(own_env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "notice.xlsx"
    path.write_bytes(b"PK\x03\x04garbage")
    result = runner.invoke(app, ["calendar", "load", str(path)], env=own_env)
    assert result.exit_code == 1
    assert "notice.xlsx" in result.stderr


def test_the_2026_sample_loads(own_env: dict[str, str], own_database: Settings) -> None:
    sample = Path(__file__).resolve().parents[2] / "docs" / "examples" / "calendar-2026.csv"
    result = runner.invoke(app, ["calendar", "load", str(sample)], env=own_env)
    assert result.exit_code == 0, result.output
    assert count(own_database, select(func.count()).select_from(CalendarOverride)) == len(
        sample.read_text(encoding="utf-8").splitlines()[1:]
    )
    # 2026 is bundled too; the loaded notice agrees with it.
    due = ["calendar", "due", "2026-02-13", "--working-days", "1"]
    assert runner.invoke(app, due, env=own_env).stdout == f"{dt.date(2026, 2, 14)}\n"
