"""Alembic environment: the URL comes from Settings (or the caller's connection), and SQLite
gets batch mode so that ALTERs work there as on PostgreSQL."""

from alembic import context
from sqlalchemy import Connection

from ipprotect.db import make_engine
from ipprotect.models import Base
from ipprotect.settings import get_settings

config = context.config
target_metadata = Base.metadata


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    engine = make_engine(get_settings())
    with engine.connect() as conn:
        run(conn)
