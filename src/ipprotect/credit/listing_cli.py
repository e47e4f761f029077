"""`ipprotect credit sweep`: expire the listings whose publicity maximum has passed (cron);
`ipprotect credit import FILE`: import an existing dishonesty list, all or nothing."""

import datetime as dt
from pathlib import Path

import typer
from rich.console import Console

from ipprotect.core import tabular
from ipprotect.credit import imports, listing_service
from ipprotect.credit.service import today
from ipprotect.db import make_engine, make_sessionmaker
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
) -> None:
    """Import decided listings from a CSV (UTF-8 or GB18030) or XLSX file with the header
    uscc,name,behaviour,class,decided_on,authority,document_no. Every row is checked first:
    when one is wrong, each wrong row is reported and nothing is written (exit 1)."""
    set_locale(lang)
    try:
        table = tabular.read_table(file.read_bytes(), file.name)
    except tabular.TableError as error:
        console.print(f"[red]{file.name}[/red]: {error}")
        raise typer.Exit(2) from None
    with make_sessionmaker(make_engine(get_settings()))() as session:
        report = imports.run(session, PLATFORM, table, file.name)
        if report.errors:
            session.rollback()
            for issue in report.errors:
                console.print(
                    f"{gettext('Row')} {issue.row} {issue.field}: {issue.error.text(gettext)}",
                    soft_wrap=True,
                )
            console.print(f"{len(report.errors)} errors; nothing imported", soft_wrap=True)
            raise typer.Exit(1)
        session.commit()
    console.print(
        f"{report.imported} listings imported ({report.expired} already expired)", soft_wrap=True
    )
