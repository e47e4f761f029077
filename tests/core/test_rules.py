"""The shipped legal rules: they load, the decision date picks the version, a region override
wins inside its region, and the typed accessors hand other domains what they need."""

from datetime import date
from decimal import Decimal

import pytest

from ipprotect.core import rules
from ipprotect.core.calendar import Period


@pytest.fixture(scope="module")
def shipped() -> rules.RuleSet:
    return rules.load()


def test_the_shipped_rule_files_load_and_cover_every_area(shipped: rules.RuleSet) -> None:
    files = {p.stem for p in rules.PACKAGE_DIR.glob("*.toml")}
    assert set(shipped.areas()) == files
    assert {"complaints", "credit", "damages", "adjudication", "zones"} <= files


def test_every_rule_version_names_its_source_and_a_known_certainty(
    shipped: rules.RuleSet,
) -> None:
    for rule_id in shipped.ids():
        for version in shipped.history(rule_id):
            assert version.source, version
            assert version.certainty in rules.CERTAINTIES, version
            assert version.title_zh, version
            assert version.title_en, version


def test_every_shipped_period_is_one_the_calendar_can_count(shipped: rules.RuleSet) -> None:
    periods = [v for i in shipped.ids() for v in shipped.history(i) if v.kind == "period"]
    assert len(periods) > 40
    for version in periods:
        assert Period.from_dict(version.value_json()).amount > 0  # type: ignore[arg-type]


def test_complaint_acceptance_is_7_working_days() -> None:
    assert rules.period("complaints.acceptance_decision", date(2025, 10, 8)) == {
        "amount": 7,
        "unit": "working_days",
    }


def test_credit_repair_publicity_follows_order_58_until_2026_03_31() -> None:
    rule = rules.get("credit.publicity.general.max", on=date(2026, 3, 31))
    assert "No. 58" in rule.source
    assert rule.certainty == "uncertain"
    assert [i.id for i in rules.items("credit.publicity.classes", date(2026, 3, 31))] == [
        "general",
        "serious",
    ]


def test_credit_repair_publicity_follows_order_36_from_2026_04_01() -> None:
    rule = rules.get("credit.publicity.general.max", on=date(2026, 4, 1))
    assert "No. 36" in rule.source
    assert rule.certainty == "secondary"
    assert rules.period("credit.publicity.serious.max", date(2026, 4, 1)) == {
        "amount": 3,
        "unit": "years",
    }
    assert [i.id for i in rules.items("credit.publicity.classes", date(2026, 4, 1))] == [
        "minor",
        "general",
        "serious",
    ]
    assert rules.flag("credit.publicity.minor.published", date(2026, 4, 1)) is False


def test_minor_dishonesty_class_does_not_exist_before_order_36() -> None:
    with pytest.raises(rules.RuleNotFound, match=r"credit\.publicity\.minor\.max"):
        rules.get("credit.publicity.minor.max", on=date(2026, 3, 31))


def test_shanghai_patent_adjudication_overrides_the_national_answer_period() -> None:
    national = rules.get("adjudication.patent.answer", date(2025, 6, 1))
    shanghai = rules.get("adjudication.patent.answer", date(2025, 6, 1), region="310000")
    assert national.region is None
    assert shanghai.region == "310000"
    assert shanghai.certainty == "verified"
    assert rules.period("adjudication.patent.docket", date(2025, 6, 1), "310000") == {
        "amount": 5,
        "unit": "days",
    }
    assert rules.period("adjudication.patent.docket", date(2025, 6, 1)) == {
        "amount": 5,
        "unit": "working_days",
    }


def test_a_district_of_shanghai_gets_the_shanghai_override() -> None:
    rule = rules.get("adjudication.patent.serve_request", date(2025, 6, 1), region="310104")
    assert rule.region == "310000"


def test_other_regions_keep_the_national_rule() -> None:
    rule = rules.get("adjudication.patent.serve_request", date(2025, 6, 1), region="330100")
    assert rule.region is None


def test_patent_adjudication_periods_under_cnipa_order_81_are_uncertain() -> None:
    before = rules.get("adjudication.patent.close_period", date(2025, 1, 31))
    after = rules.get("adjudication.patent.close_period", date(2025, 2, 1))
    assert before.certainty == "secondary"
    assert after.certainty == "uncertain"
    assert "No. 81" in after.source


def test_no_rule_is_in_force_before_its_effective_from() -> None:
    with pytest.raises(rules.RuleNotFound, match="2021-07-14"):
        rules.get("penalties.decision_period", on=date(2021, 7, 14))
    assert rules.period("penalties.decision_period", date(2021, 7, 15))["amount"] == 90


def test_an_unknown_rule_id_is_not_found() -> None:
    with pytest.raises(rules.RuleNotFound, match="unknown rule"):
        rules.get("complaints.no_such_rule", on=date(2025, 1, 1))


def test_money_is_decimal_and_ranges_are_pairs() -> None:
    on = date(2025, 6, 1)
    assert rules.amount("penalties.simple_procedure_fine_cap_organisation", on) == Decimal(3000)
    assert rules.money_range("damages.patent.statutory_range", on) == (
        Decimal(30000),
        Decimal(5000000),
    )
    assert rules.int_range("damages.trademark.punitive_multiplier", on) == (1, 5)
    assert rules.percent("courts.small_claims_cap_percent_of_average_wage", on) == 50
    assert rules.integer("counting.compulsion_law_working_day_limit", on) == 10


def test_trademark_damages_methods_are_sequential_and_patent_loss_or_profit_alternative() -> None:
    on = date(2025, 6, 1)
    trademark = [i.step for i in rules.items("damages.trademark.methods", on)]
    patent = [i.step for i in rules.items("damages.patent.methods", on)]
    assert trademark == [1, 2, 3, 4]
    assert patent == [1, 1, 2, 3]


def test_the_2025_unfair_competition_revision_is_flagged_uncertain() -> None:
    assert rules.get(
        "damages.unfair_competition.statutory_range", date(2025, 10, 14)
    ).certainty == ("verified")
    assert rules.get(
        "damages.unfair_competition.statutory_range", date(2025, 10, 15)
    ).certainty == ("uncertain")


def test_asking_for_the_wrong_kind_is_a_programming_error() -> None:
    with pytest.raises(rules.RuleKindError, match="is a period, not a money"):
        rules.amount("complaints.acceptance_decision", date(2025, 1, 1))


def test_in_force_lists_one_version_per_rule_with_overrides_applied(
    shipped: rules.RuleSet,
) -> None:
    on = date(2026, 4, 1)
    national = shipped.in_force(on)
    shanghai = shipped.in_force(on, region="310000")
    assert len({r.id for r in national}) == len(national)
    assert [r.id for r in national] == [r.id for r in shanghai]
    assert {r.id for r in shanghai if r.region == "310000"} == {
        "adjudication.patent.docket",
        "adjudication.patent.serve_request",
        "adjudication.patent.answer",
    }


def test_history_lists_national_versions_then_region_versions(shipped: rules.RuleSet) -> None:
    history = shipped.history("adjudication.patent.docket")
    assert [(v.region, v.effective_from) for v in history] == [
        (None, date(2015, 7, 1)),
        (None, date(2025, 2, 1)),
        ("310000", date(2021, 6, 1)),
    ]


def test_money_values_in_json_are_strings_never_floats(shipped: rules.RuleSet) -> None:
    rule = shipped.get("damages.copyright.statutory_range", date(2025, 1, 1))
    assert rule.value_json() == {"min": "500", "max": "5000000"}
    assert shipped.get("triage.complex_amount_threshold", date(2025, 1, 1)).value_json() == (
        "1000000"
    )
