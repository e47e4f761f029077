"""`ipprotect evidence deposit`: an operator deposits a file (or its hash) as an account and gets a
receipt that verifies offline with the log's key."""

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ipprotect.cli import app
from ipprotect.core import audit, migrate
from ipprotect.core.auth import Role, create_user
from ipprotect.db import make_engine, make_sessionmaker
from ipprotect.evidence import entries, keys, note
from ipprotect.evidence.blobs import BlobStore
from ipprotect.evidence.models import Deposit
from ipprotect.evidence.receipt import parse_receipt, verify_receipt
from ipprotect.settings import Settings, get_settings
from tests.factories import PASSWORD, XIHU

runner = CliRunner()
EVIDENCE = b"%PDF-1.5\n" + bytes(range(256)) * 4000  # about 1 MB


@pytest.fixture
def cli_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """A fresh SQLite database with one officer account, that the CLI finds via its settings."""
    monkeypatch.setenv("IPPROTECT_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("IPPROTECT_DATABASE_URL", "")
    monkeypatch.setenv("IPPROTECT_DEFAULT_LOCALE", "en")
    monkeypatch.setenv("IPPROTECT_LOG_ORIGIN", "deposit.example/log")
    get_settings.cache_clear()
    settings = get_settings()
    engine = make_engine(settings)
    with engine.begin() as connection:
        migrate.upgrade(connection)
    with make_sessionmaker(engine)() as session:
        for username, role in (("clerk", Role.OFFICER), ("judge", Role.EVALUATOR)):
            create_user(
                session,
                audit.SYSTEM,
                username=username,
                password=PASSWORD,
                role=role,
                region_codes=[XIHU],
            )
        session.commit()
    engine.dispose()
    yield settings
    get_settings.cache_clear()


def deposits(settings: Settings) -> list[Deposit]:
    engine = make_engine(settings)
    with make_sessionmaker(engine)() as session:
        rows = list(session.query(Deposit).order_by(Deposit.id))
    engine.dispose()
    return rows


def test_deposit_writes_a_receipt_that_verifies_with_the_log_key(
    cli_settings: Settings, tmp_path: Path
) -> None:
    evidence = tmp_path / "capture.pdf"
    evidence.write_bytes(EVIDENCE)
    out = tmp_path / "capture.tlog-proof"
    args = ["evidence", "deposit", str(evidence), "--user", "clerk", "--out", str(out)]
    result = runner.invoke(
        app, [*args, "--title", "网店截图", "--source", "https://shop.example/2"]
    )
    assert result.exit_code == 0, result.output
    sha256 = hashlib.sha256(EVIDENCE).hexdigest()
    (made,) = deposits(cli_settings)
    assert f"deposit {made.id}\nindex {made.log_index}\nsha256 {sha256}" in result.stdout
    assert made.stored
    assert made.title == "网店截图"
    assert made.region_code == XIHU
    assert BlobStore.of(cli_settings).path(sha256).read_bytes() == EVIDENCE

    receipt = parse_receipt(out.read_text())
    assert receipt.index == made.log_index
    assert receipt.extra is not None
    verify_receipt(receipt, entry=receipt.extra)
    note.open(receipt.note.encode(), [keys.log_signer(cli_settings).verifier()])
    entry = entries.decode(receipt.extra)
    assert (entry["sha256"], entry["size"], entry["media_type"]) == (
        sha256,
        len(EVIDENCE),
        "application/pdf",
    )
    assert entry["depositor"] == {"account": "clerk"}
    assert entry["metadata"]["source"] == "https://shop.example/2"


def test_hash_only_deposits_the_hash_and_stores_nothing(
    cli_settings: Settings, tmp_path: Path
) -> None:
    evidence = tmp_path / "video.bin"
    evidence.write_bytes(b"\x00\x01 a recording kept elsewhere")
    out = tmp_path / "video.tlog-proof"
    args = ["evidence", "deposit", str(evidence), "--user", "clerk", "--out", str(out)]
    result = runner.invoke(app, [*args, "--hash-only"])
    assert result.exit_code == 0, result.output
    (made,) = deposits(cli_settings)
    assert made.sha256 == hashlib.sha256(evidence.read_bytes()).hexdigest()
    assert made.title == "video.bin"
    assert not made.stored
    assert not BlobStore.of(cli_settings).has(made.sha256)
    receipt = parse_receipt(out.read_text())
    assert receipt.extra is not None
    verify_receipt(receipt, entry=receipt.extra)
    # A second deposit extends the log; its receipt proves it against the newer checkpoint.
    second = runner.invoke(app, [*args[:-1], str(tmp_path / "second.tlog-proof"), "--hash-only"])
    assert second.exit_code == 0, second.output
    newer = parse_receipt((tmp_path / "second.tlog-proof").read_text())
    assert (newer.index, newer.checkpoint.size) == (1, 2)


def test_a_refused_deposit_exits_2_and_deposits_nothing(
    cli_settings: Settings, tmp_path: Path
) -> None:
    evidence = tmp_path / "x.txt"
    evidence.write_text("evidence")
    out = tmp_path / "x.tlog-proof"
    for user, extra, expected in (
        ("nobody", [], "No active account"),
        ("judge", [], "forbidden"),
        ("clerk", ["--region", "330108"], "region_code"),
    ):
        args = ["evidence", "deposit", str(evidence), "--user", user, "--out", str(out), *extra]
        result = runner.invoke(app, args)
        assert result.exit_code == 2, result.output
        assert expected in result.output
    assert deposits(cli_settings) == []
    assert not out.exists()
