"""The administrators' page on the evidence log: its size, the last signed checkpoint, the
integrity alarms, and a button that runs the full integrity check (which clears the alarms once
the stored log holds together again)."""

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from ipprotect.core import audit
from ipprotect.core.auth import Principal, Role
from ipprotect.core.deps import get_session, get_settings, request_id, require
from ipprotect.evidence import integrity, keys, log
from ipprotect.settings import Settings
from ipprotect.web.i18n import gettext
from ipprotect.web.templating import render

router = APIRouter(include_in_schema=False)
admin_only = require(Role.ADMIN)


@router.get("/admin/log", response_class=HTMLResponse)
def log_status(
    request: Request,
    _principal: Principal = Depends(admin_only),
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
) -> Response:
    return render(
        request,
        "admin/log.html",
        origin=settings.log_origin,
        size=log._state(session).size,
        checkpoint=log.latest_checkpoint(session),
        alarms=integrity.open_alarms(session),
        flash=request.session.pop("flash", None),
    )


@router.post("/admin/log/check")
def run_check(
    request: Request,
    principal: Principal = Depends(admin_only),
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
) -> Response:
    failure = integrity.check(session, keys.log_signer(settings).verifier())
    audit.record(
        session,
        principal.actor(request_id(request)),
        "log.check",
        "log",
        settings.log_origin,
        after={"result": failure.code if failure else "intact"},
    )
    session.commit()
    request.session["flash"] = (
        gettext("The log failed its integrity check") if failure else gettext("The log is intact")
    )
    return RedirectResponse("/admin/log", status_code=303)
