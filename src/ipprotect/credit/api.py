"""JSON API of credit supervision (`/api/v1/credit`): credit files and entries, the listing
procedure (propose, notice, decide, withdraw), credit repair and its review.

Every act takes an optional `on` (the legal day, Asia/Shanghai; today when absent) so that an
act done on paper can be recorded after the fact."""

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Depends, File, Query, Request, Response, UploadFile
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from ipprotect.core import jobs
from ipprotect.core.auth import Principal, Role
from ipprotect.core.deps import RecordId, get_session, get_settings, request_id, require
from ipprotect.core.errors import not_found
from ipprotect.core.pagination import MAX_PAGE_SIZE
from ipprotect.credit import imports, listing_service, service
from ipprotect.credit.models import (
    CreditListing,
    CreditRecord,
    CreditRepair,
    ListingClass,
    ListingStatus,
    RecordKind,
    RepairStatus,
)
from ipprotect.evidence.blobs import BlobStore
from ipprotect.registry.imports import issues
from ipprotect.registry.pages import job_errors_csv
from ipprotect.registry.schemas import JobAccepted, JobOut, RowError
from ipprotect.settings import Settings
from ipprotect.web.i18n import gettext

router = APIRouter(prefix="/api/v1/credit", tags=["credit"])

reader = require(*service.READERS, Role.APPLICANT)
keeper = require(*service.KEEPERS)
ON = Field(None, description="the day of the act (Asia/Shanghai); today when absent")


class RecordOut(BaseModel):
    id: int
    kind: RecordKind
    entity_uscc: str | None
    entity_name: str
    region_code: str
    occurred_on: date
    title: str
    summary: str
    authority: str
    document_no: str
    source_kind: str
    source_id: int | None
    created_at: datetime


class RecordIn(BaseModel):
    kind: RecordKind = Field(description="judgment, commitment or objection")
    entity_name: str = Field(max_length=200)
    entity_uscc: str | None = Field(None, max_length=18)
    region_code: str = Field(min_length=6, max_length=6)
    occurred_on: date
    title: str = Field(max_length=200)
    summary: str = Field("", max_length=5000)
    authority: str = Field("", max_length=200)
    document_no: str = Field("", max_length=100)


class ListingOut(BaseModel):
    id: int
    entity_uscc: str | None
    entity_name: str
    region_code: str
    behaviour: str
    class_: ListingClass = Field(serialization_alias="class")
    status: ListingStatus
    basis: str
    measures: list[str]
    proposed_on: date | None
    noticed_on: date | None
    statement_due: date | None
    decided_on: date | None
    published_on: date | None
    publicity_min_until: date | None
    publicity_max_until: date | None
    repaired_on: date | None
    expired_on: date | None
    document_no: str
    authority: str
    deposit_id: int | None


class ListingPage(BaseModel):
    items: list[ListingOut]
    total: int
    page: int
    size: int


class ProposalIn(BaseModel):
    entity_name: str = Field(max_length=200)
    entity_uscc: str | None = Field(None, max_length=18)
    region_code: str = Field(min_length=6, max_length=6)
    behaviour: str = Field(max_length=200, description="rule item id or its Chinese name")
    class_: str = Field(alias="class", max_length=16, description="minor, general or serious")
    measures: list[str] = Field(default_factory=list, max_length=20)
    basis: str = Field("", max_length=5000)
    source_record_id: int | None = None
    on: date | None = ON


class ActIn(BaseModel):
    on: date | None = ON


class DecisionIn(BaseModel):
    document_no: str = Field(max_length=100)
    authority: str = Field(max_length=200)
    on: date | None = ON


class ReasonIn(BaseModel):
    reason: str = Field(max_length=2000)
    on: date | None = ON


class RepairIn(BaseModel):
    corrected: bool
    obligations_performed: bool
    public_commitment: bool
    text: str = Field("", max_length=5000)
    on: date | None = ON


class ReviewIn(BaseModel):
    approve: bool
    reason: str = Field("", max_length=2000)
    on: date | None = ON


class RepairOut(BaseModel):
    id: int
    listing_id: int
    applied_on: date
    grounds: dict[str, Any]
    status: RepairStatus
    reviewed_on: date | None
    reason: str


def record_out(row: CreditRecord) -> RecordOut:
    return RecordOut.model_validate(row, from_attributes=True)


def listing_out(row: CreditListing) -> ListingOut:
    return ListingOut.model_validate(row, from_attributes=True)


def repair_out(row: CreditRepair) -> RepairOut:
    return RepairOut.model_validate(row, from_attributes=True)


@router.get("/entities/{uscc}/records", response_model=list[RecordOut])
def credit_file(
    uscc: str,
    who: Principal = Depends(reader),
    session: Session = Depends(get_session),
) -> list[RecordOut]:
    """An entity's credit file, newest first: officers see the entries of their scope (404 when
    the entity has neither entries nor listings there), an applicant the file of their own
    entity."""
    code = uscc.strip().upper()
    entries = service.file_of(session, who, code)
    if (
        not entries
        and who.role is not Role.APPLICANT
        and not listing_service.listings_of(session, who, code)
    ):
        raise not_found("credit file")
    return [record_out(r) for r in entries]


@router.post("/records", response_model=RecordOut, status_code=201)
def enter_record(
    body: RecordIn,
    who: Principal = Depends(keeper),
    session: Session = Depends(get_session),
    rid: str = Depends(request_id),
) -> RecordOut:
    """Enter a court judgment, a credit commitment or an objection in an entity's file."""
    entry = service.Entry(**body.model_dump())
    row = service.enter(session, who, entry, rid)
    session.commit()
    return record_out(row)


@router.get("/listings", response_model=ListingPage)
def listings(
    status: ListingStatus | None = None,
    region: str = Query("", max_length=6, pattern=r"^\d{0,6}$"),
    q: str = Query("", max_length=200),
    page: int = Query(1, ge=1, le=100_000),
    size: int = Query(50, ge=1, le=MAX_PAGE_SIZE),
    who: Principal = Depends(require(*listing_service.OFFICERS, Role.OFFICER)),
    session: Session = Depends(get_session),
) -> ListingPage:
    filters = listing_service.Filters(status, region, q)
    found = listing_service.search(session, who, filters, page, size)
    return ListingPage(
        items=[listing_out(r) for r in found.items], total=found.total, page=page, size=size
    )


@router.post("/listings", response_model=ListingOut, status_code=201)
def propose(
    body: ProposalIn,
    who: Principal = Depends(keeper),
    session: Session = Depends(get_session),
    rid: str = Depends(request_id),
) -> ListingOut:
    """Propose a listing (拟列入)."""
    values = body.model_dump(exclude={"on"})
    row = listing_service.propose(
        session, who, listing_service.Proposal(**values), on=body.on, request_id=rid
    )
    session.commit()
    return listing_out(row)


@router.get("/listings/{listing_id}", response_model=ListingOut)
def listing(
    listing_id: RecordId,
    who: Principal = Depends(reader),
    session: Session = Depends(get_session),
) -> ListingOut:
    return listing_out(listing_service.get(session, who, listing_id))


@router.post("/listings/{listing_id}/notice", response_model=ListingOut)
def notice(
    listing_id: RecordId,
    body: ActIn,
    who: Principal = Depends(keeper),
    session: Session = Depends(get_session),
    rid: str = Depends(request_id),
) -> ListingOut:
    """Notify the party (告知); the answer carries `statement_due`."""
    row = listing_service.get(session, who, listing_id)
    listing_service.notice(session, who, row, on=body.on, request_id=rid)
    session.commit()
    return listing_out(row)


@router.post("/listings/{listing_id}/decide", response_model=ListingOut)
def decide(
    listing_id: RecordId,
    body: DecisionIn,
    who: Principal = Depends(keeper),
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
    rid: str = Depends(request_id),
) -> ListingOut:
    """Decide to list and publish, after the period to state the case."""
    row = listing_service.get(session, who, listing_id)
    listing_service.decide(
        session,
        who,
        row,
        BlobStore.of(settings),
        document_no=body.document_no,
        authority=body.authority,
        on=body.on,
        request_id=rid,
    )
    session.commit()
    return listing_out(row)


@router.post("/listings/{listing_id}/withdraw", response_model=ListingOut)
def withdraw(
    listing_id: RecordId,
    body: ReasonIn,
    who: Principal = Depends(keeper),
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
    rid: str = Depends(request_id),
) -> ListingOut:
    row = listing_service.get(session, who, listing_id)
    store = BlobStore.of(settings)
    listing_service.withdraw(session, who, row, store, body.reason, on=body.on, request_id=rid)
    session.commit()
    return listing_out(row)


@router.get("/listings/{listing_id}/repairs", response_model=list[RepairOut])
def repairs(
    listing_id: RecordId,
    who: Principal = Depends(reader),
    session: Session = Depends(get_session),
) -> list[RepairOut]:
    row = listing_service.get(session, who, listing_id)
    return [repair_out(r) for r in listing_service.repairs_of(session, row)]


@router.post("/listings/{listing_id}/repairs", response_model=RepairOut, status_code=201)
def apply_repair(
    listing_id: RecordId,
    body: RepairIn,
    who: Principal = Depends(require(*listing_service.OFFICERS, Role.APPLICANT)),
    session: Session = Depends(get_session),
    rid: str = Depends(request_id),
) -> RepairOut:
    """Apply for credit repair: the applicant for their own entity, or a credit officer."""
    row = listing_service.get(session, who, listing_id)
    grounds = body.model_dump(exclude={"on"})
    repair = listing_service.apply_repair(session, who, row, grounds, on=body.on, request_id=rid)
    session.commit()
    return repair_out(repair)


@router.post("/repairs/{repair_id}/review", response_model=RepairOut)
def review_repair(
    repair_id: RecordId,
    body: ReviewIn,
    who: Principal = Depends(keeper),
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
    rid: str = Depends(request_id),
) -> RepairOut:
    """Approve (the listing is repaired) or refuse, with a reason, an application for repair."""
    repair = listing_service.get_repair(session, who, repair_id)
    listing_service.review_repair(
        session,
        who,
        repair,
        BlobStore.of(settings),
        approve=body.approve,
        reason=body.reason,
        on=body.on,
        request_id=rid,
    )
    session.commit()
    return repair_out(repair)


class ImportJobOut(JobOut):
    imported: int = Field(description="listings written (when the job succeeded)")
    expired: int = Field(description="of them, already past their publicity maximum")
    errors_url: str | None = Field(description="the wrong rows as CSV (when the job failed)")


@router.post("/imports", response_model=JobAccepted, status_code=202)
async def import_listings(
    request: Request,
    background: BackgroundTasks,
    file: UploadFile = File(description="CSV (UTF-8 or GB18030) or XLSX"),
    who: Principal = Depends(require(*imports.IMPORTERS)),
    session: Session = Depends(get_session),
    rid: str = Depends(request_id),
) -> JobAccepted:
    """Import decided listings as a job, all or nothing; follow it at the returned url. A file
    that cannot be imported at all is refused here (422); a wrong row fails the job with every
    wrong row reported and nothing written."""
    data = await file.read(imports.MAX_UPLOAD + 1)
    job, work = imports.queue(session, who, data, file.filename or "upload.csv", rid)
    background.add_task(jobs.run, request.app.state.sessionmaker, job.id, work)
    return JobAccepted(job_id=job.id, status=job.status, url=f"{router.prefix}/imports/{job.id}")


@router.get("/imports/{job_id}", response_model=ImportJobOut)
def import_job(
    job_id: RecordId,
    who: Principal = Depends(require(*imports.IMPORTERS)),
    session: Session = Depends(get_session),
) -> ImportJobOut:
    """An import's progress, its counts, and the wrong rows of a failed one."""
    job = imports.get_job(session, who, job_id)
    errors = [
        RowError(row=i.row, field=i.error.field, code=i.error.code, message=i.error.text(gettext))
        for i in issues(job, "errors")
    ]
    # The job's own columns (id, status, progress, counts, times), as every job reports them.
    shared = {name: getattr(job, name) for name in JobOut.model_fields if hasattr(job, name)}
    return ImportJobOut(
        **shared,
        errors=errors,
        notes=[],
        imported=job.result.get("imported", 0),
        expired=job.result.get("expired", 0),
        errors_url=f"{router.prefix}/imports/{job.id}/errors.csv" if errors else None,
    )


@router.get("/imports/{job_id}/errors.csv")
def import_job_errors(
    job_id: RecordId,
    who: Principal = Depends(require(*imports.IMPORTERS)),
    session: Session = Depends(get_session),
) -> Response:
    """The wrong rows of an import (row, field, code, message), as its page offers them."""
    return job_errors_csv(imports.get_job(session, who, job_id))
