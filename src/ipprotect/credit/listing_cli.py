"""`ipprotect credit sweep`: expire the listings whose publicity maximum has passed (cron)."""

import datetime as dt

import typer
from rich.console import Console

from ipprotect.credit import listing_service
from ipprotect.credit.service import today
from ipprotect.db import make_engine, make_sessionmaker
from ipprotect.settings import get_settings

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
