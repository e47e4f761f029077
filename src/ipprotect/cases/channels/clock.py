"""The clock of a channel step: its deadline counted by its rule (the version in force on the day
the clock started) on the official calendar, pauses counted out, an approved extension, and the
time limits inside a step. No knowledge of any channel: the states say which rules apply.
"""

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from ipprotect.cases.channels.models import CaseStep
from ipprotect.core import rules
from ipprotect.core.calendar import ONE_DAY, Due, Period, due_date
from ipprotect.core.calendar_store import work_calendar
from ipprotect.core.errors import FieldError, conflict, invalid
from ipprotect.web.i18n import N_


def no_rule(rule_id: str, on: dt.date) -> FieldError:
    return FieldError(
        "on",
        "no_rule_in_force",
        N_("No version of rule {rule} was in force on {date}"),
        {"rule": rule_id, "date": on.isoformat()},
    )


def period(rule_id: str, on: dt.date, region: str) -> Period:
    try:
        return Period.from_dict(rules.period(rule_id, on=on, region=region))
    except rules.RuleNotFound:
        raise invalid([no_rule(rule_id, on)]) from None


def clock_started_on(step: CaseStep) -> dt.date:
    """The day the step's deadline counts from: its own start, or for a step that carries on
    the channel's running deadline (`State.continues`) the start of the first step of it."""
    carried = step.data.get("clock_started_on")
    return dt.date.fromisoformat(carried) if carried else step.started_on


def pause_ranges(step: CaseStep) -> list[tuple[dt.date, dt.date]]:
    return [(dt.date.fromisoformat(a), dt.date.fromisoformat(b)) for a, b in step.pauses]


def due(session: Session, step: CaseStep) -> Due | None:
    """The step's deadline by its rule in force on the day its clock started, pauses counted
    out."""
    if step.rule_id is None:
        return None
    start = clock_started_on(step)
    counted = period(step.rule_id, start, step.region_code)
    return due_date(start, counted, work_calendar(session), pauses=pause_ranges(step))


def set_due(session: Session, step: CaseStep, extension_rule_id: str | None) -> None:
    """Count the step's deadline again (after a pause, on opening), and its extension if one
    was approved (`extension_rule_id`: the step's, from its state)."""
    found = due(session, step)
    step.due_on = found.date if found else None
    step.due_provisional = found.provisional if found else False
    if step.extended_to is not None and step.due_on is not None:
        step.extended_to = extended(session, step, step.due_on, extension_rule_id)


def extended(session: Session, step: CaseStep, due_on: dt.date, rule_id: str | None) -> dt.date:
    """The deadline after the one extension the step's rule (`rule_id`) allows."""
    if rule_id is None:
        raise conflict("no_extension", N_("The rules allow no extension of this step"))
    counted = period(rule_id, clock_started_on(step), step.region_code)
    return due_date(due_on, counted, work_calendar(session)).date


def limit(session: Session, rule_id: str, on: dt.date, region: str) -> dict[str, Any]:
    """A time limit inside a step (`State.limit_rule_id`), counted from the step's start; it
    binds an act of the step, not the step's deadline."""
    found = due_date(on, period(rule_id, on, region), work_calendar(session))
    return {"rule_id": rule_id, "due_on": found.date.isoformat(), "provisional": found.provisional}


def limit_due(step: CaseStep) -> dt.date | None:
    limit = step.data.get("limit")
    return dt.date.fromisoformat(limit["due_on"]) if limit else None


def end_pause(step: CaseStep, on: dt.date) -> None:
    """The clock stood still from the pause's first day to the day before it restarts."""
    since = step.paused_since
    step.paused_since = None
    if since is None or on <= since:
        return
    step.pauses = [*step.pauses, [since.isoformat(), (on - ONE_DAY).isoformat()]]
    step.paused_days += (on - since).days
