"""Rules as people read them: values ("7 working days", "¥30,000 – ¥5,000,000"), titles,
notes and certainty labels in the current language (zh_CN or en), for pages, exports and the CLI.
"""

from decimal import Decimal
from typing import Any

from ipprotect.core.regions import region_name
from ipprotect.core.rules import Item, Rule
from ipprotect.web.i18n import N_, get_locale, gettext

UNIT_TEXT = {
    "working_days": (N_("%(n)s working day"), N_("%(n)s working days")),
    "days": (N_("%(n)s day"), N_("%(n)s days")),
    "months": (N_("%(n)s month"), N_("%(n)s months")),
    "years": (N_("%(n)s year"), N_("%(n)s years")),
}

AREA_TEXT = {
    "adjudication": N_("Administrative adjudication"),
    "complaints": N_("Complaints and reports"),
    "counting": N_("Counting periods"),
    "courts": N_("Courts"),
    "credit": N_("Credit"),
    "criminal_transfer": N_("Transfer to criminal justice"),
    "damages": N_("Damages"),
    "mediation": N_("Mediation"),
    "penalties": N_("Administrative penalties"),
    "publicity": N_("Publicity"),
    "screening": N_("Filing screening"),
    "triage": N_("Simple / complex triage"),
    "zones": N_("Demonstration zones"),
}

CERTAINTY_TEXT = {
    "verified": N_("Verified"),
    "secondary": N_("Secondary source"),
    "uncertain": N_("Uncertain"),
}

CERTAINTY_HELP = {
    "verified": N_("Read in the statute text."),
    "secondary": N_("From a secondary source (an official page mirror or a law-firm note)."),
    "uncertain": N_(
        "Uncertain or conflicting: operators must verify this rule before relying on it."
    ),
}


def chinese() -> bool:
    return get_locale() == "zh_CN"


def title(rule: Rule) -> str:
    return rule.title_zh if chinese() else rule.title_en


def note(rule: Rule) -> str:
    return rule.note_zh if chinese() else rule.note_en


def item_name(item: Item) -> str:
    return item.zh if chinese() else item.en


def in_force_text(rule: Rule) -> str:
    start = rule.effective_from.isoformat()
    if rule.effective_to is None:
        return gettext("from %(date)s") % {"date": start}
    return f"{start} – {rule.effective_to.isoformat()}"


def region_label(code: str | None) -> str:
    """National rules say so; an override names its region, e.g. "上海市 (310000)"."""
    if code is None:
        return gettext("National")
    return f"{region_name(code, get_locale())} ({code})"


def area_name(area: str) -> str:
    return gettext(AREA_TEXT[area]) if area in AREA_TEXT else area


def certainty(rule: Rule) -> str:
    return gettext(CERTAINTY_TEXT[rule.certainty])


def certainty_help(rule: Rule) -> str:
    return gettext(CERTAINTY_HELP[rule.certainty])


def money(amount: Decimal) -> str:
    return f"¥{amount:,}"


def period_text(amount: int, unit: str) -> str:
    one, many = UNIT_TEXT[unit]
    return gettext(one if amount == 1 else many) % {"n": amount}


def value_text(rule: Rule) -> str:
    """The value in one line of the current language."""
    value: Any = rule.value
    if rule.kind == "period":
        return period_text(value["amount"], value["unit"])
    if rule.kind == "money":
        return money(value)
    if rule.kind == "money_range":
        low, high = value
        if low == 0:
            return gettext("up to %(max)s") % {"max": money(high)}
        return f"{money(low)} – {money(high)}"
    if rule.kind == "integer_range":
        return f"{value[0]} – {value[1]}"
    if rule.kind == "percent":
        return f"{value}%"
    if rule.kind == "boolean":
        return gettext("Yes") if value else gettext("No")
    if rule.kind == "list":
        return items_text(value)
    return str(value)


def items_text(items: tuple[Item, ...]) -> str:
    """Items joined; with steps, alternatives share a step and steps read in order (→)."""
    if all(i.step is None for i in items):
        return "; ".join(item_name(i) for i in items)
    steps = sorted({i.step or 0 for i in items})
    return " → ".join(
        " / ".join(item_name(i) for i in items if (i.step or 0) == step) for step in steps
    )
