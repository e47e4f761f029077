"""JSON API of the registry: entities, rights, exports, imports and their jobs."""

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from ipprotect.core import jobs, tabular
from ipprotect.core.auth import Principal
from ipprotect.core.deps import (
    OptionalRecordIdQuery,
    RecordId,
    get_session,
    get_settings,
    request_id,
    require,
)
from ipprotect.core.pagination import MAX_PAGE_SIZE, Page
from ipprotect.registry import access, entity_import, imports, repository, right_import, service
from ipprotect.registry.models import EntityKind, IpRight, MarketEntity, RightKind
from ipprotect.registry.schemas import (
    EntityIn,
    EntityOut,
    EntityPage,
    EntityPatch,
    EntitySaved,
    ExportFormat,
    FieldErrorOut,
    JobAccepted,
    JobOut,
    OwnerOut,
    RightIn,
    RightOut,
    RightPage,
    RightPatch,
    RowError,
)
from ipprotect.settings import Settings

router = APIRouter(prefix="/api/v1/registry", tags=["registry"])

reader = require(*access.READ_ROLES)
writer = require(*access.WRITE_ROLES)


def entity_out(entity: MarketEntity, reveal: bool) -> EntityOut:
    personal = access.personal_data(entity, reveal)
    return EntityOut(
        id=entity.id,
        name=entity.name,
        uscc=entity.uscc,
        kind=entity.kind,
        region_code=entity.region_code,
        legal_representative=entity.legal_representative,
        address=personal.address,
        phone=personal.phone,
        email=entity.email,
        resident_id=personal.resident_id,
        created_at=entity.created_at,
        updated_at=entity.updated_at,
    )


def right_out(right: IpRight) -> RightOut:
    owner = right.owner
    return RightOut(
        id=right.id,
        kind=right.kind,
        number=right.number,
        title=right.title,
        owner=OwnerOut(id=owner.id, name=owner.name, uscc=owner.uscc),
        region_code=right.region_code,
        nice_classes=right.nice_classes,
        patent_kind=right.patent_kind,
        filed_on=right.filed_on,
        granted_on=right.granted_on,
        expires_on=right.expires_on,
        status=right.status,
        created_at=right.created_at,
        updated_at=right.updated_at,
    )


def _saved(saved: service.Saved[MarketEntity], reveal: bool) -> EntitySaved:
    warnings = [FieldErrorOut(**w.as_json()) for w in saved.warnings]
    return EntitySaved(**entity_out(saved.record, reveal).model_dump(), warnings=warnings)


def _text(value: Any) -> str:
    """A JSON value as the service's drafts take it (typed text; None clears the field)."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value.value if hasattr(value, "value") else value)


def _page(page: Page[Any], convert: Callable[[Any], Any]) -> dict[str, Any]:
    return {
        "items": [convert(item) for item in page.items],
        "total": page.total,
        "page": page.number,
        "size": page.size,
        "pages": page.pages,
    }


def _download(
    request: Request,
    fmt: ExportFormat,
    name: str,
    header: list[str],
    rows: Callable[[Session], Iterator[list[Any]]],
) -> StreamingResponse:
    """Stream an export from its own session: the request's session ends before the body is sent."""

    def body() -> Iterator[bytes]:
        with request.app.state.sessionmaker() as session:
            yield from tabular.iter_export(fmt, header, rows(session), title=name)

    return StreamingResponse(
        body(),
        media_type=tabular.MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )


# ---------------------------------------------------------------- entities


@router.get("/entities", response_model=EntityPage)
def list_entities(
    q: str = Query("", max_length=200),
    kind: EntityKind | None = None,
    region: str = Query("", max_length=6),
    match: repository.Match = "auto",
    page: int = Query(1, ge=1),
    size: int = Query(0, ge=0, le=MAX_PAGE_SIZE, description="0: the platform's default"),
    who: Principal = Depends(reader),
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
) -> dict[str, Any]:
    filters = repository.EntityFilters(q=q, kind=kind, region=region, match=match)
    result = repository.list_entities(session, who, filters, page, size or settings.page_size)
    return _page(result, lambda e: entity_out(e, reveal=False))


@router.post("/entities", response_model=EntitySaved, status_code=201)
def create_entity(
    body: EntityIn,
    who: Principal = Depends(writer),
    session: Session = Depends(get_session),
    rid: str = Depends(request_id),
) -> EntitySaved:
    draft = service.EntityDraft(**{k: _text(v) for k, v in body.model_dump().items()})
    saved = service.create_entity(session, who, draft, rid)
    session.commit()
    return _saved(saved, access.may_reveal(who))


@router.get("/entities/export", response_class=StreamingResponse)
def export_entities(
    request: Request,
    format: ExportFormat = "csv",
    q: str = Query("", max_length=200),
    kind: EntityKind | None = None,
    region: str = Query("", max_length=6),
    match: repository.Match = "auto",
    who: Principal = Depends(reader),
) -> StreamingResponse:
    filters = repository.EntityFilters(q=q, kind=kind, region=region, match=match)
    return _download(
        request,
        format,
        "entities",
        repository.ENTITY_COLUMNS,
        lambda session: repository.entity_rows(session, who, filters),
    )


Start = Callable[[imports.Importer[Any, Any]], JobAccepted]


def _upload(
    request: Request,
    background: BackgroundTasks,
    file: UploadFile = File(description="CSV (UTF-8 or GB18030) or XLSX"),
    region_code: str = Form("", description="region of rows that give none; the job's lock"),
    on_duplicate: imports.OnDuplicate = Form(imports.OnDuplicate.SKIP),
    who: Principal = Depends(writer),
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
    rid: str = Depends(request_id),
) -> Start:
    """The upload every import route takes; call the result with an importer to queue the job
    and run it in the background."""

    def start(importer: imports.Importer[Any, Any]) -> JobAccepted:
        job, work = imports.queue(
            session,
            importer,
            who,
            file.file.read(),
            file.filename or "upload.csv",
            max_rows=settings.max_import_rows,
            default_region=region_code.strip(),
            on_duplicate=on_duplicate,
            request_id=rid,
        )
        background.add_task(jobs.run, request.app.state.sessionmaker, job.id, work)
        return JobAccepted(job_id=job.id, status=job.status, url=f"{router.prefix}/jobs/{job.id}")

    return start


@router.post("/entities/import", response_model=JobAccepted, status_code=202)
def import_entities(start: Start = Depends(_upload)) -> JobAccepted:
    """Import market entities; follow the job at the returned url."""
    return start(entity_import.IMPORTER)


@router.get("/entities/{entity_id}", response_model=EntityOut)
def get_entity(
    entity_id: RecordId,
    who: Principal = Depends(reader),
    session: Session = Depends(get_session),
) -> EntityOut:
    entity = repository.get_entity(session, who, entity_id)
    return entity_out(entity, access.may_reveal(who))


@router.patch("/entities/{entity_id}", response_model=EntitySaved)
def update_entity(
    entity_id: RecordId,
    body: EntityPatch,
    who: Principal = Depends(writer),
    session: Session = Depends(get_session),
    rid: str = Depends(request_id),
) -> EntitySaved:
    entity = repository.get_entity(session, who, entity_id)
    changes = {k: _text(v) for k, v in body.model_dump(exclude_unset=True).items()}
    saved = service.update_entity(
        session, who, entity, replace(service.entity_draft(entity), **changes), rid
    )
    session.commit()
    return _saved(saved, access.may_reveal(who))


# ---------------------------------------------------------------- rights


@router.get("/rights", response_model=RightPage)
def list_rights(
    q: str = Query("", max_length=200),
    kind: RightKind | None = None,
    nice_class: int | None = Query(None, ge=1, le=45),
    owner_id: OptionalRecordIdQuery = None,
    region: str = Query("", max_length=6),
    page: int = Query(1, ge=1),
    size: int = Query(0, ge=0, le=MAX_PAGE_SIZE, description="0: the platform's default"),
    who: Principal = Depends(reader),
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
) -> dict[str, Any]:
    filters = repository.RightFilters(
        q=q, kind=kind, nice_class=nice_class, owner_id=owner_id, region=region
    )
    result = repository.list_rights(session, who, filters, page, size or settings.page_size)
    return _page(result, right_out)


@router.post("/rights", response_model=RightOut, status_code=201)
def create_right(
    body: RightIn,
    who: Principal = Depends(writer),
    session: Session = Depends(get_session),
    rid: str = Depends(request_id),
) -> RightOut:
    draft = service.RightDraft(**{k: _text(v) for k, v in body.model_dump().items()})
    right = service.create_right(session, who, draft, rid)
    session.commit()
    return right_out(right)


@router.get("/rights/export", response_class=StreamingResponse)
def export_rights(
    request: Request,
    format: ExportFormat = "csv",
    q: str = Query("", max_length=200),
    kind: RightKind | None = None,
    nice_class: int | None = Query(None, ge=1, le=45),
    owner_id: OptionalRecordIdQuery = None,
    region: str = Query("", max_length=6),
    who: Principal = Depends(reader),
) -> StreamingResponse:
    filters = repository.RightFilters(
        q=q, kind=kind, nice_class=nice_class, owner_id=owner_id, region=region
    )
    return _download(
        request,
        format,
        "rights",
        repository.RIGHT_COLUMNS,
        lambda session: repository.right_rows(session, who, filters),
    )


@router.post("/rights/import", response_model=JobAccepted, status_code=202)
def import_rights(start: Start = Depends(_upload)) -> JobAccepted:
    """Import IP rights, each owned by an entity named by its credit code (`owner_uscc`) or its
    id (`owner_id`); rows without a region take the job's, else their owner's region."""
    return start(right_import.IMPORTER)


@router.get("/rights/{right_id}", response_model=RightOut)
def get_right(
    right_id: RecordId,
    who: Principal = Depends(reader),
    session: Session = Depends(get_session),
) -> RightOut:
    return right_out(repository.get_right(session, who, right_id))


@router.patch("/rights/{right_id}", response_model=RightOut)
def update_right(
    right_id: RecordId,
    body: RightPatch,
    who: Principal = Depends(writer),
    session: Session = Depends(get_session),
    rid: str = Depends(request_id),
) -> RightOut:
    right = repository.get_right(session, who, right_id)
    changes = {k: _text(v) for k, v in body.model_dump(exclude_unset=True).items()}
    updated = service.update_right(
        session, who, right, replace(service.right_draft(right), **changes), rid
    )
    session.commit()
    return right_out(updated)


# ---------------------------------------------------------------- jobs


@router.get("/jobs/{job_id}", response_model=JobOut)
def get_job(
    job_id: RecordId,
    who: Principal = Depends(reader),
    session: Session = Depends(get_session),
) -> JobOut:
    job = repository.get_job(session, who, job_id)

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
