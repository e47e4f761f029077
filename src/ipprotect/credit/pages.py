"""Credit pages for officers and applicants: the listings (filters, pages, CSV/XLSX export), a
listing's detail with the buttons of its procedure and of repair, the proposal form, an entity's
credit file as a timeline and the printable credit report (A4)."""

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, BackgroundTasks, Depends, File, Form, Query, Request, UploadFile
from fastapi import Path as FastApiPath
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from sqlalchemy.orm import Session

from ipprotect.core import ids, jobs, rules, tabular
from ipprotect.core.auth import Principal, Role
from ipprotect.core.days import form_day, today
from ipprotect.core.deps import (
    OptionalRecordIdQuery,
    RecordId,
    get_session,
    get_settings,
    request_id,
    require,
)
from ipprotect.core.errors import FieldError, Problem, invalid, not_found
from ipprotect.credit import imports, listing, listing_service, service
from ipprotect.credit.models import (
    LISTING_CLASS_LABELS,
    LISTING_STATUS_LABELS,
    RECORD_KIND_LABELS,
    REPAIR_STATUS_LABELS,
    CreditListing,
    CreditRecord,
    ListingStatus,
    RecordKind,
    RepairStatus,
)
from ipprotect.evidence.blobs import BlobStore
from ipprotect.registry import imports as registry_imports
from ipprotect.registry.pages import LABELS as REGISTRY_LABELS
from ipprotect.registry.pages import job_errors_csv
from ipprotect.settings import Settings
from ipprotect.web.i18n import N_, gettext
from ipprotect.web.templating import field_errors, render

router = APIRouter(prefix="/credit", include_in_schema=False)

officers = require(*listing_service.OFFICERS, Role.OFFICER)
keeper = require(*service.KEEPERS)
reader = require(*service.READERS, Role.APPLICANT)
importer = require(Role.CREDIT_OFFICER, Role.ADMIN)
EXPORT_COLUMNS = (
    "id",
    "entity_uscc",
    "entity_name",
    "region_code",
    "behaviour",
    "class",
    "status",
    "proposed_on",
    "decided_on",
    "publicity_min_until",
    "publicity_max_until",
    "document_no",
    "authority",
)


def _choices(labels: dict[Any, str]) -> list[tuple[str, str]]:
    return [(key.value, gettext(text)) for key, text in labels.items()]


def _filters(status: str, region: str, q: str) -> listing_service.Filters:
    return listing_service.Filters(
        status=ListingStatus(status) if status in set(ListingStatus) else None,
        region=region if ids.is_region_code(region) else "",
        q=q,
    )


@router.get("/listings", response_class=HTMLResponse)
def listings_page(
    request: Request,
    status: str = Query("", max_length=16),
    region: str = Query("", max_length=6),
    q: str = Query("", max_length=200),
    page: int = Query(1, ge=1, le=100_000),
    who: Principal = Depends(officers),
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
) -> Response:
    filters = _filters(status, region, q)
    found = listing_service.search(session, who, filters, page, settings.page_size)
    kept = {
        k: v
        for k, v in {
            "status": filters.status.value if filters.status else "",
            "region": filters.region,
            "q": q,
        }.items()
        if v
    }
    return render(
        request,
        "credit/listings.html",
        page=found,
        filters=kept,
        status_options=[("", gettext("All")), *_choices(LISTING_STATUS_LABELS)],
        status_labels=LISTING_STATUS_LABELS,
        class_labels=LISTING_CLASS_LABELS,
        export_urls={
            fmt: f"/credit/listings/export?{urlencode({'format': fmt, **kept})}"
            for fmt in ("csv", "xlsx")
        },
        may_propose=who.role in service.KEEPERS,
        repeat=listing_service.repeat_offenders(session, who, today())
        if who.role in listing_service.OFFICERS
        else [],
    )


@router.get("/listings/export")
def export_listings(
    format: str = Query("csv", pattern="^(csv|xlsx)$"),
    status: str = Query("", max_length=16),
    region: str = Query("", max_length=6),
    q: str = Query("", max_length=200),
    who: Principal = Depends(officers),
    session: Session = Depends(get_session),
) -> Response:
    """The filtered listings as CSV (UTF-8 with BOM) or XLSX, at most 100,000 rows."""
    found = listing_service.search(session, who, _filters(status, region, q), 1, 100_000)

    def rows() -> list[list[Any]]:
        return [
            [
                r.id,
                r.entity_uscc or "",
                r.entity_name,
                r.region_code,
                r.behaviour,
                r.class_.value,
                r.status.value,
                r.proposed_on,
                r.decided_on,
                r.publicity_min_until,
                r.publicity_max_until,
                r.document_no,
                r.authority,
            ]
            for r in found.items
        ]

    fmt: tabular.Format = "xlsx" if format == "xlsx" else "csv"
    return StreamingResponse(
        tabular.iter_export(fmt, EXPORT_COLUMNS, rows(), "listings"),
        media_type=tabular.MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="credit-listings.{fmt}"'},
    )


def _form(
    request: Request,
    values: dict[str, Any],
    errors: dict[str, str],
    source: CreditRecord | None,
    status_code: int = 200,
) -> Response:
    on = today()
    return render(
        request,
        "credit/propose.html",
        status_code,
        values=values,
        errors=errors,
        source=source,
        behaviours=[
            (b.id, b.zh) for rule_id in listing.BEHAVIOUR_RULES for b in rules.items(rule_id, on)
        ],
        class_options=_choices(LISTING_CLASS_LABELS),
        measures=sorted(listing.measures(on).values(), key=lambda i: i.id),
    )


def _source(session: Session, who: Principal, record_id: int | None) -> CreditRecord | None:
    """The credit file entry a proposal rests on, when the caller's scope covers it."""
    row = session.get(CreditRecord, record_id) if record_id is not None else None
    return row if row is not None and who.scope.covers(row.region_code) else None


@router.get("/listings/new", response_class=HTMLResponse)
def new_listing(
    request: Request,
    uscc: str = Query("", max_length=18),
    name: str = Query("", max_length=200),
    region: str = Query("", max_length=6),
    record: OptionalRecordIdQuery = None,
    who: Principal = Depends(keeper),
    session: Session = Depends(get_session),
) -> Response:
    """The form, prefilled from the repeat infringement list or a decision in a credit file:
    the facts start from the decision, cited by its title and number."""
    values: dict[str, Any] = {"entity_uscc": uscc, "entity_name": name, "region_code": region}
    if uscc:
        values["behaviour"] = "deliberate_infringement"
    if record is not None:
        values["source_record_id"] = record
    source = _source(session, who, record)
    if source is not None:
        cited = " ".join(part for part in (source.title, source.document_no) if part)
        values["basis"] = f"{cited}：{source.summary}" if source.summary else cited
    return _form(request, values, {}, source)


@router.post("/listings", response_class=HTMLResponse)
def propose(
    request: Request,
    entity_name: str = Form("", max_length=200),
    entity_uscc: str = Form("", max_length=18),
    region_code: str = Form("", max_length=6),
    behaviour: str = Form("", max_length=200),
    class_: str = Form("", alias="class", max_length=16),
    measures: list[str] = Form([], max_length=20),
    basis: str = Form("", max_length=5000),
    source_record_id: int | None = Form(None, ge=1, le=2**31 - 1),
    on: str = Form("", max_length=10),
    who: Principal = Depends(keeper),
    session: Session = Depends(get_session),
    rid: str = Depends(request_id),
) -> Response:
    values = {
        "entity_name": entity_name,
        "entity_uscc": entity_uscc,
        "region_code": region_code,
        "behaviour": behaviour,
        "class": class_,
        "measures": measures,
        "basis": basis,
        "source_record_id": source_record_id,
        "on": on,
    }
    try:
        proposal = listing_service.Proposal(
            entity_name,
            entity_uscc or None,
            region_code,
            behaviour,
            class_,
            measures,
            basis,
            source_record_id,
        )
        row = listing_service.propose(session, who, proposal, on=form_day(on), request_id=rid)
    except Problem as problem:
        if problem.status != 422:
            raise
        source = _source(session, who, source_record_id)
        return _form(request, values, field_errors(problem.errors), source, 422)
    session.commit()
    return RedirectResponse(f"/credit/listings/{row.id}", status_code=303)


def _detail(
    request: Request,
    session: Session,
    who: Principal,
    row: CreditListing,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    repairs = listing_service.repairs_of(session, row)
    officer = who.role in listing_service.OFFICERS
    return render(
        request,
        "credit/listing.html",
        status_code,
        listing=row,
        source=_source(session, who, row.source_record_id),
        repairs=repairs,
        errors=errors or {},
        status_labels=LISTING_STATUS_LABELS,
        class_labels=LISTING_CLASS_LABELS,
        repair_labels=REPAIR_STATUS_LABELS,
        may_act=officer,
        may_apply=(officer or who.role is Role.APPLICANT)
        and row.status is ListingStatus.LISTED
        and not any(r.status is RepairStatus.APPLIED for r in repairs),
        today=today(),
    )


@router.get("/listings/{listing_id}", response_class=HTMLResponse)
def listing_page(
    request: Request,
    listing_id: RecordId,
    who: Principal = Depends(reader),
    session: Session = Depends(get_session),
) -> Response:
    return _detail(request, session, who, listing_service.get(session, who, listing_id))


def _acted(
    request: Request, session: Session, who: Principal, row: CreditListing, act: Any
) -> Response:
    """Run an act; on bad input the detail again with the messages, else back to it."""
    try:
        act()
    except Problem as problem:
        if problem.status != 422:
            raise
        session.rollback()
        return _detail(request, session, who, row, field_errors(problem.errors), 422)
    session.commit()
    return RedirectResponse(f"/credit/listings/{row.id}", status_code=303)


@router.post("/listings/{listing_id}/notice", response_class=HTMLResponse)
def notice(
    request: Request,
    listing_id: RecordId,
    on: str = Form("", max_length=10),
    who: Principal = Depends(keeper),
    session: Session = Depends(get_session),
    rid: str = Depends(request_id),
) -> Response:
    row = listing_service.get(session, who, listing_id)
    return _acted(
        request,
        session,
        who,
        row,
        lambda: listing_service.notice(session, who, row, on=form_day(on), request_id=rid),
    )


@router.post("/listings/{listing_id}/decide", response_class=HTMLResponse)
def decide(
    request: Request,
    listing_id: RecordId,
    document_no: str = Form("", max_length=100),
    authority: str = Form("", max_length=200),
    on: str = Form("", max_length=10),
    who: Principal = Depends(keeper),
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
    rid: str = Depends(request_id),
) -> Response:
    row = listing_service.get(session, who, listing_id)
    return _acted(
        request,
        session,
        who,
        row,
        lambda: listing_service.decide(
            session,
            who,
            row,
            BlobStore.of(settings),
            document_no=document_no,
            authority=authority,
            on=form_day(on),
            request_id=rid,
        ),
    )


@router.post("/listings/{listing_id}/withdraw", response_class=HTMLResponse)
def withdraw(
    request: Request,
    listing_id: RecordId,
    reason: str = Form("", max_length=2000),
    on: str = Form("", max_length=10),
    who: Principal = Depends(keeper),
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
    rid: str = Depends(request_id),
) -> Response:
    row = listing_service.get(session, who, listing_id)
    return _acted(
        request,
        session,
        who,
        row,
        lambda: listing_service.withdraw(
            session, who, row, BlobStore.of(settings), reason, on=form_day(on), request_id=rid
        ),
    )


@router.post("/listings/{listing_id}/repairs", response_class=HTMLResponse)
def apply_repair(
    request: Request,
    listing_id: RecordId,
    corrected: bool = Form(False),
    obligations_performed: bool = Form(False),
    public_commitment: bool = Form(False),
    text: str = Form("", max_length=5000),
    on: str = Form("", max_length=10),
    who: Principal = Depends(require(*listing_service.OFFICERS, Role.APPLICANT)),
    session: Session = Depends(get_session),
    rid: str = Depends(request_id),
) -> Response:
    row = listing_service.get(session, who, listing_id)
    grounds = {
        "corrected": corrected,
        "obligations_performed": obligations_performed,
        "public_commitment": public_commitment,
        "text": text,
    }
    return _acted(
        request,
        session,
        who,
        row,
        lambda: listing_service.apply_repair(
            session, who, row, grounds, on=form_day(on), request_id=rid
        ),
    )


@router.post("/repairs/{repair_id}/review", response_class=HTMLResponse)
def review_repair(
    request: Request,
    repair_id: RecordId,
    decision: str = Form("", pattern="^(approve|refuse)$"),
    reason: str = Form("", max_length=2000),
    on: str = Form("", max_length=10),
    who: Principal = Depends(keeper),
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
    rid: str = Depends(request_id),
) -> Response:
    repair = listing_service.get_repair(session, who, repair_id)
    row = listing_service.get(session, who, repair.listing_id)
    return _acted(
        request,
        session,
        who,
        row,
        lambda: listing_service.review_repair(
            session,
            who,
            repair,
            BlobStore.of(settings),
            approve=decision == "approve",
            reason=reason,
            on=form_day(on),
            request_id=rid,
        ),
    )


def _file(
    session: Session, who: Principal, uscc: str
) -> tuple[str, list[CreditRecord], list[CreditListing]]:
    code = uscc.strip().upper()
    entries = service.file_of(session, who, code)
    listings = listing_service.listings_of(session, who, code)
    if not entries and not listings and who.role is not Role.APPLICANT:
        raise not_found("credit file")  # none in the officer's scope
    return code, entries, listings


def _entity(
    request: Request,
    session: Session,
    who: Principal,
    uscc: str,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    code, entries, listings = _file(session, who, uscc)
    return render(
        request,
        "credit/entity.html",
        status_code,
        uscc=code,
        entity_name=entries[0].entity_name
        if entries
        else (listings[0].entity_name if listings else ""),
        entries=entries,
        listings=listings,
        kind_labels=RECORD_KIND_LABELS,
        status_labels=LISTING_STATUS_LABELS,
        class_labels=LISTING_CLASS_LABELS,
        may_enter=who.role in service.KEEPERS,
        entered_kinds=[(k.value, gettext(RECORD_KIND_LABELS[k])) for k in service.ENTERED_KINDS],
        values=values or {},
        errors=errors or {},
    )


@router.get("/entities/{uscc}", response_class=HTMLResponse)
def entity_page(
    request: Request,
    uscc: str = FastApiPath(max_length=18),
    who: Principal = Depends(reader),
    session: Session = Depends(get_session),
) -> Response:
    """An entity's credit file as a timeline, newest first, with its listings; credit officers
    enter judgments, commitments and objections here."""
    return _entity(request, session, who, uscc)


@router.post("/entities/{uscc}/records", response_class=HTMLResponse)
def enter_record(
    request: Request,
    uscc: str = FastApiPath(max_length=18),
    kind: str = Form("", max_length=16),
    entity_name: str = Form("", max_length=200),
    region_code: str = Form("", max_length=6),
    occurred_on: str = Form("", max_length=10),
    title: str = Form("", max_length=200),
    summary: str = Form("", max_length=5000),
    authority: str = Form("", max_length=200),
    document_no: str = Form("", max_length=100),
    who: Principal = Depends(keeper),
    session: Session = Depends(get_session),
    rid: str = Depends(request_id),
) -> Response:
    code = uscc.strip().upper()
    values = {
        "kind": kind,
        "entity_name": entity_name,
        "region_code": region_code,
        "occurred_on": occurred_on,
        "title": title,
        "summary": summary,
        "authority": authority,
        "document_no": document_no,
    }
    try:
        if kind not in {k.value for k in service.ENTERED_KINDS}:
            raise invalid(
                [
                    FieldError(
                        "kind", "not_entered", N_("Only judgments, commitments and objections")
                    )
                ]
            )
        day = form_day(occurred_on, "occurred_on")
        if day is None:
            raise invalid([FieldError("occurred_on", "required", N_("This field is required"))])
        entry = service.Entry(
            kind=RecordKind(kind),
            entity_name=entity_name,
            entity_uscc=code,
            region_code=region_code,
            occurred_on=day,
            title=title,
            summary=summary,
            authority=authority,
            document_no=document_no,
        )
        service.enter(session, who, entry, rid)
    except Problem as problem:
        if problem.status != 422:
            raise
        return _entity(request, session, who, code, values, field_errors(problem.errors), 422)
    session.commit()
    return RedirectResponse(f"/credit/entities/{code}", status_code=303)


@router.get("/report/{uscc}", response_class=HTMLResponse)
def report_page(
    request: Request,
    uscc: str,
    who: Principal = Depends(reader),
    session: Session = Depends(get_session),
) -> Response:
    """The credit report (信用报告) to print on A4: the entity's listings and file as of today."""
    code, entries, listings = _file(session, who, uscc)
    return render(
        request,
        "credit/report.html",
        uscc=code,
        entity_name=entries[0].entity_name
        if entries
        else (listings[0].entity_name if listings else ""),
        entries=entries,
        listings=listings,
        kind_labels=RECORD_KIND_LABELS,
        status_labels=LISTING_STATUS_LABELS,
        class_labels=LISTING_CLASS_LABELS,
        today=today(),
        requested_by=who.name,
    )


@router.get("/import", response_class=HTMLResponse)
def import_form(request: Request, who: Principal = Depends(importer)) -> Response:
    return render(request, "credit/import.html", columns=imports.COLUMNS)


@router.post("/import", response_class=HTMLResponse)
async def import_upload(
    request: Request,
    background: BackgroundTasks,
    file: UploadFile = File(),
    who: Principal = Depends(importer),
    session: Session = Depends(get_session),
    rid: str = Depends(request_id),
) -> Response:
    """Queue the import and go to its job page; the form again with the file's errors."""
    data = await file.read(imports.MAX_UPLOAD + 1)
    try:
        job, work = imports.queue(session, who, data, file.filename or "upload.csv", rid)
    except Problem as problem:
        if problem.status != 422:
            raise
        errors = field_errors(problem.errors)
        return render(request, "credit/import.html", 422, columns=imports.COLUMNS, errors=errors)
    background.add_task(jobs.run, request.app.state.sessionmaker, job.id, work)
    return RedirectResponse(f"/credit/import/{job.id}", status_code=303)


def _import_job(request: Request, job: jobs.Job, template: str) -> Response:
    found = registry_imports.issues(job, "errors")
    errors = [(i.row, i.error.field, i.error.text(gettext)) for i in found]
    return render(
        request,
        template,
        job=job,
        job_path=f"/credit/import/{job.id}",
        finished=job.finished_at is not None,
        errors=errors,
        job_status_labels=REGISTRY_LABELS["job_status_labels"],
    )


@router.get("/import/{job_id}", response_class=HTMLResponse)
def import_job(
    request: Request,
    job_id: RecordId,
    who: Principal = Depends(importer),
    session: Session = Depends(get_session),
) -> Response:
    return _import_job(request, imports.get_job(session, who, job_id), "credit/import_job.html")


@router.get("/import/{job_id}/progress", response_class=HTMLResponse)
def import_progress(
    request: Request,
    job_id: RecordId,
    who: Principal = Depends(importer),
    session: Session = Depends(get_session),
) -> Response:
    """The fragment the job page polls while the import runs."""
    job = imports.get_job(session, who, job_id)
    return _import_job(request, job, "credit/_import_progress.html")


@router.get("/import/{job_id}/errors.csv")
def import_errors(
    job_id: RecordId,
    who: Principal = Depends(importer),
    session: Session = Depends(get_session),
) -> Response:
    return job_errors_csv(imports.get_job(session, who, job_id))
