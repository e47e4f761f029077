"""The `ipprotect` command: serve, migrate, demo, and each area's sub-commands."""

import typer

from ipprotect.cases import cli as cases
from ipprotect.core.commands import accounts, calendar, db, ids, rules
from ipprotect.credit import cli as credit
from ipprotect.evidence import cli as evidence
from ipprotect.registry import cli as registry
from ipprotect.settings import get_settings

app = typer.Typer(
    help="ipprotect: an open platform for intellectual-property protection.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db.app, name="db")
app.add_typer(ids.app, name="ids")
app.add_typer(calendar.app, name="calendar")
app.add_typer(rules.app, name="rules")
app.add_typer(accounts.user_app, name="user")
app.add_typer(accounts.token_app, name="token")
app.add_typer(registry.app, name="registry")
app.add_typer(evidence.app, name="evidence")
app.add_typer(cases.app, name="cases")
app.add_typer(credit.app, name="credit")


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    reload: bool = typer.Option(False, help="Restart on code changes (development)."),
) -> None:
    """Serve the platform over HTTP."""
    import uvicorn

    get_settings().data_dir.mkdir(parents=True, exist_ok=True)
    uvicorn.run(
        "ipprotect.app:create_app",
        factory=True,
        host=host,
        port=port,
        reload=reload,
        proxy_headers=True,
    )


@app.command()
def demo(
    force: bool = typer.Option(False, help="Load even if the database already has entities."),
) -> None:
    """Load the demo city (accounts for every role, entities, rights) into an empty database."""
    from ipprotect.demo import load_demo

    load_demo(get_settings(), force=force)
