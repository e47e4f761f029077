"""`ipprotect evidence publish|vkey` against a database of their own, as cron would run them."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from ipprotect.cli import app
from ipprotect.core import migrate
from ipprotect.db import make_engine, make_sessionmaker
from ipprotect.evidence import log, merkle, note, tiles
from ipprotect.evidence.checkpoint import open_checkpoint
from ipprotect.evidence.models import ENTRIES, LogTile
from ipprotect.settings import Settings, get_settings

runner = CliRunner()


@pytest.fixture
def cli_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """A fresh SQLite database, migrated, that the CLI finds through its settings."""
    monkeypatch.setenv("IPPROTECT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("IPPROTECT_DATABASE_URL", "")
    monkeypatch.setenv("IPPROTECT_DEFAULT_LOCALE", "en")
    monkeypatch.setenv("IPPROTECT_LOG_ORIGIN", "cli.example/log")
    get_settings.cache_clear()
    settings = get_settings()
    engine = make_engine(settings)
    with engine.begin() as connection:
        migrate.upgrade(connection)
    engine.dispose()
    yield settings
    get_settings.cache_clear()


def append(settings: Settings, entries: list[bytes]) -> None:
    engine = make_engine(settings)
    with make_sessionmaker(engine)() as session:
        log.append(session, entries)
        session.commit()
    engine.dispose()


def test_publish_prints_a_checkpoint_the_printed_vkey_verifies_then_has_nothing_to_do(
    cli_settings: Settings,
) -> None:
    entries = [b"a", b"b", b"c"]
    append(cli_settings, entries)
    published = runner.invoke(app, ["evidence", "publish"])
    assert published.exit_code == 0, published.output
    vkey = runner.invoke(app, ["evidence", "vkey"])
    assert vkey.exit_code == 0, vkey.output
    verifier = note.parse_verifier_key(vkey.output.strip())
    checkpoint, _ = open_checkpoint(published.output.encode(), verifier)
    assert checkpoint.origin == "cli.example/log"
    assert checkpoint.root_hash == merkle.root([merkle.leaf_hash(e) for e in entries])

    again = runner.invoke(app, ["evidence", "publish"])
    assert again.exit_code == 0, again.output
    assert again.output.strip() == "Nothing to publish"


def test_publish_refuses_a_tampered_log_and_exits_1(cli_settings: Settings) -> None:
    append(cli_settings, [b"a", b"b"])
    engine = make_engine(cli_settings)
    with engine.begin() as connection:
        connection.execute(update(LogTile).where(LogTile.level == 0).values(data=b"\0" * 64))
    engine.dispose()
    refused = runner.invoke(app, ["evidence", "publish"])
    assert refused.exit_code == 1, refused.output
    assert "Refused to sign a checkpoint" in refused.output
    assert "tile/0/000.p/2 does not follow" in refused.output
    assert runner.invoke(app, ["evidence", "publish"]).exit_code == 1  # still nothing signed


def test_a_key_made_for_another_origin_stops_publish(
    cli_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert runner.invoke(app, ["evidence", "vkey"]).exit_code == 0
    monkeypatch.setenv("IPPROTECT_LOG_ORIGIN", "renamed.example/log")
    get_settings.cache_clear()
    refused = runner.invoke(app, ["evidence", "publish"])
    assert refused.exit_code == 1
    assert "cli.example/log" in refused.output


def test_check_finds_a_tampered_entry_and_publish_stays_stopped_until_it_passes(
    cli_settings: Settings,
) -> None:
    append(cli_settings, [b"a", b"b", b"c"])
    assert runner.invoke(app, ["evidence", "publish"]).exit_code == 0
    intact = runner.invoke(app, ["evidence", "check"])
    assert intact.exit_code == 0, intact.output
    assert "The log is intact" in intact.output

    engine = make_engine(cli_settings)
    with engine.begin() as connection:
        original = connection.scalar(select(LogTile.data).where(LogTile.level == ENTRIES))
        assert original is not None
        forged = tiles.encode_bundle([b"a", b"X", b"c"])
        connection.execute(update(LogTile).where(LogTile.level == ENTRIES).values(data=forged))
    damaged = runner.invoke(app, ["evidence", "check"])
    assert damaged.exit_code == 1, damaged.output
    assert "The log failed its integrity check" in damaged.output
    append(cli_settings, [b"d"])
    stopped = runner.invoke(app, ["evidence", "publish"])
    assert stopped.exit_code == 1
    assert "integrity alarm is open (tile_mismatch)" in stopped.output

    with engine.begin() as connection:
        connection.execute(
            update(LogTile)
            .where(LogTile.level == ENTRIES)
            .values(data=original + tiles.encode_bundle([b"d"]))
        )
    engine.dispose()
    assert runner.invoke(app, ["evidence", "check"]).exit_code == 0
    assert runner.invoke(app, ["evidence", "publish"]).exit_code == 0
