"""Loading a State Council notice into the override table, and the calendar read from it."""

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ipprotect.core import audit, calendar_store
from ipprotect.core.audit import AuditEvent
from ipprotect.core.calendar import Period, Unit, due_date
from ipprotect.core.calendar_overrides import CalendarOverride
from ipprotect.core.errors import Problem
from ipprotect.core.tabular import export_bytes, read_table

D = dt.date

NOTICE_2027 = """date,type,name
2027-01-01,休,元旦
2027/2/5,放假,春节
2027-02-08,holiday,春节
2027-02-09,Holiday,春节
2027-02-20,班,春节
2027-10-09,调休上班,国庆节
"""


def parse(text: str, filename: str = "notice.csv") -> dict[dt.date, calendar_store.Override]:
    return calendar_store.parse_days(read_table(text.encode(), filename))


def load(
    db: Session, text: str, source: str = "国办发明电〔2026〕1号"
) -> calendar_store.LoadResult:
    return calendar_store.load_days(db, audit.SYSTEM, parse(text), source=source)


def load_events(db: Session) -> int:
    stmt = select(func.count()).where(AuditEvent.action == "calendar.load")
    return db.scalar(stmt) or 0


def test_every_accepted_spelling_of_dates_and_types_is_read() -> None:
    days = parse(NOTICE_2027)
    assert days[D(2027, 2, 5)] == (False, "春节")
    assert days[D(2027, 2, 9)].is_workday is False
    assert days[D(2027, 2, 20)].is_workday is True
    assert days[D(2027, 10, 9)] == (True, "国庆节")


def test_an_xlsx_notice_is_read_like_a_csv() -> None:
    rows = [[D(2027, 1, 1), "放假", "元旦"], ["2027-02-20", "调休上班", "春节"]]
    table = read_table(export_bytes("xlsx", ["date", "type", "name"], rows), "notice.xlsx")
    assert calendar_store.parse_days(table) == {
        D(2027, 1, 1): (False, "元旦"),
        D(2027, 2, 20): (True, "春节"),
    }


def test_every_bad_row_is_reported_with_its_row_number() -> None:
    text = (
        "date,type,name\n"
        "2027-01-01,休,元旦\n"  # row 2: fine
        "2027-02-30,休,春节\n"  # row 3: no such day
        "2027-02-05,off,春节\n"  # row 4: unknown type
        "2027-01-01,休,元旦\n"  # row 5: listed twice
        "2027-02-06,休,\n"  # row 6: no name
        "2100-01-01,休,元旦\n"  # row 7: beyond the calendar
    )
    with pytest.raises(Problem) as caught:
        parse(text)
    assert [(e.field, e.code) for e in caught.value.errors] == [
        ("rows.3.date", "invalid_date"),
        ("rows.4.type", "unknown_day_type"),
        ("rows.5.date", "duplicate_date"),
        ("rows.6.name", "required"),
        ("rows.7.date", "date_out_of_range"),
    ]
    assert "Row 5" in caught.value.errors[2].text()
    assert "row 2" in caught.value.errors[2].text()


def test_a_file_without_the_columns_or_without_rows_is_refused() -> None:
    with pytest.raises(Problem) as caught:
        parse("day,kind\n2027-01-01,休\n")
    assert caught.value.errors[0].code == "missing_columns"
    with pytest.raises(Problem) as caught:
        parse("date,type,name\n")
    assert caught.value.errors[0].code == "empty"


def test_a_load_writes_the_days_and_one_audit_event(db: Session) -> None:
    result = load(db, NOTICE_2027)
    assert (result.added, result.changed, result.unchanged) == (6, 0, 0)
    assert result.official_years == [2027]
    row = db.get(CalendarOverride, D(2027, 2, 20))
    assert row is not None
    assert (row.is_workday, row.name, row.source) == (True, "春节", "国办发明电〔2026〕1号")
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "calendar.load"))
    assert event is not None
    assert event.after is not None
    assert event.after["days"]["2027-02-20"] == {"is_workday": True, "name": "春节"}


def test_loading_the_same_days_again_changes_nothing(db: Session) -> None:
    load(db, NOTICE_2027)
    again = load(db, NOTICE_2027)
    assert (again.added, again.changed, again.unchanged) == (0, 0, 6)
    assert load_events(db) == 1
    assert db.scalar(select(func.count()).select_from(CalendarOverride)) == 6


def test_a_day_loaded_again_with_another_type_replaces_it_and_is_audited(db: Session) -> None:
    load(db, NOTICE_2027)
    result = load(db, "date,type,name\n2027-02-09,班,春节\n")
    assert (result.added, result.changed) == (0, 1)
    row = db.get(CalendarOverride, D(2027, 2, 9))
    assert row is not None
    assert row.is_workday
    stmt = select(AuditEvent).where(AuditEvent.action == "calendar.load").order_by(AuditEvent.id)
    events = db.scalars(stmt).all()
    assert events[-1].before == {"2027-02-09": {"is_workday": False, "name": "春节"}}


def test_a_source_is_required(db: Session) -> None:
    with pytest.raises(Problem) as caught:
        load(db, NOTICE_2027, source=" ")
    assert caught.value.errors[0].field == "source"


def test_the_calendar_read_from_the_table_follows_each_load(db: Session) -> None:
    start, period = D(2027, 2, 4), Period(3, Unit.WORKING_DAYS)
    provisional = due_date(start, period, calendar_store.work_calendar(db))
    assert provisional.provisional
    load(db, NOTICE_2027)
    cal = calendar_store.work_calendar(db)
    official = due_date(start, period, cal)
    assert not official.provisional
    assert official.date != provisional.date
    assert calendar_store.work_calendar(db) is cal  # unchanged table: the cached calendar
    load(db, "date,type,name\n2027-02-10,休,春节\n")
    assert not calendar_store.work_calendar(db).is_workday(D(2027, 2, 10))
