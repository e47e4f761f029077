"""JSON routes of case documents under /api/v1/cases: a case's documents
(`/{case_id}/documents`), one document as JSON or as the deposited HTML file, and the penalty
decisions whose publicity is due (`/documents/publicity`). Mounted by `cases.api` ahead of its
own `/{case_id}` route.

A document is answered only after the transaction that numbered it and put it in the evidence
log is committed."""

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from ipprotect.cases.documents import render, service
from ipprotect.cases.documents.kinds import DocumentKind
from ipprotect.cases.documents.models import CaseDocument
from ipprotect.core.auth import Principal
from ipprotect.core.days import today
from ipprotect.core.deps import RecordId, get_session, get_settings, request_id, require
from ipprotect.evidence.blobs import BlobStore
from ipprotect.evidence.deposit_api import PREFIX as DEPOSITS
from ipprotect.settings import Settings

router = APIRouter()
reader = require(*service.READERS)
publicity_reader = require(*service.PUBLICITY_READERS)

Text = Annotated[str, Field(max_length=20_000)]


class DocumentIn(BaseModel):
    kind: DocumentKind
    issued_on: dt.date | None = Field(
        None, description="the day of issue (Asia/Shanghai); default today"
    )
    values: dict[str, Text] = Field(
        default_factory=dict,
        max_length=10,
        description="the texts the kind asks for, e.g. facts and evidence of a penalty decision",
    )


class DocumentOut(BaseModel):
    id: int
    case_id: int
    kind: str
    number: str = Field(description="文号, e.g. 杭市监知执罚字〔2026〕第12号")
    authority: str = Field(description="机关代字")
    authority_name: str
    year: int
    sequence: int
    issued_on: dt.date
    issued_by: str
    sha256: str = Field(description="of the deposited HTML file")
    deposit_id: int
    deposit_url: str
    receipt_url: str
    certificate_url: str
    html_url: str = Field(description="the deposited file, text/html")
    page_url: str = Field(description="the printable page")
    publicity_due: dt.date | None = Field(description="双公示: the last day to publish it")
    publicity_provisional: bool
    fields: dict[str, Any] = Field(description="what the document was filled from")


class DocumentList(BaseModel):
    items: list[DocumentOut]
    issuable: list[str] = Field(description="the kinds the caller may issue at the current step")


class PublicityItemOut(BaseModel):
    document: DocumentOut
    region_code: str
    overdue: bool


def document_out(document: CaseDocument) -> DocumentOut:
    base = f"/api/v1/cases/{document.case_id}/documents/{document.id}"
    return DocumentOut(
        id=document.id,
        case_id=document.case_id,
        kind=document.kind,
        number=document.number,
        authority=document.authority,
        authority_name=document.authority_name,
        year=document.year,
        sequence=document.sequence,
        issued_on=document.issued_on,
        issued_by=document.issued_by_name,
        sha256=document.sha256,
        deposit_id=document.deposit_id,
        deposit_url=f"{DEPOSITS}/{document.deposit_id}",
        receipt_url=f"{DEPOSITS}/{document.deposit_id}/receipt",
        certificate_url=f"/evidence/{document.deposit_id}/certificate",
        html_url=f"{base}?format=html",
        page_url=f"/cases/{document.case_id}/documents/{document.id}",
        publicity_due=document.publicity_due,
        publicity_provisional=document.publicity_provisional,
        fields=document.fields,
    )


@router.get("/documents/publicity", response_model=list[PublicityItemOut])
def publicity_due(
    until: dt.date | None = Query(None, description="only those due by this day"),
    who: Principal = Depends(publicity_reader),
    session: Session = Depends(get_session),
) -> list[PublicityItemOut]:
    """Penalty decisions to publish (双公示) in the caller's scope, the nearest deadline first."""
    return [
        PublicityItemOut(
            document=document_out(i.document),
            region_code=i.document.region_code,
            overdue=i.overdue,
        )
        for i in service.publicity_due(session, who, today(), until)
    ]


@router.get("/{case_id}/documents", response_model=DocumentList)
def list_documents(
    case_id: RecordId,
    who: Principal = Depends(reader),
    session: Session = Depends(get_session),
) -> DocumentList:
    case = service.get_case(session, who, case_id)
    return DocumentList(
        items=[document_out(d) for d in service.documents_of(session, case)],
        issuable=[spec.kind.value for spec in service.issuable(session, who, case)],
    )


@router.post("/{case_id}/documents", response_model=DocumentOut, status_code=201)
def issue_document(
    case_id: RecordId,
    body: DocumentIn,
    response: Response,
    who: Principal = Depends(reader),
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
    rid: str = Depends(request_id),
) -> DocumentOut:
    """Issue a document of a kind the case's current step allows: numbered, rendered, deposited
    in the evidence log; 201 once committed. 409 when the step allows no such document or it was
    issued already; 422 with the fields to fix."""
    case = service.get_case(session, who, case_id)
    draft = service.DocumentDraft(body.kind.value, body.issued_on, dict(body.values))
    document = service.issue(session, who, case, draft, BlobStore.of(settings), rid)
    session.commit()
    response.headers["Location"] = f"/api/v1/cases/{case.id}/documents/{document.id}"
    return document_out(document)


@router.get(
    "/{case_id}/documents/{document_id}",
    response_model=DocumentOut,
    responses={200: {"content": {"text/html": {}}, "description": "JSON, or the HTML file"}},
)
def get_document(
    case_id: RecordId,
    document_id: RecordId,
    format: Literal["json", "html"] = Query("json", description="html: the deposited file"),
    who: Principal = Depends(reader),
    session: Session = Depends(get_session),
) -> Any:
    case = service.get_case(session, who, case_id)
    document = service.get_document(session, case, document_id)
    if format == "html":
        title = f"{document.fields['title']} {document.number}"
        return Response(render.standalone(title, document.html), media_type=render.MEDIA_TYPE)
    return document_out(document)
