"""The operator's calendar overrides: loading a State Council holiday notice from a spreadsheet
into the `calendar_overrides` table, and building the `WorkCalendar` from that table.

A load file lists only the notice's exception days, one per row, with the columns
`date,type,name`: the days off (type `holiday`, 休 or 放假) and the makeup working days (type
`workday`, 班 or 调休上班). Every other day of the year follows the week. Loading a notice makes
its year official (no longer provisional) once the file holds that year's January 1 as a day off
(see `calendar.notice_years`); a file of a few corrections changes those days only.

A load is all or nothing: every row is checked first and each bad row reported with its row
number. Loading the same days again changes nothing; a day loaded again with another type or
name replaces the earlier row. Days are never deleted: a wrong day is corrected by loading it
again with the right type.
"""

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ipprotect.core import audit
from ipprotect.core.calendar import (
    FIRST_DAY,
    LAST_DAY,
    Override,
    WorkCalendar,
    notice_years,
)
from ipprotect.core.calendar_overrides import CalendarOverride
from ipprotect.core.errors import FieldError, invalid
from ipprotect.core.tabular import Table
from ipprotect.db import utcnow
from ipprotect.web.i18n import N_

COLUMNS = ("date", "type", "name")
HOLIDAY_TYPES = frozenset({"holiday", "休", "放假"})
WORKDAY_TYPES = frozenset({"workday", "班", "调休上班"})
DATE_RE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})")
NAME_MAX = 100  # the width of calendar_overrides.name
SOURCE_MAX = 200  # the width of calendar_overrides.source


@dataclass(frozen=True)
class LoadResult:
    added: int
    changed: int
    unchanged: int
    official_years: list[int]  # the years whose notice the file holds (see notice_years)


def _parse_date(text: str) -> dt.date | None:
    match = DATE_RE.fullmatch(text.strip())
    if match is None:
        return None
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _row_errors(
    number: int, values: dict[str, str], seen: dict[dt.date, int]
) -> tuple[list[FieldError], dt.date | None]:
    errors = []
    raw_date, raw_type, name = values["date"], values["type"], values["name"]
    day = _parse_date(raw_date)
    if day is None:
        errors.append(
            FieldError(
                f"rows.{number}.date",
                "invalid_date",
                N_("Row {row}: {value} is not a date; write it as 2027-01-01 or 2027/1/1"),
                {"row": number, "value": raw_date},
            )
        )
    elif not FIRST_DAY <= day <= LAST_DAY:
        errors.append(
            FieldError(
                f"rows.{number}.date",
                "date_out_of_range",
                N_("Row {row}: {value} is outside the calendar's years, {first} to {last}"),
                {"row": number, "value": raw_date, "first": FIRST_DAY.year, "last": LAST_DAY.year},
            )
        )
    elif day in seen:
        errors.append(
            FieldError(
                f"rows.{number}.date",
                "duplicate_date",
                N_("Row {row}: {value} is already listed on row {first_row}"),
                {"row": number, "value": raw_date, "first_row": seen[day]},
            )
        )
    if raw_type.strip().lower() not in HOLIDAY_TYPES | WORKDAY_TYPES:
        errors.append(
            FieldError(
                f"rows.{number}.type",
                "unknown_day_type",
                N_("Row {row}: unknown type {value}; use holiday, 休, 放假, workday, 班, 调休上班"),
                {"row": number, "value": raw_type},
            )
        )
    if not name.strip():
        errors.append(
            FieldError(
                f"rows.{number}.name",
                "required",
                N_("Row {row}: name the holiday (e.g. 春节), also on a makeup working day"),
                {"row": number},
            )
        )
    elif len(name.strip()) > NAME_MAX:
        errors.append(
            FieldError(
                f"rows.{number}.name",
                "too_long",
                N_("Row {row}: the name is longer than {max} characters"),
                {"row": number, "max": NAME_MAX},
            )
        )
    return errors, day


def parse_days(table: Table) -> dict[dt.date, Override]:
    """The days of a load file, or a 422 listing every bad row (nothing is loaded then)."""
    missing = [c for c in COLUMNS if c not in table.header]
    if missing:
        raise invalid(
            [
                FieldError(
                    "file",
                    "missing_columns",
                    N_("The file needs the columns date, type and name; missing: {columns}"),
                    {"columns": ", ".join(missing)},
                )
            ]
        )
    if not table.rows:
        raise invalid([FieldError("file", "empty", N_("The file lists no days"))])
    errors: list[FieldError] = []
    seen: dict[dt.date, int] = {}
    days: dict[dt.date, Override] = {}
    for row in table.rows:
        row_errors, day = _row_errors(row.number, row.values, seen)
        errors += row_errors
        if day is not None and day not in seen:
            seen[day] = row.number
        if not row_errors and day is not None:
            is_workday = row.values["type"].strip().lower() in WORKDAY_TYPES
            days[day] = Override(is_workday, row.values["name"].strip())
    if errors:
        raise invalid(errors)
    return days


def load_days(
    session: Session,
    actor: audit.Actor,
    days: dict[dt.date, Override],
    *,
    source: str,
    loaded_by: int | None = None,
) -> LoadResult:
    """Write the days (insert or replace) and audit the load; the caller commits."""
    source = source.strip()
    if not source or len(source) > SOURCE_MAX:
        raise invalid(
            [
                FieldError(
                    "source",
                    "invalid_source",
                    N_("Name the notice the days come from, in at most {max} characters"),
                    {"max": SOURCE_MAX},
                )
            ]
        )
    first, last = min(days), max(days)
    existing = {
        row.day: row
        for row in session.scalars(
            select(CalendarOverride).where(CalendarOverride.day.between(first, last))
        )
    }
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    unchanged = 0
    for day, override in sorted(days.items()):
        row = existing.get(day)
        if row is not None and (row.is_workday, row.name, row.source) == (*override, source):
            unchanged += 1
            continue
        if row is None:
            row = CalendarOverride(day=day)
            session.add(row)
        else:
            before[day.isoformat()] = {"is_workday": row.is_workday, "name": row.name}
        row.is_workday, row.name = override
        row.source = source
        row.loaded_at = utcnow()
        row.loaded_by = loaded_by
        after[day.isoformat()] = {"is_workday": override.is_workday, "name": override.name}
    years = sorted(notice_years(days))
    if after:
        session.flush()
        audit.record(
            session,
            actor,
            "calendar.load",
            "calendar_overrides",
            f"{first.isoformat()}..{last.isoformat()}",
            before=before or None,
            after={"source": source, "official_years": years, "days": after},
        )
    return LoadResult(len(after) - len(before), len(before), unchanged, years)


_cache: dict[tuple[Any, ...], WorkCalendar] = {}


def work_calendar(session: Session) -> WorkCalendar:
    """The calendar with the loaded overrides.

    The table is read once and the calendar kept for the process; a cheap fingerprint (row count
    and latest load time) is checked on every call, because a load may come from another process
    (the CLI while the web server runs) and must take effect there without a restart.
    """
    fingerprint = tuple(
        session.execute(select(func.count(), func.max(CalendarOverride.loaded_at))).one()
    )
    cal = _cache.get(fingerprint)
    if cal is None:
        rows = session.execute(
            select(CalendarOverride.day, CalendarOverride.is_workday, CalendarOverride.name)
        )
        overrides = {day: Override(is_workday, name) for day, is_workday, name in rows}
        cal = WorkCalendar(overrides, notice_years(overrides))
        _cache.clear()
        _cache[fingerprint] = cal
    return cal
