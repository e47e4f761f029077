"""`ipprotect credit publicity-sweep`: the overdue alerts of dual publicity (双公示) and the end
of the publicity of penalty decisions (SAMR Order No. 45 art. 13), from cron."""

import datetime as dt

import typer
from rich.console import Console

from ipprotect.core.days import today
from ipprotect.credit import publicity
from ipprotect.db import make_engine, make_sessionmaker
from ipprotect.settings import get_settings

console = Console()


def publicity_sweep(
    on: str = typer.Option(
        "", "--today", help="Sweep as of this day (YYYY-MM-DD, Asia/Shanghai); default today."
    ),
) -> None:
    """Raise an overdue alert for every decision not published by its publicity deadline
    (publicity.dual_publicity working days from the decision), once per decision and deadline;
    record the stop of every published penalty decision past its last public day (SAMR Order
    No. 45 art. 13: 3 months for a reprimand or a low fine only, else 3 years or a longer
    restriction), once each, and fix that day for decisions published before it was kept.
    Safe to run from cron every minute and several at once. Exits 0 when it ran."""
    try:
        day = dt.date.fromisoformat(on) if on else today()
    except ValueError:
        console.print(f"[red]--today[/red]: {on} is not a date; write it as 2025-01-24")
        raise typer.Exit(2) from None
    with make_sessionmaker(make_engine(get_settings()))() as session:
        result = publicity.sweep(session, day)
        session.commit()
    console.print(
        f"{day.isoformat()}: {result.overdue} decisions overdue for publication; alerts raised "
        f"{result.raised}, already alerted {result.already}; publicity stopped {result.stopped}, "
        f"last public day fixed {result.fixed}",
        soft_wrap=True,
    )
