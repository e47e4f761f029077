"""JSON API of dual publicity (`/api/v1/credit/publications`): the decisions to publish in the
caller's region with their deadlines, those withheld and why, publishing and withdrawing."""

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from ipprotect.core.auth import Principal
from ipprotect.core.days import today
from ipprotect.core.deps import RecordId, get_session, get_settings, request_id, require
from ipprotect.credit import publicity
from ipprotect.credit.models import CreditPublication
from ipprotect.settings import Settings

router = APIRouter(prefix="/api/v1/credit", tags=["credit publicity"])

keeper = require(*publicity.KEEPERS)


class PublicationOut(BaseModel):
    id: int
    source_kind: str = Field(description="penalty_decision or licensing")
    source_id: int = Field(description="e.g. the case document of the penalty decision")
    region_code: str
    entity_uscc: str | None
    entity_name: str
    title: str
    document_no: str
    decided_on: dt.date
    publicity_due: dt.date | None = Field(description="双公示: the last day to publish it")
    published_on: dt.date | None
    withdrawn_on: dt.date | None
    publicity_until: dt.date | None = Field(
        description="the last day the portal shows a published penalty decision (SAMR Order "
        "No. 45 art. 13); null when none is set"
    )
    stopped_on: dt.date | None = Field(description="the day the publicity sweep recorded the stop")
    restriction_months: int | None = Field(
        description="a restriction of business or practice the decision imposes, in months"
    )
    withheld: bool
    withheld_reason: str = Field(description="why it is not published (English msgid)")
    content: dict[str, Any] = Field(description="what the public page shows, already masked")


class DeadlineOut(PublicationOut):
    overdue: bool
    due_soon: bool
    alerted: bool = Field(description="the publicity sweep raised an overdue alert")


class PublishIn(BaseModel):
    on: dt.date | None = Field(None, description="the day of publication; today when absent")
    restriction_months: int | None = Field(
        None,
        description="a restriction of business or practice the penalty decision imposes, in "
        "months, when longer than 3 years publicity lasts as long (SAMR Order No. 45 art. 13)",
    )


class WithdrawIn(BaseModel):
    on: dt.date | None = Field(None, description="the day of withdrawal; today when absent")
    reason: str = Field(max_length=2000, description="the decision changed, revoked or annulled")


def publication_out(p: CreditPublication) -> PublicationOut:
    return PublicationOut.model_validate(p, from_attributes=True)


@router.get("/publications", response_model=list[DeadlineOut])
def publications_due(
    due: Literal["overdue", "soon"] | None = Query(None),
    who: Principal = Depends(keeper),
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
) -> list[DeadlineOut]:
    """The decisions still to publish in the caller's scope, the nearest deadline first."""
    day = today()
    until = publicity.soon_until(session, day, settings.due_soon_working_days)
    return [
        DeadlineOut(
            **publication_out(i.publication).model_dump(),
            overdue=i.overdue,
            due_soon=i.due_soon,
            alerted=i.alerted,
        )
        for i in publicity.deadlines(session, who, day, until, due)
    ]


@router.get("/publications/withheld", response_model=list[PublicationOut])
def publications_withheld(
    who: Principal = Depends(keeper), session: Session = Depends(get_session)
) -> list[PublicationOut]:
    """The decisions not published (a warning alone, a minor's case), with the reason."""
    return [publication_out(p) for p in publicity.withheld(session, who)]


class LicenceIn(BaseModel):
    region_code: str = Field(max_length=6, description="the deciding authority's region")
    name: str = Field(max_length=200, description="the licensee")
    uscc: str = Field("", max_length=30, description="the licensee's credit code, if any")
    title: str = Field(max_length=200, description="e.g. 食品经营许可证")
    document_no: str = Field(max_length=100, description="the licence number")
    decided_on: dt.date
    authority: str = Field(max_length=200)
    matter: str = Field("", max_length=5000, description="what was licensed")


@router.post("/publications/licensing", response_model=PublicationOut, status_code=201)
def enter_licence(
    body: LicenceIn,
    who: Principal = Depends(keeper),
    session: Session = Depends(get_session),
    rid: str = Depends(request_id),
) -> PublicationOut:
    """Enter a licensing decision (行政许可决定) for publication within the dual-publicity
    period of its decision day."""
    licence = publicity.Licence(**body.model_dump())
    p = publicity.record_licence(session, who, licence, today(), rid)
    session.commit()
    return publication_out(p)


@router.get("/publications/{publication_id}", response_model=PublicationOut)
def publication(
    publication_id: RecordId,
    who: Principal = Depends(keeper),
    session: Session = Depends(get_session),
) -> PublicationOut:
    return publication_out(publicity.get_publication(session, who, publication_id))


@router.post("/publications/{publication_id}/publish", response_model=PublicationOut)
def publish(
    publication_id: RecordId,
    body: PublishIn,
    who: Principal = Depends(keeper),
    session: Session = Depends(get_session),
    rid: str = Depends(request_id),
) -> PublicationOut:
    """Publish the decision on the public portal."""
    p = publicity.get_publication(session, who, publication_id)
    publicity.publish(
        session, who, p, body.on or today(), rid, restriction_months=body.restriction_months
    )
    session.commit()
    return publication_out(p)


@router.post("/publications/{publication_id}/withdraw", response_model=PublicationOut)
def withdraw(
    publication_id: RecordId,
    body: WithdrawIn,
    who: Principal = Depends(keeper),
    session: Session = Depends(get_session),
    rid: str = Depends(request_id),
) -> PublicationOut:
    """Take a published decision off the portal (SAMR Order No. 45 art. 11)."""
    p = publicity.get_publication(session, who, publication_id)
    publicity.withdraw(session, who, p, body.on or today(), body.reason, rid)
    session.commit()
    return publication_out(p)
