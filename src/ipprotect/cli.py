"""The `ipprotect` command: serve, migrate, demo, and each area's sub-commands."""

import typer

from ipprotect.cases import cli as cases
from ipprotect.core.commands import accounts, calendar, db, ids, rules
from ipprotect.credit import cli as credit
from ipprotect.evidence import cli as evidence
from ipprotect.registry import cli as registry
from ipprotect.settings import get_settings

WORKER_HEALTHCHECK_SECONDS = 60

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
    workers: int = typer.Option(
        1,
        min=1,
        help="Worker processes (one per core): each keeps its own caches, name index of the"
        " credit listings and check rate limit (divide IPPROTECT_CREDIT_CHECK_RATE_PER_MINUTE"
        " by the workers).",
    ),
) -> None:
    """Serve the platform over HTTP.

    One process runs Python on one core at a time; `--workers N` serves from N processes
    sharing the port, so N cores answer. Each worker builds its own index of the listed
    names at its first restriction check (at a million listings, 35 to 90 s and about 2 GiB
    of memory per worker: see benchmarks/README.md) and keeps its own rate limit of checks.
    """
    import uvicorn

    if reload and workers > 1:
        raise typer.BadParameter("--reload serves from one process", param_hint="--workers")
    get_settings().data_dir.mkdir(parents=True, exist_ok=True)
    uvicorn.run(
        "ipprotect.app:create_app",
        factory=True,
        host=host,
        port=port,
        reload=reload,
        workers=workers,
        # Each worker imports the whole platform before it answers the supervisor's health
        # check (8 s on a busy 2-core machine): with uvicorn's 5 s it was killed and restarted
        # for ever.
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        proxy_headers=True,
    )


@app.command()
def demo(
    force: bool = typer.Option(False, help="Load even if the database already has entities."),
) -> None:
    """Load the demo city (accounts for every role, entities, rights) into an empty database."""
    from ipprotect.demo import load_demo

    load_demo(get_settings(), force=force)
