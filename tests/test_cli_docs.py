"""docs/cli.md is generated from the commands' --help, so it cannot go stale: regenerate it with
`make docs` when a command changes."""

import subprocess
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def test_the_cli_reference_matches_the_commands(tmp_path: Path) -> None:
    typer = Path(sys.executable).with_name("typer")
    out = tmp_path / "cli.md"
    subprocess.run(
        [typer, "ipprotect.cli", "utils", "docs", "--name", "ipprotect",
         "--title", "ipprotect command reference", "--output", out],
        check=True,
        capture_output=True,
    )  # fmt: skip
    assert out.read_text() == DOCS.read_text(), "docs/cli.md is stale: run `make docs`"
