"""Public pages (no login): the dishonesty list and the published penalty decisions, searchable
by name (folded like the registry's) or credit code and paginated, and the open data (JSON, CSV
with a BOM, Atom). Only listings in force and decisions published, not withdrawn and not past
their last public day (SAMR Order No. 45 art. 13, today in Asia/Shanghai) are shown; a natural
person's ID number, phone and address only masked."""

import datetime as dt
from collections.abc import Iterator
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from sqlalchemy.orm import Session

from ipprotect.core import tabular
from ipprotect.core.auth import Principal
from ipprotect.core.days import today
from ipprotect.core.deps import RecordId, current_principal, get_session
from ipprotect.core.errors import not_found
from ipprotect.core.pagination import MAX_PAGE_SIZE
from ipprotect.credit import publicity
from ipprotect.credit.models import CreditPublication
from ipprotect.portal import atom, views
from ipprotect.web.i18n import get_locale, gettext
from ipprotect.web.templating import SHANGHAI, render

router = APIRouter(include_in_schema=False)

Search = Annotated[str, Query(max_length=200)]
PageNumber = Annotated[int, Query(ge=1, le=1_000_000)]
PageSize = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]
FEED_SIZE = 100
# The day the platform's feeds began, the `updated` of a feed that has no entry yet.
FEED_EPOCH = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


@router.get("/public", response_class=HTMLResponse)
def portal_home(request: Request, _who: Principal = Depends(current_principal)) -> Response:
    return render(request, "portal/index.html")


@router.get("/public/dishonest", response_class=HTMLResponse)
def dishonest_list(
    request: Request,
    q: Search = "",
    page: PageNumber = 1,
    _who: Principal = Depends(current_principal),
    session: Session = Depends(get_session),
) -> Response:
    found = publicity.public_listings(session, q, page, 20)
    return render(
        request,
        "portal/dishonest.html",
        q=q,
        page=found,
        rows=[views.listing_view(listing) for listing in found.items],
    )


@router.get("/public/decisions", response_class=HTMLResponse)
def decision_list(
    request: Request,
    q: Search = "",
    page: PageNumber = 1,
    _who: Principal = Depends(current_principal),
    session: Session = Depends(get_session),
) -> Response:
    found = publicity.public_decisions(session, today(), q, page, 20)
    return render(
        request,
        "portal/decisions.html",
        kind_labels=views.KIND_LABELS,
        q=q,
        page=found,
        rows=[views.decision_view(p) for p in found.items],
    )


def _public_decision(session: Session, publication_id: int) -> CreditPublication:
    found = publicity.public_decision(session, today(), publication_id)
    if found is None:  # never published, withheld, withdrawn or stopped: as if it never was
        raise not_found("decision")
    return found


@router.get("/public/decisions/{publication_id}", response_class=HTMLResponse)
def decision_page(
    request: Request,
    publication_id: RecordId,
    _who: Principal = Depends(current_principal),
    session: Session = Depends(get_session),
) -> Response:
    p = _public_decision(session, publication_id)
    return render(request, "portal/decision.html", d=views.decision_view(p))


# ---------------------------------------------------------------- open data


def _json_page(
    request: Request, rows: list[dict[str, Any]], total: int, page: int, size: int
) -> JSONResponse:
    params = dict(request.query_params)
    more = page * size < total
    next_url = (
        str(request.url.replace(query=urlencode(params | {"page": page + 1}))) if more else None
    )
    return JSONResponse(
        {"total": total, "page": page, "size": size, "next": next_url, "items": rows}
    )


@router.get("/public/data/dishonest.json")
def dishonest_json(
    request: Request,
    q: Search = "",
    page: PageNumber = 1,
    size: PageSize = 100,
    session: Session = Depends(get_session),
) -> JSONResponse:
    """The dishonesty list in force, a page at a time (`next` links the following page)."""
    found = publicity.public_listings(session, q, page, size)
    rows = [_pick(views.listing_view(x), views.LISTING_COLUMNS) for x in found.items]
    return _json_page(request, rows, found.total, found.number, found.size)


@router.get("/public/data/decisions.json")
def decisions_json(
    request: Request,
    q: Search = "",
    page: PageNumber = 1,
    size: PageSize = 100,
    session: Session = Depends(get_session),
) -> JSONResponse:
    """The published penalty decisions, newest first, a page at a time."""
    found = publicity.public_decisions(session, today(), q, page, size)
    rows = [_pick(views.decision_view(x), views.DECISION_COLUMNS) for x in found.items]
    return _json_page(request, rows, found.total, found.number, found.size)


def _pick(view: dict[str, Any], columns: list[str]) -> dict[str, Any]:
    return {c: view.get(c, "") for c in columns}


def _csv(name: str, columns: list[str], rows: Iterator[list[Any]]) -> StreamingResponse:
    return StreamingResponse(
        tabular.iter_export("csv", columns, rows),
        media_type=tabular.MEDIA_TYPES["csv"],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/public/data/dishonest.csv")
def dishonest_csv(q: Search = "", session: Session = Depends(get_session)) -> StreamingResponse:
    """The whole dishonesty list in force, UTF-8 with a BOM (spreadsheet programs read it)."""
    rows = (
        views.row(views.listing_view(x), views.LISTING_COLUMNS)
        for x in publicity.iter_public_listings(session, q)
    )
    return _csv("dishonest.csv", views.LISTING_COLUMNS, rows)


@router.get("/public/data/decisions.csv")
def decisions_csv(q: Search = "", session: Session = Depends(get_session)) -> StreamingResponse:
    """Every published penalty decision, UTF-8 with a BOM."""
    rows = (
        views.row(views.decision_view(x), views.DECISION_COLUMNS)
        for x in publicity.iter_public_decisions(session, today(), q)
    )
    return _csv("decisions.csv", views.DECISION_COLUMNS, rows)


def _day_start(day: dt.date | None) -> dt.datetime:
    """A legal day's start in Asia/Shanghai, the `updated` of what was published that day."""
    if day is None:
        return FEED_EPOCH
    return dt.datetime.combine(day, dt.time(), tzinfo=SHANGHAI)


def _feed(request: Request, title: str, page: str, entries: list[atom.Entry]) -> Response:
    body = atom.feed(
        feed_id=str(request.url.replace(query="")),
        title=title,
        self_link=str(request.url),
        alternate=str(request.url_for("portal_home").replace(path=page)),
        author=gettext("IP Protection Platform"),
        entries=entries,
        empty_updated=FEED_EPOCH,
        lang="zh-CN" if get_locale() == "zh_CN" else "en",
    )
    return Response(body, media_type="application/atom+xml; charset=utf-8")


@router.get("/public/data/decisions.atom")
def decisions_atom(request: Request, session: Session = Depends(get_session)) -> Response:
    """The latest published penalty decisions as an Atom feed."""
    found = publicity.public_decisions(session, today(), "", 1, FEED_SIZE).items
    base = request.url_for("portal_home")
    entries = []
    for p in found:
        v = views.decision_view(p)
        link = str(base.replace(path=f"/public/decisions/{p.id}"))
        entries.append(
            atom.Entry(
                id=link,
                title=f"{v['title']} {v['document_no']}（{v['name']}）",
                updated=_day_start(p.published_on),
                link=link,
                summary="；".join(v.get("measures", [])),
            )
        )
    return _feed(request, gettext("Published decisions"), "/public/decisions", entries)


@router.get("/public/data/dishonest.atom")
def dishonest_atom(request: Request, session: Session = Depends(get_session)) -> Response:
    """The latest entries of the dishonesty list as an Atom feed."""
    found = publicity.public_listings(session, "", 1, FEED_SIZE).items
    base = request.url_for("portal_home")
    entries = []
    for listing in found:
        v = views.listing_view(listing)
        search = urlencode({"q": v["uscc"] or v["name"]})
        entries.append(
            atom.Entry(
                # RFC 4151 tag URI: the list has no page per entry to name it by.
                id=f"tag:{request.url.hostname},2025:credit-listing:{listing.id}",
                title=f"{v['name']}：{v['behaviour_name']}",
                updated=_day_start(listing.published_on or listing.decided_on),
                link=str(base.replace(path="/public/dishonest", query=search)),
                summary=f"{v['authority']} {v['document_no']}；{v['basis']}",
            )
        )
    return _feed(request, gettext("Dishonesty list"), "/public/dishonest", entries)
