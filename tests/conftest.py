"""Test fixtures: one database per run, built by the real migrations; every test in a
transaction that is rolled back at its end.

The database is SQLite in a temporary directory, or PostgreSQL when
IPPROTECT_TEST_DATABASE_URL is set (`make test` runs the suite on both).
"""

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, event
from sqlalchemy.orm import Session

from ipprotect.app import create_app
from ipprotect.core import migrate
from ipprotect.core.deps import get_session
from ipprotect.db import make_engine
from ipprotect.settings import Settings
from tests import databases

SHARED = Path(__file__).resolve().parents[2] / "shared"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The PostgreSQL pass runs again only the tests that use the database (via `settings`)."""
    if not os.environ.get("IPPROTECT_TEST_DATABASE_URL"):
        return
    uses_database = [i for i in items if "settings" in getattr(i, "fixturenames", ())]
    no_database = [i for i in items if "settings" not in getattr(i, "fixturenames", ())]
    config.hook.pytest_deselected(items=no_database)
    items[:] = uses_database


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data_dir = tmp_path_factory.mktemp("var")
    return Settings(
        data_dir=data_dir,
        database_url=databases.configured_url(),
        secret_key="test-secret-key",
        # Tests publish and check the log themselves, in their own transaction.
        publish_interval_seconds=0,
        startup_check=False,
    )


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings)
    if engine.dialect.name == "sqlite":
        _sqlite_emits_begin(engine)
    if engine.dialect.name == "postgresql":
        _reset_postgres(engine)
    with engine.begin() as connection:
        migrate.upgrade(connection)
    yield engine
    engine.dispose()


def _sqlite_emits_begin(engine: Engine) -> None:
    """pysqlite sends BEGIN only before DML, so each test's SAVEPOINT would open the outermost
    transaction and a commit in the code under test would really commit, leaking rows into
    later tests. SQLAlchemy's pysqlite recipe: let SQLAlchemy send BEGIN itself."""

    @event.listens_for(engine, "connect")
    def _no_driver_transactions(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")


def _reset_postgres(engine: Engine) -> None:
    """Each run starts from an empty schema, so migrations are tested from zero every time."""
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    connection = engine.connect()
    transaction = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    yield session
    session.close()
    transaction.rollback()
    connection.close()


@pytest.fixture
def app(settings: Settings, db: Session) -> Iterator[FastAPI]:
    app = create_app(settings)

    def _test_session() -> Iterator[Session]:
        yield db

    app.dependency_overrides[get_session] = _test_session
    # Jobs run in their own sessions: point them at the test transaction too.
    app.state.sessionmaker = lambda: _NonClosing(db)
    yield app
    app.state.engine.dispose()


class _NonClosing:
    """The test session handed to code that opens and closes its own sessions."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def __enter__(self) -> Session:
        return self._session

    def __exit__(self, *exc: object) -> None:
        return None

    def __getattr__(self, name: str) -> object:
        if name == "close":
            return lambda: None
        return getattr(self._session, name)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(client: TestClient, path: str = "/login") -> str:
    match = CSRF_RE.search(client.get(path).text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: TestClient, username: str, password: str) -> str:
    """Log in through the real form; returns the session's CSRF token for later posts."""
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf_of(client, "/dashboard")
