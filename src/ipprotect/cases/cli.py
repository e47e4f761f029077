"""`ipprotect cases`: import hotline tickets (12345 / 12330 exports) as cases, send the
notification outbox, and sweep the deadlines for reminders.

The CLI acts as the platform itself (audit actor "system") with national scope."""

import datetime as dt
from pathlib import Path
from typing import Literal

import typer
from rich.console import Console

from ipprotect.cases import hotline_import, outbox, sweep
from ipprotect.cases.models import Source
from ipprotect.core import jobs, tabular
from ipprotect.core.days import today
from ipprotect.core.errors import Problem
from ipprotect.core.jobs import JobStatus
from ipprotect.db import make_engine, make_sessionmaker
from ipprotect.registry import access, imports
from ipprotect.settings import get_settings
from ipprotect.web.i18n import gettext, set_locale

app = typer.Typer(help="Complaints and cases.", no_args_is_help=True)
console = Console()


@app.command("import")
def import_tickets(
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="CSV (UTF-8 or GB18030) or XLSX."
    ),
    hotline: Literal["12345", "12330"] = typer.Option("12345", help="The hotline's export."),
    region: str = typer.Option("", help="Region code of rows that give none."),
    errors: Path | None = typer.Option(
        None, "--errors", help="Write the refused and skipped rows to this CSV."
    ),
) -> None:
    """Import hotline tickets as cases; every row says when the ticket was received. Exits 0
    when every row was imported or skipped, 1 when some rows were refused, 2 when the file or
    the job failed."""
    settings = get_settings()
    set_locale(settings.default_locale)
    factory = make_sessionmaker(make_engine(settings))
    importer = hotline_import.IMPORTERS[Source(f"hotline_{hotline}")]
    try:
        with factory() as session:
            job, work = imports.queue(
                session,
                importer,
                access.PLATFORM,
                file.read_bytes(),
                file.name,
                max_rows=settings.max_import_rows,
                default_region=region,
                on_duplicate=imports.OnDuplicate.SKIP,
            )
    except Problem as problem:
        for error in problem.errors:
            console.print(f"[red]{error.field}[/red] ({error.code}): {error.text(gettext)}")
        if not problem.errors:
            console.print(f"[red]{problem.code}[/red]: {gettext(problem.title)}")
        raise typer.Exit(2) from None
    job = jobs.run(factory, job.id, work)
    counts = ", ".join(f"{key} {value}" for key, value in sorted(job.counts.items()))
    console.print(f"job {job.id} {job.status.value}: {counts or 'no rows'}")
    rows = imports.issue_rows(job, gettext)
    if errors is not None:
        errors.write_bytes(tabular.export_bytes("csv", imports.ISSUE_COLUMNS, rows))
    else:
        for row in rows:
            console.print(f"row {row[0]} {row[1]} ({row[2]}): {row[3]}")
    if job.status is JobStatus.FAILED:
        console.print(job.log)
        raise typer.Exit(2)
    if job.counts.get("failed"):
        raise typer.Exit(1)


@app.command("send-outbox")
def send_outbox(
    limit: int = typer.Option(1000, min=1, help="Send at most this many messages in this run."),
) -> None:
    """Send the queued case notifications by e-mail (SMTP settings IPPROTECT_SMTP_*). Safe to run
    from cron every minute, several at once: each message is claimed before it is sent, a
    failure is tried again later and given up after IPPROTECT_OUTBOX_MAX_ATTEMPTS. SMS messages
    stay queued: no SMS gateway is connected. Without an SMTP host nothing is sent."""
    settings = get_settings()
    mailer = outbox.smtp_mailer(settings)
    if mailer is None:
        console.print("no SMTP host configured (IPPROTECT_SMTP_HOST): messages stay queued")
        return
    with make_sessionmaker(make_engine(settings))() as session:
        counts = outbox.send_outbox(session, settings, mailer, limit=limit)
    console.print(
        f"sent {counts['sent']}, failed and kept for a retry {counts['retry']}, "
        f"given up {counts['given_up']}"
    )


@app.command("sweep")
def sweep_deadlines(
    on: str = typer.Option(
        "", "--today", help="Sweep as of this day (YYYY-MM-DD, Asia/Shanghai); default today."
    ),
    soon: int | None = typer.Option(
        None,
        min=0,
        max=60,
        help="Due soon: within this many working days (default IPPROTECT_DUE_SOON_WORKING_DAYS).",
    ),
) -> None:
    """Raise a reminder for every open deadline (acceptance decisions, channel steps) that is
    due soon or overdue, once per deadline, level and due date. Safe to run from cron every
    minute and several at once. Exits 0 when it ran."""
    settings = get_settings()
    try:
        day = dt.date.fromisoformat(on) if on else today()
    except ValueError:
        console.print(f"[red]--today[/red]: {on} is not a date; write it as 2025-01-24")
        raise typer.Exit(2) from None
    days = settings.due_soon_working_days if soon is None else soon
    with make_sessionmaker(make_engine(settings))() as session:
        result = sweep.sweep(session, day, days)
        session.commit()
    console.print(
        f"{day.isoformat()}: {result.checked} deadlines due soon or overdue; reminders raised: "
        f"due soon {result.raised['due_soon']}, overdue {result.raised['overdue']}; "
        f"already reminded {result.already}",
        soft_wrap=True,
    )
