"""The calculator against each statute: the order of methods, statutory ranges, punitive damages
(SPC interpretation 法释〔2021〕4号), reasonable expenses and the version picked by the decision
date. Figures are the shipped rule files' (src/ipprotect/rules/damages.toml)."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ipprotect.core import rules
from ipprotect.core.rules import CERTAINTIES
from ipprotect.damages.model import Reading, Typified
from ipprotect.damages.text import step_text
from tests.damages.helpers import SHIPPED, WILFUL, kinds, refused, run, step

# --- the order of methods -------------------------------------------------------------------


def test_trademark_actual_loss_known_leaves_profit_and_licence_multiple_unused() -> None:
    result = run(
        "trademark",
        actual_loss=100_000,
        infringer_profit=900_000,
        licence_fee=50_000,
        licence_multiple=3,
    )
    assert result.method == "actual_loss"
    assert result.compensatory == Decimal("100000.00")
    assert kinds(result).count("method_not_used") == 2


def test_trademark_profit_counts_only_when_the_loss_cannot_be_determined() -> None:
    result = run("trademark", infringer_profit=80_000, licence_fee=50_000, licence_multiple=3)
    assert result.method == "infringer_profit"
    assert result.compensatory == Decimal("80000.00")
    assert kinds(result)[0] == "method_undetermined"


def test_trademark_licence_multiple_applies_when_loss_and_profit_cannot_be_determined() -> None:
    result = run("trademark", licence_fee="12500.50", licence_multiple="2.5")
    assert result.method == "licence_fee_multiple"
    assert result.compensatory == Decimal("31251.25")
    assert step(result, "licence_fee_multiple").amount == Decimal("31251.25")


def test_patent_loss_and_profit_are_alternatives_and_the_higher_is_used() -> None:
    result = run("patent", actual_loss=100_000, infringer_profit=120_000, licence_fee=1)
    assert result.method == "infringer_profit"
    assert result.compensatory == Decimal("120000.00")
    used = step(result, "method_used")
    assert "alternatives" in step_text(used, "en")
    assert "method_not_used" in kinds(result)  # the licence fee of step 2


def test_patent_licence_fee_without_a_multiple_counts_once_and_the_court_sets_it() -> None:
    result = run("patent", licence_fee=40_000)
    assert result.compensatory == Decimal("40000.00")
    assert "the court sets it" in step_text(step(result, "licence_multiple_assumed"), "en")


def test_copyright_refers_to_the_royalty_itself_not_a_multiple() -> None:
    result = run("copyright", licence_fee=6_000, licence_multiple=3)
    assert result.method == "royalty"
    assert result.compensatory == Decimal("6000.00")
    assert "licence_multiple_not_used" in kinds(result)


def test_unfair_competition_has_no_licence_method() -> None:
    result = run("unfair_competition", conduct="confusion", licence_fee=10_000)
    assert result.method is None
    assert result.compensatory_range is not None


def test_a_known_zero_is_an_amount_and_stops_the_walk() -> None:
    result = run("trademark", actual_loss=0, infringer_profit=50_000)
    assert result.method == "actual_loss"
    assert result.total == Decimal("0.00")


def test_a_negative_zero_is_zero() -> None:
    result = run("patent", actual_loss="-0", reasonable_expenses="-0.00")
    assert (str(result.compensatory), str(result.total)) == ("0.00", "0.00")


# --- statutory damages ------------------------------------------------------------------------


def test_copyright_statutory_damages_range_from_500_to_5_000_000() -> None:
    result = run("copyright")
    assert result.compensatory is None
    assert result.compensatory_range is not None
    assert (result.compensatory_range.low, result.compensatory_range.high) == (
        Decimal(500),
        Decimal(5_000_000),
    )
    assert "the court decides" in step_text(step(result, "statutory_range"), "en")


def test_patent_statutory_damages_range_from_30_000_to_5_000_000_from_2021_06_01() -> None:
    result = run("patent", on=date(2021, 6, 1))
    assert result.compensatory_range is not None
    assert result.compensatory_range.low == Decimal(30_000)
    assert result.compensatory_range.high == Decimal(5_000_000)


def test_a_decision_before_the_patent_law_2020_revision_has_no_version_here() -> None:
    assert refused("patent", on=date(2021, 5, 31)) == {"decided_on": "no_version"}


def test_the_seed_law_2021_amendment_applies_from_2022_03_01() -> None:
    assert refused("seed", on=date(2022, 2, 28)) == {"decided_on": "no_version"}
    assert run("seed", on=date(2022, 3, 1), actual_loss=1).method == "actual_loss"


def test_trademark_statutory_damages_have_only_a_maximum() -> None:
    result = run("trademark")
    assert result.compensatory_range is not None
    assert result.compensatory_range.low == 0
    text = step_text(step(result, "statutory_range"), "en")
    assert "up to ¥5,000,000.00" in text


def test_an_amount_asked_within_the_statutory_range_may_be_awarded() -> None:
    result = run("copyright", statutory_amount=80_000, reasonable_expenses=2_000)
    assert result.compensatory == Decimal("80000.00")
    assert result.total == Decimal("82000.00")
    assert result.compensatory_range is not None


def test_an_amount_asked_outside_the_statutory_range_is_refused() -> None:
    assert refused("patent", statutory_amount=20_000) == {"statutory_amount": "out_of_range"}
    assert refused("copyright", statutory_amount=5_000_001) == {"statutory_amount": "out_of_range"}


def test_a_statutory_amount_is_not_used_when_a_method_determines_damages() -> None:
    result = run("copyright", actual_loss=7_000, statutory_amount=80_000)
    assert result.compensatory == Decimal("7000.00")
    assert "statutory_not_used" in kinds(result)


def test_the_total_is_a_range_when_only_statutory_damages_can_be_stated() -> None:
    result = run("patent", reasonable_expenses=10_000)
    assert result.total is None
    assert result.total_range is not None
    assert (result.total_range.low, result.total_range.high) == (
        Decimal("40000.00"),
        Decimal("5010000.00"),
    )


# --- punitive damages -------------------------------------------------------------------------


def test_punitive_damages_need_both_intent_and_serious_circumstances() -> None:
    only_intent = run(
        "patent", actual_loss=100_000, punitive_multiplier=3, intent=("continued_after_notice",)
    )
    assert only_intent.punitive == 0
    assert "punitive_not_claimed" in kinds(only_intent)
    both = run("patent", actual_loss=100_000, punitive_multiplier=3, **WILFUL)
    assert both.punitive == Decimal("300000.00")


def test_base_times_one_plus_m_adds_base_times_m_on_top_of_the_base() -> None:
    result = run("trademark", actual_loss=100_000, punitive_multiplier=3, **WILFUL)
    assert (result.compensatory, result.punitive, result.total) == (
        Decimal("100000.00"),
        Decimal("300000.00"),
        Decimal("400000.00"),
    )
    assert result.reading.reading is Reading.BASE_TIMES_ONE_PLUS_M
    assert result.reading.applied


def test_base_times_m_makes_the_whole_award_base_times_m() -> None:
    result = run(
        "trademark",
        reading=Reading.BASE_TIMES_M,
        actual_loss=100_000,
        punitive_multiplier=3,
        **WILFUL,
    )
    assert (result.punitive, result.total) == (Decimal("200000.00"), Decimal("300000.00"))
    assert result.reading.reading is Reading.BASE_TIMES_M
    assert "base × m" in result.reading.name.en


def test_a_multiplier_of_one_under_base_times_m_adds_nothing() -> None:
    result = run(
        "copyright",
        reading=Reading.BASE_TIMES_M,
        actual_loss=5_000,
        punitive_multiplier=1,
        **WILFUL,
    )
    assert result.punitive == 0
    assert result.total == Decimal("5000.00")


def test_every_result_states_the_reading_even_without_punitive_damages() -> None:
    result = run("patent", actual_loss=1_000)
    assert result.reading.reading is Reading.BASE_TIMES_ONE_PLUS_M
    assert not result.reading.applied
    assert result.reading.source.rule_id == "damages.punitive.reading"
    assert result.reading.source.certainty == "uncertain"


def test_reasonable_expenses_are_added_on_top_and_never_multiplied() -> None:
    result = run(
        "patent", actual_loss=100_000, punitive_multiplier=2, reasonable_expenses=30_000, **WILFUL
    )
    assert step(result, "punitive_base").amount == Decimal("100000.00")
    assert result.punitive == Decimal("200000.00")
    assert result.total == Decimal("330000.00")


def test_fines_already_paid_do_not_reduce_punitive_damages() -> None:
    paid = run("patent", actual_loss=100_000, punitive_multiplier=2, fines_paid=50_000, **WILFUL)
    unpaid = run("patent", actual_loss=100_000, punitive_multiplier=2, **WILFUL)
    assert paid.punitive == unpaid.punitive == Decimal("200000.00")
    assert step(paid, "fines_not_deducted").source.rule_id == (
        "damages.punitive.fines_do_not_reduce"
    )


def test_statutory_damages_are_no_base_for_punitive_damages() -> None:
    result = run("copyright", statutory_amount=100_000, punitive_multiplier=5, **WILFUL)
    assert result.punitive == 0
    assert step(result, "punitive_no_base").source.rule_id == "damages.punitive.base_methods"


def test_the_licence_fee_multiple_is_a_punitive_base() -> None:
    result = run(
        "seed", licence_fee=10_000, licence_multiple=2, punitive_multiplier="1.5", **WILFUL
    )
    assert result.compensatory == Decimal("20000.00")
    assert result.punitive == Decimal("30000.00")


def test_intent_and_serious_circumstances_without_a_multiplier_ask_for_one() -> None:
    result = run("patent", actual_loss=10_000, **WILFUL)
    assert result.punitive == 0
    assert "from 1 to 5" in step_text(step(result, "punitive_no_multiplier"), "en")


@pytest.mark.parametrize("multiplier", ["6", "0.5", "0", "1.005"])
def test_a_punitive_multiplier_outside_1_to_5_is_refused(multiplier: str) -> None:
    errors = refused("patent", actual_loss=1, punitive_multiplier=multiplier, **WILFUL)
    assert errors == {"punitive_multiplier": "out_of_range"}


def test_the_steps_name_the_checklist_items_claimed() -> None:
    result = run("trademark", actual_loss=1_000, punitive_multiplier=2, **WILFUL)
    intent = step(result, "intent")
    assert intent.source.rule_id == "damages.punitive.intent_presumed"
    assert "经权利人通知、警告后仍继续实施侵权行为" in step_text(intent, "zh_CN")
    assert step(result, "serious_circumstances").source.rule_id == (
        "damages.punitive.serious_circumstances"
    )


def test_unknown_checklist_items_are_refused_with_their_position() -> None:
    errors = refused(
        "patent",
        intent=("continued_after_notice", "guessed"),
        serious_circumstances=("nope",),
    )
    assert errors == {"intent.1": "unknown_item", "serious_circumstances.0": "unknown_item"}


def test_trademark_punitive_damages_before_the_2021_interpretation_use_it_as_guidance() -> None:
    result = run(
        "trademark", on=date(2020, 6, 1), actual_loss=10_000, punitive_multiplier=2, **WILFUL
    )
    assert result.punitive == Decimal("20000.00")
    assert step(result, "intent").source.in_force is False
    assert step(result, "punitive_applied").source.in_force is True


# --- unfair competition: versions and conduct -------------------------------------------------


def test_unfair_competition_2019_rules_apply_until_2025_10_14_and_the_2025_ones_after() -> None:
    before = run("unfair_competition", on=date(2025, 10, 14), conduct="confusion", actual_loss=1)
    after = run("unfair_competition", on=date(2025, 10, 15), conduct="confusion", actual_loss=1)
    assert step(before, "method_used").source.certainty == "verified"
    assert "2019 amendment" in step(before, "method_used").source.text
    assert step(after, "method_used").source.certainty == "uncertain"
    assert "2025 revision" in step(after, "method_used").source.text
    assert (before.uncertain, after.uncertain) == (False, True)


def test_unfair_competition_is_sequential_loss_then_profit() -> None:
    result = run(
        "unfair_competition", conduct="confusion", actual_loss=5_000, infringer_profit=90_000
    )
    assert result.method == "actual_loss"


def test_unfair_competition_statutory_damages_only_for_confusion_and_trade_secrets() -> None:
    other = run("unfair_competition", conduct="other")
    assert other.compensatory_range is None
    assert other.total is None
    assert "statutory_unavailable" in kinds(other)
    secret = run("unfair_competition", conduct="trade_secret")
    assert secret.compensatory_range is not None


def test_unfair_competition_punitive_damages_only_for_trade_secrets() -> None:
    confusion = run(
        "unfair_competition",
        conduct="confusion",
        actual_loss=10_000,
        punitive_multiplier=2,
        **WILFUL,
    )
    secret = run(
        "unfair_competition",
        conduct="trade_secret",
        actual_loss=10_000,
        punitive_multiplier=2,
        **WILFUL,
    )
    assert confusion.punitive == 0
    assert secret.punitive == Decimal("20000.00")


def test_unfair_competition_needs_the_conduct_and_other_laws_refuse_one() -> None:
    assert refused("unfair_competition", actual_loss=1) == {"conduct": "required"}
    assert refused("unfair_competition", conduct="bribery") == {"conduct": "unknown"}
    assert refused("patent", conduct="confusion") == {"conduct": "not_applicable"}


# --- typified tables --------------------------------------------------------------------------


def test_a_typified_table_estimates_statutory_damages_and_says_its_figures_are_illustrative() -> (
    None
):
    wanted = Typified("beijing_high_court_2020", "photograph", 10, ("well_known_right",))
    result = run("copyright", typified=wanted)
    assert result.typified_estimate is not None
    assert (result.typified_estimate.low, result.typified_estimate.high) == (
        Decimal("30000.00"),
        Decimal("75000.00"),
    )
    assert "typified_illustrative" in kinds(result)
    assert step(result, "typified_estimate").source.certainty == "uncertain"
    assert result.uncertain


def test_a_typified_estimate_is_kept_within_the_statutory_range() -> None:
    wanted = Typified("beijing_high_court_2020", "film", 100, ("repeated_infringement",))
    result = run("copyright", typified=wanted)
    assert result.typified_estimate is not None
    assert result.typified_estimate.high == Decimal(5_000_000)
    assert "typified_kept_in_range" in kinds(result)


def test_a_typified_table_is_not_used_when_a_method_determines_damages() -> None:
    wanted = Typified("beijing_high_court_2020", "photograph", 1)
    result = run("copyright", actual_loss=1_000, typified=wanted)
    assert result.typified_estimate is None
    assert "statutory_not_used" in kinds(result)


def test_bad_typified_choices_are_refused_with_field_paths() -> None:
    other_law = Typified("beijing_high_court_2020", "trademark_goods", 0, ("guessed",))
    assert refused("copyright", typified=other_law) == {
        "typified.case_type": "other_law",
        "typified.units": "out_of_range",
        "typified.circumstances.0": "unknown_item",
    }
    assert refused("copyright", typified=Typified("shanghai", "photograph")) == {
        "typified.table": "unknown"
    }


def test_a_typified_table_is_refused_before_it_took_effect() -> None:
    wanted = Typified("beijing_high_court_2020", "trademark_goods")
    assert refused("trademark", on=date(2020, 4, 20), typified=wanted) == {
        "typified.table": "not_in_force"
    }


# --- bad amounts, sources, regions ------------------------------------------------------------


def test_bad_amounts_are_refused_field_by_field() -> None:
    errors = refused(
        "patent",
        actual_loss=-1,
        infringer_profit="10.001",
        reasonable_expenses="2000000000000",
        licence_multiple=2,
    )
    assert errors == {
        "actual_loss": "negative",
        "infringer_profit": "too_precise",
        "reasonable_expenses": "too_large",
        "licence_fee": "required",
    }


def test_an_unknown_law_and_a_bad_region_code_are_refused() -> None:
    assert refused("design") == {"law": "unknown"}
    assert refused("patent", region_code="11") == {"region_code": "invalid"}


def test_every_step_names_its_rule_with_source_text_and_certainty() -> None:
    result = run(
        "trademark",
        infringer_profit=50_000,
        licence_fee=1_000,
        punitive_multiplier=2,
        fines_paid=1,
        reasonable_expenses=500,
        **WILFUL,
    )
    assert len(result.steps) >= 8
    for each in result.steps:
        SHIPPED.history(each.source.rule_id)  # raises for an unknown rule id
        assert each.source.text
        assert each.source.certainty in CERTAINTIES
        assert step_text(each, "zh_CN") != step_text(each, "en")


def test_a_region_override_of_the_statutory_range_applies_inside_that_region(
    tmp_path: Path,
) -> None:
    (tmp_path / "shanghai.toml").write_text(
        """
[[rule]]
id = "damages.copyright.statutory_range"
title_zh = "著作权法定赔偿数额（示例地方版本）"
title_en = "Copyright: statutory damages (a sample regional version)"
kind = "money_range"
value = { min = "1000", max = "5000000" }
effective_from = 2025-01-01
region = "310000"
source = "Test override"
certainty = "uncertain"
""",
        encoding="utf-8",
    )
    with_override = rules.load(rules.PACKAGE_DIR, tmp_path)
    inside = run("copyright", ruleset=with_override, region_code="310104")
    outside = run("copyright", ruleset=with_override, region_code="110105")
    assert inside.compensatory_range is not None
    assert outside.compensatory_range is not None
    assert (inside.compensatory_range.low, outside.compensatory_range.low) == (1000, 500)
    assert step(inside, "statutory_range").source.text == "Test override"
