"""The bulk screening page (`/credit/screen`): upload a list of bidders, follow the job's
progress, download the result. The work is screening.py's, started as the API starts it."""

from typing import Any

from fastapi import APIRouter, BackgroundTasks, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from ipprotect.core import jobs
from ipprotect.core.auth import Principal
from ipprotect.core.deps import RecordId, get_session, get_settings
from ipprotect.core.errors import FieldError, Problem, invalid
from ipprotect.credit import screening
from ipprotect.credit.check_api import checker, screening_job, start_screening
from ipprotect.credit.models import CheckPurpose
from ipprotect.settings import Settings
from ipprotect.web.i18n import N_, gettext
from ipprotect.web.templating import field_errors, render

router = APIRouter(prefix="/credit/screen", tags=["credit pages"])

PURPOSE_LABELS = {
    CheckPurpose.PROCUREMENT: N_("Government procurement"),
    CheckPurpose.BIDDING: N_("Bidding on government investment projects"),
    CheckPurpose.SUBSIDY: N_("Fiscal funds and subsidies"),
    CheckPurpose.LAND: N_("Land transfer"),
    CheckPurpose.AWARD: N_("Awards and demonstration status"),
}
LABELS = {
    "purpose_labels": {p.value: label for p, label in PURPOSE_LABELS.items()},
    "job_status_labels": {
        "queued": N_("Waiting to start"),
        "running": N_("Running"),
        "succeeded": N_("Finished"),
        "failed": N_("Failed"),
    },
    "decision_labels": {
        "restricted": N_("Restricted"),
        "review": N_("To review"),
        "clear": N_("Clear"),
    },
}


def _recent(session: Session, who: Principal) -> list[jobs.Job]:
    caller = screening.caller_of(who.token_id, who.user_id)
    stmt = (
        select(jobs.Job)
        .where(jobs.Job.kind == screening.JOB_KIND, jobs.Job.created_by == who.user_id)
        .order_by(jobs.Job.id.desc())
        .limit(20)
    )
    return [job for job in session.scalars(stmt) if job.params.get("caller") == caller]


def _form(
    request: Request,
    session: Session,
    who: Principal,
    values: dict[str, str],
    errors: list[FieldError],
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "credit/screen.html",
        status_code,
        values=values,
        errors=field_errors(errors),
        purpose_options=[(p.value, gettext(label)) for p, label in PURPOSE_LABELS.items()],
        format_options=[("", gettext("As uploaded")), ("csv", "CSV"), ("xlsx", "XLSX")],
        recent=_recent(session, who),
        **LABELS,
    )


@router.get("", response_class=HTMLResponse)
def screen_form(
    request: Request, who: Principal = Depends(checker), session: Session = Depends(get_session)
) -> Response:
    return _form(request, session, who, {}, [])


@router.post("", response_class=HTMLResponse)
def screen_upload(
    request: Request,
    background: BackgroundTasks,
    file: UploadFile | None = File(None),
    purpose: str = Form(""),
    format: str = Form(""),
    who: Principal = Depends(checker),
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
) -> Response:
    values = {"purpose": purpose, "format": format}
    filename = file.filename if file is not None and file.filename else ""
    data = file.file.read() if file is not None and filename else b""
    try:
        errors = []
        if not filename:
            errors.append(FieldError("file", "required", N_("This field is required")))
        if purpose not in {p.value for p in CheckPurpose}:
            errors.append(FieldError("purpose", "required", N_("This field is required")))
        if format not in ("", "csv", "xlsx"):
            errors.append(FieldError("format", "invalid_format", N_("Choose CSV or XLSX")))
        if errors:
            raise invalid(errors)
        job = start_screening(
            request,
            background,
            session,
            settings,
            who,
            data,
            filename,
            CheckPurpose(purpose),
            format or screening.output_format(filename),
        )
    except Problem as problem:
        if problem.status != 422:
            raise
        return _form(request, session, who, values, problem.errors, 422)
    return RedirectResponse(f"/credit/screen/{job.id}", status_code=303)


def _job_context(job: jobs.Job) -> dict[str, Any]:
    return {
        "job": job,
        "job_path": f"/credit/screen/{job.id}",
        "result_url": f"/api/v1/credit/screen/{job.id}/result",
        "finished": job.finished_at is not None,
        **LABELS,
    }


@router.get("/{job_id}", response_class=HTMLResponse)
def screen_job(
    request: Request,
    job_id: RecordId,
    who: Principal = Depends(checker),
    session: Session = Depends(get_session),
) -> Response:
    job = screening_job(session, who, job_id)
    return render(request, "credit/screen_job.html", **_job_context(job))


@router.get("/{job_id}/progress", response_class=HTMLResponse)
def screen_progress(
    request: Request,
    job_id: RecordId,
    who: Principal = Depends(checker),
    session: Session = Depends(get_session),
) -> Response:
    job = screening_job(session, who, job_id)
    return render(request, "credit/_screen_progress.html", **_job_context(job))
