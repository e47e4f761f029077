"""`ipprotect credit sweep`: expire the listings whose publicity maximum has passed (cron);
`ipprotect credit import FILE`: import an existing dishonesty list as a job, all or nothing."""

import datetime as dt
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress

from ipprotect.core import jobs, tabular
from ipprotect.core.days import today
from ipprotect.core.errors import Problem
from ipprotect.credit import imports, listing_service
from ipprotect.db import make_engine, make_sessionmaker
from ipprotect.registry import imports as registry_imports
from ipprotect.registry.access import PLATFORM
from ipprotect.settings import get_settings
from ipprotect.web.i18n import gettext, set_locale

console = Console()


def sweep(
    on: str = typer.Option(
        "", "--today", help="Sweep as of this day (YYYY-MM-DD, Asia/Shanghai); default today."
    ),
) -> None:
    """Expire every listing whose publicity maximum ended before today (期满移出), once: safe to
    run from cron every day and several at once. Exits 0 when it ran."""
    try:
        day = dt.date.fromisoformat(on) if on else today()
    except ValueError:
        console.print(f"[red]--today[/red]: {on} is not a date; write it as 2026-12-01")
        raise typer.Exit(2) from None
    with make_sessionmaker(make_engine(get_settings()))() as session:
        expired = listing_service.sweep(session, day)
        session.commit()
        names = [f"{row.id} {row.entity_name}" for row in expired]
    console.print(f"{day.isoformat()}: listings expired {len(names)}", soft_wrap=True)
    for name in names:
        console.print(f"  {name}", soft_wrap=True)


def import_listings(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV or XLSX file."),
    lang: str = typer.Option("zh_CN", help="Language of the error report (zh_CN or en)."),
    errors: Path | None = typer.Option(
        None, "--errors", help="Write the wrong rows to this CSV (row, field, code, message)."
    ),
) -> None:
    """Import decided listings from a CSV (UTF-8 or GB18030) or XLSX file with the header
    uscc,name,behaviour,class,decided_on,authority,document_no, as a job with its progress.
    Every row is checked first: when one is wrong, each wrong row is reported and nothing is
    written (exit 1). Exit 2 when the file cannot be imported at all or the job failed."""
    set_locale(lang)
    factory = make_sessionmaker(make_engine(get_settings()))
    columns = (*Progress.get_default_columns()[:1], BarColumn(), MofNCompleteColumn())
    bar = Progress(*columns, console=console)
    task = bar.add_task(gettext("Checking rows"), total=None)
    try:
        with factory() as session:
            job, work = imports.queue(
                session,
                PLATFORM,
                file.read_bytes(),
                file.name,
                on_row=lambda done, total: bar.update(task, completed=done, total=total),
            )
    except Problem as problem:
        for error in problem.errors:
            console.print(f"[red]{file.name}[/red]: {error.text(gettext)}", soft_wrap=True)
        if not problem.errors:
            console.print(f"[red]{problem.code}[/red]: {gettext(problem.title)}", soft_wrap=True)
        raise typer.Exit(2) from None
    with bar:
        job = jobs.run(factory, job.id, work)
    rows = registry_imports.issue_rows(job, gettext)
    if errors is not None:
        errors.write_bytes(tabular.export_bytes("csv", registry_imports.ISSUE_COLUMNS, rows))
    for row, field, _code, message in rows:
        console.print(f"{gettext('Row')} {row} {field}: {message}", soft_wrap=True)
    if job.status is jobs.JobStatus.SUCCEEDED:
        imported, expired = job.result["imported"], job.result["expired"]
        console.print(
            f"job {job.id}: {imported} listings imported ({expired} already expired)",
            soft_wrap=True,
        )
        return
    if rows:
        console.print(f"job {job.id}: {len(rows)} errors; nothing imported", soft_wrap=True)
        raise typer.Exit(1)
    console.print(job.log, soft_wrap=True)
    raise typer.Exit(2)
