"""Users, roles, region scopes, API tokens, password hashing, login throttling and the
lifetime of a logged-in session.

Account administration (listing accounts in an admin's scope, edits, password resets) is in
`core/accounts.py`; this module is the core every request and every domain relies on.
"""

import enum
import hashlib
import re
import secrets
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import JSON, Boolean, Enum, ForeignKey, Integer, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ipprotect.core import audit, ids
from ipprotect.core.errors import FieldError, Problem, invalid
from ipprotect.core.scope import NATIONAL, Scope
from ipprotect.db import Base, UTCDateTime, utcnow
from ipprotect.settings import Settings
from ipprotect.web.i18n import N_


class Role(enum.StrEnum):
    PUBLIC = "public"  # anonymous visitors; never stored on an account
    APPLICANT = "applicant"  # rights holder or enterprise account
    OFFICER = "officer"  # case handling in a region
    MEDIATOR = "mediator"
    CREDIT_OFFICER = "credit_officer"
    EVALUATOR = "evaluator"  # province or nation, zone evaluation
    ADMIN = "admin"  # a region's administrator
    SYSTEM = "system"  # API tokens for procurement and other systems


ACCOUNT_ROLES: list[Role] = [r for r in Role if r is not Role.PUBLIC]


def _role_enum() -> Enum:
    return Enum(Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(_role_enum())
    # GB/T 2260 codes the account may see; "000000" is the whole country.
    region_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    entity_uscc: Mapped[str | None] = mapped_column(String(18))  # an applicant's enterprise
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))  # e.g. "Hangzhou procurement system"
    # The first characters identify the token for lookup; the rest is secret.
    token_prefix: Mapped[str] = mapped_column(String(16), unique=True)
    # SHA-256, not argon2: tokens carry 256 random bits, so a slow hash adds no safety
    # but would cost milliseconds on every call from procurement systems.
    token_hash: Mapped[str] = mapped_column(String(64))
    role: Mapped[Role] = mapped_column(_role_enum())
    region_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginAttempt(Base):
    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    succeeded: Mapped[bool] = mapped_column(Boolean)


@dataclass(frozen=True)
class Principal:
    """Whoever is making a request: an account, an API token's system, or the anonymous public."""

    user_id: int | None
    name: str
    role: Role
    scope: Scope
    entity_uscc: str | None = None
    token_id: int | None = None

    @property
    def authenticated(self) -> bool:
        return self.role is not Role.PUBLIC

    def actor(self, request_id: str | None = None) -> audit.Actor:
        name = self.name if self.token_id is None else f"token:{self.name}"
        return audit.Actor(self.user_id, name, request_id)


ANONYMOUS = Principal(None, "public", Role.PUBLIC, Scope(frozenset()))


def principal_for(user: User) -> Principal:
    return Principal(
        user.id, user.username, user.role, Scope.of(user.region_codes), user.entity_uscc
    )


# --- passwords ---------------------------------------------------------------------------------

# argon2id with the library's defaults (RFC 9106's second recommended option: t=3, 64 MiB).
_hasher = PasswordHasher()
# Verified against when the username is unknown, so a failed login takes as long either way
# and the response time does not tell which usernames exist.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))

MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_errors(password: str, field: str = "password") -> list[FieldError]:
    if len(password) < MIN_PASSWORD_LENGTH:
        return [
            FieldError(
                field,
                "password_too_short",
                N_("Use at least {n} characters"),
                {"n": MIN_PASSWORD_LENGTH},
            )
        ]
    return []


def generate_password() -> str:
    """A strong random password for accounts created without one (shown once to the operator)."""
    return secrets.token_urlsafe(15)


# --- account validation and creation ----------------------------------------------------------

_USERNAME = re.compile(r"[A-Za-z0-9_.-]{2,64}")


def region_errors(region_codes: list[str], field: str = "region_codes") -> list[FieldError]:
    if not region_codes:
        return [FieldError(field, "required", N_("Give at least one region"))]
    return [
        FieldError(field, "unknown_region", N_("Unknown region code {code}"), {"code": code})
        for code in region_codes
        if not ids.is_region_code(code)
    ]


def uscc_errors(role: Role, entity_uscc: str | None) -> list[FieldError]:
    """Only applicant accounts speak for an enterprise, identified by its GB 32100 code."""
    if entity_uscc is None:
        return []
    if role is not Role.APPLICANT:
        return [
            FieldError(
                "entity_uscc",
                "uscc_not_allowed",
                N_("Only applicant accounts belong to an enterprise"),
            )
        ]
    try:
        ids.parse_uscc(entity_uscc)
    except ids.InvalidIdentifier as error:
        return [error.field_error("entity_uscc")]
    return []


def normal_uscc(raw: str | None) -> str | None:
    """The stored form of a credit code typed with spaces, dashes or full-width characters."""
    if raw is None:
        return None
    return ids.normalise_uscc(raw) or None


def validate_account(
    username: str, password: str | None, role: Role, region_codes: list[str]
) -> list[FieldError]:
    errors = []
    if not _USERNAME.fullmatch(username):
        errors.append(
            FieldError("username", "invalid_username", N_("Use 2 to 64 letters, digits, _ . or -"))
        )
    if password is not None:
        errors += password_errors(password)
    if role is Role.PUBLIC:
        errors.append(FieldError("role", "invalid_role", N_("The public role has no accounts")))
    return errors + region_errors(region_codes)


def display_name_errors(display_name: str) -> list[FieldError]:
    if len(display_name) > 100:
        return [
            FieldError("display_name", "too_long", N_("Use at most {n} characters"), {"n": 100})
        ]
    return []


def new_account_errors(
    session: Session,
    username: str,
    password: str,
    role: Role,
    region_codes: list[str],
    display_name: str = "",
    entity_uscc: str | None = None,
) -> list[FieldError]:
    errors = validate_account(username, password, role, region_codes)
    errors += display_name_errors(display_name) + uscc_errors(role, entity_uscc)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        errors.append(FieldError("username", "username_taken", N_("This username is taken")))
    return errors


def create_user(
    session: Session,
    actor: audit.Actor,
    *,
    username: str,
    password: str,
    role: Role,
    region_codes: list[str],
    display_name: str = "",
    entity_uscc: str | None = None,
) -> User:
    entity_uscc = normal_uscc(entity_uscc)
    errors = new_account_errors(
        session, username, password, role, region_codes, display_name, entity_uscc
    )
    if errors:
        raise invalid(errors)
    user = User(
        username=username,
        display_name=display_name.strip() or username,
        password_hash=hash_password(password),
        role=role,
        region_codes=list(dict.fromkeys(region_codes)),
        entity_uscc=entity_uscc,
        active=True,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor,
        "user.create",
        "user",
        user.id,
        region_code=audit_region(user.region_codes),
        after=account_view(user),
    )
    return user


def account_view(user: User) -> dict[str, Any]:
    """What audit events show of an account: never the password hash."""
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role.value,
        "region_codes": list(user.region_codes),
        "entity_uscc": user.entity_uscc,
        "active": user.active,
    }


def audit_region(region_codes: list[str]) -> str | None:
    """The region an account's audit events are filed under (none for national accounts)."""
    return region_codes[0] if region_codes and region_codes[0] != NATIONAL else None


# --- login, throttling and the session ---------------------------------------------------------


def _throttled(session: Session, settings: Settings, username: str, address: str) -> bool:
    since = utcnow() - timedelta(seconds=settings.login_window_seconds)
    failures = select(func.count()).where(
        LoginAttempt.at >= since, LoginAttempt.succeeded.is_(False)
    )
    by_user = session.scalar(failures.where(LoginAttempt.username == username)) or 0
    by_address = session.scalar(failures.where(LoginAttempt.address == address)) or 0
    return (
        by_user >= settings.login_max_failures_per_user
        or by_address >= settings.login_max_failures_per_address
    )


def authenticate(
    session: Session, settings: Settings, username: str, password: str, address: str
) -> User:
    """Check a password; record the attempt; refuse with 429 while failures exceed the limits
    (GB/T 22239-2019 8.1.4.1 a: limit failed logins)."""
    username, address = username[:64], address[:64]  # the widths of login_attempts
    if _throttled(session, settings, username, address):
        raise Problem(
            429,
            "login_throttled",
            N_("Too many failed logins; try again later"),
            headers={"Retry-After": str(settings.login_window_seconds)},
        )
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        verify_password(_DUMMY_HASH, password)
        ok = False
    else:
        ok = verify_password(user.password_hash, password) and user.active
    session.add(LoginAttempt(username=username, address=address, succeeded=ok))
    if not ok or user is None:
        session.commit()  # the failure must count even though the request fails
        raise Problem(401, "login_failed", N_("Wrong username or password"))
    if _hasher.check_needs_rehash(user.password_hash):
        # Hashes made with weaker parameters are upgraded on the next successful login.
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


SESSION_USER = "user_id"


def _password_stamp(user: User) -> str:
    """Ties a session to the password it was opened with: a reset ends every other session."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def start_session(data: MutableMapping[str, Any], user: User, now: datetime) -> None:
    """A fresh session (and CSRF token) for a user who just logged in: no session fixation."""
    data.clear()
    stamp = int(now.timestamp())
    data.update({SESSION_USER: user.id, "login_at": stamp, "seen_at": stamp})
    data["password_stamp"] = _password_stamp(user)


def session_user(
    session: Session, data: MutableMapping[str, Any], settings: Settings, now: datetime
) -> User | None:
    """The user a session cookie speaks for, or None when the session has ended: idle too long,
    older than the absolute limit, the account deactivated or its password reset
    (GB/T 22239-2019 8.1.4.1 a: end sessions that time out)."""
    user_id, login_at, seen_at = data.get(SESSION_USER), data.get("login_at"), data.get("seen_at")
    if not isinstance(user_id, int) or not isinstance(login_at, int):
        return None
    if not isinstance(seen_at, int):
        return None
    stamp = int(now.timestamp())
    if stamp - seen_at > settings.session_idle_seconds:
        return None
    if stamp - login_at > settings.session_max_age_seconds:
        return None
    user = session.get(User, user_id)
    if user is None or not user.active or data.get("password_stamp") != _password_stamp(user):
        return None
    data["seen_at"] = stamp
    return user


# --- API tokens --------------------------------------------------------------------------------

TOKEN_PREFIX_LEN = 12
# Recording every use would make the restriction-check hot path write on every call;
# the minute is precise enough to tell a live integration from a dead one.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _digest(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def token_view(token: ApiToken) -> dict[str, Any]:
    """What audit events show of a token: never the secret or its hash."""
    return {
        "name": token.name,
        "token_prefix": token.token_prefix,
        "role": token.role.value,
        "region_codes": list(token.region_codes),
        "revoked": token.revoked_at is not None,
    }


def create_token(
    session: Session,
    actor: audit.Actor,
    *,
    name: str,
    region_codes: list[str],
    role: Role = Role.SYSTEM,
) -> tuple[ApiToken, str]:
    """Make a token; the plaintext is returned once and never stored."""
    errors = []
    if not name.strip():
        errors.append(FieldError("name", "required", N_("Name the system that will use the token")))
    elif len(name.strip()) > 100:
        errors.append(FieldError("name", "too_long", N_("Use at most {n} characters"), {"n": 100}))
    if role is Role.PUBLIC:
        errors.append(FieldError("role", "invalid_role", N_("The public role has no accounts")))
    errors += region_errors(region_codes)
    if errors:
        raise invalid(errors)
    plaintext = "ipp_" + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name.strip(),
        token_prefix=plaintext[:TOKEN_PREFIX_LEN],
        token_hash=_digest(plaintext),
        role=role,
        region_codes=list(dict.fromkeys(region_codes)),
        created_by=actor.user_id,
    )
    session.add(token)
    session.flush()
    audit.record(
        session,
        actor,
        "token.create",
        "api_token",
        token.id,
        region_code=audit_region(token.region_codes),
        after=token_view(token),
    )
    return token, plaintext


def revoke_token(session: Session, actor: audit.Actor, token: ApiToken) -> None:
    if token.revoked_at is not None:
        return
    before = token_view(token)
    token.revoked_at = utcnow()
    audit.record(
        session,
        actor,
        "token.revoke",
        "api_token",
        token.id,
        region_code=audit_region(token.region_codes),
        before=before,
        after=token_view(token),
    )


def principal_for_token(
    session: Session, plaintext: str, now: datetime | None = None
) -> Principal | None:
    token = session.scalar(
        select(ApiToken).where(ApiToken.token_prefix == plaintext[:TOKEN_PREFIX_LEN])
    )
    if token is None or token.revoked_at is not None:
        return None
    if not secrets.compare_digest(_digest(plaintext), token.token_hash):
        return None
    now = now or utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
        # Committed here, not by the handler: a read-only call never commits, and the use
        # must be recorded even when the request itself fails.
        session.commit()
    return Principal(None, token.name, token.role, Scope.of(token.region_codes), token_id=token.id)
