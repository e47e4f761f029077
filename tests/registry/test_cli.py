"""`ipprotect registry import|export|search` against a database of their own."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ipprotect.cli import app
from ipprotect.core.tabular import read_table
from ipprotect.settings import get_settings
from tests.factories import XIHU
from tests.registry.factories import uscc

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh SQLite database, migrated, that the CLI finds through its settings."""
    monkeypatch.setenv("IPPROTECT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("IPPROTECT_DATABASE_URL", "")
    get_settings.cache_clear()
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    yield tmp_path
    get_settings.cache_clear()


def test_import_then_search_then_export(data_dir: Path) -> None:
    source = data_dir / "名单.csv"
    source.write_bytes(
        "名称,统一社会信用代码,行政区划代码\n"
        f"杭州命令行茶业有限公司,{uscc(XIHU)},{XIHU}\n"
        f"坏行有限公司,123,{XIHU}\n".encode("gb18030")
    )
    errors = data_dir / "errors.csv"
    result = runner.invoke(
        app, ["registry", "import", str(source), "--region", XIHU, "--errors", str(errors)]
    )
    assert result.exit_code == 1, result.output  # one row was refused
    assert "created 1" in result.output
    assert "failed 1" in result.output
    [bad] = read_table(errors.read_bytes(), "errors.csv").rows
    assert (bad.values["row"], bad.values["code"]) == ("3", "uscc_length")

    found = runner.invoke(app, ["registry", "search", "命令行茶業"])
    assert found.exit_code == 0, found.output
    assert "杭州命令行茶业有限公司" in found.output

    for suffix in ("csv", "xlsx"):
        out = data_dir / f"out.{suffix}"
        exported = runner.invoke(app, ["registry", "export", str(out), "--region", XIHU])
        assert exported.exit_code == 0, exported.output
        names = [r.values["name"] for r in read_table(out.read_bytes(), out.name).rows]
        assert names == ["杭州命令行茶业有限公司"]


def test_importing_the_same_file_again_skips_every_row(data_dir: Path) -> None:
    source = data_dir / "list.csv"
    source.write_text(f"name,uscc\n西湖重复有限公司,{uscc(XIHU)}\n", encoding="utf-8")
    assert runner.invoke(app, ["registry", "import", str(source)]).exit_code == 0
    again = runner.invoke(app, ["registry", "import", str(source)])
    assert again.exit_code == 0, again.output
    assert "skipped 1" in again.output


def test_rights_import_with_what_rights_and_find_their_owners_by_credit_code(
    data_dir: Path,
) -> None:
    code = uscc(XIHU)
    entities = data_dir / "entities.csv"
    entities.write_text(f"name,uscc\n命令行权利人有限公司,{code}\n", encoding="utf-8")
    assert runner.invoke(app, ["registry", "import", str(entities)]).exit_code == 0
    rights = data_dir / "权利.csv"
    rights.write_bytes(
        "类型,注册号,名称,权利人统一社会信用代码,尼斯分类\n"
        f"商标,30042345,命令行商标,{code},30\n"
        f"商标,30042346,命令行坏行,{uscc(XIHU)},30\n".encode("gb18030")
    )
    result = runner.invoke(app, ["registry", "import", str(rights), "--what", "rights"])
    assert result.exit_code == 1, result.output  # one row was refused
    assert "created 1" in result.output
    assert "row 3 owner_uscc (unknown_owner)" in result.output
    again = runner.invoke(app, ["registry", "import", str(rights), "--what", "rights"])
    assert "skipped 1" in again.output


def test_an_unreadable_file_exits_2(data_dir: Path) -> None:
    source = data_dir / "list.csv"
    source.write_text("uscc\n123\n", encoding="utf-8")
    result = runner.invoke(app, ["registry", "import", str(source)])
    assert result.exit_code == 2
    assert "missing_column" in result.output


def test_a_search_without_a_match_exits_1(data_dir: Path) -> None:
    result = runner.invoke(app, ["registry", "search", "不存在的公司"])
    assert result.exit_code == 1
