"""Bad input to the calculator, found before anything is computed: every problem of a claim as a
FieldError whose field is the API's field path ("typified.case_type", "intent.2"), so the API
answers 422 with them and the page shows each next to its input."""

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from ipprotect.core.errors import FieldError
from ipprotect.core.regions import is_region_code
from ipprotect.core.rules import Rule
from ipprotect.damages.laws import LAWS
from ipprotect.damages.lookup import Guidance, LawRules, int_range_of, item_ids
from ipprotect.damages.model import Claim
from ipprotect.damages.typified import Table
from ipprotect.web.i18n import N_

# Input bounds, not law: large enough for any real claim, small enough that Decimal arithmetic
# on them stays exact and cheap.
MAX_AMOUNT = Decimal("1000000000000")  # one trillion yuan
MAX_LICENCE_MULTIPLE = Decimal(100)
MAX_UNITS = 1_000_000
AMOUNT_FIELDS = (
    "actual_loss",
    "infringer_profit",
    "licence_fee",
    "reasonable_expenses",
    "fines_paid",
    "statutory_amount",
)


def _decimal_places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _number(name: str, value: Decimal, limit: Decimal, errors: list[FieldError]) -> bool:
    """A finite, non-negative number with at most two decimals (fen) and below `limit`."""
    if not value.is_finite():
        errors.append(FieldError(name, "not_a_number", N_("Give a number, e.g. 12000.50")))
    elif value < 0:
        errors.append(FieldError(name, "negative", N_("The amount cannot be negative")))
    elif value > limit:
        message = N_("Give at most {max}")
        errors.append(FieldError(name, "too_large", message, {"max": f"{limit:,}"}))
    elif _decimal_places(value) > 2:
        message = N_("Give at most two decimals (yuan to the fen)")
        errors.append(FieldError(name, "too_precise", message))
    else:
        return True
    return False


def basics(claim: Claim, errors: list[FieldError]) -> None:
    """The checks that need no rule: the law, the region code and every amount."""
    if claim.law not in LAWS:
        message = N_("Choose one of the laws: {laws}")
        errors.append(FieldError("law", "unknown", message, {"laws": ", ".join(LAWS)}))
    if claim.region_code is not None and not is_region_code(claim.region_code):
        message = N_("Give a 6-digit GB/T 2260 region code, e.g. 110000")
        errors.append(FieldError("region_code", "invalid", message))
    for name in AMOUNT_FIELDS:
        value = getattr(claim, name)
        if value is not None:
            _number(name, value, MAX_AMOUNT, errors)
    multiple = claim.licence_multiple
    if multiple is not None and _number("licence_multiple", multiple, MAX_LICENCE_MULTIPLE, errors):
        if multiple == 0:
            message = N_("The multiple must be greater than zero")
            errors.append(FieldError("licence_multiple", "not_positive", message))
        elif claim.licence_fee is None:
            message = N_("Give the licence fee the multiple applies to")
            errors.append(FieldError("licence_fee", "required", message))


def no_version(claim: Claim, first: date | None) -> FieldError:
    if first is None or claim.decided_on >= first:
        message = N_("No version of this law's damages rules is in force on {day}")
        return FieldError("decided_on", "no_version", message, {"day": claim.decided_on})
    message = N_(
        "No version of this law's damages rules is in force on {day}; the first starts on {first}"
    )
    return FieldError(
        "decided_on", "no_version", message, {"day": claim.decided_on, "first": first}
    )


def _items(name: str, chosen: tuple[str, ...], rule: Rule | None, errors: list[FieldError]) -> None:
    known = set(item_ids(rule))
    for n, item in enumerate(chosen):
        if item not in known:
            message = N_("{item} is not an item of this checklist")
            errors.append(FieldError(f"{name}.{n}", "unknown_item", message, {"item": item}))


def _rule_of(guidance: Guidance | None) -> Rule | None:
    return guidance.rule if guidance is not None else None


def against_rules(claim: Claim, law: LawRules, errors: list[FieldError]) -> None:
    """The checks that need the law's rules in force on the decision date."""
    punitive = law.punitive_multiplier
    multiplier = claim.punitive_multiplier
    if multiplier is not None and punitive is None:
        message = N_("This law provides no punitive damages on {day}")
        errors.append(
            FieldError("punitive_multiplier", "not_available", message, {"day": claim.decided_on})
        )
    elif multiplier is not None and punitive is not None:
        low, high = int_range_of(punitive)
        if not (multiplier.is_finite() and low <= multiplier <= high) or (
            _decimal_places(multiplier) > 2
        ):
            message = N_("The punitive multiplier must be from {min} to {max}")
            errors.append(
                FieldError(
                    "punitive_multiplier", "out_of_range", message, {"min": low, "max": high}
                )
            )
    _items("intent", claim.intent, _rule_of(law.intent), errors)
    _items("serious_circumstances", claim.serious_circumstances, _rule_of(law.serious), errors)
    if law.conduct is None and claim.conduct is not None:
        message = N_("This law does not distinguish kinds of conduct; leave this empty")
        errors.append(FieldError("conduct", "not_applicable", message))
    elif law.conduct is not None:
        kinds = item_ids(law.conduct)
        if claim.conduct is None:
            message = N_("Say which conduct the claim is about: {kinds}")
            errors.append(FieldError("conduct", "required", message, {"kinds": ", ".join(kinds)}))
        elif claim.conduct not in kinds:
            message = N_("Choose one of: {kinds}")
            errors.append(FieldError("conduct", "unknown", message, {"kinds": ", ".join(kinds)}))


def typified(claim: Claim, tables: Mapping[str, Table], errors: list[FieldError]) -> None:
    wanted = claim.typified
    if wanted is None:
        return
    table = tables.get(wanted.table)
    if table is None:
        message = N_("Choose one of the tables: {tables}")
        params = {"tables": ", ".join(sorted(tables))}
        errors.append(FieldError("typified.table", "unknown", message, params))
        return
    if not table.in_force(claim.decided_on):
        message = N_("This table is not in force on {day}")
        day = {"day": claim.decided_on}
        errors.append(FieldError("typified.table", "not_in_force", message, day))
    case = table.case_type(wanted.case_type)
    if case is None:
        message = N_("{case_type} is not a case type of this table")
        params = {"case_type": wanted.case_type}
        errors.append(FieldError("typified.case_type", "unknown", message, params))
    elif case.law != claim.law:
        message = N_("This case type belongs to another law")
        errors.append(FieldError("typified.case_type", "other_law", message))
    if not 1 <= wanted.units <= MAX_UNITS:
        message = N_("Give a number of units from 1 to {max}")
        errors.append(FieldError("typified.units", "out_of_range", message, {"max": MAX_UNITS}))
    for n, circumstance in enumerate(wanted.circumstances):
        if table.circumstance(circumstance) is None:
            message = N_("{item} is not a circumstance of this table")
            errors.append(
                FieldError(
                    f"typified.circumstances.{n}", "unknown_item", message, {"item": circumstance}
                )
            )


def statutory_amount(claim: Claim, low: Decimal, high: Decimal) -> FieldError | None:
    """The statutory damages asked for must lie within the range the law sets."""
    asked = claim.statutory_amount
    if asked is None or low <= asked <= high:
        return None
    message = N_("The statutory damages asked must be from {min} to {max} yuan")
    return FieldError(
        "statutory_amount", "out_of_range", message, {"min": f"{low:,}", "max": f"{high:,}"}
    )
