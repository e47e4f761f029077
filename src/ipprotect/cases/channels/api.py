"""JSON routes of a case's channel under /api/v1/cases/{id}/channel, and the work queue at
/api/v1/cases/queue. Mounted by `cases.api` ahead of its own `/{case_id}` route."""

from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from ipprotect.cases import access
from ipprotect.cases.channels import queue, service
from ipprotect.cases.channels.models import CaseStep
from ipprotect.cases.channels.schemas import (
    ChannelOut,
    DayIn,
    EnterIn,
    QueueItemOut,
    QueuePage,
    ReasonIn,
    StepOut,
    TransitionIn,
)
from ipprotect.cases.models import Case, Channel, Track
from ipprotect.core.auth import Principal, Role
from ipprotect.core.days import today
from ipprotect.core.deps import RecordId, get_session, get_settings, request_id, require
from ipprotect.core.pagination import MAX_PAGE_SIZE
from ipprotect.db import MAX_ID
from ipprotect.registry.schemas import ExportFormat
from ipprotect.settings import Settings

router = APIRouter()

reader = require(*access.READERS, Role.MEDIATOR)
actor = require(*access.HANDLERS, Role.MEDIATOR)
handler = require(*access.HANDLERS)


def step_out(step: CaseStep) -> StepOut:
    return StepOut.model_validate(step, from_attributes=True)


def channel_out(session: Session, who: Principal, case: Case) -> ChannelOut:
    current = service.current_step(session, case)
    return ChannelOut(
        case_id=case.id,
        channel=case.channel,
        current=step_out(current) if current else None,
        steps=[step_out(s) for s in service.steps_of(session, case)],
        actions=[t.name for t in service.available(session, who, case)],
    )


def queue_filters(
    due: queue.Due | None = Query(None, description="overdue, or due soon (not yet overdue)"),
    channel: Channel | None = None,
    track: Track | None = None,
    assignee: int | None = Query(None, ge=1, le=MAX_ID, description="the assigned user's id"),
) -> queue.QueueFilters:
    return queue.QueueFilters(due=due, channel=channel, track=track, assignee_id=assignee)


def queue_item_out(i: queue.QueueItem) -> QueueItemOut:
    return QueueItemOut.model_validate(i, from_attributes=True)


@router.get("/queue", response_model=QueuePage)
def work_queue(
    filters: queue.QueueFilters = Depends(queue_filters),
    soon: int | None = Query(
        None, ge=0, le=60, description="due soon: within this many working days (a setting)"
    ),
    page: int = Query(1, ge=1),
    size: int = Query(0, ge=0, le=MAX_PAGE_SIZE, description="0: the platform's default"),
    who: Principal = Depends(actor),
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
) -> dict[str, Any]:
    """The open deadlines in scope (complaints awaiting acceptance, open channel steps), the
    binding date first, flagged overdue or due soon."""
    days = settings.due_soon_working_days if soon is None else soon
    result = queue.work_queue(
        session, who, filters, today(), days, page, size or settings.page_size
    )
    return {
        "items": [queue_item_out(i) for i in result.items],
        "total": result.total,
        "page": result.number,
        "size": result.size,
        "pages": result.pages,
    }


@router.get("/queue/export", response_class=StreamingResponse)
def export_queue(
    request: Request,
    format: ExportFormat = "csv",
    encoding: queue.Encoding = Query("utf-8", description="CSV only: utf-8 (with BOM) or gb18030"),
    filters: queue.QueueFilters = Depends(queue_filters),
    soon: int | None = Query(None, ge=0, le=60),
    who: Principal = Depends(actor),
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
) -> StreamingResponse:
    """The whole filtered queue as CSV or XLSX."""
    days = settings.due_soon_working_days if soon is None else soon
    q = queue.query_for(session, who, filters, today(), days)

    def body() -> Iterator[bytes]:
        # The request's session is closed once the response starts: the rows get their own.
        with request.app.state.sessionmaker() as rows_session:
            yield from queue.iter_export(format, encoding, queue.export_rows(rows_session, q))

    return StreamingResponse(
        body(),
        media_type=queue.media_type(format, encoding),
        headers={"Content-Disposition": f'attachment; filename="queue.{format}"'},
    )


@router.get("/{case_id}/channel", response_model=ChannelOut)
def get_channel(
    case_id: RecordId,
    who: Principal = Depends(reader),
    session: Session = Depends(get_session),
) -> ChannelOut:
    """The channel the case is in, its steps with their deadlines, and what the caller may do."""
    return channel_out(session, who, service.get_case(session, who, case_id))


@router.post("/{case_id}/channel", response_model=ChannelOut, status_code=201)
def enter_channel(
    case_id: RecordId,
    body: EnterIn,
    who: Principal = Depends(handler),
    session: Session = Depends(get_session),
    rid: str = Depends(request_id),
) -> ChannelOut:
    """Route an accepted case into a channel."""
    case = service.get_case(session, who, case_id)
    service.enter(session, who, case, body.channel, body.on, rid)
    session.commit()
    return channel_out(session, who, case)


@router.post("/{case_id}/channel/transitions", response_model=ChannelOut)
def take_transition(
    case_id: RecordId,
    body: TransitionIn,
    who: Principal = Depends(actor),
    session: Session = Depends(get_session),
    rid: str = Depends(request_id),
) -> ChannelOut:
    """Take one of the transitions listed in `actions` (409 when the step has no such)."""
    case = service.get_case(session, who, case_id)
    service.take(
        session,
        who,
        case,
        body.transition,
        on=body.on,
        mediator_id=body.mediator_id,
        note=body.note,
        decides_ownership=body.decides_ownership,
        decision=body.decision.model_dump() if body.decision else None,
        hearing_on=body.hearing_on,
        ruling=body.ruling.model_dump() if body.ruling else None,
        institution=body.institution,
        request_id=rid,
    )
    session.commit()
    return channel_out(session, who, case)


@router.post("/{case_id}/channel/pause", response_model=ChannelOut)
def pause(
    case_id: RecordId,
    body: ReasonIn,
    who: Principal = Depends(handler),
    session: Session = Depends(get_session),
    rid: str = Depends(request_id),
) -> ChannelOut:
    """Stop the step's clock (suspension, hearing, appraisal)."""
    case = service.get_case(session, who, case_id)
    service.pause(session, who, case, body.reason, body.on, rid)
    session.commit()
    return channel_out(session, who, case)


@router.post("/{case_id}/channel/resume", response_model=ChannelOut)
def resume(
    case_id: RecordId,
    body: DayIn,
    who: Principal = Depends(handler),
    session: Session = Depends(get_session),
    rid: str = Depends(request_id),
) -> ChannelOut:
    """Restart the clock; the deadline moves by the paused days."""
    case = service.get_case(session, who, case_id)
    service.resume(session, who, case, body.on, rid)
    session.commit()
    return channel_out(session, who, case)


@router.post("/{case_id}/channel/extension", response_model=ChannelOut)
def extend(
    case_id: RecordId,
    body: ReasonIn,
    who: Principal = Depends(handler),
    session: Session = Depends(get_session),
    rid: str = Depends(request_id),
) -> ChannelOut:
    """Record an approved extension of the step's deadline, as far as its rule allows."""
    case = service.get_case(session, who, case_id)
    service.extend(session, who, case, body.reason, body.on, rid)
    session.commit()
    return channel_out(session, who, case)
