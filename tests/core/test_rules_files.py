"""A broken rule file refuses to load, and the message names the file and the rule."""

from datetime import date
from pathlib import Path

import pytest

from ipprotect.core import rules

GOOD = """
[[rule]]
id = "complaints.acceptance"
title_zh = "受理"
title_en = "Acceptance"
kind = "period"
value = { amount = 7, unit = "working_days" }
effective_from = 2022-03-15
source = "Test Law art. 1"
certainty = "verified"
"""


def folder(tmp_path: Path, name: str, **files: str) -> Path:
    path = tmp_path / name
    path.mkdir()
    for stem, text in files.items():
        (path / f"{stem}.toml").write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str, extra: str | None = None) -> list[str]:
    package = folder(tmp_path, "package", complaints=text)
    operator = folder(tmp_path, "operator", shanghai=extra) if extra is not None else None
    with pytest.raises(rules.RuleFileError) as caught:
        rules.load(package, operator)
    return caught.value.problems


def test_a_valid_file_loads(tmp_path: Path) -> None:
    ruleset = rules.load(folder(tmp_path, "package", complaints=GOOD))
    assert ruleset.ids() == ["complaints.acceptance"]
    assert ruleset.history("complaints.acceptance")[0].file == "complaints.toml"


def test_an_unknown_certainty_is_refused(tmp_path: Path) -> None:
    found = problems(tmp_path, GOOD.replace('"verified"', '"probably"'))
    assert found == [
        "complaints.toml: rule complaints.acceptance: unknown certainty 'probably' "
        "(use one of verified, secondary, uncertain)"
    ]


def test_a_missing_source_is_refused(tmp_path: Path) -> None:
    found = problems(tmp_path, GOOD.replace('source = "Test Law art. 1"\n', ""))
    assert found == ["complaints.toml: rule complaints.acceptance: missing source"]


def test_a_blank_source_is_refused(tmp_path: Path) -> None:
    found = problems(tmp_path, GOOD.replace('"Test Law art. 1"', '"   "'))
    assert found == ["complaints.toml: rule complaints.acceptance: missing source"]


def test_overlapping_versions_of_one_rule_are_refused(tmp_path: Path) -> None:
    later = GOOD.replace("2022-03-15", "2023-01-01")
    found = problems(tmp_path, GOOD + later)
    assert len(found) == 1
    assert (
        "complaints.toml: rule complaints.acceptance: version from 2023-01-01 overlaps"
        in (found[0])
    )


def test_consecutive_versions_that_touch_do_not_overlap(tmp_path: Path) -> None:
    first = GOOD.replace("certainty", "effective_to = 2023-01-01\ncertainty")
    second = GOOD.replace("2022-03-15", "2023-01-01").replace("amount = 7", "amount = 5")
    ruleset = rules.load(folder(tmp_path, "package", complaints=first + second))
    assert len(ruleset.history("complaints.acceptance")) == 2


def test_effective_to_must_come_after_effective_from(tmp_path: Path) -> None:
    found = problems(tmp_path, GOOD.replace("certainty", "effective_to = 2022-03-15\ncertainty"))
    assert found == [
        "complaints.toml: rule complaints.acceptance: effective_to 2022-03-15 is not after "
        "effective_from 2022-03-15"
    ]


def test_unknown_keys_are_refused(tmp_path: Path) -> None:
    found = problems(tmp_path, GOOD.replace("certainty", 'comment = "x"\ncertainty'))
    assert found == ["complaints.toml: rule complaints.acceptance: unknown keys comment"]


def test_money_as_a_float_is_refused(tmp_path: Path) -> None:
    text = GOOD.replace('kind = "period"', 'kind = "money"').replace(
        'value = { amount = 7, unit = "working_days" }', "value = 50000.0"
    )
    found = problems(tmp_path, text)
    assert found == [
        "complaints.toml: rule complaints.acceptance: floats are not allowed in rule values "
        "(50000.0)"
    ]


def test_a_float_inside_a_money_range_is_refused(tmp_path: Path) -> None:
    text = GOOD.replace('kind = "period"', 'kind = "money_range"').replace(
        'value = { amount = 7, unit = "working_days" }', 'value = { min = 0.5, max = "10" }'
    )
    found = problems(tmp_path, text)
    assert found == [
        "complaints.toml: rule complaints.acceptance min: money must be a string of yuan, "
        "not a float (0.5)"
    ]


def test_money_as_an_integer_is_refused(tmp_path: Path) -> None:
    text = GOOD.replace('kind = "period"', 'kind = "money"').replace(
        'value = { amount = 7, unit = "working_days" }', "value = 50000"
    )
    assert "money must be a string of yuan" in problems(tmp_path, text)[0]


def test_an_unknown_period_unit_is_refused(tmp_path: Path) -> None:
    found = problems(tmp_path, GOOD.replace('"working_days"', '"fortnights"'))
    assert "unknown unit 'fortnights'" in found[0]


def test_an_unknown_kind_is_refused(tmp_path: Path) -> None:
    found = problems(tmp_path, GOOD.replace('"period"', '"duration"'))
    assert found[0].startswith("complaints.toml: rule complaints.acceptance: unknown kind")


def test_a_rule_id_must_be_dotted(tmp_path: Path) -> None:
    found = problems(tmp_path, GOOD.replace('"complaints.acceptance"', '"Acceptance"'))
    assert "id must be dotted lower-case words" in found[0]


def test_a_file_that_is_not_toml_is_named(tmp_path: Path) -> None:
    found = problems(tmp_path, "[[rule]\nid =")
    assert found[0].startswith("complaints.toml: not a valid TOML file")


def test_list_items_need_names_and_unique_ids(tmp_path: Path) -> None:
    text = GOOD.replace('kind = "period"', 'kind = "list"').replace(
        'value = { amount = 7, unit = "working_days" }',
        'value = [{ id = "a", zh = "甲", en = "A" }, { id = "a", zh = "乙", en = "B" }, '
        '{ id = "c", zh = "丙" }]',
    )
    found = problems(tmp_path, text)
    assert found == [
        "complaints.toml: rule complaints.acceptance item 3 (c): zh and en names are required",
        "complaints.toml: rule complaints.acceptance: duplicate item ids a",
    ]


def test_versions_of_one_rule_must_share_a_kind(tmp_path: Path) -> None:
    first = GOOD.replace("certainty", "effective_to = 2023-01-01\ncertainty")
    second = (
        GOOD.replace("2022-03-15", "2023-01-01")
        .replace('kind = "period"', 'kind = "integer"')
        .replace('value = { amount = 7, unit = "working_days" }', "value = 7")
    )
    found = problems(tmp_path, first + second)
    assert found == ["rule complaints.acceptance: versions disagree on kind (integer, period)"]


def test_every_problem_in_every_file_is_reported_at_once(tmp_path: Path) -> None:
    text = GOOD.replace('"verified"', '"maybe"') + GOOD.replace(
        '"complaints.acceptance"', '"complaints.other"'
    ).replace('source = "Test Law art. 1"\n', "")
    assert len(problems(tmp_path, text)) == 2


OVERRIDE = GOOD.replace("certainty", 'region = "310000"\ncertainty').replace(
    '"working_days"', '"days"'
)


def test_an_operator_folder_adds_region_overrides(tmp_path: Path) -> None:
    package = folder(tmp_path, "package", complaints=GOOD)
    operator = folder(tmp_path, "operator", shanghai=OVERRIDE)
    ruleset = rules.load(package, operator)

    assert ruleset.get("complaints.acceptance", date(2023, 1, 1), "310115").file == (
        "shanghai.toml"
    )
    assert ruleset.get("complaints.acceptance", date(2023, 1, 1), "330100").file == (
        "complaints.toml"
    )


def test_the_most_specific_region_override_wins(tmp_path: Path) -> None:
    pudong = OVERRIDE.replace('"310000"', '"310115"').replace("amount = 7", "amount = 3")
    package = folder(tmp_path, "package", complaints=GOOD)
    ruleset = rules.load(package, folder(tmp_path, "operator", shanghai=OVERRIDE + pudong))

    assert ruleset.get("complaints.acceptance", date(2023, 1, 1), "310115").region == "310115"
    assert ruleset.get("complaints.acceptance", date(2023, 1, 1), "310104").region == "310000"


def test_operator_files_may_not_add_national_rules(tmp_path: Path) -> None:
    found = problems(tmp_path, GOOD, extra=GOOD.replace("2022-03-15", "2030-01-01"))
    assert found == [
        "shanghai.toml: rule complaints.acceptance: operator rule files may only add region "
        "overrides (set region)"
    ]


def test_an_override_of_an_unknown_rule_is_refused(tmp_path: Path) -> None:
    found = problems(
        tmp_path, GOOD, extra=OVERRIDE.replace("complaints.acceptance", "complaints.typo")
    )
    assert found == [
        "shanghai.toml: rule complaints.typo: region override of an unknown national rule"
    ]


def test_overlapping_overrides_for_the_same_region_are_refused(tmp_path: Path) -> None:
    found = problems(tmp_path, GOOD, extra=OVERRIDE + OVERRIDE.replace("2022-03-15", "2024-01-01"))
    assert len(found) == 1
    assert found[0].endswith("(shanghai.toml) for region 310000")


def test_an_override_region_must_be_a_real_region_code(tmp_path: Path) -> None:
    found = problems(tmp_path, GOOD, extra=OVERRIDE.replace('"310000"', '"999999"'))
    assert "region '999999' is not a GB/T 2260 code below the nation" in found[0]


def test_a_missing_operator_folder_is_reported(tmp_path: Path) -> None:
    with pytest.raises(rules.RuleFileError, match="is not a folder"):
        rules.load(folder(tmp_path, "package", complaints=GOOD), tmp_path / "nowhere")
