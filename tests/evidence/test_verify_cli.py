"""`ipprotect evidence verify`: exit codes, and the report in Chinese by default or in English;
it reads only the files it is given, never the platform's database or keys."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ipprotect.cli import app
from ipprotect.evidence import log, timestamps, tsa
from ipprotect.settings import Settings, get_settings
from tests.evidence.verify_receipts import CONTENT, Deposited, cosigned, deposit, witness

runner = CliRunner()


@pytest.fixture
def offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Settings pointing at a data directory that does not exist and a database that cannot
    open: the command must need neither. Chinese is the default locale."""
    data_dir = tmp_path / "no-platform-here"
    monkeypatch.setenv("IPPROTECT_DATA_DIR", str(data_dir))
    monkeypatch.setenv("IPPROTECT_DATABASE_URL", "postgresql://nobody@256.0.0.0/none")
    monkeypatch.setenv("IPPROTECT_DEFAULT_LOCALE", "zh_CN")
    get_settings.cache_clear()
    yield data_dir
    get_settings.cache_clear()


@pytest.fixture
def files(db: Session, settings: Settings, tmp_path: Path) -> tuple[Deposited, Path, Path]:
    deposited = deposit(db, settings)
    receipt = tmp_path / "deposit.tlog-proof"
    receipt.write_text(deposited.receipt)
    evidence = tmp_path / "evidence.png"
    evidence.write_bytes(CONTENT)
    return deposited, receipt, evidence


def test_a_good_receipt_and_file_exit_0_with_a_chinese_report(
    offline: Path, files: tuple[Deposited, Path, Path]
) -> None:
    deposited, receipt, evidence = files
    result = runner.invoke(
        app, ["evidence", "verify", str(receipt), str(evidence), "--vkey", deposited.vkey]
    )
    assert result.exit_code == 0, result.output
    assert "✓ 日志签名" in result.output
    assert "✓ 文件" in result.output
    assert "– 见证方" in result.output
    assert "回执验证通过" in result.output
    assert deposited.sha256 in result.output
    assert not offline.exists()


def test_the_report_is_in_english_with_lang_en_and_the_key_may_be_a_file(
    offline: Path, files: tuple[Deposited, Path, Path], tmp_path: Path
) -> None:
    deposited, receipt, evidence = files
    key = tmp_path / "log.vkey"
    key.write_text(deposited.vkey + "\n")
    result = runner.invoke(
        app, ["evidence", "verify", str(receipt), str(evidence), "--vkey", str(key), "--lang", "en"]
    )
    assert result.exit_code == 0, result.output
    assert "✓ Log signature" in result.output
    assert "The receipt is verified" in result.output
    assert "回执" not in result.output


def test_another_file_exits_1_and_says_which_check_failed(
    offline: Path, files: tuple[Deposited, Path, Path], tmp_path: Path
) -> None:
    deposited, receipt, _ = files
    tampered = tmp_path / "tampered.png"
    tampered.write_bytes(CONTENT + b"!")
    result = runner.invoke(
        app,
        [
            "evidence",
            "verify",
            str(receipt),
            str(tampered),
            "--vkey",
            deposited.vkey,
            "--lang",
            "en",
        ],
    )
    assert result.exit_code == 1, result.output
    assert "✗ File" in result.output
    assert "✓ Inclusion in the log" in result.output
    assert "The receipt failed verification" in result.output


def test_a_garbage_receipt_exits_1(
    offline: Path, files: tuple[Deposited, Path, Path], tmp_path: Path
) -> None:
    deposited, _, _ = files
    garbage = tmp_path / "garbage.tlog-proof"
    garbage.write_bytes(b"\xff\x00 not a receipt")
    result = runner.invoke(app, ["evidence", "verify", str(garbage), "--vkey", deposited.vkey])
    assert result.exit_code == 1, result.output
    assert "✗ 回执格式" in result.output
    assert "回执验证未通过" in result.output


def test_witness_and_time_checks_run_from_the_command_line(
    offline: Path,
    files: tuple[Deposited, Path, Path],
    db: Session,
    settings: Settings,
    tmp_path: Path,
) -> None:
    deposited, receipt, evidence = files
    signer = witness()
    receipt.write_text(cosigned(deposited.receipt, signer))
    latest = log.latest_checkpoint(db)
    assert latest is not None
    (token,) = [t for t in timestamps.stamp_checkpoint(db, settings, latest) if t.tsa == "builtin"]
    tsr = tmp_path / "checkpoint.tsr"
    tsr.write_bytes(token.response)
    chain = tmp_path / "chain.pem"
    chain.write_bytes(tsa.authority(settings).chain_pem())
    arguments = ["evidence", "verify", str(receipt), str(evidence), "--vkey", deposited.vkey]
    arguments += ["--witness", signer.verifier().to_text(), "--quorum", "1"]
    arguments += ["--tsr", str(tsr), "--tsa-chain", str(chain), "--lang", "en"]
    result = runner.invoke(app, arguments)
    assert result.exit_code == 0, result.output
    assert "✓ Witnesses" in result.output
    assert "✓ Trusted time" in result.output
    assert "witness.example/w" in result.output


@pytest.mark.parametrize(
    "extra",
    [
        ["--vkey", "not a key"],
        ["--vkey", "VKEY", "--witness", "not a key"],
        ["--vkey", "VKEY", "--quorum", "1"],
        ["--vkey", "VKEY", "--quorum", "0"],
        ["--vkey", "VKEY", "--tsr", "RECEIPT"],
        ["--vkey", "VKEY", "--lang", "fr"],
        [],
    ],
)
def test_usage_errors_exit_2(
    offline: Path, files: tuple[Deposited, Path, Path], extra: list[str]
) -> None:
    deposited, receipt, _ = files
    replaced = [
        deposited.vkey if a == "VKEY" else str(receipt) if a == "RECEIPT" else a for a in extra
    ]
    result = runner.invoke(app, ["evidence", "verify", str(receipt), *replaced])
    assert result.exit_code == 2, result.output


def test_a_missing_receipt_file_is_a_usage_error(offline: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["evidence", "verify", str(tmp_path / "absent.tlog-proof"), "--vkey", "x"]
    )
    assert result.exit_code == 2, result.output


def test_usage_errors_are_in_the_language_asked_for(
    offline: Path, files: tuple[Deposited, Path, Path]
) -> None:
    _, receipt, _ = files
    arguments = ["evidence", "verify", str(receipt), "--vkey", "not a key"]
    english = runner.invoke(app, [*arguments, "--lang", "en"])
    chinese = runner.invoke(app, arguments)
    assert (english.exit_code, chinese.exit_code) == (2, 2)
    assert "The key is malformed" in english.output
    assert "密钥格式错误" in chinese.output
