"""Channel pages: the channel section of the case page (steps with deadlines, the buttons of
the transitions the officer may take, pause / resume / extension) and the work queue page
`/cases/queue`. Mounted by `cases.pages` ahead of its `/cases/{case_id}` route."""

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from ipprotect.cases.channels import acts, criminal_transfer, penalty, queue, service
from ipprotect.cases.channels.api import actor, handler
from ipprotect.cases.channels.models import CaseStep
from ipprotect.cases.channels.registry import MACHINES
from ipprotect.cases.models import CHANNEL_LABELS, TRACK_LABELS, Case, Channel, Track
from ipprotect.core import rules_text
from ipprotect.core.auth import Principal, User
from ipprotect.core.days import form_day, today
from ipprotect.core.deps import RecordId, get_session, get_settings, request_id
from ipprotect.core.errors import FieldError, invalid
from ipprotect.settings import Settings
from ipprotect.web.i18n import N_, gettext
from ipprotect.web.templating import render

router = APIRouter(include_in_schema=False)


def _labels() -> dict[tuple[Channel, str], str]:
    return {(m.channel, s.name): s.label for m in MACHINES.values() for s in m.states}


def context(request: Request, session: Session, case: Case) -> dict[str, Any]:
    """What the case page needs to show the channel section."""
    who: Principal | None = getattr(request.state, "principal", None)
    current = service.current_step(session, case)
    steps = service.steps_of(session, case)
    return {
        "channel_steps": steps,
        "assignees": _names(session, {s.assignee_id for s in steps if s.assignee_id}),
        "channel_current": current,
        "channel_actions": service.available(session, who, case) if who else [],
        "channel_choices": [
            (c, CHANNEL_LABELS[c]) for c, m in MACHINES.items() if m.entered_directly
        ],
        "step_labels": _labels(),
        "transfer_thresholds": _thresholds(case, current),
        "clock_held": current is not None
        and service.machine_of(current).state(current.step).pauses_clock,
        "mediators": acts.mediators_for(session, case),
        "measure_labels": penalty.MEASURES,
        "yuan": penalty.yuan,
    }


def _names(session: Session, user_ids: set[int]) -> dict[int, str]:
    """The display names of the steps' assignees (the mediators)."""
    if not user_ids:
        return {}
    stmt = select(User.id, User.display_name).where(User.id.in_(user_ids))
    return {row.id: row.display_name for row in session.execute(stmt)}


def _thresholds(case: Case, step: CaseStep | None) -> list[dict[str, str]]:
    """The prosecution thresholds in force today, as guidance where a transfer may be proposed
    or decided: the penalty steps before the decision and the proposal itself."""
    if step is None or not (
        (step.channel is Channel.ADMIN_PENALTY and step.step in penalty.BEFORE_DECISION)
        or (step.channel is Channel.CRIMINAL_TRANSFER and step.step == "proposed")
    ):
        return []
    return [
        {
            "id": r.id,
            "title": rules_text.title(r),
            "value": rules_text.value_text(r),
            "certainty": r.certainty,
            "certainty_text": rules_text.certainty(r),
            "source": r.source,
        }
        for r in criminal_transfer.thresholds(today(), case.region_code)
    ]


def _back(case: Case) -> Response:
    return RedirectResponse(f"/cases/{case.id}#channel", status_code=303)


def _options(labels: dict[Any, str]) -> list[tuple[str, str]]:
    return [("", gettext("All")), *((k.value, gettext(v)) for k, v in labels.items())]


@router.get("/cases/queue", response_class=HTMLResponse)
def queue_page(
    request: Request,
    due: str = "",
    channel: str = "",
    track: str = "",
    mine: bool = False,
    page: int = Query(1, ge=1),
    who: Principal = Depends(actor),
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
) -> Response:
    """Every deadline the caller owns; unknown filter values are ignored, as on the case list."""
    filters = queue.QueueFilters(
        due="overdue" if due == "overdue" else "soon" if due == "soon" else None,
        channel=Channel(channel) if channel in set(Channel) else None,
        track=Track(track) if track in set(Track) else None,
        assignee_id=who.user_id if mine and who.user_id else None,
    )
    day = today()
    soon = settings.due_soon_working_days
    result = queue.work_queue(session, who, filters, day, soon, page, settings.page_size)
    kept = {
        "due": filters.due or "",
        "channel": filters.channel.value if filters.channel else "",
        "track": filters.track.value if filters.track else "",
        "mine": "true" if filters.assignee_id else "",
    }
    kept = {k: v for k, v in kept.items() if v}
    export = {
        "csv": {"format": "csv", **kept},
        "csv_gb18030": {"format": "csv", "encoding": "gb18030", **kept},
        "xlsx": {"format": "xlsx", **kept},
    }
    return render(
        request,
        "cases/channels/queue.html",
        page=result,
        filters=kept,
        soon=soon,
        today=day,
        channel_labels=CHANNEL_LABELS,
        track_labels=TRACK_LABELS,
        step_labels=_labels(),
        due_options=[
            ("", gettext("All")),
            ("overdue", gettext("Overdue")),
            ("soon", gettext("Due soon")),
        ],
        channel_options=_options(CHANNEL_LABELS),
        track_options=_options(TRACK_LABELS),
        export_urls={k: f"/api/v1/cases/queue/export?{urlencode(v)}" for k, v in export.items()},
    )


@router.post("/cases/{case_id}/channel", response_class=HTMLResponse)
def enter(
    case_id: RecordId,
    channel: Channel = Form(),
    on: str = Form("", max_length=10),
    who: Principal = Depends(handler),
    session: Session = Depends(get_session),
    rid: str = Depends(request_id),
) -> Response:
    case = service.get_case(session, who, case_id)
    service.enter(session, who, case, channel, form_day(on), rid)
    session.commit()
    return _back(case)


@router.post("/cases/{case_id}/channel/transition", response_class=HTMLResponse)
def transition(
    case_id: RecordId,
    name: str = Form(max_length=32),
    on: str = Form("", max_length=10),
    mediator_id: int | None = Form(None, ge=1, le=2**31 - 1),
    note: str = Form("", max_length=2000),
    decides_ownership: bool = Form(False),
    institution: str = Form("", max_length=200),
    ruling_infringement_found: str = Form("", max_length=3),
    ruling_order_to_stop: str = Form("", max_length=3),
    ruling_reasons: str = Form("", max_length=10_000),
    ruling_legal_basis: str = Form("", max_length=2000),
    decision_measures: list[str] = Form([], max_length=5),
    decision_fine: str = Form("", max_length=24),
    decision_illegal_gains: str = Form("", max_length=24),
    decision_confiscated_goods: str = Form("", max_length=2000),
    decision_legal_basis: str = Form("", max_length=2000),
    decision_party_present: str = Form("", max_length=3),
    hearing_on: str = Form("", max_length=10),
    who: Principal = Depends(handler),
    session: Session = Depends(get_session),
    rid: str = Depends(request_id),
) -> Response:
    case = service.get_case(session, who, case_id)
    ruling = {
        "infringement_found": _yes_no(ruling_infringement_found),
        "order_to_stop": _yes_no(ruling_order_to_stop),
        "reasons": ruling_reasons,
        "legal_basis": ruling_legal_basis,
    }
    decision = {
        "measures": decision_measures,
        "fine": decision_fine,
        "illegal_gains": decision_illegal_gains,
        "confiscated_goods": decision_confiscated_goods,
        "legal_basis": decision_legal_basis,
        "party_present": _yes_no(decision_party_present),
    }
    service.take(
        session,
        who,
        case,
        name,
        on=form_day(on),
        mediator_id=mediator_id,
        note=note,
        decides_ownership=decides_ownership,
        ruling=ruling if name == "rule" else None,
        institution=institution,
        decision=decision if name == "decide" else None,
        hearing_on=form_day(hearing_on, "hearing_on"),
        request_id=rid,
    )
    session.commit()
    return _back(case)


def _yes_no(text: str) -> bool | None:
    """A yes / no choice of a form; anything else is no answer (the service says it is needed)."""
    return {"yes": True, "no": False}.get(text)


@router.post("/cases/{case_id}/channel/clock", response_class=HTMLResponse)
def clock(
    case_id: RecordId,
    action: str = Form(max_length=16),
    reason: str = Form("", max_length=2000),
    on: str = Form("", max_length=10),
    who: Principal = Depends(handler),
    session: Session = Depends(get_session),
    rid: str = Depends(request_id),
) -> Response:
    """Pause, resume or extend the current step's deadline."""
    case = service.get_case(session, who, case_id)
    day = form_day(on)
    if action == "pause":
        service.pause(session, who, case, reason, day, rid)
    elif action == "resume":
        service.resume(session, who, case, day, rid)
    elif action == "extend":
        service.extend(session, who, case, reason, day, rid)
    else:
        raise invalid(
            [FieldError("action", "invalid_choice", N_("Choose one of the listed values"))]
        )
    session.commit()
    return _back(case)
