"""The figures of case handling over HTTP: `GET /api/v1/cases/figures` and the page
`/cases/figures`, for officers and administrators of a region and for evaluators, each for a
region inside their scope. `cases.api` and `cases.pages` mount these routers ahead of their
`/{case_id}` routes."""

import datetime as dt
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from ipprotect.cases import access, figures
from ipprotect.cases.models import CHANNEL_LABELS, TRACK_LABELS, Channel, Track
from ipprotect.core import ids
from ipprotect.core.auth import Principal, Role
from ipprotect.core.days import parse_day, today
from ipprotect.core.deps import get_session, require
from ipprotect.core.errors import FieldError, Problem, forbidden, invalid
from ipprotect.web.i18n import N_, gettext
from ipprotect.web.templating import render

FIGURE_ROLES = (*access.HANDLERS, Role.EVALUATOR)
viewer = require(*FIGURE_ROLES)

api_router = APIRouter()
page_router = APIRouter(include_in_schema=False)


class ClosureTimeOut(BaseModel):
    cases: int
    median_days: str
    mean_days: str


class FiguresOut(BaseModel):
    region: str
    start: dt.date
    end: dt.date
    received: int
    accepted: int
    rejected: int
    closed: int
    closure_by_track: dict[str, ClosureTimeOut]
    closure_by_channel: dict[str, ClosureTimeOut]
    deadlines: int
    deadlines_missed: int
    overdue_rate: str | None
    mediations_ended: int
    mediation_agreements: int
    mediation_success_rate: str | None
    transfers: dict[str, int]
    punitive_damages_applied: int


def _checked(who: Principal, region: str, start: str, end: str) -> tuple[dt.date, dt.date]:
    """The period, or 422 with every bad field; 403 for a region outside the caller's scope."""
    errors: list[FieldError] = []
    if not ids.is_region_code(region):
        errors.append(
            FieldError("region", "invalid_region", N_("Enter a 6-digit region code (GB/T 2260)"))
        )
    first, last = parse_day(start, "from", errors), parse_day(end, "to", errors)
    if first and last and last < first:
        errors.append(
            FieldError("to", "before_start", N_("The end of the period is before its start"))
        )
    if errors or first is None or last is None:
        raise invalid(errors)
    if not who.scope.covers(region):
        raise forbidden()
    return first, last


def _out(f: figures.Figures) -> FiguresOut:
    data: dict[str, Any] = asdict(f)
    for key in ("overdue_rate", "mediation_success_rate"):
        data[key] = None if data[key] is None else str(data[key])
    for key in ("closure_by_track", "closure_by_channel"):
        data[key] = {
            k: {
                "cases": v["cases"],
                "median_days": str(v["median_days"]),
                "mean_days": str(v["mean_days"]),
            }
            for k, v in data[key].items()
        }
    return FiguresOut.model_validate(data)


@api_router.get("/figures", response_model=FiguresOut)
def get_figures(
    region: str = Query(max_length=6, description="GB/T 2260 code; its whole subtree counts"),
    start: str = Query(alias="from", max_length=10, description="first day, e.g. 2025-01-01"),
    end: str = Query(alias="to", max_length=10, description="last day, included"),
    who: Principal = Depends(viewer),
    session: Session = Depends(get_session),
) -> FiguresOut:
    """Cases received, accepted, rejected and closed in the period; closure time by track and
    by channel; the overdue rate of deadlines; the mediation success rate; transfers to the
    police; cases where punitive damages were applied. Rates are fractions of 1."""
    first, last = _checked(who, region, start, end)
    return _out(figures.figures(session, region, first, last, today()))


@page_router.get("/cases/figures", response_class=HTMLResponse)
def figures_page(
    request: Request,
    region: str = Query("", max_length=6),
    start: str = Query("", alias="from", max_length=10),
    end: str = Query("", alias="to", max_length=10),
    who: Principal = Depends(viewer),
    session: Session = Depends(get_session),
) -> Response:
    day = today()
    # By default the caller's own region (the first of their scope) for this year so far.
    region = region or min((p.ljust(6, "0") for p in who.scope.prefixes), default="")
    start = start or day.replace(month=1, day=1).isoformat()
    end = end or day.isoformat()
    result, errors, status = None, {}, 200
    try:
        first, last = _checked(who, region, start, end)
        result = figures.figures(session, region, first, last, day)
    except Problem as problem:
        if problem.status != 422:
            raise
        errors = {e.field: e.text(gettext) for e in problem.errors}
        status = 422
    return render(
        request,
        "cases/figures.html",
        status_code=status,
        figures=result,
        form={"region": region, "from": start, "to": end},
        errors=errors,
        track_labels={t.value: label for t, label in TRACK_LABELS.items()},
        channel_labels={c.value: label for c, label in CHANNEL_LABELS.items()},
        tracks=list(Track),
        channels=list(Channel),
    )
