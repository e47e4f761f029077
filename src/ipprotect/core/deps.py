"""Request dependencies shared by every domain's routes: the database session, who is asking,
role checks and CSRF protection for cookie sessions."""

import secrets
import uuid
from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from sqlalchemy.orm import Session

from ipprotect.core.auth import (
    ANONYMOUS,
    SESSION_USER,
    Principal,
    Role,
    principal_for,
    principal_for_token,
    session_user,
)
from ipprotect.core.errors import Problem, forbidden, unauthenticated
from ipprotect.db import MAX_ID, utcnow
from ipprotect.settings import Settings
from ipprotect.web.i18n import N_

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

# A larger id names no record and is refused as bad input before it reaches the driver
# (which raises on it: a 500).
RecordId = Annotated[int, Path(ge=1, le=MAX_ID)]
OptionalRecordIdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    """One session per request; handlers commit what they change, anything else is rolled back."""
    session: Session = request.app.state.sessionmaker()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


def request_id(request: Request) -> str:
    rid: str = getattr(request.state, "request_id", "") or uuid.uuid4().hex
    return rid


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def current_principal(request: Request, session: Session = Depends(get_session)) -> Principal:
    principal = _identify(request, session)
    request.state.principal = principal  # pages show who is logged in
    return principal


def _identify(request: Request, session: Session) -> Principal:
    token = _bearer(request)
    if token is not None:
        principal = principal_for_token(session, token)
        if principal is None:
            raise Problem(401, "invalid_token", N_("The API token is unknown or revoked"))
        return principal
    if SESSION_USER in request.session:
        user = session_user(session, request.session, request.app.state.settings, utcnow())
        if user is not None:
            return principal_for(user)
        request.session.clear()
    return ANONYMOUS


def require(*roles: Role) -> Callable[..., Principal]:
    """A dependency that lets only the given roles through (any account when none are given)."""

    def check(principal: Principal = Depends(current_principal)) -> Principal:
        if not principal.authenticated:
            raise unauthenticated()
        if roles and principal.role not in roles:
            raise forbidden(f"needs one of: {', '.join(r.value for r in roles)}")
        return principal

    return check


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return str(token)


async def csrf_protect(request: Request) -> None:
    """Unsafe requests that ride on the session cookie must echo the session's CSRF token
    (form field or header). Calls that carry no ambient authority are exempt: bearer-token calls,
    and anonymous JSON calls to the public API (nobody is logged in to be impersonated)."""
    if request.method in SAFE_METHODS or _bearer(request) is not None:
        return
    if request.url.path.startswith("/witness/"):
        return  # c2sp.org/tlog-witness: the log's signature is the only authority, never a cookie
    if request.url.path.startswith("/api/") and "user_id" not in request.session:
        return
    expected = request.session.get("csrf")
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not secrets.compare_digest(str(expected), sent):
        raise Problem(403, "csrf_failed", N_("The form has expired; reload the page and try again"))
