"""Fixtures of the credit tests."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ipprotect.cli import app
from ipprotect.settings import get_settings


@pytest.fixture
def cli_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A database of its own made by the real migrations, for commands that commit (cron)."""
    monkeypatch.setenv("IPPROTECT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("IPPROTECT_DATABASE_URL", "")
    get_settings.cache_clear()
    assert CliRunner().invoke(app, ["db", "upgrade"]).exit_code == 0
    yield tmp_path
    get_settings.cache_clear()
