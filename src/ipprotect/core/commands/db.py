"""`ipprotect db`: database migrations."""

import typer

from ipprotect.core import migrate
from ipprotect.db import make_engine
from ipprotect.settings import get_settings

app = typer.Typer(help="Database migrations.", no_args_is_help=True)


@app.command()
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Migrate the database to the latest schema (safe to run repeatedly)."""
    engine = make_engine(get_settings())
    with engine.begin() as connection:
        migrate.upgrade(connection, revision)
    typer.echo(f"database at {revision}: {get_settings().effective_database_url.split('@')[-1]}")
