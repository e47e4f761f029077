"""The rules of the listing procedure, without the database: which behaviours may be listed, the
period to state one's case, the publicity minimum and maximum of a class, and repeat infringement.

- Behaviours: CNIPA's IP credit provisions art. 6 (`credit.cnipa.dishonest_behaviours`) and the
  IP items of SAMR's serious dishonesty list (`credit.samr.serious_dishonesty_behaviours`, SAMR
  Order No. 44), by item id or by their Chinese name (故意侵犯知识产权).
- Notice: before listing, the party is told the grounds and may state its case within
  `credit.listing.statement_period` (SAMR Order No. 44; Administrative Penalty Law 2021 art. 44),
  counted from the day after the notice and rolled to a working day.
- Publicity: the class (轻微 / 一般 / 严重) sets the minimum (after which repair may be applied
  for) and the maximum (when the listing expires), counted from the decision date by the
  version of `credit.publicity.*` in force that day: NDRC Order No. 58 until 2026-03-31, NDRC
  Order No. 36 from 2026-04-01 (which added the minor class, not published).
- Repeat infringement: `credit.listing.repeat_infringement_count` penalties within
  `credit.listing.repeat_infringement_window` (Trademark Law 2019 art. 60: twice within five years).
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from ipprotect.core import rules
from ipprotect.core.calendar import Period, WorkCalendar, add_months, due_date
from ipprotect.core.errors import FieldError, invalid
from ipprotect.core.rules import Item, RuleNotFound
from ipprotect.credit.models import ListingClass
from ipprotect.web.i18n import N_

BEHAVIOUR_RULES = ("credit.samr.serious_dishonesty_behaviours", "credit.cnipa.dishonest_behaviours")
MEASURE_RULES = ("credit.joint_punishment.restrictions", "credit.cnipa.measures")
CLASS_NAMES = {
    "轻微": ListingClass.MINOR,
    "一般": ListingClass.GENERAL,
    "严重": ListingClass.SERIOUS,
}


@dataclass(frozen=True)
class Behaviour:
    item: Item
    rule_id: str
    source: str  # the legal basis, as the rule file cites it


def behaviour(text: str, on: dt.date, region: str | None = None) -> Behaviour | None:
    """The listable behaviour named by its item id or its Chinese name, in force on `on`."""
    wanted = text.strip()
    for rule_id in BEHAVIOUR_RULES:
        try:
            rule = rules.get(rule_id, on=on, region=region)
        except RuleNotFound:
            continue
        for item in rules.items(rule_id, on=on, region=region):
            if wanted in (item.id, item.zh):
                return Behaviour(item, rule_id, rule.source)
    return None


def listing_class(text: str) -> ListingClass | None:
    """A class by its id (minor / general / serious) or Chinese name (轻微 / 一般 / 严重)."""
    wanted = text.strip()
    if wanted in CLASS_NAMES:
        return CLASS_NAMES[wanted]
    return ListingClass(wanted) if wanted in {c.value for c in ListingClass} else None


def measures(on: dt.date, region: str | None = None) -> dict[str, Item]:
    """The restriction and management measures a listing may carry, by id."""
    found: dict[str, Item] = {}
    for rule_id in MEASURE_RULES:
        for item in rules.items(rule_id, on=on, region=region):
            found[item.id] = item
    return found


def statement_due(noticed_on: dt.date, region: str, cal: WorkCalendar) -> dt.date:
    """The last day the party may state its case after being noticed."""
    period = Period.from_dict(rules.period("credit.listing.statement_period", noticed_on, region))
    return due_date(noticed_on, period, cal).date


@dataclass(frozen=True)
class Publicity:
    """A decided listing's publicity: `min_until` is the last day of the minimum (repair may be
    applied for the day after; None when the class has no minimum), `max_until` the last day it
    is shown; `published` whether it is published at all; `source` the version that applied."""

    min_until: dt.date | None
    max_until: dt.date
    published: bool
    source: str


def _end(decided_on: dt.date, rule_id: str, region: str, cal: WorkCalendar) -> dt.date:
    # A publicity period is not an act's deadline: it ends on its day, holiday or not.
    period = Period.from_dict(rules.period(rule_id, decided_on, region))
    return due_date(decided_on, period, cal, roll_forward=False).date


def publicity(
    class_: ListingClass, decided_on: dt.date, region: str, cal: WorkCalendar
) -> Publicity:
    """The publicity of a listing decided on `decided_on`, by the rule version in force that day.
    Raises 422 when that version has no such class (Order No. 58 had no minor class)."""
    classes = {i.id for i in rules.items("credit.publicity.classes", decided_on, region)}
    if class_.value not in classes:
        raise invalid(
            [
                FieldError(
                    "class",
                    "class_not_in_force",
                    N_("This class of dishonesty does not exist on the decision date"),
                )
            ]
        )
    prefix = f"credit.publicity.{class_.value}"
    source = rules.get(f"{prefix}.max", decided_on, region).source
    maximum = _end(decided_on, f"{prefix}.max", region, cal)
    if class_ is ListingClass.MINOR:
        # Order No. 36: minor information is in principle not published; at most 3 months.
        published = rules.flag(f"{prefix}.published", decided_on, region)
        return Publicity(None, maximum, published, source)
    return Publicity(_end(decided_on, f"{prefix}.min", region, cal), maximum, True, source)


def repeat_window_start(on: dt.date, region: str) -> dt.date:
    """The first day of the repeat-infringement window that ends on `on`."""
    period = Period.from_dict(rules.period("credit.listing.repeat_infringement_window", on, region))
    months = {"years": 12, "months": 1}.get(period.unit.value)
    if months is None:
        return on - dt.timedelta(days=period.amount)
    # The same day, or the month's last day when it has none (Feb 29 -> Feb 28).
    return add_months(on, -period.amount * months)


def is_repeat(penalty_days: Sequence[dt.date], on: dt.date, region: str) -> bool:
    """Whether the penalties decided on these days make a repeat infringement as of `on`."""
    since = repeat_window_start(on, region)
    count = rules.integer("credit.listing.repeat_infringement_count", on, region)
    return sum(1 for d in penalty_days if since <= d <= on) >= count
