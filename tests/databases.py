"""Throwaway databases for the test suite.

The suite runs on SQLite by default and on PostgreSQL when IPPROTECT_TEST_DATABASE_URL names a
database on the test server that `make test` starts. PostgreSQL is one server shared by
everything, so anything that needs a database of its own (each pytest-xdist worker, the
migration round trip) gets a fresh one created next to the configured database.
"""

import os

from sqlalchemy import create_engine, make_url


def configured_url() -> str:
    """The PostgreSQL test database, or "" for the default SQLite file in the data directory."""
    url = os.environ.get("IPPROTECT_TEST_DATABASE_URL", "")
    worker = os.environ.get("PYTEST_XDIST_WORKER")  # gw0, gw1, ... when run with `pytest -n`
    if url and worker:
        return fresh_postgres_database(url, f"{make_url(url).database}_{worker}")
    return url


def fresh_postgres_database(url: str, name: str) -> str:
    """(Re)create an empty database called `name` on the server of `url`; returns its URL."""
    # CREATE DATABASE cannot run inside a transaction.
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url: str) -> None:
    """Drop the database `url` names, connecting through the server's maintenance database."""
    name = make_url(url).database
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()
