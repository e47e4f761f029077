"""Account administration: the accounts and API tokens an administrator manages, and the edits
they may make (role, regions, active, password reset, token revocation).

An administrator manages an account or token when every one of its region codes lies inside the
administrator's scope: the admin of 330100 (Hangzhou) manages accounts of 3301xx, the national
admin (000000) manages all. Whatever lies outside is reported as not found, never as forbidden,
so that its existence does not leak. An administrator can grant only regions inside their own
scope, so nobody can create an account (or another admin) wider than themselves.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, String, cast, or_, select, true
from sqlalchemy.orm import Session

from ipprotect.core import audit
from ipprotect.core.auth import (
    ApiToken,
    Principal,
    Role,
    User,
    account_view,
    audit_region,
    create_token,
    create_user,
    display_name_errors,
    hash_password,
    new_account_errors,
    normal_uscc,
    password_errors,
    region_errors,
    revoke_token,
    uscc_errors,
)
from ipprotect.core.errors import FieldError, invalid, not_found
from ipprotect.core.ids import is_region_code
from ipprotect.core.pagination import MAX_PAGE_SIZE, Page, paginate
from ipprotect.core.scope import NATIONAL, Scope, prefix_of
from ipprotect.web.i18n import N_

# The CLI runs on the server itself: whoever can run it can already read the database.
NATIONAL_AUTHORITY = Principal(None, "system", Role.ADMIN, Scope.of([NATIONAL]))


def manages(scope: Scope, region_codes: list[str]) -> bool:
    return bool(region_codes) and all(scope.covers(code) for code in region_codes)


def grant_errors(principal: Principal, region_codes: list[str]) -> list[FieldError]:
    return [
        FieldError(
            "region_codes",
            "outside_scope",
            N_("Region {code} lies outside your own regions"),
            {"code": code},
        )
        for code in region_codes
        if is_region_code(code) and not principal.scope.covers(code)  # else: unknown_region
    ]


def _touches(column: Any, prefixes: list[str]) -> ColumnElement[bool]:
    """Rows with at least one region code under one of the prefixes. Region codes are stored as
    a JSON list of quoted 6-digit strings, so `"3301` can only match the start of a code."""
    text = cast(column, String)
    return or_(*(text.contains(f'"{p}', autoescape=True) for p in prefixes))


def _in_scope(column: Any, scope: Scope) -> ColumnElement[bool]:
    return true() if scope.national else _touches(column, sorted(scope.prefixes))


def _page_in_scope(
    session: Session, stmt: Select[Any], scope: Scope, number: int, size: int
) -> Page[User]:
    if scope.national:
        return paginate(session, stmt, number, size)
    # SQL finds the accounts touching the scope; "every code inside" is checked here, over the
    # few accounts of one region, because JSON lists are queried differently by each database.
    rows = [u for u in session.scalars(stmt) if manages(scope, u.region_codes)]
    number, size = max(number, 1), min(max(size, 1), MAX_PAGE_SIZE)
    return Page(rows[(number - 1) * size : number * size], len(rows), number, size)


@dataclass(frozen=True)
class UserFilter:
    role: Role | None = None
    region_code: str | None = None  # accounts with a region inside this one
    active: bool | None = None


def list_users(
    session: Session, principal: Principal, filters: UserFilter, number: int, size: int
) -> Page[User]:
    stmt = select(User).where(_in_scope(User.region_codes, principal.scope))
    if filters.role is not None:
        stmt = stmt.where(User.role == filters.role)
    if filters.active is not None:
        stmt = stmt.where(User.active.is_(filters.active))
    if filters.region_code is not None and filters.region_code != NATIONAL:
        stmt = stmt.where(_touches(User.region_codes, [prefix_of(filters.region_code)]))
    return _page_in_scope(session, stmt.order_by(User.username), principal.scope, number, size)


def get_user(session: Session, principal: Principal, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or not manages(principal.scope, user.region_codes):
        raise not_found("user")
    return user


def find_user(session: Session, principal: Principal, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not manages(principal.scope, user.region_codes):
        raise not_found("user")
    return user


def create_account(
    session: Session,
    principal: Principal,
    actor: audit.Actor,
    *,
    username: str,
    password: str,
    role: Role,
    region_codes: list[str],
    display_name: str = "",
    entity_uscc: str | None = None,
) -> User:
    """Create an account inside the administrator's scope (the checks of `create_user` apply)."""
    errors = grant_errors(principal, region_codes) + new_account_errors(
        session, username, password, role, region_codes, display_name, entity_uscc
    )
    if errors:
        raise invalid(errors)
    return create_user(
        session,
        actor,
        username=username,
        password=password,
        role=role,
        region_codes=region_codes,
        display_name=display_name,
        entity_uscc=entity_uscc,
    )


@dataclass(frozen=True)
class AccountChanges:
    """An edit of an account; None leaves a field as it is."""

    display_name: str | None = None
    role: Role | None = None
    region_codes: list[str] | None = None
    change_entity_uscc: bool = False  # then entity_uscc is the new value (None removes it)
    entity_uscc: str | None = None
    active: bool | None = None
    password: str | None = None  # a reset; the account's open sessions end


def update_account(
    session: Session,
    principal: Principal,
    actor: audit.Actor,
    user: User,
    changes: AccountChanges,
) -> User:
    role = changes.role or user.role
    region_codes = changes.region_codes if changes.region_codes is not None else user.region_codes
    entity_uscc = (
        normal_uscc(changes.entity_uscc) if changes.change_entity_uscc else user.entity_uscc
    )
    errors: list[FieldError] = []
    if changes.display_name is not None:
        errors += display_name_errors(changes.display_name)
    if role is Role.PUBLIC:
        errors.append(FieldError("role", "invalid_role", N_("The public role has no accounts")))
    if changes.region_codes is not None:
        errors += region_errors(changes.region_codes) + grant_errors(principal, region_codes)
    errors += uscc_errors(role, entity_uscc)
    if changes.password is not None:
        errors += password_errors(changes.password)
    if user.id == principal.user_id:
        # An administrator who locks themselves out needs another administrator to undo it.
        if changes.active is False:
            errors.append(
                FieldError("active", "self_deactivation", N_("You cannot deactivate yourself"))
            )
        if role is not user.role:
            errors.append(
                FieldError("role", "self_role_change", N_("You cannot change your own role"))
            )
    if errors:
        raise invalid(errors)
    before = account_view(user)
    if changes.display_name is not None:
        user.display_name = changes.display_name.strip() or user.username
    user.role = role
    user.region_codes = list(dict.fromkeys(region_codes))
    user.entity_uscc = entity_uscc
    if changes.active is not None:
        user.active = changes.active
    old, new = audit.changes(before, account_view(user))
    if new:
        audit.record(
            session,
            actor,
            "user.update",
            "user",
            user.id,
            region_code=audit_region(user.region_codes),
            before=old,
            after=new,
        )
    if changes.password is not None:
        # A new hash changes the session stamp, so `auth.session_user` ends the open sessions.
        user.password_hash = hash_password(changes.password)
        audit.record(
            session,
            actor,
            "user.password_reset",
            "user",
            user.id,
            region_code=audit_region(user.region_codes),
            after={"username": user.username},
        )
    session.flush()
    return user


def list_tokens(session: Session, principal: Principal) -> list[ApiToken]:
    stmt = select(ApiToken).where(_in_scope(ApiToken.region_codes, principal.scope))
    tokens = session.scalars(stmt.order_by(ApiToken.id.desc()))
    return [t for t in tokens if manages(principal.scope, t.region_codes)]


def get_token(session: Session, principal: Principal, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None or not manages(principal.scope, token.region_codes):
        raise not_found("api_token")
    return token


def issue_token(
    session: Session,
    principal: Principal,
    actor: audit.Actor,
    *,
    name: str,
    region_codes: list[str],
    role: Role = Role.SYSTEM,
) -> tuple[ApiToken, str]:
    """Create a token inside the administrator's scope; the plaintext is returned once."""
    errors = grant_errors(principal, region_codes)
    if errors:
        raise invalid(errors)
    return create_token(session, actor, name=name, region_codes=region_codes, role=role)


def revoke(session: Session, principal: Principal, actor: audit.Actor, token_id: int) -> ApiToken:
    token = get_token(session, principal, token_id)
    revoke_token(session, actor, token)
    session.flush()
    return token
