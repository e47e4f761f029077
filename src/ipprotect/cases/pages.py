"""Case pages: the public complaint form and tracking page (no login), the officers' list with
filters and exports, and the detail page with triage, accept / reject and history."""

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from ipprotect.cases import access, reads, service
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
from ipprotect.core import ids
from ipprotect.core.auth import Principal, Role
from ipprotect.core.deps import (
    RecordId,
    current_principal,
    get_session,
    get_settings,
    request_id,
    require,
)
from ipprotect.core.errors import Problem
from ipprotect.registry.pages import form_values
from ipprotect.settings import Settings
from ipprotect.web.i18n import get_locale, gettext
from ipprotect.web.templating import field_errors, render

router = APIRouter(include_in_schema=False)

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
        today=service.today(),
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
        errors=errors or {},
        track_options=_choices(TRACK_LABELS),
        today=service.today(),
    )


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
    who: Principal = Depends(handler),
    session: Session = Depends(get_session),
    rid: str = Depends(request_id),
) -> Response:
    case = reads.get_case(session, who, case_id)
    try:
        if decision == "accept":
            service.accept(session, who, case, rid)
        else:
            service.reject(session, who, case, reason, rid)
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
