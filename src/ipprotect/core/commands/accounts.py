"""`ipprotect user` and `ipprotect token`: accounts and API tokens from the server's shell.

The commands act as the platform itself (`audit.SYSTEM`) with national authority: whoever can
run them on the server can read the database anyway. Secrets (a generated password, a token)
are printed once and stored only as hashes.
"""

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from sqlalchemy.orm import Session

from ipprotect.core import accounts, audit
from ipprotect.core.accounts import NATIONAL_AUTHORITY
from ipprotect.core.auth import Role, generate_password
from ipprotect.core.errors import Problem
from ipprotect.core.pagination import MAX_PAGE_SIZE
from ipprotect.db import make_engine, make_sessionmaker
from ipprotect.settings import get_settings

user_app = typer.Typer(help="User accounts.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens for other systems.", no_args_is_help=True)


@contextmanager
def _unit_of_work() -> Iterator[Session]:
    """A session committed when the command succeeds; bad input is reported, not a traceback."""
    engine = make_engine(get_settings())
    session = make_sessionmaker(engine)()
    try:
        yield session
        session.commit()
    except Problem as problem:
        session.rollback()
        for error in problem.errors:
            typer.echo(f"{error.field}: {error.text()}", err=True)
        if not problem.errors:
            typer.echo(f"{problem.title} {problem.detail}".strip(), err=True)
        raise typer.Exit(1) from None
    finally:
        session.close()
        engine.dispose()


def _password(from_stdin: bool) -> tuple[str, bool]:
    """The new password and whether it was generated (and so must be shown once)."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n"), False
    if sys.stdin.isatty():
        return typer.prompt("Password", hide_input=True, confirmation_prompt=True), False
    return generate_password(), True


def _show_generated(password: str, generated: bool) -> None:
    if generated:
        typer.echo(f"generated password (shown once): {password}")


REGION_HELP = "GB/T 2260 region code; repeat for several; 000000 is the whole country."
STDIN_HELP = "Read the password from the first line of standard input."


@user_app.command("add")
def add_user(
    username: str = typer.Argument(..., help="Login name: letters, digits, _ . or -."),
    role: Role = typer.Option(..., help="The account's role."),
    region: list[str] = typer.Option(..., help=REGION_HELP),
    name: str = typer.Option("", help="Display name (defaults to the username)."),
    uscc: str | None = typer.Option(None, help="Applicants: the enterprise's credit code."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help=STDIN_HELP),
) -> None:
    """Create an account. Without --password-stdin the password is asked for twice, or, when
    nobody is at the terminal, generated and printed once."""
    password, generated = _password(password_stdin)
    with _unit_of_work() as session:
        user = accounts.create_account(
            session,
            NATIONAL_AUTHORITY,
            audit.SYSTEM,
            username=username,
            password=password,
            role=role,
            region_codes=region,
            display_name=name,
            entity_uscc=uscc,
        )
    typer.echo(f"created user {user.id}: {user.username} ({user.role.value})")
    _show_generated(password, generated)


@user_app.command("list")
def list_users(
    role: Role | None = typer.Option(None, help="Only accounts with this role."),
    region: str | None = typer.Option(None, help="Only accounts with a region inside this one."),
) -> None:
    """List the accounts."""
    filters = accounts.UserFilter(role=role, region_code=region)
    with _unit_of_work() as session:
        number = 1
        while True:
            page = accounts.list_users(session, NATIONAL_AUTHORITY, filters, number, MAX_PAGE_SIZE)
            for user in page.items:
                status = "active" if user.active else "deactivated"
                typer.echo(
                    f"{user.id:>6}  {user.username:<24} {user.role.value:<15} {status:<12} "
                    + ",".join(user.region_codes)
                )
            if number >= page.pages:
                break
            number += 1


@user_app.command("passwd")
def set_password(
    username: str,
    password_stdin: bool = typer.Option(False, "--password-stdin", help=STDIN_HELP),
) -> None:
    """Set a new password; the account's open sessions end."""
    password, generated = _password(password_stdin)
    with _unit_of_work() as session:
        user = accounts.find_user(session, NATIONAL_AUTHORITY, username)
        changes = accounts.AccountChanges(password=password)
        accounts.update_account(session, NATIONAL_AUTHORITY, audit.SYSTEM, user, changes)
    typer.echo(f"password of {username} changed")
    _show_generated(password, generated)


def _set_active(username: str, active: bool) -> None:
    with _unit_of_work() as session:
        user = accounts.find_user(session, NATIONAL_AUTHORITY, username)
        changes = accounts.AccountChanges(active=active)
        accounts.update_account(session, NATIONAL_AUTHORITY, audit.SYSTEM, user, changes)
    typer.echo(f"{username} {'activated' if active else 'deactivated'}")


@user_app.command("deactivate")
def deactivate(username: str) -> None:
    """Stop an account from logging in (its open sessions end at their next request)."""
    _set_active(username, False)


@user_app.command("activate")
def activate(username: str) -> None:
    """Let a deactivated account log in again."""
    _set_active(username, True)


@token_app.command("create")
def create_token(
    name: str = typer.Argument(..., help="The system that will use the token."),
    region: list[str] = typer.Option(..., help=REGION_HELP),
    role: Role = typer.Option(Role.SYSTEM, help="The token's role."),
) -> None:
    """Create an API token and print it once: only its hash is kept."""
    with _unit_of_work() as session:
        token, plaintext = accounts.issue_token(
            session, NATIONAL_AUTHORITY, audit.SYSTEM, name=name, region_codes=region, role=role
        )
    typer.echo(f"created token {token.id} for {token.name}; it is shown only now:", err=True)
    typer.echo(plaintext)


@token_app.command("list")
def list_tokens() -> None:
    """List the API tokens (never their secrets)."""
    with _unit_of_work() as session:
        for token in accounts.list_tokens(session, NATIONAL_AUTHORITY):
            used = token.last_used_at.isoformat(timespec="minutes") if token.last_used_at else "-"
            state = "revoked" if token.revoked_at else "active"
            typer.echo(
                f"{token.id:>5}  {token.token_prefix}…  {token.name:<32} {token.role.value:<15} "
                f"{state:<8} last used {used}  {','.join(token.region_codes)}"
            )


@token_app.command("revoke")
def revoke_token(token_id: int = typer.Argument(..., metavar="ID")) -> None:
    """Revoke a token: calls made with it are refused from now on."""
    with _unit_of_work() as session:
        token = accounts.revoke(session, NATIONAL_AUTHORITY, audit.SYSTEM, token_id)
    typer.echo(f"revoked token {token.id} ({token.name})")
