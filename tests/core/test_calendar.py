"""Working days and deadlines, pinned to the real State Council schedules (no database)."""

import datetime as dt
from pathlib import Path

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st
from lunardate import LunarDate

from ipprotect.core.calendar import (
    BUNDLED_YEARS,
    DayKind,
    Override,
    Period,
    Unit,
    WorkCalendar,
    add_months,
    add_working_days,
    due_date,
    notice_years,
    qingming,
    statutory_holidays,
    working_days_between,
)
from ipprotect.core.calendar_store import parse_days
from ipprotect.core.errors import Problem
from ipprotect.core.tabular import read_table
from ipprotect.web.i18n import catalog

D = dt.date
CAL = WorkCalendar()
SAMPLE_2026 = Path(__file__).resolve().parents[2] / "docs" / "examples" / "calendar-2026.csv"


def working(n: int) -> Period:
    return Period(n, Unit.WORKING_DAYS)


def codes(problem: Problem) -> list[tuple[str, str]]:
    return [(e.field, e.code) for e in problem.errors]


# --- the official calendar -------------------------------------------------------------------


def test_complaint_received_before_spring_festival_2025_is_due_for_acceptance_on_feb_10() -> None:
    # 2025: Jan 28 - Feb 4 off; Sunday Jan 26 and Saturday Feb 8 are makeup working days.
    due = due_date(D(2025, 1, 24), working(7), CAL)
    assert due.date == D(2025, 2, 10)
    assert not due.provisional
    step_codes = [s.code for s in due.steps]
    assert step_codes.count("makeup_workday_counted") == 2
    assert "holidays_skipped" in step_codes


def test_complaint_is_accepted_within_7_working_days_over_national_day_2025() -> None:
    # 2025: Oct 1-8 off (National Day with Mid-autumn); Sep 28 and Oct 11 are makeup days.
    assert due_date(D(2025, 9, 26), working(7), CAL).date == D(2025, 10, 13)
    assert due_date(D(2025, 9, 30), working(7), CAL).date == D(2025, 10, 16)
    assert CAL.day(D(2025, 9, 28)).kind is DayKind.MAKEUP_WORKDAY
    assert CAL.day(D(2025, 10, 11)).kind is DayKind.MAKEUP_WORKDAY


def test_the_explanation_reads_in_chinese_with_the_holiday_name_translated() -> None:
    zh = catalog("zh_CN")
    texts = [
        s.text(lambda m: zh.get(m, m)) for s in due_date(D(2025, 1, 24), working(7), CAL).steps
    ]
    assert any("春节" in t and "不计入" in t for t in texts)
    assert any("调休上班" in t and "2025-01-26" in t for t in texts)


def test_a_15_day_period_ending_on_national_day_rolls_forward_to_the_next_working_day() -> None:
    due = due_date(D(2025, 9, 16), Period(15, Unit.DAYS), CAL)
    assert due.date == D(2025, 10, 9)
    assert due.steps[-1].code == "rolled_forward"
    assert due_date(D(2025, 9, 16), Period(15, Unit.DAYS), CAL, roll_forward=False).date == D(
        2025, 10, 1
    )


def test_a_period_ending_on_a_sunday_rolls_to_monday() -> None:
    assert due_date(D(2025, 3, 1), Period(15, Unit.DAYS), CAL).date == D(2025, 3, 17)


def test_a_period_ending_on_a_makeup_saturday_does_not_roll() -> None:
    # 2025-02-08 is a Saturday worked to make up the Spring Festival.
    assert due_date(D(2025, 1, 29), Period(10, Unit.DAYS), CAL).date == D(2025, 2, 8)


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (D(2025, 1, 31), 1, D(2025, 2, 28)),
        (D(2024, 1, 31), 1, D(2024, 2, 29)),  # leap year
        (D(2025, 3, 31), 1, D(2025, 4, 30)),
        (D(2025, 1, 15), 3, D(2025, 4, 15)),
        (D(2025, 11, 30), 3, D(2026, 2, 28)),  # across the year end
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
    ],
)
def test_months_end_on_the_same_day_or_the_last_day_of_a_shorter_month(
    start: dt.date, months: int, end: dt.date
) -> None:
    assert add_months(start, months) == end
    assert due_date(start, Period(months, Unit.MONTHS), CAL, roll_forward=False).date == end


def test_a_month_period_ending_on_a_weekend_rolls_forward() -> None:
    # 2025-06-15 is a Sunday.
    assert due_date(D(2025, 3, 15), Period(3, Unit.MONTHS), CAL).date == D(2025, 6, 16)


def test_a_year_is_twelve_months_and_feb_29_ends_on_feb_28() -> None:
    due = due_date(D(2024, 2, 29), Period(1, Unit.YEARS), CAL, roll_forward=False)
    assert due.date == D(2025, 2, 28)
    assert due.steps[1].code == "months_clamped"


def test_working_days_between_counts_after_the_start_up_to_the_end() -> None:
    assert working_days_between(D(2025, 1, 24), D(2025, 2, 10), CAL) == 7
    assert working_days_between(D(2025, 2, 10), D(2025, 1, 24), CAL) == -7
    assert working_days_between(D(2025, 3, 3), D(2025, 3, 3), CAL) == 0


# --- pauses ---------------------------------------------------------------------------------


def test_paused_working_days_are_not_counted_but_paused_weekends_change_nothing() -> None:
    start = D(2025, 3, 3)  # a Monday; 5 working days end on Monday 10th
    assert due_date(start, working(5), CAL).date == D(2025, 3, 10)
    assert due_date(start, working(5), CAL, pauses=[(D(2025, 3, 5), D(2025, 3, 6))]).date == D(
        2025, 3, 12
    )
    assert due_date(start, working(5), CAL, pauses=[(D(2025, 3, 8), D(2025, 3, 9))]).date == D(
        2025, 3, 10
    )


def test_paused_days_extend_a_day_period_including_pauses_the_end_is_pushed_into() -> None:
    start = D(2025, 3, 1)  # 10 days end on Tuesday 11th
    one = (D(2025, 3, 5), D(2025, 3, 7))
    assert due_date(start, Period(10, Unit.DAYS), CAL, pauses=[one]).date == D(2025, 3, 14)
    later = (D(2025, 3, 12), D(2025, 3, 13))  # after the 11th, but the end moves past it
    due = due_date(start, Period(10, Unit.DAYS), CAL, pauses=[one, later], roll_forward=False)
    assert due.date == D(2025, 3, 16)
    assert [s.params["n"] for s in due.steps if s.code == "paused"] == ["3", "2"]


def test_overlapping_pauses_count_each_day_once() -> None:
    start = D(2025, 3, 1)
    overlapping = [(D(2025, 3, 5), D(2025, 3, 7)), (D(2025, 3, 6), D(2025, 3, 9))]
    union = [(D(2025, 3, 5), D(2025, 3, 9))]
    period = Period(10, Unit.DAYS)
    assert (
        due_date(start, period, CAL, pauses=overlapping).date
        == due_date(start, period, CAL, pauses=union).date
        == D(2025, 3, 17)  # 11th + 5 paused days = Sunday 16th, rolled to Monday
    )


def test_a_pause_after_the_end_or_before_the_start_changes_nothing() -> None:
    period = Period(10, Unit.DAYS)
    pauses = [(D(2025, 2, 1), D(2025, 2, 20)), (D(2025, 4, 1), D(2025, 4, 30))]
    assert due_date(D(2025, 3, 1), period, CAL, pauses=pauses).date == D(2025, 3, 11)


def test_a_month_period_is_extended_by_its_paused_days() -> None:
    due = due_date(
        D(2025, 1, 15), Period(1, Unit.MONTHS), CAL, pauses=[(D(2025, 1, 20), D(2025, 1, 24))]
    )
    assert due.date == D(2025, 2, 20)


# --- validation -----------------------------------------------------------------------------


def test_a_negative_or_non_integer_amount_is_refused() -> None:
    for amount in (-1, True, 1.5):
        with pytest.raises(Problem) as caught:
            Period(amount, Unit.DAYS)  # type: ignore[arg-type]
        assert codes(caught.value) == [("amount", "invalid_amount")]


def test_a_pause_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(Problem) as caught:
        due_date(D(2025, 3, 1), working(5), CAL, pauses=[(D(2025, 3, 9), D(2025, 3, 5))])
    assert caught.value.status == 422
    assert codes(caught.value) == [("pauses.0", "pause_ends_before_start")]


def test_dates_outside_the_calendar_are_refused_not_crashes() -> None:
    with pytest.raises(Problem) as caught:
        due_date(D(2100, 1, 4), working(5), CAL)
    assert codes(caught.value) == [("start", "date_out_of_range")]
    with pytest.raises(Problem) as caught:
        due_date(D(2099, 12, 1), working(100), CAL)
    assert codes(caught.value) == [("period", "date_out_of_range")]
    with pytest.raises(Problem):
        add_months(D(2099, 6, 1), 10**9)


@pytest.mark.parametrize("unit", ["working_days", "days", "months", "years"])
def test_rule_files_write_periods_as_amount_and_unit(unit: str) -> None:
    period = Period.from_dict({"amount": 7, "unit": unit})
    assert period == Period(7, Unit(unit))
    assert period.as_dict() == {"amount": 7, "unit": unit}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"amount": 7, "unit": "hours"}, "unit"),
        ({"amount": 7}, "unit"),
        ({"amount": "7", "unit": "days"}, "amount"),
        ({"unit": "days"}, "amount"),
    ],
)
def test_a_malformed_period_is_refused_with_the_field(data: dict[str, object], field: str) -> None:
    with pytest.raises(Problem) as caught:
        Period.from_dict(data)
    assert [e.field for e in caught.value.errors] == [field]


# --- provisional years ----------------------------------------------------------------------


def test_the_bundled_schedule_covers_2004_to_at_least_2026() -> None:
    assert BUNDLED_YEARS.start == 2004
    assert 2026 in BUNDLED_YEARS


def test_a_2030_deadline_is_provisional_and_skips_the_lunar_spring_festival() -> None:
    lunar_new_year = LunarDate(2030, 1, 1).to_solar_date()
    assert lunar_new_year == D(2030, 2, 3)
    due = due_date(D(2030, 1, 31), working(4), CAL)
    # Fri Feb 1 counts; Feb 2 (eve) to Feb 5 are off; then Wed 6, Thu 7, Fri 8.
    assert due.date == D(2030, 2, 8)
    assert due.provisional
    assert due.steps[-1].code == "provisional"


def test_spring_festival_2027_is_lunar_new_years_eve_and_the_three_days_after() -> None:
    assert LunarDate(2027, 1, 1).to_solar_date() == D(2027, 2, 6)
    spring = sorted(d for d, n in statutory_holidays(2027).items() if n == "Spring Festival")
    assert spring == [D(2027, 2, 5), D(2027, 2, 6), D(2027, 2, 7), D(2027, 2, 8)]


def test_new_years_eve_can_be_the_29th_of_the_twelfth_lunar_month() -> None:
    # Lunar month 12 of 2024 had 29 days: the eve of 2025 was 腊月廿九, January 28.
    eve = LunarDate.from_solar_date(2025, 1, 28)
    assert (eve.month, eve.day) == (12, 29)
    assert statutory_holidays(2025)[D(2025, 1, 28)] == "Spring Festival"


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_statutory_holidays_are_official_holidays_in_years_under_the_2024_revision(
    year: int,
) -> None:
    for day, name in statutory_holidays(year).items():
        assert chinese_calendar.get_holiday_detail(day) == (True, name), day


def test_qingming_matches_every_official_tomb_sweeping_holiday() -> None:
    # Qingming has been a public holiday since 2008.
    for year in range(2008, BUNDLED_YEARS.stop):
        assert chinese_calendar.get_holiday_detail(qingming(year)) == (True, "Tomb-sweeping Day")


def test_qingming_matches_chinesecalendars_solar_terms_for_two_centuries() -> None:
    for year in range(1900, 2100):
        terms = chinese_calendar.get_solar_terms(D(year, 4, 1), D(year, 4, 30))
        assert (qingming(year), "清明") in terms, year


def test_every_deadline_in_2027_is_provisional_and_none_crashes() -> None:
    day = D(2027, 1, 1)
    while day.year == 2027:
        due = due_date(day, working(7), CAL)
        assert due.provisional
        assert CAL.is_workday(due.date)
        day += dt.timedelta(days=1)


def test_a_deadline_that_runs_into_an_unannounced_year_becomes_provisional() -> None:
    assert not due_date(D(2026, 12, 1), working(5), CAL).provisional
    assert due_date(D(2026, 12, 28), working(7), CAL).provisional


def test_a_calendar_day_period_without_roll_forward_never_depends_on_the_calendar() -> None:
    due = due_date(D(2030, 1, 1), Period(30, Unit.DAYS), CAL, roll_forward=False)
    assert due.date == D(2030, 1, 31)
    assert not due.provisional


def test_a_weekend_holiday_stays_a_day_off_without_a_guessed_makeup_day() -> None:
    # 2027-05-01/02 (Labour Day) is a Saturday and Sunday; no day is moved in a provisional year.
    assert CAL.day(D(2027, 5, 1)).kind is DayKind.HOLIDAY
    assert CAL.is_workday(D(2027, 5, 3))


# --- operator overrides ---------------------------------------------------------------------

NOTICE_2027 = {
    D(2026, 12, 31): Override(False, "元旦"),  # a notice may reach into the previous year
    D(2027, 1, 1): Override(False, "元旦"),
    D(2027, 2, 5): Override(False, "春节"),
    D(2027, 2, 8): Override(False, "春节"),
    D(2027, 2, 9): Override(False, "春节"),
    D(2027, 2, 20): Override(True, "春节"),
}


def test_loading_a_notice_makes_its_year_official_and_changes_the_deadline() -> None:
    before = due_date(D(2027, 2, 4), working(3), CAL)
    loaded = WorkCalendar(NOTICE_2027, notice_years(NOTICE_2027))
    after = due_date(D(2027, 2, 4), working(3), loaded)
    assert before.provisional
    assert not after.provisional
    assert before.date == D(2027, 2, 11)  # eve to Feb 8 off: 9th, 10th, 11th
    assert after.date == D(2027, 2, 12)  # the notice also gives the 9th off
    assert loaded.day(D(2027, 2, 20)).kind is DayKind.MAKEUP_WORKDAY
    # The file lists every exception: a statutory holiday it leaves out is a working day.
    assert loaded.is_workday(D(2027, 10, 1))


def test_days_a_notice_lists_in_the_previous_year_do_not_make_that_year_official() -> None:
    assert notice_years(NOTICE_2027) == {2027}
    assert notice_years({D(2027, 5, 3): Override(False, "劳动节")}) == frozenset()


def test_overrides_take_precedence_over_the_bundled_schedule() -> None:
    cal = WorkCalendar({D(2025, 3, 3): Override(False, "特别假日")})
    assert not cal.is_workday(D(2025, 3, 3))
    assert cal.holiday_name(D(2025, 3, 3)) == "特别假日"
    assert not cal.is_provisional(D(2025, 3, 3))


def test_the_shipped_2026_sample_is_the_real_2026_notice() -> None:
    days = parse_days(read_table(SAMPLE_2026.read_bytes(), SAMPLE_2026.name))
    official = {d: False for d in chinese_calendar.holidays if d.year == 2026}
    official |= {d: True for d in chinese_calendar.workdays if d.year == 2026}
    assert {d: o.is_workday for d, o in days.items()} == official


def test_loading_the_2026_notice_alone_gives_the_same_working_days_as_the_package() -> None:
    days = parse_days(read_table(SAMPLE_2026.read_bytes(), SAMPLE_2026.name))
    from_file = WorkCalendar(days, notice_years(days), bundled_years=range(0))
    day = D(2026, 1, 1)
    while day.year == 2026:
        assert from_file.is_workday(day) == chinese_calendar.is_workday(day), day
        assert not from_file.is_provisional(day)
        day += dt.timedelta(days=1)


def test_a_year_lists_its_holidays_and_makeup_days() -> None:
    days = {d.date: d for d in CAL.special_days(2025)}
    assert days[D(2025, 1, 26)].kind is DayKind.MAKEUP_WORKDAY
    assert days[D(2025, 10, 6)].name == "Mid-autumn Festival"
    assert D(2025, 3, 1) not in days  # an ordinary Saturday
    assert all(d.provisional for d in CAL.special_days(2027))


# --- properties -----------------------------------------------------------------------------

starts = st.dates(min_value=D(2004, 1, 1), max_value=D(2035, 12, 31))


@given(starts, st.integers(min_value=1, max_value=300))
def test_adding_n_working_days_lands_on_a_working_day_n_working_days_later(
    start: dt.date, n: int
) -> None:
    due = add_working_days(start, n, CAL)
    assert CAL.is_workday(due.date)
    assert working_days_between(start, due.date, CAL) == n


@given(starts, st.integers(min_value=0, max_value=1000))
def test_a_day_period_without_pauses_ends_n_days_later_or_on_the_next_working_day(
    start: dt.date, n: int
) -> None:
    plain = due_date(start, Period(n, Unit.DAYS), CAL, roll_forward=False).date
    rolled = due_date(start, Period(n, Unit.DAYS), CAL).date
    assert plain == start + dt.timedelta(days=n)
    assert CAL.is_workday(rolled)
    assert working_days_between(plain, rolled, CAL) <= 1


@given(starts, st.integers(min_value=0, max_value=120))
def test_a_month_period_keeps_the_day_of_month_unless_the_month_is_shorter(
    start: dt.date, months: int
) -> None:
    end = add_months(start, months)
    assert (end.year * 12 + end.month) - (start.year * 12 + start.month) == months
    assert end.day == start.day or (end + dt.timedelta(days=1)).day == 1 < start.day
