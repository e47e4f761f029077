"""The damages rules the calculator reads are complete in every version: each law's methods end
in statutory damages and name only methods the calculator can quantify, each version has its
statutory range, and the readings of the punitive formula match the setting."""

from typing import get_args

import pytest

from ipprotect.damages.calculator import STATUTORY
from ipprotect.damages.laws import LAWS
from ipprotect.damages.lookup import item_ids, items_of
from ipprotect.damages.model import Reading
from ipprotect.settings import Settings
from tests.damages.helpers import SHIPPED

QUANTIFIED = {"actual_loss", "infringer_profit", "illegal_gains", "licence_fee_multiple", "royalty"}


@pytest.mark.parametrize("law", LAWS)
def test_every_version_of_a_laws_methods_ends_in_statutory_damages(law: str) -> None:
    for version in SHIPPED.history(f"damages.{law}.methods"):
        steps = items_of(version)
        assert steps[-1].id == STATUTORY
        assert {i.id for i in steps[:-1]} <= QUANTIFIED
        assert [i.step for i in steps] == sorted(i.step or 0 for i in steps)


@pytest.mark.parametrize("law", LAWS)
def test_every_version_of_a_laws_methods_has_a_statutory_range_on_its_first_day(law: str) -> None:
    for version in SHIPPED.history(f"damages.{law}.methods"):
        day = version.effective_from
        assert SHIPPED.get(f"damages.{law}.statutory_range", day).kind == "money_range"
        assert SHIPPED.get("damages.reasonable_expenses_added", day).value is True


def test_the_readings_in_the_rules_are_the_readings_the_setting_allows() -> None:
    rule = SHIPPED.history("damages.punitive.reading")[0]
    setting = Settings.model_fields["damages_punitive_reading"]
    assert set(item_ids(rule)) == {r.value for r in Reading}
    assert set(get_args(setting.annotation)) == {r.value for r in Reading}
    assert setting.default == Reading.BASE_TIMES_ONE_PLUS_M.value
