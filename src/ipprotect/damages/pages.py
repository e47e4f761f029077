"""The public damages calculator page, /damages (no login): a form, and below it the result with
every step and its legal source, printable. The form is sent with GET: a calculation changes
nothing, and its address can be bookmarked or shared. Errors show next to their fields in the
visitor's language (Chinese by default)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import QueryParams

from ipprotect.core import rules
from ipprotect.core.days import today
from ipprotect.core.deps import get_settings
from ipprotect.core.errors import FieldError, Problem
from ipprotect.core.rules import Item
from ipprotect.damages import lookup, service, text, typified
from ipprotect.damages.checks import AMOUNT_FIELDS
from ipprotect.damages.laws import LAW_NAMES, LAWS
from ipprotect.damages.model import Claim, Range, Result, Source, Typified
from ipprotect.settings import Settings
from ipprotect.web.i18n import N_, get_locale, gettext
from ipprotect.web.templating import field_errors, render

router = APIRouter(include_in_schema=False)
TEMPLATE = "damages/calculator.html"
SHANGHAI = ZoneInfo("Asia/Shanghai")
MULTIPLIER_FIELDS = ("licence_multiple", "punitive_multiplier")
TEXT_FIELDS = ("law", "decided_on", "region_code", "conduct", *AMOUNT_FIELDS, *MULTIPLIER_FIELDS)
LIST_FIELDS = ("intent", "serious_circumstances", "typified.circumstances")
TYPIFIED_FIELDS = ("typified.table", "typified.case_type", "typified.units")
MAX_TEXT = 40  # longer than any amount or date anyone types


LABELS = {
    "actual_loss": N_("Right holder's actual loss"),
    "infringer_profit": N_("Infringer's profit (illegal gains under the Copyright Law)"),
    "licence_fee": N_("Licence fee (the royalty under the Copyright Law)"),
    "licence_multiple": N_("Multiple of the licence fee"),
    "statutory_amount": N_("Statutory damages asked"),
    "punitive_multiplier": N_("Punitive multiplier"),
    "fines_paid": N_("Fines already paid"),
    "reasonable_expenses": N_("Reasonable expenses of stopping the infringement"),
}
Option = tuple[str, str]  # (value, label) of a select or checkbox


@dataclass(frozen=True)
class StepRow:
    """One step as the page shows it, in the visitor's language."""

    text: str
    rule_id: str
    rule_link: str
    title: str
    source: str
    certainty: str
    certainty_class: str
    note: str
    guidance: bool


def law_name(law: str) -> str:
    return gettext(LAW_NAMES[law]) if law in LAW_NAMES else law


def _decimal(name: str, raw: str, errors: list[FieldError]) -> Decimal | None:
    cleaned = raw.replace(",", "").replace("，", "").replace("¥", "").strip()
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        errors.append(FieldError(name, "not_a_number", N_("Give a number, e.g. 12000.50")))
        return None
    return value


def _day(raw: str, errors: list[FieldError]) -> date | None:
    if not raw:
        errors.append(FieldError("decided_on", "required", N_("Give the decision date")))
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors.append(FieldError("decided_on", "invalid", N_("Give a date as YYYY-MM-DD")))
        return None


def _typified(
    values: dict[str, str], chosen: list[str], errors: list[FieldError]
) -> Typified | None:
    table, case_type = values["typified.table"], values["typified.case_type"]
    if not table and not case_type:
        return None
    if not table or not case_type:
        name = "typified.case_type" if table else "typified.table"
        message = N_("Choose both the table and the case type, or neither")
        errors.append(FieldError(name, "required", message))
        return None
    units_text = values["typified.units"] or "1"
    if not (units_text.isascii() and units_text.isdigit()):
        message = N_("Give a whole number of units, e.g. 10")
        errors.append(FieldError("typified.units", "not_a_number", message))
        return None
    return Typified(table, case_type, int(units_text), tuple(dict.fromkeys(chosen)))


def parse(query: QueryParams) -> tuple[Claim | None, dict[str, Any], list[FieldError]]:
    """The claim the form describes, the values to show again, and what could not be read.
    Fields that cannot be read are left out of the claim, so the calculator still checks the
    others and every error shows at once."""
    values: dict[str, Any] = {
        name: query.get(name, "").strip()[:MAX_TEXT] for name in (*TEXT_FIELDS, *TYPIFIED_FIELDS)
    }
    lists = {name: [v[:64] for v in query.getlist(name)][:20] for name in LIST_FIELDS}
    values.update(lists)
    errors: list[FieldError] = []
    if not values["law"]:
        errors.append(FieldError("law", "required", N_("Choose a law")))
    day = _day(values["decided_on"], errors)
    numbers = {
        name: _decimal(name, values[name], errors) for name in (*AMOUNT_FIELDS, *MULTIPLIER_FIELDS)
    }
    wanted = _typified(values, lists["typified.circumstances"], errors)
    if day is None or not values["law"]:
        return None, values, errors
    claim = Claim(
        law=values["law"],
        decided_on=day,
        region_code=values["region_code"] or None,
        intent=tuple(dict.fromkeys(lists["intent"])),
        serious_circumstances=tuple(dict.fromkeys(lists["serious_circumstances"])),
        conduct=values["conduct"] or None,
        typified=wanted,
        **numbers,
    )
    return claim, values, errors


def _form_field(path: str) -> str:
    """intent.2 → intent: list errors show next to their list."""
    head, _, tail = path.rpartition(".")
    return head if head and tail.isdigit() else path


def _options(items: tuple[Item, ...]) -> list[Option]:
    return [(i.id, i.en if get_locale() == "en" else i.zh) for i in items]


def _checklist(rule_id: str, on: date) -> list[Option]:
    found = lookup.guidance(rules.configured(), rule_id, on, None)
    return _options(lookup.items_of(found.rule)) if found else []


def _tables(on: date) -> list[typified.Table]:
    return [t for t in typified.tables().values() if t.in_force(on)]


def _form_context(on: date) -> dict[str, Any]:
    return {
        "law_options": [(law, law_name(law)) for law in LAWS],
        "intent_options": _checklist("damages.punitive.intent_presumed", on),
        "serious_options": _checklist("damages.punitive.serious_circumstances", on),
        "conduct_options": _checklist("damages.unfair_competition.conduct", on),
        "tables": _tables(on),
        "law_name": law_name,
    }


def _row(source: Source, step_text: str, on: date) -> StepRow:
    locale = get_locale()
    is_rule = not source.rule_id.startswith("typified.")
    return StepRow(
        text=step_text,
        rule_id=source.rule_id,
        rule_link=f"/rules/{source.rule_id}?on={on.isoformat()}" if is_rule else "",
        title=text.words(source.title, locale),
        source=source.text,
        certainty=text.certainty(source, locale),
        certainty_class=source.certainty,
        note=text.words(source.note, locale),
        guidance=not source.in_force,
    )


def _money_or_range(amount: Decimal | None, spread: Range | None) -> str:
    if amount is not None:
        return text.money(amount)
    if spread is not None:
        return gettext(N_("{low} to {high}")).format(
            low=text.money(spread.low), high=text.money(spread.high)
        )
    return gettext(N_("cannot be estimated"))


def _inputs(claim: Claim) -> list[tuple[str, str]]:
    """What the result was computed from, for the printed page (the form is not printed)."""
    shown = []
    for name, label in LABELS.items():
        value = getattr(claim, name)
        if value is not None:
            figure = text.number(value) if name in MULTIPLIER_FIELDS else text.money(value)
            shown.append((gettext(label), figure))
    return shown


def _result_context(result: Result) -> dict[str, Any]:
    locale = get_locale()
    on = result.claim.decided_on
    reading = result.reading
    return {
        "result": result,
        "inputs": _inputs(result.claim),
        "steps": [_row(s.source, text.step_text(s, locale), on) for s in result.steps],
        "compensatory": _money_or_range(result.compensatory, result.compensatory_range),
        "typified_estimate": _money_or_range(None, result.typified_estimate)
        if result.typified_estimate
        else "",
        "punitive": text.money(result.punitive),
        "expenses": text.money(result.reasonable_expenses),
        "total": _money_or_range(result.total, result.total_range),
        "reading_name": text.words(reading.name, locale),
        "reading_row": _row(reading.source, text.words(reading.name, locale), on),
    }


def _record_case(query: QueryParams) -> int | None:
    """A case the result may be recorded in (`?case=12`, from the case page); whether the
    caller may do so is decided when they record it."""
    text = query.get("case", "")
    return int(text) if text.isdigit() and len(text) <= 9 else None


@router.get("/damages", response_class=HTMLResponse)
def calculator_page(request: Request, settings: Settings = Depends(get_settings)) -> Response:
    query = request.query_params
    record_case = _record_case(query)
    if "law" not in query:
        day = today()
        values: dict[str, Any] = {"decided_on": day.isoformat()}
        return render(
            request, TEMPLATE, values=values, record_case=record_case, **_form_context(day)
        )
    claim, values, errors = parse(query)
    result = None
    if claim is not None:
        try:
            result = service.estimate(claim, settings)
        except Problem as problem:
            errors = errors + problem.errors
    if errors:
        result = None  # a result computed without the fields that could not be read misleads
    on = claim.decided_on if claim is not None else today()
    context = _form_context(on)
    if result is not None:
        context.update(_result_context(result))
    # One message per input, the first found: a field that could not be read is reported as
    # such, not as missing when the calculator later needs it.
    shown: dict[str, FieldError] = {}
    for e in errors:
        shown.setdefault(
            _form_field(e.field), FieldError(_form_field(e.field), e.code, e.message, e.params)
        )
    return render(
        request,
        TEMPLATE,
        status_code=422 if errors else 200,
        values=values,
        errors=field_errors(list(shown.values())),
        record_case=record_case,
        record_query=str(query),
        **context,
    )
