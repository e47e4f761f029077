"""Properties that hold for every claim: the total never falls below compensatory damages,
there are no punitive damages without both intent and serious circumstances, punitive damages
grow with the multiplier under either reading, and expenses add exactly themselves."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from ipprotect.damages.model import Reading
from tests.damages.helpers import WILFUL, run

LAWS_WITH_CONDUCT = st.sampled_from(
    [
        ("patent", None),
        ("trademark", None),
        ("copyright", None),
        ("seed", None),
        ("unfair_competition", "trade_secret"),
    ]
)
AMOUNT = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
MAYBE = st.none() | AMOUNT
MULTIPLIER = st.decimals(min_value=1, max_value=5, places=2, allow_nan=False, allow_infinity=False)
READING = st.sampled_from(list(Reading))


@given(LAWS_WITH_CONDUCT, MAYBE, MAYBE, MAYBE, MULTIPLIER, AMOUNT, READING, st.booleans())
def test_the_total_is_never_below_compensatory_damages(
    law: tuple[str, str | None],
    loss: Decimal | None,
    profit: Decimal | None,
    fee: Decimal | None,
    multiplier: Decimal,
    expenses: Decimal,
    reading: Reading,
    wilful: bool,
) -> None:
    name, conduct = law
    result = run(
        name,
        reading=reading,
        conduct=conduct,
        actual_loss=loss,
        infringer_profit=profit,
        licence_fee=fee,
        punitive_multiplier=multiplier,
        reasonable_expenses=expenses,
        **(WILFUL if wilful else {}),
    )
    if result.compensatory is not None:
        assert result.total is not None
        assert result.total >= result.compensatory + result.reasonable_expenses
    assert result.punitive >= 0


@given(
    LAWS_WITH_CONDUCT,
    AMOUNT,
    MULTIPLIER,
    st.sampled_from([{}, *[dict([i]) for i in WILFUL.items()]]),
)
def test_no_punitive_damages_without_both_intent_and_serious_circumstances(
    law: tuple[str, str | None],
    loss: Decimal,
    multiplier: Decimal,
    claimed: dict[str, tuple[str, ...]],
) -> None:
    name, conduct = law
    result = run(name, conduct=conduct, actual_loss=loss, punitive_multiplier=multiplier, **claimed)
    assert result.punitive == 0
    assert result.total == result.compensatory


@given(LAWS_WITH_CONDUCT, AMOUNT, MULTIPLIER, MULTIPLIER, READING)
def test_punitive_damages_never_fall_as_the_multiplier_rises(
    law: tuple[str, str | None], base: Decimal, first: Decimal, second: Decimal, reading: Reading
) -> None:
    name, conduct = law
    low, high = sorted((first, second))

    def punitive(multiplier: Decimal) -> Decimal:
        return run(
            name,
            reading=reading,
            conduct=conduct,
            actual_loss=base,
            punitive_multiplier=multiplier,
            **WILFUL,
        ).punitive

    assert punitive(low) <= punitive(high)
    if base >= 1 and high - low >= Decimal("0.01"):
        assert punitive(low) < punitive(high)


@given(LAWS_WITH_CONDUCT, AMOUNT, MULTIPLIER, AMOUNT)
def test_reasonable_expenses_add_exactly_themselves(
    law: tuple[str, str | None], base: Decimal, multiplier: Decimal, expenses: Decimal
) -> None:
    name, conduct = law
    common = {"conduct": conduct, "actual_loss": base, "punitive_multiplier": multiplier, **WILFUL}
    without = run(name, **common)
    with_expenses = run(name, reasonable_expenses=expenses, **common)
    assert with_expenses.punitive == without.punitive
    assert with_expenses.total is not None
    assert without.total is not None
    assert with_expenses.total - without.total == expenses
