"""Users, roles, region scopes, API tokens, password hashing and login throttling."""

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import JSON, Boolean, Enum, ForeignKey, Integer, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ipprotect.core import audit
from ipprotect.core.errors import FieldError, Problem, invalid
from ipprotect.core.scope import NATIONAL, Scope
from ipprotect.db import Base, UTCDateTime, utcnow
from ipprotect.settings import Settings


class Role(enum.StrEnum):
    PUBLIC = "public"  # anonymous visitors; never stored on an account
    APPLICANT = "applicant"  # rights holder or enterprise account
    OFFICER = "officer"  # case handling in a region
    MEDIATOR = "mediator"
    CREDIT_OFFICER = "credit_officer"
    EVALUATOR = "evaluator"  # province or nation, zone evaluation
    ADMIN = "admin"  # a region's administrator
    SYSTEM = "system"  # API tokens for procurement and other systems


ACCOUNT_ROLES = [r for r in Role if r is not Role.PUBLIC]


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

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def principal_for(user: User) -> Principal:
    return Principal(
        user.id, user.username, user.role, Scope.of(user.region_codes), user.entity_uscc
    )


def validate_account(
    username: str, password: str | None, role: Role, region_codes: list[str]
) -> list[FieldError]:
    from ipprotect.core import ids  # ids owns region-code validity

    errors = []
    if (
        not username
        or len(username) > 64
        or not username.replace("_", "").replace(".", "").isalnum()
    ):
        errors.append(FieldError("username", "invalid_username", "Use letters, digits, _ or ."))
    if password is not None and len(password) < 10:
        errors.append(FieldError("password", "password_too_short", "Use at least 10 characters"))
    if role is Role.PUBLIC:
        errors.append(FieldError("role", "invalid_role", "The public role has no accounts"))
    if not region_codes:
        errors.append(FieldError("region_codes", "required", "Give at least one region"))
    for i, code in enumerate(region_codes):
        if code != NATIONAL and not ids.is_region_code(code):
            errors.append(
                FieldError(
                    f"region_codes.{i}", "unknown_region", "Unknown region {code}", {"code": code}
                )
            )
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
    errors = validate_account(username, password, role, region_codes)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        errors.append(FieldError("username", "username_taken", "This username is taken"))
    if errors:
        raise invalid(errors)
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password),
        role=role,
        region_codes=region_codes,
        entity_uscc=entity_uscc,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor,
        "user.create",
        "user",
        user.id,
        region_code=region_codes[0] if region_codes[0] != NATIONAL else None,
        after={"username": username, "role": role.value, "region_codes": region_codes},
    )
    return user


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
    """Check a password; record the attempt; refuse with 429 while failures exceed the limits."""
    if _throttled(session, settings, username, address):
        raise Problem(
            429,
            "login_throttled",
            "Too many failed logins; try again later",
            headers={"Retry-After": str(settings.login_window_seconds)},
        )
    user = session.scalar(select(User).where(User.username == username))
    ok = user is not None and user.active and verify_password(user.password_hash, password)
    session.add(LoginAttempt(username=username, address=address, succeeded=ok))
    if not ok or user is None:
        session.commit()  # the failure must count even though the request fails
        raise Problem(401, "login_failed", "Wrong username or password")
    user.last_login_at = utcnow()
    return user


TOKEN_PREFIX_LEN = 12


def create_token(
    session: Session,
    actor: audit.Actor,
    *,
    name: str,
    region_codes: list[str],
    role: Role = Role.SYSTEM,
) -> tuple[ApiToken, str]:
    """Make a token; the plaintext is returned once and never stored."""
    errors = validate_account("token", None, role, region_codes)
    if not name.strip():
        errors.append(FieldError("name", "required", "Name the system that will use the token"))
    if errors:
        raise invalid(errors)
    plaintext = "ipp_" + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name.strip(),
        token_prefix=plaintext[:TOKEN_PREFIX_LEN],
        token_hash=hashlib.sha256(plaintext.encode()).hexdigest(),
        role=role,
        region_codes=region_codes,
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
        after={"name": token.name, "role": role.value, "region_codes": region_codes},
    )
    return token, plaintext


def revoke_token(session: Session, actor: audit.Actor, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(session, actor, "token.revoke", "api_token", token.id, after={"revoked": True})


def principal_for_token(session: Session, plaintext: str) -> Principal | None:
    token = session.scalar(
        select(ApiToken).where(ApiToken.token_prefix == plaintext[:TOKEN_PREFIX_LEN])
    )
    if token is None or token.revoked_at is not None:
        return None
    digest = hashlib.sha256(plaintext.encode()).hexdigest()
    if not secrets.compare_digest(digest, token.token_hash):
        return None
    return Principal(None, token.name, token.role, Scope.of(token.region_codes), token_id=token.id)
