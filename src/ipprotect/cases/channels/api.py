"""JSON routes of a case's channel under /api/v1/cases/{id}/channel, and the work queue at
/api/v1/cases/queue. Mounted by `cases.api` ahead of its own `/{case_id}` route."""

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from ipprotect.cases import access
from ipprotect.cases.channels import queue, service
from ipprotect.cases.channels.models import CaseStep
from ipprotect.cases.channels.schemas import (
    ChannelOut,
    DayIn,
    EnterIn,
    QueueItemOut,
    ReasonIn,
    StepOut,
    TransitionIn,
)
from ipprotect.cases.models import Case
from ipprotect.cases.service import today
from ipprotect.core.auth import Principal, Role
from ipprotect.core.deps import RecordId, get_session, request_id, require

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


@router.get("/queue", response_model=list[QueueItemOut])
def work_queue(
    soon: int = Query(3, ge=0, le=60, description="due soon: within this many working days"),
    limit: int = Query(200, ge=1, le=1000),
    who: Principal = Depends(actor),
    session: Session = Depends(get_session),
) -> list[QueueItemOut]:
    """Open steps in scope, the nearest deadline first, flagged overdue or due soon."""
    return [
        QueueItemOut(
            case_id=i.step.case_id,
            tracking_code=i.tracking_code,
            region_code=i.step.region_code,
            channel=i.step.channel,
            step=i.step.step,
            assignee_id=i.step.assignee_id,
            due_on=i.due_on,
            provisional=i.step.due_provisional,
            paused=i.paused,
            overdue=i.overdue,
            due_soon=i.due_soon,
        )
        for i in queue.work_queue(session, who, today(), soon, limit)
    ]


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
