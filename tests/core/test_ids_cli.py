"""`ipprotect ids ...`: exit 0 with the normalised value, exit 1 with the reason."""

import json

from typer.testing import CliRunner

from ipprotect.cli import app
from ipprotect.core import ids

runner = CliRunner()


def test_a_valid_credit_code_prints_normalised_and_exits_0() -> None:
    result = runner.invoke(app, ["ids", "uscc", "9144 0300 1922 0382 16"])
    assert result.exit_code == 0
    assert result.stdout.strip() == "914403001922038216"


def test_a_bad_credit_code_prints_the_reason_and_exits_1() -> None:
    result = runner.invoke(app, ["ids", "uscc", "914403001922038217"])
    assert result.exit_code == 1
    assert "uscc_checksum" in result.stderr
    assert "check character does not match" in result.stderr


def test_the_json_form_shows_the_parts_and_the_warnings() -> None:
    first17 = "9144030019220382" + "2"  # wrong organisation-code check
    code = first17 + ids.uscc_check_char(first17)
    result = runner.invoke(app, ["ids", "uscc", code, "--json"])
    assert result.exit_code == 0
    parts = json.loads(result.stdout)
    assert parts["code"] == code
    assert parts["authority"] == "9"
    assert parts["region_code"] == "440300"
    assert parts["region_name"] == "深圳市"
    assert [w["code"] for w in parts["warnings"]] == ["org_code_checksum"]


def test_warnings_are_printed_under_the_code() -> None:
    result = runner.invoke(app, ["ids", "uscc", "91440101231245152Y"])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "91440101231245152Y",
        "warning (region_not_current): The region code 440101 is not in the current division table",
    ]


def test_a_region_prints_its_names_and_its_path() -> None:
    result = runner.invoke(app, ["ids", "region", "330106"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "330106 西湖区 Xihu District (level 3)"
    assert lines[1] == "浙江省 › 杭州市 › 西湖区"
    assert lines[2] == "Zhejiang Province › Hangzhou City › Xihu District"


def test_a_region_lists_its_children_on_request() -> None:
    result = runner.invoke(app, ["ids", "region", "330100", "--children"])
    assert result.exit_code == 0
    assert "  330106 西湖区 Xihu District" in result.stdout.splitlines()


def test_an_unknown_region_exits_1() -> None:
    result = runner.invoke(app, ["ids", "region", "330199"])
    assert result.exit_code == 1
    assert "unknown region code 330199" in result.stderr


def test_a_patent_number_prints_normalised_with_kind_and_year() -> None:
    result = runner.invoke(app, ["ids", "patent", "CN 2010 8 0063196 .9"])
    assert result.exit_code == 0
    assert result.stdout.strip() == (
        "201080063196.9 invention, filed 2010, entered China through the PCT"
    )


def test_a_bad_patent_number_exits_1() -> None:
    result = runner.invoke(app, ["ids", "patent", "202010566088.8"])
    assert result.exit_code == 1
    assert "patent_checksum" in result.stderr


def test_a_resident_id_prints_only_its_masked_form() -> None:
    result = runner.invoke(app, ["ids", "resident-id", "11010519491231002x"])
    assert result.exit_code == 0
    assert result.stdout.strip() == "110105********002X"
    assert "19491231" not in result.output


def test_a_resident_id_can_come_from_stdin_to_stay_out_of_shell_history() -> None:
    result = runner.invoke(app, ["ids", "resident-id", "-"], input="11010519491231002X\n")
    assert result.exit_code == 0
    assert result.stdout.strip() == "110105********002X"


def test_a_bad_resident_id_exits_1_without_echoing_the_number() -> None:
    result = runner.invoke(app, ["ids", "resident-id", "110105194912310021"])
    assert result.exit_code == 1
    assert "resident_id_checksum" in result.stderr
    assert "110105194912310021" not in result.output
