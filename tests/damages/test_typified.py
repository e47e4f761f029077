"""The typified tables file is data checked when loaded: a broken entry refuses the whole file
and the message names the table and the entry."""

import pytest

from ipprotect.damages import typified
from ipprotect.damages.typified import TableFileError, parse

GOOD = """
[[table]]
id = "sample_court"
court_zh = "示例法院"
court_en = "Sample Court"
region = "110000"
title_zh = "示例标准"
title_en = "Sample standard"
effective_from = 2020-04-21
source = "Sample source"
certainty = "secondary"
illustrative = false
note_zh = "说明"
note_en = "Note"

[[table.case_type]]
id = "photograph"
law = "copyright"
zh = "摄影作品"
en = "photographic work"
unit_zh = "幅"
unit_en = "photograph"
base = { min = "2000", max = "5000" }

[[table.circumstance]]
id = "well_known"
zh = "知名"
en = "well known"
multiplier = "1.5"
"""


def problems(text: str) -> list[str]:
    with pytest.raises(TableFileError) as caught:
        parse(text)
    return caught.value.problems


def test_a_valid_table_loads_with_decimal_amounts() -> None:
    table = parse(GOOD)["sample_court"]
    case = table.case_type("photograph")
    assert case is not None
    assert (str(case.base_min), str(case.base_max)) == ("2000", "5000")
    assert str(table.circumstances[0].multiplier) == "1.5"


def test_a_float_amount_is_refused() -> None:
    found = problems(GOOD.replace('min = "2000"', "min = 2000.0"))
    assert found == [
        "table sample_court case_type 1 (photograph) base min: an amount must be a string of "
        'yuan such as "2000" (2000.0)'
    ]


def test_an_unknown_law_and_certainty_are_refused() -> None:
    found = problems(
        GOOD.replace('law = "copyright"', 'law = "design"').replace(
            'certainty = "secondary"', 'certainty = "likely"'
        )
    )
    assert "table sample_court: certainty must be one of verified, secondary, uncertain" in found
    assert any("(photograph): law must be one of patent" in p for p in found)


def test_a_base_whose_minimum_exceeds_its_maximum_is_refused() -> None:
    found = problems(GOOD.replace('min = "2000"', 'min = "9000"'))
    assert found == [
        "table sample_court case_type 1 (photograph): base min 9000 must be at most max 5000, "
        "and max above 0"
    ]


def test_a_multiplier_below_one_is_refused() -> None:
    found = problems(GOOD.replace('multiplier = "1.5"', 'multiplier = "0.5"'))
    assert found == [
        "table sample_court circumstance 1 (well_known): multiplier 0.5 must be from 1 to 10"
    ]


def test_duplicate_case_types_and_unknown_keys_are_refused() -> None:
    case = GOOD[GOOD.index("[[table.case_type]]") : GOOD.index("[[table.circumstance]]")]
    found = problems(GOOD + case + "\n" + 'colour = "red"\n')
    assert "table sample_court case types: duplicate ids photograph" in found
    assert any("unknown keys colour" in p for p in found)


def test_the_shipped_beijing_table_is_marked_uncertain_and_illustrative() -> None:
    table = typified.tables()["beijing_high_court_2020"]
    assert table.certainty == "uncertain"
    assert table.illustrative
    assert table.region == "110000"
    assert "illustrative" in table.note_en
    assert {c.law for c in table.case_types} == {"copyright", "trademark", "unfair_competition"}
