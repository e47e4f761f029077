"""The legal deadlines of a case, from the rule files and the working calendar."""

from datetime import date

from sqlalchemy.orm import Session

from ipprotect.core import rules
from ipprotect.core.calendar import Due, Period, due_date
from ipprotect.core.calendar_store import work_calendar


def period_due(session: Session, rule_id: str, start: date, region_code: str) -> Due:
    """The last day of the rule's period (the version in force on `start`, the region's
    override if any) counted from `start`; provisional in years without an official calendar."""
    period = Period.from_dict(rules.period(rule_id, on=start, region=region_code))
    return due_date(start, period, work_calendar(session))


def acceptance_due(session: Session, received_on: date, region_code: str) -> Due:
    # 市场监督管理投诉举报处理暂行办法 art. 14: decide within 7 working days of receipt.
    return period_due(session, "complaints.acceptance_decision", received_on, region_code)
