"""A result as people read it, in Chinese or English: each step's template translated by the
message catalogs and filled with its amounts (¥1,234.00), names and dates. The API gives both
languages; the page gives the visitor's."""

from datetime import date
from decimal import Decimal

from ipprotect.core import rules_text
from ipprotect.damages.model import Money, Param, Source, Step, Words
from ipprotect.web.i18n import catalog

LOCALES = ("zh_CN", "en")


def money(amount: Decimal) -> str:
    return f"¥{amount:,.2f}"


def number(value: Decimal) -> str:
    """A multiplier as typed: 3, 1.5 (never 3.00 or 1.5E+0)."""
    return f"{value.normalize():f}"


def translate(message: str, locale: str) -> str:
    return message if locale == "en" else catalog(locale).get(message, message)


def _param(value: Param, locale: str) -> str:
    chinese = locale != "en"
    if isinstance(value, Money):
        return money(value.amount)
    if isinstance(value, Words):
        return value.zh if chinese else value.en
    if isinstance(value, tuple):
        names = [w.zh if chinese else w.en for w in value]
        return ("、" if chinese else ", ").join(names)
    if isinstance(value, Decimal):
        return number(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def step_text(step: Step, locale: str) -> str:
    params = {name: _param(value, locale) for name, value in step.params.items()}
    return translate(step.message, locale).format(**params)


def words(value: Words, locale: str) -> str:
    return value.en if locale == "en" else value.zh


def certainty(source: Source, locale: str) -> str:
    return translate(rules_text.CERTAINTY_TEXT[source.certainty], locale)
