"""Dual publicity pages for officers and credit officers (`/credit/publicity`): the decisions to
publish by deadline (overdue, due soon, alerted), those withheld with the reason, those on the
portal now; a decision's page shows what the public will see and the forms to publish it or
withdraw it, each error next to its field."""

from typing import Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from ipprotect.core.auth import Principal
from ipprotect.core.days import form_day, today
from ipprotect.core.deps import RecordId, get_session, get_settings, request_id
from ipprotect.core.errors import FieldError, Problem, invalid
from ipprotect.credit import publicity
from ipprotect.credit.models import CreditPublication
from ipprotect.credit.publicity_api import keeper
from ipprotect.settings import Settings
from ipprotect.web.i18n import N_
from ipprotect.web.templating import field_errors, render

router = APIRouter(include_in_schema=False)


@router.get("/credit/publicity", response_class=HTMLResponse)
def publicity_desk(
    request: Request,
    due: Literal["overdue", "soon", ""] = Query(""),
    who: Principal = Depends(keeper),
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
) -> Response:
    day = today()
    until = publicity.soon_until(session, day, settings.due_soon_working_days)
    return render(
        request,
        "credit/publicity.html",
        due=due,
        today=day,
        soon=settings.due_soon_working_days,
        items=publicity.deadlines(session, who, day, until, due or None),
        withheld=publicity.withheld(session, who),
        published=publicity.published(session, who, day),
    )


def _months(field: str, text: str) -> int | None:
    """A whole number of months, or None when the field is left empty."""
    if not text.strip():
        return None
    try:
        return int(text.strip())
    except ValueError:
        raise invalid(
            [FieldError(field, "invalid", N_("{value} is not a whole number"), {"value": text})]
        ) from None


LICENCE_FIELDS = (
    "region_code",
    "name",
    "uscc",
    "title",
    "document_no",
    "decided_on",
    "authority",
    "matter",
)


def _licence_form(
    request: Request,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(request, "credit/licence.html", status_code, values=values, errors=errors or {})


@router.get("/credit/publicity/licensing/new", response_class=HTMLResponse)
def new_licence(request: Request, who: Principal = Depends(keeper)) -> Response:
    region = next(iter(sorted(who.scope.prefixes)), "")
    return _licence_form(request, {"region_code": region if len(region) == 6 else ""})


@router.post("/credit/publicity/licensing", response_class=HTMLResponse)
def enter_licence(
    request: Request,
    region_code: str = Form("", max_length=6),
    name: str = Form("", max_length=200),
    uscc: str = Form("", max_length=30),
    title: str = Form("", max_length=200),
    document_no: str = Form("", max_length=100),
    decided_on: str = Form("", max_length=10),
    authority: str = Form("", max_length=200),
    matter: str = Form("", max_length=5000),
    who: Principal = Depends(keeper),
    session: Session = Depends(get_session),
    rid: str = Depends(request_id),
) -> Response:
    """Enter a licensing decision for publication; on bad input the form again with the
    messages next to the fields."""
    values = dict(
        zip(
            LICENCE_FIELDS,
            (region_code, name, uscc, title, document_no, decided_on, authority, matter),
            strict=True,
        )
    )
    try:
        licence = publicity.Licence(
            region_code=region_code,
            name=name,
            uscc=uscc,
            title=title,
            document_no=document_no,
            decided_on=form_day(decided_on, "decided_on") or today(),
            authority=authority,
            matter=matter,
        )
        p = publicity.record_licence(session, who, licence, today(), rid)
    except Problem as problem:
        if problem.status != 422:
            raise
        return _licence_form(request, values, field_errors(problem.errors), 422)
    session.commit()
    return RedirectResponse(f"/credit/publicity/{p.id}", status_code=303)


def _page(
    request: Request,
    p: CreditPublication,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "credit/publication.html",
        status_code,
        p=p,
        public=publicity.decision_content(p),
        values=values or {},
        errors=errors or {},
        today=today(),
    )


@router.get("/credit/publicity/{publication_id}", response_class=HTMLResponse)
def publication_page(
    request: Request,
    publication_id: RecordId,
    who: Principal = Depends(keeper),
    session: Session = Depends(get_session),
) -> Response:
    return _page(request, publicity.get_publication(session, who, publication_id))


@router.post("/credit/publicity/{publication_id}/publish", response_class=HTMLResponse)
def publish(
    request: Request,
    publication_id: RecordId,
    published_on: str = Form("", max_length=10),
    restriction_months: str = Form("", max_length=10),
    who: Principal = Depends(keeper),
    session: Session = Depends(get_session),
    rid: str = Depends(request_id),
) -> Response:
    p = publicity.get_publication(session, who, publication_id)
    try:
        day = form_day(published_on, "published_on") or today()
        months = _months("restriction_months", restriction_months)
        publicity.publish(session, who, p, day, rid, restriction_months=months)
    except Problem as problem:
        if problem.status != 422:
            raise
        values = {"published_on": published_on, "restriction_months": restriction_months}
        return _page(request, p, values, field_errors(problem.errors), 422)
    session.commit()
    return RedirectResponse(f"/credit/publicity/{p.id}", status_code=303)


@router.post("/credit/publicity/{publication_id}/withdraw", response_class=HTMLResponse)
def withdraw(
    request: Request,
    publication_id: RecordId,
    withdrawn_on: str = Form("", max_length=10),
    reason: str = Form("", max_length=2000),
    who: Principal = Depends(keeper),
    session: Session = Depends(get_session),
    rid: str = Depends(request_id),
) -> Response:
    p = publicity.get_publication(session, who, publication_id)
    try:
        publicity.withdraw(
            session, who, p, form_day(withdrawn_on, "withdrawn_on") or today(), reason, rid
        )
    except Problem as problem:
        if problem.status != 422:
            raise
        values = {"withdrawn_on": withdrawn_on, "reason": reason}
        return _page(request, p, values, field_errors(problem.errors), 422)
    session.commit()
    return RedirectResponse(f"/credit/publicity/{p.id}", status_code=303)
