"""`ipprotect calendar`: load a State Council holiday notice, show a year's holidays and makeup
working days, and compute a deadline. Reads the override table, so the database must be migrated
(`ipprotect db upgrade`)."""

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import typer
from babel.dates import format_date
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from ipprotect.core import audit, calendar_store
from ipprotect.core.calendar import (
    BUNDLED_YEARS,
    KIND_LABELS,
    Period,
    Unit,
    due_date,
    label,
)
from ipprotect.core.calendar_overrides import CalendarOverride
from ipprotect.core.errors import Problem
from ipprotect.core.tabular import TableError, read_table
from ipprotect.db import make_engine, make_sessionmaker
from ipprotect.settings import get_settings
from ipprotect.web.i18n import _, get_locale

app = typer.Typer(help="Working days, holiday schedules and deadlines.", no_args_is_help=True)

# The word scripts look for after a provisional due date; kept in English like the JSON keys.
PROVISIONAL = "provisional"


def _fail(message: str) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(1)


def _report(problem: Problem) -> NoReturn:
    typer.echo(_(problem.title), err=True)
    for error in problem.errors:
        typer.echo(f"  {error.text(_)}", err=True)
    raise typer.Exit(1)


@contextmanager
def _session() -> Iterator[Session]:
    engine = make_engine(get_settings())
    try:
        if not inspect(engine).has_table(CalendarOverride.__tablename__):
            _fail(_("The database has no calendar table: run `ipprotect db upgrade` first"))
        with make_sessionmaker(engine)() as session:
            yield session
    finally:
        engine.dispose()


def _parse_day(text: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            _("{value} is not a date; write it as 2025-01-24").format(value=text), param_hint=what
        ) from None


def _parse_pause(text: str) -> tuple[dt.date, dt.date]:
    first, sep, last = text.partition(":")
    if not sep:
        raise typer.BadParameter(
            _("{value}: write a pause as FIRST:LAST, e.g. 2025-03-03:2025-03-07").format(
                value=text
            ),
            param_hint="--pause",
        )
    return _parse_day(first, "--pause"), _parse_day(last, "--pause")


@app.command()
def load(
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, readable=True, help="CSV or XLSX: date,type,name."
    ),
    source: str = typer.Option(
        "", help="The notice the days come from, e.g. 国办发明电〔2025〕7号 (default: file name)."
    ),
) -> None:
    """Load a State Council holiday notice from CSV or XLSX.

    One row per day off (type holiday, 休 or 放假) or makeup working day (workday, 班 or
    调休上班), dates as 2027-01-01 or 2027/1/1. Nothing is loaded if any row is bad. The year
    becomes official once its January 1 is loaded as a day off.
    """
    try:
        table = read_table(file.read_bytes(), file.name)
    except TableError as exc:
        _fail(_("Cannot read {file}: {error}").format(file=file.name, error=exc))
    try:
        days = calendar_store.parse_days(table)
        with _session() as session:
            result = calendar_store.load_days(
                session, audit.SYSTEM, days, source=source or file.name
            )
            session.commit()
            cal = calendar_store.work_calendar(session)
    except Problem as problem:
        _report(problem)
    typer.echo(
        _("Loaded {file}: {added} days added, {changed} changed, {unchanged} unchanged").format(
            file=file.name,
            added=result.added,
            changed=result.changed,
            unchanged=result.unchanged,
        )
    )
    if result.official_years:
        years = ", ".join(str(y) for y in result.official_years)
        typer.echo(_("Official schedule loaded for {years}").format(years=years))
    provisional = sorted({d.year for d in days if not cal.is_official(d.year)})
    if provisional:
        years = ", ".join(str(y) for y in provisional)
        typer.echo(
            _(
                "The file does not declare January 1 of {years} a day off, so the rest of "
                "that year stays provisional"
            ).format(years=years)
        )


@app.command()
def show(year: int = typer.Argument(..., help="The year, e.g. 2027.")) -> None:
    """List a year's holidays and makeup working days, and whether the year is provisional."""
    try:
        with _session() as session:
            cal = calendar_store.work_calendar(session)
        days = cal.special_days(year)
    except Problem as problem:
        _report(problem)
    if year in BUNDLED_YEARS:
        typer.echo(_("{year}: official schedule (bundled with the platform)").format(year=year))
    elif cal.is_official(year):
        typer.echo(_("{year}: official schedule (loaded by the operator)").format(year=year))
    else:
        typer.echo(
            _(
                "{year}: provisional, no official schedule yet: only the statutory holidays "
                "and weekends"
            ).format(year=year)
        )
    for day in days:
        weekday = format_date(day.date, "EEE", locale=get_locale())
        typer.echo(
            f"{day.date.isoformat()}  {weekday}  {_(KIND_LABELS[day.kind])}  {_(label(day))}"
        )


@app.command()
def due(
    start: str = typer.Argument(..., help="The start day (not counted), e.g. 2025-01-24."),
    working_days: int | None = typer.Option(None, help="A period of N working days."),
    days: int | None = typer.Option(None, help="A period of N calendar days."),
    months: int | None = typer.Option(None, help="A period of N months."),
    years: int | None = typer.Option(None, help="A period of N years."),
    roll_forward: bool = typer.Option(
        True, help="Move an end on a day off to the next working day (CPL 2023 art. 85)."
    ),
    pause: list[str] | None = typer.Option(
        None, help="FIRST:LAST, a range of days the clock stands still; repeatable."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print date, provisional and steps."),
) -> None:
    """Print the due date of a period (the start day not counted).

    The date is followed by `provisional` when it relies on a year without an official holiday
    schedule.
    """
    given = [
        (amount, unit)
        for amount, unit in (
            (working_days, Unit.WORKING_DAYS),
            (days, Unit.DAYS),
            (months, Unit.MONTHS),
            (years, Unit.YEARS),
        )
        if amount is not None
    ]
    if len(given) != 1:
        raise typer.BadParameter(
            _("Give exactly one of --working-days, --days, --months and --years"),
            param_hint="period",
        )
    start_day = _parse_day(start, "START")
    pauses = [_parse_pause(p) for p in pause or []]
    try:
        period = Period(*given[0])
        with _session() as session:
            cal = calendar_store.work_calendar(session)
        result = due_date(start_day, period, cal, roll_forward=roll_forward, pauses=pauses)
    except Problem as problem:
        _report(problem)
    if as_json:
        typer.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        flag = f" {PROVISIONAL}" if result.provisional else ""
        typer.echo(f"{result.date.isoformat()}{flag}")
