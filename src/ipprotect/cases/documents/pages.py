"""Document pages: the documents section of the case page, the form that issues a document of a
kind the case's step allows, and the printable document page (A4, no navigation in print) with
its deposit, receipt and certificate. Mounted by `cases.pages` ahead of its `/cases/{case_id}`
route."""

from typing import Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from ipprotect.cases.documents import render, service
from ipprotect.cases.documents.api import document_out, publicity_reader, reader
from ipprotect.cases.documents.kinds import SPECS, DocumentKind, Spec
from ipprotect.cases.models import Case
from ipprotect.core.auth import Principal
from ipprotect.core.days import form_day, today
from ipprotect.core.deps import RecordId, get_session, get_settings, request_id
from ipprotect.core.errors import FieldError, Problem, conflict, invalid
from ipprotect.evidence.blobs import BlobStore
from ipprotect.settings import Settings
from ipprotect.web.i18n import N_
from ipprotect.web.templating import field_errors
from ipprotect.web.templating import render as render_page

router = APIRouter(include_in_schema=False)

# The longest text any kind takes (kinds.Input.limit); the service checks each kind's own.
LONGEST = max(i.limit for spec in SPECS.values() for i in spec.inputs)
KIND_LABELS = {kind.value: spec.label for kind, spec in SPECS.items()}


def context(request: Request, session: Session, case: Case) -> dict[str, Any]:
    """What the case page needs to show its documents section."""
    who: Principal | None = getattr(request.state, "principal", None)
    return {
        "case_documents": service.documents_of(session, case),
        "issuable_documents": service.issuable(session, who, case) if who else [],
        "document_kind_labels": KIND_LABELS,
    }


def _spec(kind: str) -> Spec:
    try:
        return SPECS[DocumentKind(kind)]
    except ValueError:
        raise invalid(
            [FieldError("kind", "invalid_choice", N_("Choose one of the listed values"))]
        ) from None


def _form(
    request: Request,
    case: Case,
    spec: Spec,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    return render_page(
        request,
        "cases/documents/form.html",
        status_code,
        case=case,
        spec=spec,
        values=values,
        errors=errors,
    )


@router.get("/cases/documents/publicity", response_class=HTMLResponse)
def publicity_page(
    request: Request,
    who: Principal = Depends(publicity_reader),
    session: Session = Depends(get_session),
) -> Response:
    """The penalty decisions to publish (双公示) in the caller's scope, by deadline."""
    day = today()
    return render_page(
        request,
        "cases/documents/publicity.html",
        items=service.publicity_due(session, who, day),
        today=day,
        may_open=who.role in service.ISSUERS,
    )


@router.get("/cases/{case_id}/documents/new", response_class=HTMLResponse)
def new_document(
    request: Request,
    case_id: RecordId,
    kind: str = Query(max_length=32),
    who: Principal = Depends(reader),
    session: Session = Depends(get_session),
) -> Response:
    case = service.get_case(session, who, case_id)
    spec = _spec(kind)
    if spec not in service.issuable(session, who, case):
        raise conflict(
            "document_not_allowed", N_("This document cannot be issued at the case's step")
        )
    return _form(request, case, spec, {}, {})


@router.post("/cases/{case_id}/documents", response_class=HTMLResponse)
def issue_document(
    request: Request,
    case_id: RecordId,
    kind: str = Form("", max_length=32),
    issued_on: str = Form("", max_length=10),
    facts: str = Form("", max_length=LONGEST),
    evidence: str = Form("", max_length=LONGEST),
    requests: str = Form("", max_length=LONGEST),
    dispute: str = Form("", max_length=LONGEST),
    terms: str = Form("", max_length=LONGEST),
    police: str = Form("", max_length=LONGEST),
    suspected_crime: str = Form("", max_length=LONGEST),
    materials: str = Form("", max_length=LONGEST),
    who: Principal = Depends(reader),
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
    rid: str = Depends(request_id),
) -> Response:
    """Issue from the form; on bad input the form again with the messages next to the fields."""
    case = service.get_case(session, who, case_id)
    spec = _spec(kind)
    typed = {
        "facts": facts,
        "evidence": evidence,
        "requests": requests,
        "dispute": dispute,
        "terms": terms,
        "police": police,
        "suspected_crime": suspected_crime,
        "materials": materials,
    }
    values = {i.name: typed[i.name] for i in spec.inputs}
    try:
        draft = service.DocumentDraft(kind, form_day(issued_on, "issued_on"), values)
        document = service.issue(session, who, case, draft, BlobStore.of(settings), rid)
    except Problem as problem:
        if problem.status != 422:
            raise
        # Nothing was written: the service validates everything before its first write.
        values["issued_on"] = issued_on
        return _form(request, case, spec, values, field_errors(problem.errors), 422)
    session.commit()
    return RedirectResponse(f"/cases/{case.id}/documents/{document.id}", status_code=303)


@router.get("/cases/{case_id}/documents/{document_id}", response_class=HTMLResponse)
def document_page(
    request: Request,
    case_id: RecordId,
    document_id: RecordId,
    who: Principal = Depends(reader),
    session: Session = Depends(get_session),
) -> Response:
    """The document as printed: the stored article under the print layout it was deposited
    with; the links to its deposit are left out of the print."""
    case = service.get_case(session, who, case_id)
    document = service.get_document(session, case, document_id)
    return render_page(
        request,
        "cases/documents/document.html",
        case=case,
        document=document,
        out=document_out(document),
        kind_label=KIND_LABELS[document.kind],
        # Rendered by the autoescaping document templates when it was issued, stored as is.
        article=Markup(document.html),  # noqa: S704 - our own rendered, escaped template output
        document_css=Markup(render.DOCUMENT_CSS),  # noqa: S704 - a constant of ours
    )
