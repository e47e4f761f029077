"""Working days and legal deadlines (pure logic, no I/O).

Owns two things:

- `WorkCalendar`: whether a day is a working day in mainland China. Three sources, in order of
  precedence: the operator's overrides (loaded from the State Council's yearly holiday notice,
  see `calendar_store`), the official schedule bundled in `chinesecalendar` (including makeup
  working days on weekends, 调休上班), and for years with neither a **provisional** calendar:
  weekends plus the statutory holidays. Every answer says whether it is provisional.
- `due_date`: deadline arithmetic in working days, calendar days, months or years, with the
  start day not counted, month-end clamping, roll-forward off non-working days and pauses.

The rules are in reference/LEGAL.md, "Counting periods".
"""

import datetime as dt
import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

import chinese_calendar
from lunardate import LunarDate

from ipprotect.core.errors import FieldError, invalid
from ipprotect.web.i18n import N_

# The provisional calendar needs lunar dates, which `lunardate` knows for 1900-2099.
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2099, 12, 31)

# The years the bundled official schedule covers (chinesecalendar 1.11: 2004-2026); it grows
# when the package is upgraded after each State Council notice.
BUNDLED_YEARS = range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1)

ONE_DAY = dt.timedelta(days=1)

# Holiday names: the English names chinesecalendar uses, so official and provisional days read
# alike. 全国年节及纪念日放假办法 (2024 revision, in force 2025-01-01) art. 2.
NEW_YEARS_DAY = N_("New Year's Day")  # 元旦
SPRING_FESTIVAL = N_("Spring Festival")  # 春节
TOMB_SWEEPING_DAY = N_("Tomb-sweeping Day")  # 清明节
LABOUR_DAY = N_("Labour Day")  # 劳动节
DRAGON_BOAT_FESTIVAL = N_("Dragon Boat Festival")  # 端午节
MID_AUTUMN_FESTIVAL = N_("Mid-autumn Festival")  # 中秋节
NATIONAL_DAY = N_("National Day")  # 国庆节


class DayKind(enum.StrEnum):
    WORKDAY = "workday"
    WEEKEND = "weekend"
    HOLIDAY = "holiday"  # 放假: a statutory holiday or a day off the notice moved
    MAKEUP_WORKDAY = "makeup_workday"  # 调休上班: a weekend day worked to make up a moved day off


KIND_LABELS = {
    DayKind.WORKDAY: N_("Working day"),
    DayKind.WEEKEND: N_("Weekend"),
    DayKind.HOLIDAY: N_("Holiday"),
    DayKind.MAKEUP_WORKDAY: N_("Makeup working day"),
}


class Override(NamedTuple):
    """One day of the operator's loaded schedule."""

    is_workday: bool
    name: str


@dataclass(frozen=True)
class Day:
    date: dt.date
    kind: DayKind
    name: str | None  # the holiday, or the holiday a makeup working day belongs to
    provisional: bool

    @property
    def is_workday(self) -> bool:
        return self.kind in (DayKind.WORKDAY, DayKind.MAKEUP_WORKDAY)


def label(day: Day) -> str:
    """The day's holiday name, or what kind of day it is when the schedule gave no name."""
    return day.name or KIND_LABELS[day.kind]


def out_of_range(value: str, field_name: str = "date") -> FieldError:
    return FieldError(
        field_name,
        "date_out_of_range",
        N_("The calendar covers {first} to {last}; {date} is outside it"),
        {"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat(), "date": value},
    )


def check_in_range(day: dt.date, field_name: str = "date") -> None:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise invalid([out_of_range(day.isoformat(), field_name)])


def qingming(year: int) -> dt.date:
    """The day of the solar term 清明 (Qingming), April 4 or 5 in 1900-2099.

    The 寿星 formula [Y*D + C] - [Y/4] with Y the year's last two digits, D = 0.2422 and
    C = 5.59 (20th century) or 4.81 (21st century, from 2000). [S] It is an approximation of the
    sun reaching 15 degrees of ecliptic longitude, not an ephemeris: the tests check it against
    every official Qingming holiday in chinesecalendar. Integer arithmetic avoids float rounding.
    """
    y = year % 100
    c = 55900 if year < 2000 else 48100
    return dt.date(year, 4, (y * 2422 + c) // 10000 - y // 4)


def _lunar(year: int, month: int, day: int) -> dt.date:
    solar: dt.date = LunarDate(year, month, day).to_solar_date()
    return solar


@lru_cache(maxsize=256)
def statutory_holidays(year: int) -> Mapping[dt.date, str]:
    """The holidays of 全国年节及纪念日放假办法 (2024 revision) art. 2 in one solar year.

    Only the holidays the statute itself fixes. The State Council's yearly notice also moves days
    off next to weekends and names makeup working days (调休); that arrangement is a decision
    we do not guess, so a holiday that falls on a weekend simply stays a day off here, and a
    holiday that coincides with another (Mid-autumn on National Day) counts once.
    """
    # Lunar new year always falls in January or February of the same solar year, so its eve
    # (除夕, the last day of lunar month 12, the 29th or 30th) does too.
    lunar_new_year = _lunar(year, 1, 1)
    spans = [
        (dt.date(year, 1, 1), 1, NEW_YEARS_DAY),
        (lunar_new_year - ONE_DAY, 4, SPRING_FESTIVAL),  # 除夕 and 正月初一 to 初三
        (qingming(year), 1, TOMB_SWEEPING_DAY),
        (dt.date(year, 5, 1), 2, LABOUR_DAY),
        (_lunar(year, 5, 5), 1, DRAGON_BOAT_FESTIVAL),  # 端午: the 5th of lunar month 5
        (_lunar(year, 8, 15), 1, MID_AUTUMN_FESTIVAL),  # 中秋: the 15th of lunar month 8
        (dt.date(year, 10, 1), 3, NATIONAL_DAY),
    ]
    holidays: dict[dt.date, str] = {}
    for first, length, name in spans:
        for i in range(length):
            holidays.setdefault(first + i * ONE_DAY, name)
    return holidays


def notice_years(overrides: Mapping[dt.date, Override]) -> frozenset[int]:
    """The years whose State Council notice the overrides hold.

    Every yearly notice declares January 1 a holiday, so a year counts as announced once its
    January 1 is loaded as a day off. A notice may also list days at the end of the previous
    year (the 2019 notice put 2018-12-29 to work and 2018-12-30 off); those alone must not make
    the previous year official, nor must a one-day correction.
    """
    return frozenset(
        d.year for d, o in overrides.items() if d.month == 1 and d.day == 1 and not o.is_workday
    )


class WorkCalendar:
    """Which days are working days, from overrides, the bundled schedule or the statute.

    `loaded_years` are the years whose notice the operator loaded (see `notice_years`): in
    them the overrides list only the exception days and every other day follows the week.
    """

    def __init__(
        self,
        overrides: Mapping[dt.date, Override] | None = None,
        loaded_years: Iterable[int] = (),
        *,
        bundled_years: range = BUNDLED_YEARS,
    ) -> None:
        self._overrides = dict(overrides or {})
        self._loaded_years = frozenset(loaded_years)
        self._bundled_years = bundled_years

    def is_official(self, year: int) -> bool:
        return year in self._bundled_years or year in self._loaded_years

    def day(self, d: dt.date) -> Day:
        check_in_range(d)
        provisional = not self.is_official(d.year)
        weekend = d.weekday() >= 5
        ordinary = DayKind.WEEKEND if weekend else DayKind.WORKDAY
        if d in self._overrides:
            o = self._overrides[d]
            if not o.is_workday:
                kind = DayKind.HOLIDAY
            else:
                kind = DayKind.MAKEUP_WORKDAY if weekend else DayKind.WORKDAY
            return Day(d, kind, o.name or None, provisional)
        if d.year in self._bundled_years:
            off, name = chinese_calendar.get_holiday_detail(d)
            if name is None:
                return Day(d, ordinary, None, provisional)
            return Day(d, DayKind.HOLIDAY if off else DayKind.MAKEUP_WORKDAY, name, provisional)
        if d.year in self._loaded_years:
            return Day(d, ordinary, None, provisional)
        name = statutory_holidays(d.year).get(d)
        if name is not None:
            return Day(d, DayKind.HOLIDAY, name, provisional)
        return Day(d, ordinary, None, provisional)

    def is_workday(self, d: dt.date) -> bool:
        return self.day(d).is_workday

    def is_provisional(self, d: dt.date) -> bool:
        check_in_range(d)
        return not self.is_official(d.year)

    def holiday_name(self, d: dt.date) -> str | None:
        return self.day(d).name

    def special_days(self, year: int) -> list[Day]:
        """The year's holidays and makeup working days, in date order."""
        if not FIRST_DAY.year <= year <= LAST_DAY.year:
            raise invalid([out_of_range(str(year), "year")])
        days = []
        d = dt.date(year, 1, 1)
        while d.year == year:
            day = self.day(d)
            if day.kind in (DayKind.HOLIDAY, DayKind.MAKEUP_WORKDAY):
                days.append(day)
            d += ONE_DAY
        return days


class Unit(enum.StrEnum):
    WORKING_DAYS = "working_days"
    DAYS = "days"
    MONTHS = "months"
    YEARS = "years"  # 12 months each: the same day of the last year, Feb 29 clamped to Feb 28


@dataclass(frozen=True)
class Period:
    """A legal period, e.g. 7 working days. Rule files write it as
    `{"amount": 7, "unit": "working_days"}`."""

    amount: int
    unit: Unit

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount < 0:
            raise invalid(
                [
                    FieldError(
                        "amount",
                        "invalid_amount",
                        N_("The amount must be a whole number, 0 or more"),
                    )
                ]
            )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Period":
        """Read a rule file's period; `__post_init__` checks the amount."""
        unit = data.get("unit")
        amount: Any = data.get("amount")
        if not isinstance(unit, str) or unit not in {u.value for u in Unit}:
            raise invalid(
                [
                    FieldError(
                        "unit",
                        "unknown_unit",
                        N_("Unknown unit {unit}: use working_days, days, months or years"),
                        {"unit": str(unit)},
                    )
                ]
            )
        return cls(amount, Unit(unit))

    def as_dict(self) -> dict[str, Any]:
        return {"amount": self.amount, "unit": self.unit.value}


@dataclass(frozen=True)
class Step:
    """One line of a deadline's explanation. `message` is an English msgid filled from `params`;
    a `name` param is a holiday name, itself a msgid, so it is translated too."""

    code: str
    message: str
    params: dict[str, str] = field(default_factory=dict)

    def text(self, translate: Callable[[str], str] = str) -> str:
        params = dict(self.params)
        if "name" in params:
            params["name"] = translate(params["name"])
        return translate(self.message).format(**params)


@dataclass(frozen=True)
class Due:
    date: dt.date
    provisional: bool  # some day the computation relied on lies in an unannounced year
    steps: list[Step]

    def as_dict(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "provisional": self.provisional,
            "steps": [s.text() for s in self.steps],
        }


def add_months(start: dt.date, months: int) -> dt.date:
    """The same day of the month `months` later, or that month's last day if it has no such
    day (Patent Implementing Rules 2023 art. 5): Jan 31 + 1 month is Feb 28, or Feb 29."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    if year > LAST_DAY.year:
        raise invalid([out_of_range(f"{year}-{month:02d}", "period")])
    first_of_next = dt.date(year + month // 12, month % 12 + 1, 1)
    return dt.date(year, month, min(start.day, (first_of_next - ONE_DAY).day))


def merge_pauses(pauses: Sequence[tuple[dt.date, dt.date]]) -> list[tuple[dt.date, dt.date]]:
    """Check the pauses and merge overlapping or adjacent ones, so no day is paused twice."""
    errors = [
        FieldError(
            f"pauses.{i}",
            "pause_ends_before_start",
            N_("The pause ends ({end}) before it starts ({start})"),
            {"start": a.isoformat(), "end": b.isoformat()},
        )
        for i, (a, b) in enumerate(pauses)
        if b < a
    ]
    if errors:
        raise invalid(errors)
    merged: list[tuple[dt.date, dt.date]] = []
    for a, b in sorted(pauses):
        if merged and a <= merged[-1][1] + ONE_DAY:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def due_date(
    start: dt.date,
    period: Period,
    cal: WorkCalendar,
    *,
    roll_forward: bool = True,
    pauses: Sequence[tuple[dt.date, dt.date]] = (),
) -> Due:
    """The last day of `period` counted from `start`.

    - The start day is not counted: day 1 is the day after (Civil Procedure Law 2023 art. 85).
    - Working days count only working days, makeup working days included (Administrative
      Penalty Law 2021 art. 85 and the State Council's yearly notice).
    - Calendar days count every day.
    - Months end on the same day of the month, or on the month's last day when it has no such
      day (Patent Implementing Rules 2023 art. 5); a year is 12 months. That fixes the period's
      length in calendar days, which pauses then extend exactly as for a period of days.
    - Pauses are inclusive date ranges in which the clock stands still (suspension, hearing,
      public notice, testing or appraisal): a paused day that would have counted does not. In a
      working-day period that is each paused working day; in any other period each paused
      day, so the end moves one day later per paused day between the start and the end,
      including pauses the end is pushed into. Overlapping pauses count each day once; pauses
      after the end change nothing.
    - Roll-forward: a period ending on a non-working day ends on the next working day (Civil
      Procedure Law 2023 art. 85; Patent Implementing Rules 2023 art. 5). A working-day period
      already ends on a working day, unless its amount is 0.

    `provisional` is true when the working status of any day the result depends on comes from
    the provisional calendar of a year with no official schedule.
    """
    check_in_range(start, "start")
    merged = merge_pauses(pauses)
    provisional_years: set[int] = set()

    def look(d: dt.date) -> Day:
        day = cal.day(d)
        if day.provisional:
            provisional_years.add(d.year)
        return day

    def counts(d: dt.date) -> bool:
        """Whether the day counts towards the period, pauses aside."""
        return period.unit is not Unit.WORKING_DAYS or look(d).is_workday

    def paused(d: dt.date) -> bool:
        return any(a <= d <= b for a, b in merged)

    steps = [
        Step(
            "start_not_counted",
            N_("The start day {start} is not counted; day 1 is {first}"),
            {"start": start.isoformat(), "first": (start + ONE_DAY).isoformat()},
        )
    ]
    length = period.amount
    target = start
    if period.unit in (Unit.MONTHS, Unit.YEARS):
        months = period.amount * (12 if period.unit is Unit.YEARS else 1)
        target = add_months(start, months)
        length = (target - start).days
        steps.append(_months_step(start, period, target))
    walked = _walk(start, length, lambda d: counts(d) and not paused(d))
    end = walked[-1] if walked else start
    if period.unit is Unit.WORKING_DAYS:
        steps += _holiday_steps([look(d) for d in walked])
    for a, b in merged:
        lost = sum(1 for d in walked if a <= d <= b and counts(d))
        if lost:
            steps.append(
                Step(
                    "paused",
                    N_("Paused from {first} to {last}: {n} days not counted"),
                    {"first": a.isoformat(), "last": b.isoformat(), "n": str(lost)},
                )
            )
    if period.unit in (Unit.WORKING_DAYS, Unit.DAYS) or end != target:
        steps.append(_counted_step(period, end))
    if roll_forward and not look(end).is_workday:
        rolled = end + ONE_DAY
        while not look(rolled).is_workday:
            rolled += ONE_DAY
        steps.append(_roll_forward_step(look(end), rolled))
        end = rolled
    if provisional_years:
        steps.append(
            Step(
                "provisional",
                N_(
                    "Provisional: no official holiday schedule for {years} yet, so only the "
                    "statutory holidays and weekends were used"
                ),
                {"years": ", ".join(str(y) for y in sorted(provisional_years))},
            )
        )
    return Due(end, bool(provisional_years), steps)


def add_working_days(
    start: dt.date,
    n: int,
    cal: WorkCalendar,
    *,
    pauses: Sequence[tuple[dt.date, dt.date]] = (),
) -> Due:
    """The n-th working day after `start` (the start day not counted)."""
    return due_date(start, Period(n, Unit.WORKING_DAYS), cal, pauses=pauses)


def working_days_between(a: dt.date, b: dt.date, cal: WorkCalendar) -> int:
    """The working days after `a` up to and including `b`: how many working days of a period
    started on `a` have run by `b`. Negative when `b` is before `a` (e.g. days overdue)."""
    if b < a:
        return -working_days_between(b, a, cal)
    count = 0
    d = a
    while d < b:
        d += ONE_DAY
        count += cal.is_workday(d)
    return count


def _walk(start: dt.date, n: int, counts: Callable[[dt.date], bool]) -> list[dt.date]:
    """The days after `start` up to the one on which the n-th counted day falls."""
    walked: list[dt.date] = []
    d = start
    counted = 0
    while counted < n:
        d += ONE_DAY
        check_in_range(d, "period")
        walked.append(d)
        if counts(d):
            counted += 1
    return walked


def _months_step(start: dt.date, period: Period, target: dt.date) -> Step:
    params = {"amount": str(period.amount), "dom": str(start.day), "end": target.isoformat()}
    clamped = target.day != start.day
    if period.unit is Unit.YEARS:
        if clamped:
            message = N_("{amount} years later there is no day {dom}: the month's last day, {end}")
        else:
            message = N_("{amount} years later, the same day: {end}")
    elif clamped:
        message = N_("{amount} months later there is no day {dom}: the month's last day, {end}")
    else:
        message = N_("{amount} months later, the same day of the month: {end}")
    return Step("months_clamped" if clamped else "months", message, params)


def _counted_step(period: Period, end: dt.date) -> Step:
    params = {"amount": str(period.amount), "end": end.isoformat()}
    if period.unit is Unit.WORKING_DAYS:
        message = N_("Counted {amount} working days: the period ends on {end}")
    elif period.unit is Unit.DAYS:
        message = N_("Counted {amount} calendar days: the period ends on {end}")
    else:
        message = N_("With the pauses, the period ends on {end}")
    return Step("counted", message, params)


def _roll_forward_step(end: Day, rolled: dt.date) -> Step:
    params = {"end": end.date.isoformat(), "rolled": rolled.isoformat()}
    if end.kind is DayKind.HOLIDAY:
        return Step(
            "rolled_forward",
            N_("{end} is a day off ({name}): the period ends on the next working day, {rolled}"),
            {**params, "name": label(end)},
        )
    return Step(
        "rolled_forward",
        N_("{end} is a day off: the period ends on the next working day, {rolled}"),
        params,
    )


def _holiday_steps(days: list[Day]) -> list[Step]:
    """Explain a working-day count: each run of holidays skipped, each makeup day counted."""
    steps: list[Step] = []
    run: list[Day] = []
    for day in days:
        continues = (
            run
            and day.kind is DayKind.HOLIDAY
            and day.name == run[-1].name
            and day.date == run[-1].date + ONE_DAY
        )
        if run and not continues:
            steps.append(_skipped_step(run))
            run = []
        if day.kind is DayKind.HOLIDAY:
            run.append(day)
        elif day.kind is DayKind.MAKEUP_WORKDAY:
            steps.append(
                Step(
                    "makeup_workday_counted",
                    N_("{day} is a makeup working day ({name}) and counts"),
                    {"day": day.date.isoformat(), "name": label(day)},
                )
            )
    if run:
        steps.append(_skipped_step(run))
    return steps


def _skipped_step(run: list[Day]) -> Step:
    first, last = run[0].date.isoformat(), run[-1].date.isoformat()
    if first == last:
        return Step(
            "holidays_skipped",
            N_("{first}: {name}, not counted"),
            {"first": first, "name": label(run[0])},
        )
    return Step(
        "holidays_skipped",
        N_("{first} to {last}: {name}, not counted"),
        {"first": first, "last": last, "name": label(run[0])},
    )
