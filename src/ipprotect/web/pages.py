"""The web shell: home, login and logout, language switch, the per-role dashboard, error pages."""

from urllib.parse import urlparse

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from ipprotect import __version__
from ipprotect.core import audit, scope
from ipprotect.core.auth import Principal, Role, authenticate, start_session
from ipprotect.core.deps import current_principal, get_session, get_settings, require
from ipprotect.core.errors import Problem
from ipprotect.core.jobs import Job
from ipprotect.db import utcnow
from ipprotect.evidence import integrity
from ipprotect.registry import repository as registry
from ipprotect.settings import Settings
from ipprotect.web.i18n import LOCALES, gettext
from ipprotect.web.request_context import LOCALE_COOKIE
from ipprotect.web.templating import render

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None, default: str = "/dashboard") -> str:
    """Only same-site paths, so a crafted link cannot bounce a user to another site."""
    if not target:
        return default
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


@router.get("/", response_class=HTMLResponse)
def home(request: Request, principal: Principal = Depends(current_principal)) -> Response:
    if principal.authenticated:
        return RedirectResponse("/dashboard", status_code=303)
    return render(request, "home.html")


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "") -> Response:
    return render(request, "login.html", next=safe_next(next))


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    next: str = Form(""),
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
) -> Response:
    address = request.client.host if request.client else "unknown"
    try:
        user = authenticate(session, settings, username.strip(), password, address)
    except Problem as problem:
        return render(
            request,
            "login.html",
            status_code=problem.status,
            next=safe_next(next),
            username=username,
            login_error=gettext(problem.title),
        )
    audit.record(session, audit.Actor(user.id, user.username), "user.login", "user", user.id)
    session.commit()
    start_session(request.session, user, utcnow())
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/", status_code=303)


@router.get("/lang/{locale}")
def switch_language(locale: str, next: str = "/") -> Response:
    response = RedirectResponse(safe_next(next, "/"), status_code=303)
    if locale in LOCALES:
        response.set_cookie(LOCALE_COOKIE, locale, max_age=365 * 24 * 3600, samesite="lax")
    return response


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(
    request: Request,
    principal: Principal = Depends(require()),
    session: Session = Depends(get_session),
) -> Response:
    recent_audit = list(
        session.scalars(
            scope.apply(select(audit.AuditEvent), audit.AuditEvent.region_code, principal.scope)
            .order_by(audit.AuditEvent.id.desc())
            .limit(10)
        )
    )
    jobs = list(
        session.scalars(
            scope.apply(select(Job), Job.region_code, principal.scope)
            .order_by(Job.id.desc())
            .limit(5)
        )
    )
    return render(
        request,
        "dashboard.html",
        counts=registry.dashboard_counts(session, principal),
        recent_audit=recent_audit if principal.role is Role.ADMIN else [],
        log_alarms=integrity.open_alarms(session) if principal.role is Role.ADMIN else [],
        jobs=jobs,
    )


@router.get("/api/v1/health", include_in_schema=True, tags=["platform"])
def health(session: Session = Depends(get_session)) -> JSONResponse:
    session.execute(select(1))
    return JSONResponse({"status": "ok", "version": __version__})


def problem_page(request: Request, problem: Problem) -> Response:
    if problem.status == 401:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    return render(request, "problem.html", status_code=problem.status, problem=problem)
