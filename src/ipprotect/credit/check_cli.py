"""`ipprotect credit verify-answer` and `ipprotect credit screen`.

verify-answer: a calling system proves what a restriction check told it. It needs no database
and no account: only the saved answer and the published key (`GET /api/v1/credit/check-key`,
its `verifier_key` or `public_key`).

screen: bulk screening of a list of bidders from the server's shell, as the platform itself
(national scope), a job like the page's, with a progress bar.
"""

import json
import shutil
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from ipprotect.core import ids, jobs
from ipprotect.core.auth import Principal, Role
from ipprotect.core.errors import Problem
from ipprotect.core.scope import NATIONAL, Scope
from ipprotect.credit import checks, screening, signing
from ipprotect.credit.models import CheckPurpose
from ipprotect.db import make_engine, make_sessionmaker, utcnow
from ipprotect.settings import get_settings
from ipprotect.web.i18n import catalog, gettext, set_locale

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


PLATFORM = Principal(None, "system", Role.SYSTEM, Scope.of([NATIONAL]))


def screen(
    file: Annotated[
        Path, typer.Argument(help="Bidders: CSV (UTF-8 or GB18030) or XLSX.", exists=True)
    ],
    purpose: Annotated[CheckPurpose, typer.Option(help="What the bidders compete for.")],
    out: Annotated[Path, typer.Option(help="RESULT.csv or RESULT.xlsx", dir_okay=False)],
) -> None:
    """Screen a list of bidders (a name column, optionally a credit-code column) against the
    dishonesty lists: the result keeps the input columns and adds decision, matched_uscc,
    matched_name, confidence and reason. Exits 0 when every row is clear, 1 when some rows are
    restricted or to be reviewed, 2 when the file or the job failed."""
    settings = get_settings()
    set_locale(settings.default_locale)
    factory = make_sessionmaker(make_engine(settings))
    messages = catalog(settings.default_locale)
    columns = (
        *Progress.get_default_columns()[:1],
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    bar = Progress(*columns, console=console)
    task = bar.add_task(file.name, total=None)
    try:
        bidders = screening.read_bidders(file.read_bytes(), file.name, settings.max_import_rows)
        bar.update(task, total=len(bidders.table.rows))
        with factory() as session:
            job, work = screening.queue(
                session,
                settings,
                caller="cli",
                user_id=None,
                scope=PLATFORM.scope,
                bidders=bidders,
                filename=file.name,
                purpose=purpose,
                fmt=screening.output_format(out.name),
                on=utcnow().astimezone(ids.SHANGHAI).date(),
                translate=lambda msgid: messages.get(msgid, msgid),
                index=checks.ListingIndex.from_settings(settings),
                on_row=lambda: bar.advance(task),
            )
    except Problem as problem:
        for error in problem.errors:
            console.print(f"[red]{error.field}[/red] ({error.code}): {error.text(gettext)}")
        raise typer.Exit(2) from None
    with bar:
        job = jobs.run(factory, job.id, work)
    if job.status is not jobs.JobStatus.SUCCEEDED:
        console.print(job.log)
        raise typer.Exit(2)
    shutil.copyfile(screening.result_path(settings, job), out)
    counts = ", ".join(f"{key} {value}" for key, value in sorted(job.counts.items()))
    console.print(f"job {job.id}: {counts} -> {out}")
    if job.counts.get("restricted") or job.counts.get("review"):
        raise typer.Exit(1)
