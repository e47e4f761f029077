"""JSON API of cases: file a complaint, list and export the cases in scope, read one, accept or
reject it, override its triage, and import hotline tickets as a job."""

from collections.abc import Iterator
from typing import Any, Literal

from fastapi import APIRouter, BackgroundTasks, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from ipprotect.cases import access, figures_routes, hotline_import, reads, service
from ipprotect.cases import damages as case_damages
from ipprotect.cases.channels import api as channels_api
from ipprotect.cases.documents import api as documents_api
from ipprotect.cases.models import Case, CaseStatus, Channel, Source, Track
from ipprotect.cases.schemas import (
    AcceptIn,
    CaseIn,
    CaseOut,
    CasePage,
    CaseSummary,
    RejectIn,
    TrackIn,
    TriageReason,
)
from ipprotect.core import ids, jobs, tabular
from ipprotect.core.auth import Principal, Role
from ipprotect.core.days import today
from ipprotect.core.deps import RecordId, get_session, get_settings, request_id, require
from ipprotect.core.pagination import MAX_PAGE_SIZE
from ipprotect.damages.api import result_out
from ipprotect.damages.schemas import DamagesIn, DamagesOut
from ipprotect.registry import imports
from ipprotect.registry.schemas import ExportFormat, JobAccepted, JobOut, RowError
from ipprotect.settings import Settings

Hotline = Literal["hotline_12345", "hotline_12330"]

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])
# First, so that /queue is matched before /{case_id}.
router.include_router(channels_api.router)
router.include_router(figures_routes.api_router)  # /figures
router.include_router(documents_api.router)  # /documents/publicity, also before /{case_id}

filer = require(Role.APPLICANT, Role.OFFICER, Role.ADMIN, Role.SYSTEM)
reader = require(*access.READERS)
handler = require(*access.HANDLERS)


def case_out(session: Session, who: Principal, case: Case) -> CaseOut:
    full = access.may_handle(who) or (
        who.user_id is not None and case.complainant_user_id == who.user_id
    )
    phone, resident_id = case.complainant_phone, case.complainant_resident_id
    items = service.triage_items(case.received_on, case.region_code)
    return CaseOut(
        id=case.id,
        tracking_code=case.tracking_code,
        region_code=case.region_code,
        status=case.status,
        source=case.source,
        channel_requested=case.channel_requested,
        received_on=case.received_on,
        acceptance_due=case.acceptance_due,
        acceptance_due_provisional=case.acceptance_due_provisional,
        complainant_name=case.complainant_name,
        complainant_phone=phone if full or not phone else ids.mask_phone(phone),
        complainant_email=case.complainant_email,
        complainant_resident_id=(
            resident_id if full or not resident_id else ids.mask_resident_id(resident_id)
        ),
        respondent_entity_id=case.respondent_entity_id,
        respondent_name=case.respondent_name,
        respondent_uscc=case.respondent_uscc,
        respondent_description=case.respondent_description,
        right_ids=[r.id for r in reads.rights_of(session, case)],
        deposit_ids=reads.deposit_ids_of(session, case),
        facts=case.facts,
        amount_claimed=case.amount_claimed_yuan,
        track=case.track,
        triage_reasons=[
            TriageReason(id=i.id, zh=i.zh, en=i.en)
            for i in (items[r] for r in case.triage_reasons if r in items)
        ],
        track_overridden=case.track_overridden,
        track_override_reason=case.track_override_reason,
        decided_on=case.decided_on,
        decision_reason=case.decision_reason,
        created_at=case.created_at,
    )


def _summary(case: Case) -> CaseSummary:
    return CaseSummary.model_validate(case, from_attributes=True)


def draft_of(body: CaseIn) -> service.CaseDraft:
    def text(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return str(
            value.isoformat() if hasattr(value, "isoformat") else getattr(value, "value", value)
        )

    values = body.model_dump()
    flags = values.pop("triage_flags")
    return service.CaseDraft(triage_flags=flags, **{k: text(v) for k, v in values.items()})


def _filters(
    status: CaseStatus | None, track: Track | None, channel: Channel | None, region: str, q: str
) -> reads.CaseFilters:
    return reads.CaseFilters(
        status=status,
        track=track,
        channel=channel,
        region=region if ids.is_region_code(region) else "",
        q=q,
    )


@router.post("", response_model=CaseOut, status_code=201)
def file_case(
    body: CaseIn,
    who: Principal = Depends(filer),
    session: Session = Depends(get_session),
    rid: str = Depends(request_id),
) -> CaseOut:
    """File a complaint. The answer carries the tracking code and the acceptance deadline."""
    case = service.receive(session, who, draft_of(body), source=Source.API, request_id=rid)
    session.commit()
    return case_out(session, who, case)


@router.get("", response_model=CasePage)
def list_cases(
    status: CaseStatus | None = None,
    track: Track | None = None,
    channel: Channel | None = None,
    region: str = Query("", max_length=6),
    q: str = Query("", max_length=200),
    page: int = Query(1, ge=1),
    size: int = Query(0, ge=0, le=MAX_PAGE_SIZE, description="0: the platform's default"),
    who: Principal = Depends(reader),
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
) -> dict[str, Any]:
    """The cases in scope, the nearest acceptance deadline first."""
    filters = _filters(status, track, channel, region, q)
    result = reads.list_cases(session, who, filters, page, size or settings.page_size)
    return {
        "items": [_summary(c) for c in result.items],
        "total": result.total,
        "page": result.number,
        "size": result.size,
        "pages": result.pages,
    }


@router.get("/export", response_class=StreamingResponse)
def export_cases(
    request: Request,
    format: ExportFormat = "csv",
    status: CaseStatus | None = None,
    track: Track | None = None,
    channel: Channel | None = None,
    region: str = Query("", max_length=6),
    q: str = Query("", max_length=200),
    who: Principal = Depends(reader),
) -> StreamingResponse:
    filters = _filters(status, track, channel, region, q)

    def body() -> Iterator[bytes]:
        with request.app.state.sessionmaker() as session:
            rows = reads.export_rows(session, who, filters)
            yield from tabular.iter_export(format, reads.EXPORT_COLUMNS, rows, title="cases")

    return StreamingResponse(
        body(),
        media_type=tabular.MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="cases.{format}"'},
    )


@router.post("/import", response_model=JobAccepted, status_code=202)
def import_tickets(
    request: Request,
    background: BackgroundTasks,
    file: UploadFile = File(description="12345 / 12330 export: CSV (UTF-8 or GB18030) or XLSX"),
    hotline: Hotline = Form("hotline_12345"),
    region_code: str = Form("", description="region of rows that give none; the job's lock"),
    who: Principal = Depends(handler),
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
    rid: str = Depends(request_id),
) -> JobAccepted:
    """Import hotline tickets as cases; each row needs its date of receipt. Follow the job at
    the returned url."""
    importer = hotline_import.IMPORTERS[Source(hotline)]
    job, work = imports.queue(
        session,
        importer,
        who,
        file.file.read(),
        file.filename or "upload.csv",
        max_rows=settings.max_import_rows,
        default_region=region_code.strip(),
        on_duplicate=imports.OnDuplicate.SKIP,
        request_id=rid,
    )
    background.add_task(jobs.run, request.app.state.sessionmaker, job.id, work)
    return JobAccepted(job_id=job.id, status=job.status, url=f"{router.prefix}/jobs/{job.id}")


@router.get("/jobs/{job_id}", response_model=JobOut)
def get_job(
    job_id: RecordId,
    who: Principal = Depends(handler),
    session: Session = Depends(get_session),
) -> JobOut:
    job = reads.get_job(session, who, job_id)

    def rows(key: str) -> list[RowError]:
        return [
            RowError(row=i.row, field=i.error.field, code=i.error.code, message=i.error.text())
            for i in imports.issues(job, key)
        ]

    return JobOut(
        id=job.id,
        kind=job.kind,
        status=job.status,
        total=job.total,
        done=job.done,
        percent=job.percent,
        counts=job.counts,
        errors=rows("errors"),
        notes=rows("notes"),
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )


@router.get("/{case_id}", response_model=CaseOut)
def get_case(
    case_id: RecordId,
    who: Principal = Depends(reader),
    session: Session = Depends(get_session),
) -> CaseOut:
    return case_out(session, who, reads.get_case(session, who, case_id))


@router.post("/{case_id}/accept", response_model=CaseOut)
def accept_case(
    case_id: RecordId,
    body: AcceptIn | None = None,
    who: Principal = Depends(handler),
    session: Session = Depends(get_session),
    rid: str = Depends(request_id),
) -> CaseOut:
    on = body.on if body else None
    case = service.accept(session, who, reads.get_case(session, who, case_id), on, rid)
    session.commit()
    return case_out(session, who, case)


@router.post("/{case_id}/reject", response_model=CaseOut)
def reject_case(
    case_id: RecordId,
    body: RejectIn,
    who: Principal = Depends(handler),
    session: Session = Depends(get_session),
    rid: str = Depends(request_id),
) -> CaseOut:
    case = service.reject(
        session, who, reads.get_case(session, who, case_id), body.reason, body.on, rid
    )
    session.commit()
    return case_out(session, who, case)


@router.post("/{case_id}/track", response_model=CaseOut)
def override_track(
    case_id: RecordId,
    body: TrackIn,
    who: Principal = Depends(handler),
    session: Session = Depends(get_session),
    rid: str = Depends(request_id),
) -> CaseOut:
    """Set the track against the rule set, with the reason (audited)."""
    case = reads.get_case(session, who, case_id)
    case = service.override_track(session, who, case, body.track.value, body.reason, rid)
    session.commit()
    return case_out(session, who, case)


@router.post("/{case_id}/damages", response_model=DamagesOut, status_code=201)
def assess_damages(
    case_id: RecordId,
    body: DamagesIn,
    who: Principal = Depends(handler),
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
    rid: str = Depends(request_id),
) -> DamagesOut:
    """Run the damages calculator on the case's figures (the body is that of
    `POST /api/v1/damages/calculate`; the case's region applies) and record the result on the
    case, audited. Answers the result as the calculator does."""
    case = reads.get_case(session, who, case_id)
    result, _ = case_damages.assess(session, who, case, body.claim(), settings, today(), rid)
    session.commit()
    return result_out(result)
