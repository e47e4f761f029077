"""Running the calculator in tests on the shipped rules and tables, without the app."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from ipprotect.core import rules
from ipprotect.core.errors import Problem
from ipprotect.damages import typified
from ipprotect.damages.calculator import calculate
from ipprotect.damages.model import Claim, Reading, Result

SHIPPED = rules.load()
DAY = date(2025, 6, 1)  # every law's current version is in force
ONE_PLUS_M = Reading.BASE_TIMES_ONE_PLUS_M


NUMBERS = {
    "actual_loss",
    "infringer_profit",
    "licence_fee",
    "licence_multiple",
    "punitive_multiplier",
    "reasonable_expenses",
    "fines_paid",
    "statutory_amount",
}


def claim(law: str, on: date = DAY, **known: Any) -> Claim:
    """A claim whose amounts may be given as ints or strings (they become Decimal)."""
    values = {k: Decimal(str(v)) if k in NUMBERS and v is not None else v for k, v in known.items()}
    return Claim(law=law, decided_on=on, **values)


def run(
    law: str,
    on: date = DAY,
    reading: Reading = ONE_PLUS_M,
    ruleset: rules.RuleSet = SHIPPED,
    **known: Any,
) -> Result:
    return calculate(claim(law, on, **known), ruleset, reading, typified.tables())


def refused(law: str, on: date = DAY, **known: Any) -> dict[str, str]:
    """field → code of every error the calculator answers with."""
    with pytest.raises(Problem) as caught:
        run(law, on, **known)
    assert caught.value.status == 422
    return {e.field: e.code for e in caught.value.errors}


def kinds(result: Result) -> list[str]:
    return [step.kind for step in result.steps]


def step(result: Result, kind: str) -> Any:
    return next(s for s in result.steps if s.kind == kind)


WILFUL = {
    "intent": ("continued_after_notice",),
    "serious_circumstances": ("business_of_infringement",),
}
