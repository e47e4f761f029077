"""Legal days: dates in Asia/Shanghai, and the dates people type in forms and files."""

import datetime as dt

from ipprotect.core.errors import FieldError, invalid
from ipprotect.core.ids import SHANGHAI
from ipprotect.web.i18n import N_


def today() -> dt.date:
    """The legal day now: periods run on dates in Asia/Shanghai, whatever the server's zone."""
    return dt.datetime.now(SHANGHAI).date()


def parse_day(text: str, field: str, errors: list[FieldError]) -> dt.date | None:
    """The date written in ISO 8601, or None with the field's error added to `errors` (forms
    and file rows report every wrong field at once)."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        errors.append(
            FieldError(
                field,
                "invalid_date",
                N_("{value} is not a date; write it as 2025-01-24"),
                {"value": text},
            )
        )
        return None


def form_day(text: str, field: str = "on") -> dt.date | None:
    """The date of an act typed in a form: None when left empty, so that the service takes
    today; a 422 on the field when it is not a date."""
    if not text.strip():
        return None
    errors: list[FieldError] = []
    day = parse_day(text, field, errors)
    if errors:
        raise invalid(errors)
    return day
