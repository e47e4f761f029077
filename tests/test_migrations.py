"""The migrations are the schema: they must build exactly what the models describe, and undo it.

Runs on whichever database the suite runs on (SQLite, and PostgreSQL in the second pass of
`make test`), because a migration that works on one may fail on the other.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Engine, inspect, make_url

from ipprotect.core import migrate
from ipprotect.db import make_engine
from ipprotect.models import Base
from ipprotect.settings import Settings
from tests.databases import drop_postgres_database, fresh_postgres_database


def schema_differences(connection: Connection) -> list[str]:
    """What autogenerate would put in a new migration, one line each; empty when they agree."""
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return [describe(difference) for difference in compare_metadata(context, Base.metadata)]


def describe(difference: Any) -> str:
    """("add_table", Table(...)) -> "add_table market_entities"; column changes come as lists."""
    if isinstance(difference, list):
        return "; ".join(describe(part) for part in difference)
    action, *details = difference
    shown = [d for d in details if d is not None and not isinstance(d, dict)]
    return " ".join([action, *(str(getattr(d, "name", d)) for d in shown)])


def schema_of(connection: Connection) -> dict[str, list[str]]:
    """Each table's column names, as the database reports them."""
    inspector = inspect(connection)
    return {
        table: sorted(column["name"] for column in inspector.get_columns(table))
        for table in inspector.get_table_names()
    }


@pytest.fixture
def empty_engine(settings: Settings, tmp_path: Path) -> Iterator[Engine]:
    """A database of its own, so the round trip never disturbs the session's database."""
    if settings.database_url:
        name = f"{make_url(settings.database_url).database}_roundtrip"
        url = fresh_postgres_database(settings.database_url, name)
        engine = make_engine(settings.model_copy(update={"database_url": url}))
        yield engine
        engine.dispose()
        drop_postgres_database(url)
    else:
        engine = make_engine(settings.model_copy(update={"data_dir": tmp_path}))
        yield engine
        engine.dispose()


def test_models_and_migrations_describe_the_same_schema(engine: Engine) -> None:
    with engine.connect() as connection:
        differences = schema_differences(connection)
    assert not differences, (
        "models and migrations differ; write a migration (alembic revision --autogenerate) for:\n"
        + "\n".join(differences)
    )


def test_migrations_run_down_to_base_and_up_again(empty_engine: Engine) -> None:
    with empty_engine.begin() as connection:
        migrate.upgrade(connection)
        built = schema_of(connection)
        command.downgrade(migrate.alembic_config(connection), "base")
        left_over = schema_of(connection).keys() - {"alembic_version"}
        assert not left_over, f"downgrade to base left tables behind: {sorted(left_over)}"
        migrate.upgrade(connection)
        rebuilt = schema_of(connection)
    assert len(built) > 1
    assert rebuilt == built
