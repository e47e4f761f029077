"""What the portal shows of a listing or a decision, in the reader's language: the rows as the
public sees them (masked by `credit.publicity`), with behaviours, classes and measures named
from the rule files of the decision day. Shared by the pages and the open data."""

import datetime as dt
from typing import Any

from ipprotect.core import rules
from ipprotect.core.days import today
from ipprotect.credit import listing as listing_rules
from ipprotect.credit import publicity
from ipprotect.credit.models import LISTING_CLASS_LABELS, CreditListing, CreditPublication
from ipprotect.web.i18n import N_, get_locale, gettext

KIND_LABELS = {
    publicity.PENALTY_DECISION: N_("Administrative penalty"),
    publicity.LICENSING: N_("Administrative licensing"),
}

# The columns of the open data, in this order (CSV header and JSON keys).
LISTING_COLUMNS = [
    "name",
    "uscc",
    "behaviour",
    "behaviour_name",
    "class",
    "basis",
    "measures",
    "decided_on",
    "published_on",
    "publicity_until",
    "authority",
    "document_no",
]
DECISION_COLUMNS = [
    "id",
    "kind",
    "title",
    "document_no",
    "name",
    "uscc",
    "authority",
    "decided_on",
    "published_on",
    "publicity_until",
    "region_code",
    "measures",
    "legal_basis",
    "address",
    "resident_id",
    "phone",
]


def _named(item: rules.Item) -> str:
    return item.zh if get_locale() == "zh_CN" else item.en


def behaviour_name(behaviour: str, on: dt.date | None) -> str:
    found = listing_rules.behaviour(behaviour, on or today())
    return _named(found.item) if found else behaviour


def measure_names(measures: list[str], on: dt.date | None) -> list[str]:
    try:
        known = listing_rules.measures(on or today())
    except rules.RuleNotFound:
        known = {}
    return [_named(known[m]) if m in known else m for m in measures]


def listing_view(listing: CreditListing) -> dict[str, Any]:
    content = publicity.listing_content(listing)
    return content | {
        "behaviour_name": behaviour_name(listing.behaviour, listing.decided_on),
        "class_name": gettext(LISTING_CLASS_LABELS[listing.class_]),
        "measures": measure_names(content["measures"], listing.decided_on),
    }


def decision_view(publication: CreditPublication) -> dict[str, Any]:
    content = publicity.decision_content(publication)
    party = content.get("party", {})
    return content | {
        "address": party.get("address", ""),
        "resident_id": party.get("resident_id", ""),
        "phone": party.get("phone", ""),
    }


def row(view: dict[str, Any], columns: list[str]) -> list[Any]:
    """A view as a CSV row: lists joined by "；"."""
    out = []
    for column in columns:
        value = view.get(column, "")
        out.append("；".join(value) if isinstance(value, list) else value)
    return out
