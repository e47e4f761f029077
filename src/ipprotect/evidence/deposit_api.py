"""JSON API of deposits: deposit a file or a hash, list and export deposits, read one, download
its receipt (c2sp.org/tlog-proof@v1) and its file.

A deposit is answered only after the transaction that put it in the log is committed (the group
commit in `app.state.deposits`), so every deposit a client was told about is in the log. An upload
is refused before its body is read when its declared length is over the blob store's limit, and
streamed into the store otherwise.
"""

from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Header, Query, Request, Response, UploadFile
from fastapi.responses import FileResponse, PlainTextResponse, StreamingResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ipprotect.core import tabular
from ipprotect.core.auth import Principal
from ipprotect.core.deps import RecordId, get_session, get_settings, request_id, require
from ipprotect.core.errors import conflict, not_found
from ipprotect.core.pagination import MAX_PAGE_SIZE
from ipprotect.db import utcnow
from ipprotect.evidence import deposit_reads, deposits, receipts
from ipprotect.evidence.blobs import BlobStore, too_large
from ipprotect.evidence.deposits import DEPOSITORS, DepositDraft
from ipprotect.evidence.models import Deposit
from ipprotect.settings import Settings
from ipprotect.web.i18n import N_

PREFIX = "/api/v1/evidence/deposits"
# Room for the multipart framing and the text fields beside the file (their limits add up to
# about 23,000 characters, at most 4 bytes each in UTF-8).
FORM_ALLOWANCE = 256 * 1024
# A received date a filter may name: its day's bounds in Asia/Shanghai stay representable.
Day = Annotated[date, Field(ge=date(1970, 1, 1), le=date(9999, 12, 30))]


class UploadRoute(APIRoute):
    """Refuses a request whose Content-Length is over the blob store's limit (413, RFC 9110
    15.5.14) before its body is read: FastAPI parses a form before any dependency runs."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def limited(request: Request) -> Response:
            limit: int = request.app.state.settings.blob_max_size
            declared = request.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit + FORM_ALLOWANCE:
                raise too_large(limit)
            return await handle(request)

        return limited


router = APIRouter(prefix=PREFIX, tags=["evidence"], route_class=UploadRoute)
depositor = require(*DEPOSITORS)
reader = require(*deposit_reads.READERS)


class DepositOut(BaseModel):
    id: int
    log_index: int = Field(description="the index of the deposit's entry in the log")
    sha256: str
    size: int
    media_type: str
    stored: bool = Field(description="the file is kept by the platform (else only its hash)")
    filename: str | None
    title: str
    description: str
    source: str
    capture_method: str
    custody_notes: str
    case_id: int | None
    region_code: str
    depositor: str
    depositor_uscc: str | None
    received_at: datetime
    receipt_ready: bool = Field(description="a signed checkpoint covers the entry")
    receipt_url: str
    certificate_url: str
    file_url: str | None


class DepositPage(BaseModel):
    items: list[DepositOut]
    total: int
    page: int
    size: int
    pages: int


def deposit_out(deposit: Deposit, signed_size: int) -> DepositOut:
    return DepositOut(
        id=deposit.id,
        log_index=deposit.log_index,
        sha256=deposit.sha256,
        size=deposit.size,
        media_type=deposit.media_type,
        stored=deposit.stored,
        filename=deposit.filename,
        title=deposit.title,
        description=deposit.description,
        source=deposit.source,
        capture_method=deposit.capture_method,
        custody_notes=deposit.custody_notes,
        case_id=deposit.case_id,
        region_code=deposit.region_code,
        depositor=deposit.depositor_name,
        depositor_uscc=deposit.depositor_uscc,
        received_at=deposit.received_at,
        receipt_ready=deposit.log_index < signed_size,
        receipt_url=f"{PREFIX}/{deposit.id}/receipt",
        certificate_url=f"/evidence/{deposit.id}/certificate",
        file_url=f"{PREFIX}/{deposit.id}/file" if deposit.stored else None,
    )


@dataclass(frozen=True)
class Received:
    deposit: Deposit
    replayed: bool  # an earlier request with the same Idempotency-Key made it


def receive(
    request: Request,
    session: Session,
    who: Principal,
    draft: DepositDraft,
    upload: UploadFile | None,
    idempotency_key: str | None = None,
) -> Received:
    """Store the uploaded file (if any), then sequence the deposit and wait for its commit; with
    an Idempotency-Key already used for the same request, the deposit it made. Raises problems
    (413, 422) as the store and the service do."""
    _release(session)
    blob = None
    # Browsers send an empty part without a file name for a file input left empty.
    if upload is not None and upload.filename:
        blob = BlobStore.of(request.app.state.settings).put(upload.file, upload.filename)
        draft.filename = upload.filename
    if idempotency_key is not None:
        earlier = deposits.replay(session, who, idempotency_key, draft, blob)
        if earlier is not None:
            return Received(earlier, replayed=True)
    pending = deposits.prepare(
        session, who, draft, blob, utcnow(), idempotency_key, request_id(request)
    )
    _release(session)
    try:
        return Received(request.app.state.deposits.submit(pending), replayed=False)
    except IntegrityError:
        if idempotency_key is None:
            raise
        # A concurrent retry with the same key committed first: answer with its deposit.
        earlier = deposits.replay(session, who, idempotency_key, draft, blob)
        if earlier is None:
            raise
        return Received(earlier, replayed=True)


def _release(session: Session) -> None:
    """End the request's transaction (it wrote nothing) so that its pooled connection is not held
    while a file is copied, while the deposit waits for its batch, or until the session is closed
    after the response: with every connection held by waiting requests, the batch's leader could
    not get one to commit them."""
    session.commit()


def _idempotency_key(header: str | None) -> str | None:
    """The header is a structured-field string (draft-ietf-httpapi-idempotency-key-header),
    quoted; many clients send it bare, which is taken as it is."""
    if header is None:
        return None
    if len(header) >= 2 and header.startswith('"') and header.endswith('"'):
        return header[1:-1]
    return header


@router.post("", response_model=DepositOut, status_code=201)
def create_deposit(
    request: Request,
    response: Response,
    file: UploadFile | None = File(None, description="the evidence file; omit to deposit a hash"),
    title: str = Form(""),
    description: str = Form(""),
    source: str = Form("", description="e.g. the URL of the infringing page"),
    capture_method: str = Form("", description="how the evidence was captured"),
    custody_notes: str = Form(""),
    case_id: str = Form(""),
    region_code: str = Form("", description="GB/T 2260; default: the depositor's region"),
    sha256: str = Form("", description="without a file: the file's SHA-256 (hex)"),
    size: str = Form("", description="without a file: the file's size in bytes"),
    media_type: str = Form("", description="without a file: the file's media type"),
    filename: str = Form("", description="without a file: the file's name"),
    idempotency_key: str | None = Header(
        None,
        alias="Idempotency-Key",
        description="a retry with the same key and request returns the first deposit",
    ),
    who: Principal = Depends(depositor),
    session: Session = Depends(get_session),
) -> DepositOut:
    """Deposit a file (multipart upload) or, without one, its SHA-256, size and media type. 201
    with the deposit once it is committed to the log; 200 with the header `Idempotent-Replayed:
    true` when an earlier request with the same Idempotency-Key made it."""
    draft = DepositDraft(
        title=title,
        description=description,
        source=source,
        capture_method=capture_method,
        custody_notes=custody_notes,
        case_id=case_id,
        region_code=region_code,
        sha256=sha256,
        size=size,
        media_type=media_type,
        filename=filename,
    )
    received = receive(request, session, who, draft, file, _idempotency_key(idempotency_key))
    deposit = received.deposit
    response.headers["Location"] = f"{PREFIX}/{deposit.id}"
    if received.replayed:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    answer = deposit_out(deposit, deposit_reads.signed_size(session))
    _release(session)
    return answer


EXPORT_MEDIA: dict[str, Any] = {"content": {media: {} for media in tabular.MEDIA_TYPES.values()}}


@router.get(
    "",
    response_model=DepositPage,
    responses={200: {**EXPORT_MEDIA, "description": "a page of deposits, or the export"}},
)
def list_deposits(
    request: Request,
    q: str = Query("", max_length=200, description="words of the title"),
    sha256: str = Query("", max_length=64, pattern="^[0-9A-Fa-f]*$", description="its start"),
    region: str = Query("", pattern="^([0-9]{6})?$", description="a region and those under it"),
    depositor: str = Query("", max_length=100, description="account name or credit code"),
    received_from: Day | None = Query(None),
    received_to: Day | None = Query(None),
    page: int = Query(1, ge=1),
    size: int = Query(0, ge=0, le=MAX_PAGE_SIZE, description="0: the platform's default"),
    format: Literal["json", "csv", "xlsx"] = Query("json", description="csv, xlsx: export all"),
    who: Principal = Depends(reader),
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
) -> Any:
    """The deposits the caller may see, newest first. Dates are days in Asia/Shanghai."""
    filters = deposit_reads.DepositFilters(
        q=q,
        sha256=sha256,
        region=region,
        depositor=depositor,
        received_from=received_from,
        received_to=received_to,
    )
    if format != "json":
        return _export(request, format, who, filters)
    result = deposit_reads.list_deposits(session, who, filters, page, size or settings.page_size)
    signed = deposit_reads.signed_size(session)
    return DepositPage(
        items=[deposit_out(d, signed) for d in result.items],
        total=result.total,
        page=result.number,
        size=result.size,
        pages=result.pages,
    )


def _export(
    request: Request,
    fmt: tabular.Format,
    who: Principal,
    filters: deposit_reads.DepositFilters,
) -> StreamingResponse:
    """Stream from a session of its own: the request's session ends before the body is sent."""

    def body() -> Iterator[bytes]:
        with request.app.state.sessionmaker() as session:
            rows = deposit_reads.export_rows(session, who, filters)
            yield from tabular.iter_export(
                fmt, deposit_reads.EXPORT_COLUMNS, rows, title="deposits"
            )

    return StreamingResponse(
        body(),
        media_type=tabular.MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="deposits.{fmt}"'},
    )


@router.get("/{deposit_id}", response_model=DepositOut)
def get_deposit(
    deposit_id: RecordId,
    who: Principal = Depends(reader),
    session: Session = Depends(get_session),
) -> DepositOut:
    deposit = deposit_reads.get_deposit(session, who, deposit_id)
    return deposit_out(deposit, deposit_reads.signed_size(session))


@router.get(
    "/{deposit_id}/receipt",
    response_class=PlainTextResponse,
    responses={409: {"description": "no signed checkpoint covers the deposit yet"}},
)
def get_receipt(
    deposit_id: RecordId,
    who: Principal = Depends(reader),
    session: Session = Depends(get_session),
) -> PlainTextResponse:
    """The deposit's receipt (c2sp.org/tlog-proof@v1, `.tlog-proof`), against the latest
    checkpoint, for checking offline with the log's verifier key."""
    deposit = deposit_reads.get_deposit(session, who, deposit_id)
    receipt = receipts.receipt_for(session, deposit.log_index)
    if receipt is None:
        raise conflict(
            "receipt_not_ready",
            N_("No signed checkpoint covers this deposit yet; try again in a moment"),
        )
    return PlainTextResponse(
        receipt,
        media_type=receipts.MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="deposit-{deposit.id}.tlog-proof"'},
    )


@router.get("/{deposit_id}/file", response_class=FileResponse)
def get_file(
    deposit_id: RecordId,
    who: Principal = Depends(reader),
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
) -> FileResponse:
    """The deposited file, as stored (404 when only its hash was deposited)."""
    deposit = deposit_reads.get_deposit(session, who, deposit_id)
    store = BlobStore.of(settings)
    if not deposit.stored or not store.has(deposit.sha256):
        raise not_found("file")
    return FileResponse(
        store.path(deposit.sha256),
        media_type=deposit.media_type,
        filename=deposit.filename or f"deposit-{deposit.id}",
        # Always a download, never rendered: the file is whatever the depositor uploaded.
        headers={"Content-Security-Policy": "sandbox"},
    )
