"""Case pages: the public complaint form and tracking page (no login), the officers' list with
filters and exports, the detail page with triage, accept / reject and history, and the hotline
ticket import (upload, then the job page with its progress and row errors, as in the registry)."""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, BackgroundTasks, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import QueryParams

from ipprotect.cases import access, figures_routes, history, hotline_import, reads, service
from ipprotect.cases import damages as case_damages
from ipprotect.cases.channels import pages as channels_pages
from ipprotect.cases.channels import queue
from ipprotect.cases.documents import pages as documents_pages
from ipprotect.cases.models import (
    CASE_STATUS_LABELS,
    CHANNEL_LABELS,
    SOURCE_LABELS,
    TRACK_LABELS,
    Case,
    CaseStatus,
    Source,
    Track,
)
from ipprotect.core import ids, jobs
from ipprotect.core.auth import Principal, Role
from ipprotect.core.days import form_day, today
from ipprotect.core.deps import (
    RecordId,
    current_principal,
    get_session,
    get_settings,
    request_id,
    require,
)
from ipprotect.core.errors import FieldError, Problem, invalid
from ipprotect.damages.pages import law_name
from ipprotect.damages.pages import parse as parse_claim
from ipprotect.registry import imports
from ipprotect.registry.pages import LABELS as REGISTRY_LABELS
from ipprotect.registry.pages import form_values, job_errors_csv, region_options
from ipprotect.settings import Settings
from ipprotect.web.i18n import N_, get_locale, gettext
from ipprotect.web.templating import field_errors, render

router = APIRouter(include_in_schema=False)
# First, so that /cases/queue is matched before /cases/{case_id}.
router.include_router(channels_pages.router)
router.include_router(figures_routes.page_router)  # /cases/figures
router.include_router(documents_pages.router)  # /cases/{id}/documents/new before /{doc_id}

handler = require(*access.HANDLERS)

LABELS = {
    "status_labels": CASE_STATUS_LABELS,
    "track_labels": TRACK_LABELS,
    "channel_labels": CHANNEL_LABELS,
    "source_labels": SOURCE_LABELS,
}
FORM_FIELDS = [
    "region_code",
    "channel_requested",
    "complainant_name",
    "complainant_phone",
    "complainant_email",
    "respondent_uscc",
    "respondent_name",
    "respondent_description",
    "right_ids",
    "deposit_ids",
    "facts",
    "amount_claimed",
]


def _render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    return render(request, name, status_code, **LABELS, **context)


def _choices(labels: dict[Any, str]) -> list[tuple[str, str]]:
    return [(key.value, gettext(label)) for key, label in labels.items()]


def _reasons(case: Case) -> list[str]:
    items = service.triage_items(case.received_on, case.region_code)
    zh = get_locale() == "zh_CN"
    return [(items[r].zh if zh else items[r].en) for r in case.triage_reasons if r in items]


# ---------------------------------------------------------------- public


def _complaint_form(
    request: Request,
    who: Principal,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    return _render(
        request,
        "cases/complaint_form.html",
        status_code=status_code,
        values=values,
        errors=errors,
        logged_in=who.role is Role.APPLICANT,
        channel_options=[("", gettext("Let the office decide")), *_choices(CHANNEL_LABELS)],
    )


@router.get("/complaints/new", response_class=HTMLResponse)
def complaint_new(request: Request, who: Principal = Depends(current_principal)) -> Response:
    return _complaint_form(request, who, {}, {})


@router.post("/complaints/new", response_class=HTMLResponse)
def complaint_file(
    request: Request,
    values: dict[str, str] = Depends(form_values),
    who: Principal = Depends(current_principal),
    session: Session = Depends(get_session),
    rid: str = Depends(request_id),
) -> Response:
    fields: dict[str, Any] = {k: values.get(k, "") for k in FORM_FIELDS}
    draft = service.CaseDraft(**fields)
    try:
        case = service.receive(session, who, draft, source=Source.FORM, request_id=rid)
    except Problem as problem:
        if problem.status != 422:
            raise
        return _complaint_form(request, who, values, field_errors(problem.errors), 422)
    session.commit()
    return _render(request, "cases/complaint_filed.html", case=case)


@router.get("/track", response_class=HTMLResponse)
def track_form(request: Request) -> Response:
    return _render(request, "cases/track.html", case=None, code="")


@router.post("/track", response_class=HTMLResponse)
def track_lookup(
    request: Request,
    code: str = Form("", max_length=40),
    session: Session = Depends(get_session),
) -> Response:
    """Status and dates only: nothing about the people in the case."""
    try:
        case = reads.by_tracking_code(session, code)
    except Problem:
        errors = {"code": gettext("No case has this tracking code; check it and try again")}
        return _render(request, "cases/track.html", 404, case=None, code=code, errors=errors)
    return _render(request, "cases/track.html", case=case, code=case.tracking_code)


# ---------------------------------------------------------------- officers


@router.get("/cases", response_class=HTMLResponse)
def case_list(
    request: Request,
    status: str = "",
    track: str = "",
    region: str = Query("", max_length=6),
    q: str = Query("", max_length=200),
    page: int = Query(1, ge=1),
    who: Principal = Depends(handler),
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
) -> Response:
    filters = reads.CaseFilters(
        status=CaseStatus(status) if status in set(CaseStatus) else None,
        track=Track(track) if track in set(Track) else None,
        region=region if ids.is_region_code(region) else "",
        q=q,
    )
    result = reads.list_cases(session, who, filters, page, settings.page_size)
    kept = {
        "status": filters.status.value if filters.status else "",
        "track": filters.track.value if filters.track else "",
        "region": filters.region,
        "q": q,
    }
    kept = {k: v for k, v in kept.items() if v}
    return _render(
        request,
        "cases/list.html",
        page=result,
        filters=kept,
        status_options=[("", gettext("All")), *_choices(CASE_STATUS_LABELS)],
        track_options=[("", gettext("All")), *_choices(TRACK_LABELS)],
        export_urls={
            fmt: f"/api/v1/cases/export?{urlencode({'format': fmt, **kept})}"
            for fmt in ("csv", "xlsx")
        },
        today=today(),
    )


def _detail(
    request: Request,
    session: Session,
    case: Case,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return _render(
        request,
        "cases/case.html",
        status_code=status_code,
        case=case,
        region=ids.region_name(case.region_code, get_locale()),
        reasons=_reasons(case),
        rights=reads.rights_of(session, case),
        deposit_ids=reads.deposit_ids_of(session, case),
        history=reads.history(session, case),
        action_label=history.label,
        damages=case_damages.assessments_of(session, case),
        law_name=law_name,
        reminders=queue.reminders_of(session, case),
        errors=errors or {},
        track_options=_choices(TRACK_LABELS),
        today=today(),
        **channels_pages.context(request, session, case),
        **documents_pages.context(request, session, case),
    )


# ---------------------------------------------------------------- hotline import


@dataclass(frozen=True)
class ImportPage:
    """What the import form and the registry's job page templates say (msgids)."""

    list_path: str
    title: str
    columns: str
    back: str


HOTLINE_IMPORT = ImportPage(
    list_path="/cases",
    title=N_("Import hotline tickets"),
    columns=N_(
        "A 12345 or 12330 export: a CSV file (UTF-8 or GB18030) or an XLSX file whose first row "
        "names the columns, in English or Chinese: hotline_ticket (工单编号), received_on "
        "(受理时间, e.g. 2025/1/24 09:12:00: the acceptance deadline runs from that day), facts "
        "(诉求内容), and as known complainant_name (诉求人), complainant_phone (联系电话), "
        "complainant_email (电子邮箱), respondent_name (被反映对象), respondent_uscc "
        "(统一社会信用代码), amount_claimed (诉求金额), region_code (行政区划代码). A ticket "
        "already imported is skipped."
    ),
    back=N_("Back to the cases"),
)
HOTLINES = {
    Source.HOTLINE_12345.value: SOURCE_LABELS[Source.HOTLINE_12345],
    Source.HOTLINE_12330.value: SOURCE_LABELS[Source.HOTLINE_12330],
}
# The columns of a ticket row, to name the field of a row error.
IMPORT_FIELD_LABELS = {
    "hotline_ticket": N_("Ticket number"),
    "received_on": N_("Received on"),
    "region_code": N_("Region code"),
    "complainant_name": N_("Complainant"),
    "complainant_phone": N_("Phone"),
    "complainant_email": N_("E-mail"),
    "respondent_name": N_("Respondent"),
    "respondent_uscc": N_("Unified social credit code"),
    "facts": N_("What happened"),
    "amount_claimed": N_("Amount claimed (yuan)"),
    "file": N_("File"),
}


def _import_form(
    request: Request,
    who: Principal,
    values: dict[str, str],
    errors: list[FieldError],
    status_code: int = 200,
) -> Response:
    return _render(
        request,
        "cases/import.html",
        status_code=status_code,
        page=HOTLINE_IMPORT,
        values=values,
        errors=field_errors(errors),
        hotline_options=[(key, gettext(label)) for key, label in HOTLINES.items()],
        region_options=[("", gettext("As given in each row")), *region_options(who)],
    )


# Declared before the detail route, whose {case_id} would take "import".
@router.get("/cases/import", response_class=HTMLResponse)
def import_form(request: Request, who: Principal = Depends(handler)) -> Response:
    return _import_form(request, who, {}, [])


@router.post("/cases/import", response_class=HTMLResponse)
def import_upload(
    request: Request,
    background: BackgroundTasks,
    file: UploadFile | None = File(None),
    hotline: str = Form(Source.HOTLINE_12345.value),
    region_code: str = Form(""),
    who: Principal = Depends(handler),
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
    rid: str = Depends(request_id),
) -> Response:
    """Queue the import job and go to its page; the form again with its errors otherwise."""
    region_code = region_code.strip()
    try:
        if hotline not in HOTLINES:
            raise invalid(
                [FieldError("hotline", "invalid_choice", N_("Choose one of the listed values"))]
            )
        if file is None or not file.filename:
            raise invalid([FieldError("file", "required", N_("This field is required"))])
        job, work = imports.queue(
            session,
            hotline_import.IMPORTERS[Source(hotline)],
            who,
            file.file.read(),
            file.filename,
            max_rows=settings.max_import_rows,
            default_region=region_code,
            on_duplicate=imports.OnDuplicate.SKIP,
            request_id=rid,
        )
    except Problem as problem:
        if problem.status != 422:
            raise
        values = {"hotline": hotline, "region_code": region_code}
        return _import_form(request, who, values, problem.errors, 422)
    background.add_task(jobs.run, request.app.state.sessionmaker, job.id, work)
    return RedirectResponse(f"/cases/jobs/{job.id}", status_code=303)


def _job_context(job: jobs.Job) -> dict[str, Any]:
    def rows(key: str) -> list[tuple[int, str, str]]:
        """(row number, translated field label, translated reason)."""
        return [
            (
                issue.row,
                gettext(IMPORT_FIELD_LABELS.get(issue.error.field, issue.error.field)),
                issue.error.text(gettext),
            )
            for issue in imports.issues(job, key)
        ]

    return {
        "job": job,
        "job_path": f"/cases/jobs/{job.id}",
        "page": HOTLINE_IMPORT,
        "finished": job.finished_at is not None,
        "errors": rows("errors"),
        "notes": rows("notes"),
        "job_status_labels": REGISTRY_LABELS["job_status_labels"],
        "count_labels": REGISTRY_LABELS["count_labels"],
    }


@router.get("/cases/jobs/{job_id}", response_class=HTMLResponse)
def job_page(
    request: Request,
    job_id: RecordId,
    who: Principal = Depends(handler),
    session: Session = Depends(get_session),
) -> Response:
    job = reads.get_job(session, who, job_id)
    return _render(request, "registry/job.html", **_job_context(job))


@router.get("/cases/jobs/{job_id}/progress", response_class=HTMLResponse)
def job_progress(
    request: Request,
    job_id: RecordId,
    who: Principal = Depends(handler),
    session: Session = Depends(get_session),
) -> Response:
    """The fragment the job page polls while the job runs."""
    job = reads.get_job(session, who, job_id)
    return _render(request, "registry/_job_progress.html", **_job_context(job))


@router.get("/cases/jobs/{job_id}/errors.csv")
def job_errors(
    job_id: RecordId,
    who: Principal = Depends(handler),
    session: Session = Depends(get_session),
) -> Response:
    return job_errors_csv(reads.get_job(session, who, job_id))


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_detail(
    request: Request,
    case_id: RecordId,
    who: Principal = Depends(handler),
    session: Session = Depends(get_session),
) -> Response:
    return _detail(request, session, reads.get_case(session, who, case_id))


@router.post("/cases/{case_id}/decide", response_class=HTMLResponse)
def case_decide(
    request: Request,
    case_id: RecordId,
    decision: str = Form(""),
    reason: str = Form("", max_length=2000),
    on: str = Form("", max_length=10),
    who: Principal = Depends(handler),
    session: Session = Depends(get_session),
    rid: str = Depends(request_id),
) -> Response:
    """Accept or reject, on the day given (a complaint received on paper or by a hotline is
    often decided before it is entered) or today."""
    case = reads.get_case(session, who, case_id)
    try:
        day = form_day(on)
        if decision == "accept":
            service.accept(session, who, case, day, rid)
        else:
            service.reject(session, who, case, reason, day, rid)
    except Problem as problem:
        if problem.status != 422:
            raise
        return _detail(request, session, case, field_errors(problem.errors), 422)
    session.commit()
    return RedirectResponse(f"/cases/{case.id}", status_code=303)


@router.post("/cases/{case_id}/track", response_class=HTMLResponse)
def case_track(
    request: Request,
    case_id: RecordId,
    track: str = Form(""),
    reason: str = Form("", max_length=2000),
    who: Principal = Depends(handler),
    session: Session = Depends(get_session),
    rid: str = Depends(request_id),
) -> Response:
    case = reads.get_case(session, who, case_id)
    try:
        service.override_track(session, who, case, track, reason, rid)
    except Problem as problem:
        if problem.status != 422:
            raise
        return _detail(request, session, case, field_errors(problem.errors), 422)
    session.commit()
    return RedirectResponse(f"/cases/{case.id}", status_code=303)


# ---------------------------------------------------------------- damages


@router.post("/cases/{case_id}/damages", response_class=HTMLResponse)
def case_damages_record(
    case_id: RecordId,
    query: str = Form("", max_length=4000),
    who: Principal = Depends(handler),
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
    rid: str = Depends(request_id),
) -> Response:
    """Record the calculator's result in the case: the calculator's own query, computed again
    here, so what is recorded is what the rules give, not what the form carried."""
    case = reads.get_case(session, who, case_id)
    claim, _, errors = parse_claim(QueryParams(query))
    if errors or claim is None:
        raise invalid(errors or [FieldError("query", "required", N_("This field is required"))])
    case_damages.assess(session, who, case, claim, settings, today(), rid)
    session.commit()
    return RedirectResponse(f"/cases/{case.id}#damages", status_code=303)
