"""`ipprotect credit verify-answer`: a calling system proves what a restriction check told it.

It needs no database and no account: only the saved answer and the published key
(`GET /api/v1/credit/check-key`, its `verifier_key` or `public_key`)."""

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ipprotect.credit import signing

console = Console()


def verify_answer(
    file: Annotated[Path, typer.Argument(help="The answer as received (JSON).", exists=True)],
    key: Annotated[
        str, typer.Option(help="The published key, or a file holding it.", show_default=False)
    ],
) -> None:
    """Check that an answer of POST /api/v1/credit/check was signed by the key, byte for byte."""
    key_text = Path(key).read_text(encoding="utf-8") if Path(key).is_file() else key
    try:
        public_key = signing.public_key_from_text(key_text)
        answer = json.loads(file.read_text(encoding="utf-8"))
    except (signing.AnswerError, ValueError) as problem:
        console.print(f"[red]{problem}[/red]")
        raise typer.Exit(2) from problem
    if not isinstance(answer, dict) or not signing.verify(answer, public_key):
        console.print(f"[red]NOT signed by this key[/red]: {file}")
        raise typer.Exit(1)
    console.print(
        f"[green]Signed[/green]: check {answer.get('check_id')} at {answer.get('checked_at')}, "
        f"decision {answer.get('decision')}, key {answer.get('key_id')}"
    )
