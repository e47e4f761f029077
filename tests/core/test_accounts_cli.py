"""`ipprotect user` and `ipprotect token`, run against a database of their own (the CLI opens
its own connections, which cannot see the rolled-back transaction of the `db` fixture)."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from ipprotect.cli import app
from ipprotect.core import audit, migrate
from ipprotect.core.auth import ApiToken, User, authenticate, principal_for_token
from ipprotect.db import make_engine, make_sessionmaker
from ipprotect.settings import Settings, get_settings
from tests.factories import HANGZHOU, PASSWORD, XIHU

TOKEN_RE = re.compile(r"ipp_[A-Za-z0-9_-]{40,}")


@pytest.fixture
def cli_settings(tmp_path: Path) -> Iterator[Settings]:
    settings = Settings(data_dir=tmp_path, database_url="", secret_key="cli-test")
    engine = make_engine(settings)
    with engine.begin() as connection:
        migrate.upgrade(connection)
    engine.dispose()
    get_settings.cache_clear()
    yield settings
    get_settings.cache_clear()


@pytest.fixture
def cli_db(cli_settings: Settings) -> Iterator[Session]:
    """A session on the CLI's database, to check what the commands wrote."""
    engine = make_engine(cli_settings)
    with make_sessionmaker(engine)() as session:
        yield session
    engine.dispose()


def run(settings: Settings, *args: str, stdin: str | None = None) -> Result:
    env = {"IPPROTECT_DATA_DIR": str(settings.data_dir), "IPPROTECT_DATABASE_URL": ""}
    return CliRunner().invoke(app, list(args), input=stdin, env=env)


def test_user_add_reads_the_password_from_stdin_and_the_account_can_log_in(
    cli_settings: Settings, cli_db: Session
) -> None:
    result = run(
        cli_settings,
        *("user", "add", "zhang.wei", "--role", "officer", "--region", XIHU),
        *("--region", "330108", "--name", "张伟", "--password-stdin"),
        stdin=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    user = authenticate(cli_db, cli_settings, "zhang.wei", PASSWORD, "127.0.0.1")
    assert user.region_codes == [XIHU, "330108"]
    assert user.display_name == "张伟"


def test_user_add_without_a_terminal_prints_a_generated_password_once(
    cli_settings: Settings, cli_db: Session
) -> None:
    result = run(cli_settings, "user", "add", "li.na", "--role", "admin", "--region", HANGZHOU)
    assert result.exit_code == 0, result.output
    match = re.search(r"generated password \(shown once\): (\S+)", result.stdout)
    assert match is not None
    password = match.group(1)
    assert len(password) >= 16
    assert result.stdout.count(password) == 1
    authenticate(cli_db, cli_settings, "li.na", password, "127.0.0.1")


def test_user_add_reports_each_bad_field_and_writes_nothing(
    cli_settings: Settings, cli_db: Session
) -> None:
    result = run(
        cli_settings,
        *("user", "add", "bad name", "--role", "officer", "--region", "999999"),
        "--password-stdin",
        stdin="short\n",
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    for field in ("username:", "password:", "region_codes:"):
        assert field in result.stderr
    assert cli_db.scalar(select(User)) is None


def test_user_list_passwd_and_deactivate(cli_settings: Settings, cli_db: Session) -> None:
    add = ("user", "add", "chen.jing", "--role", "mediator", "--region", XIHU, "--password-stdin")
    assert run(cli_settings, *add, stdin=PASSWORD + "\n").exit_code == 0
    listing = run(cli_settings, "user", "list", "--region", HANGZHOU)
    assert "chen.jing" in listing.stdout
    assert "mediator" in listing.stdout
    assert "chen.jing" not in run(cli_settings, "user", "list", "--role", "officer").stdout

    new_password = "a different long password"
    changed = run(
        cli_settings, "user", "passwd", "chen.jing", "--password-stdin", stdin=new_password
    )
    assert changed.exit_code == 0, changed.output
    authenticate(cli_db, cli_settings, "chen.jing", new_password, "127.0.0.1")

    assert run(cli_settings, "user", "deactivate", "chen.jing").exit_code == 0
    cli_db.expire_all()
    assert "deactivated" in run(cli_settings, "user", "list").stdout
    unknown = run(cli_settings, "user", "deactivate", "nobody")
    assert unknown.exit_code == 1


def test_token_create_prints_the_token_once_and_revoke_stops_it(
    cli_settings: Settings, cli_db: Session
) -> None:
    created = run(cli_settings, "token", "create", "杭州市政府采购系统", "--region", HANGZHOU)
    assert created.exit_code == 0, created.output
    plaintext = created.stdout.strip()
    assert TOKEN_RE.fullmatch(plaintext)
    principal = principal_for_token(cli_db, plaintext)
    assert principal is not None
    assert principal.role.value == "system"

    listing = run(cli_settings, "token", "list")
    assert "杭州市政府采购系统" in listing.stdout
    assert plaintext[:12] in listing.stdout
    assert plaintext not in listing.stdout

    token = cli_db.scalar(select(ApiToken))
    assert token is not None
    revoked = run(cli_settings, "token", "revoke", str(token.id))
    assert revoked.exit_code == 0, revoked.output
    cli_db.expire_all()
    assert principal_for_token(cli_db, plaintext) is None
    assert run(cli_settings, "token", "revoke", "9999").exit_code == 1


def test_cli_changes_are_audited_as_the_system_without_secrets(
    cli_settings: Settings, cli_db: Session
) -> None:
    run(cli_settings, "user", "add", "he.li", "--role", "evaluator", "--region", "330000")
    created = run(cli_settings, "token", "create", "land transfer", "--region", HANGZHOU)
    events = list(cli_db.scalars(select(audit.AuditEvent).order_by(audit.AuditEvent.id)))
    assert [(e.action, e.actor_name) for e in events] == [
        ("user.create", "system"),
        ("token.create", "system"),
    ]
    assert created.stdout.strip() not in str([e.after for e in events])
