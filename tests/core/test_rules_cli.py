"""`ipprotect rules list | show | check`."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ipprotect.cli import app
from ipprotect.core.commands import rules as rules_command
from ipprotect.settings import Settings

runner = CliRunner()


@pytest.fixture
def operator_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the CLI at an operator rules_dir (starting empty)."""
    monkeypatch.setattr(
        rules_command, "get_settings", lambda: Settings(data_dir=tmp_path, rules_dir=tmp_path)
    )
    return tmp_path


def test_list_shows_the_rules_of_an_area_in_force_on_a_date() -> None:
    result = runner.invoke(app, ["rules", "list", "--on", "2025-06-01", "--area", "complaints"])
    assert result.exit_code == 0, result.output
    assert "complaints.acceptance_decision" in result.output
    assert "art. 14" in result.output
    assert "penalties.decision_period" not in result.output


def test_list_as_json_carries_money_as_strings() -> None:
    result = runner.invoke(app, ["rules", "list", "--on", "2025-06-01", "--json"])
    assert result.exit_code == 0, result.output
    found = {r["id"]: r for r in json.loads(result.output)}
    assert found["damages.patent.statutory_range"]["value"] == {"min": "30000", "max": "5000000"}
    assert found["complaints.acceptance_decision"]["certainty"] == "verified"


def test_list_with_a_region_applies_its_overrides() -> None:
    result = runner.invoke(
        app, ["rules", "list", "--on", "2025-06-01", "--region", "310000", "--json"]
    )
    found = {r["id"]: r for r in json.loads(result.output)}
    assert found["adjudication.patent.answer"]["region"] == "310000"


def test_list_warns_about_uncertain_rules() -> None:
    result = runner.invoke(app, ["rules", "list", "--on", "2025-06-01", "--area", "triage"])
    assert "3 rules are uncertain" in result.output


def test_list_refuses_a_bad_date() -> None:
    result = runner.invoke(app, ["rules", "list", "--on", "2025-13-01"])
    assert result.exit_code == 2
    assert "is not a date" in result.output


def test_list_refuses_an_unknown_region() -> None:
    result = runner.invoke(app, ["rules", "list", "--region", "999999"])
    assert result.exit_code == 2


def test_show_prints_the_version_in_force_and_the_history() -> None:
    result = runner.invoke(
        app, ["rules", "show", "credit.publicity.general.max", "--on", "2026-04-01"]
    )
    assert result.exit_code == 0, result.output
    assert "NDRC Order No. 36" in result.output.split("history")[0]
    assert "NDRC Order No. 58" in result.output.split("history")[1]


def test_show_says_when_no_version_is_in_force() -> None:
    result = runner.invoke(app, ["rules", "show", "courts.small_claims", "--on", "2023-06-01"])
    assert result.exit_code == 0
    assert "no version in force on 2023-06-01" in result.output


def test_show_of_an_unknown_rule_fails() -> None:
    result = runner.invoke(app, ["rules", "show", "courts.nothing"])
    assert result.exit_code == 1


def test_check_accepts_the_shipped_files(operator_dir: Path) -> None:
    result = runner.invoke(app, ["rules", "check"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: ")


def test_check_fails_on_a_broken_operator_file_and_names_it(operator_dir: Path) -> None:
    (operator_dir / "shanghai.toml").write_text(
        '[[rule]]\nid = "complaints.acceptance_decision"\ntitle_zh = "x"\ntitle_en = "x"\n'
        'kind = "period"\nvalue = { amount = 5, unit = "working_days" }\n'
        'effective_from = 2023-01-01\nsource = "local"\ncertainty = "sure"\nregion = "310000"\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["rules", "check"])
    assert result.exit_code == 1
    assert "shanghai.toml: rule complaints.acceptance_decision: unknown certainty 'sure'" in (
        result.output
    )
