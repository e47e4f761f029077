"""JSON input and output of the channel routes. Inputs carry values as typed; the service
checks them (the day of an act, the mediator, the transition), so bad input gets field codes."""

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from ipprotect.cases.models import Channel, Track
from ipprotect.db import MAX_ID

ON = Field(None, description="the day of the act (Asia/Shanghai); today when absent")


class StepOut(BaseModel):
    id: int
    channel: Channel
    step: str
    assignee_id: int | None
    started_on: date
    rule_id: str | None = Field(description="the rule the deadline comes from")
    due_on: date | None
    due_provisional: bool = Field(description="counted in a year with no official calendar")
    pauses: list[list[date]]
    paused_days: int
    paused_since: date | None
    extended_to: date | None
    extended_by: int | None
    extension_reason: str | None
    done_on: date | None
    outcome: str | None
    data: dict[str, Any]


class ChannelOut(BaseModel):
    case_id: int
    channel: Channel | None
    current: StepOut | None
    steps: list[StepOut] = Field(description="every step in every channel, oldest first")
    actions: list[str] = Field(description="the transitions the caller may take now")


class EnterIn(BaseModel):
    channel: Channel
    on: date | None = ON


class RulingIn(BaseModel):
    """An adjudication ruling (行政裁决); the service checks that every part is given."""

    infringement_found: bool | None = None
    order_to_stop: bool | None = Field(None, description="only with infringement found")
    reasons: str = Field("", max_length=10_000)
    legal_basis: str = Field("", max_length=2000)


class DecisionIn(BaseModel):
    """An administrative penalty decision (`decide`); the service checks it, amounts in fen."""

    measures: list[str] = Field(
        default_factory=list,
        max_length=5,
        description="warning, fine, confiscate_gains, confiscate_goods, order_to_stop",
    )
    fine: str = Field("", max_length=24, description="yuan, e.g. 50000 or 50000.50")
    illegal_gains: str = Field("", max_length=24, description="yuan, with confiscate_gains")
    confiscated_goods: str = Field("", max_length=2000, description="with confiscate_goods")
    legal_basis: str = Field("", max_length=2000, description="the articles applied")
    party_present: bool | None = Field(
        None, description="the decision was handed to the party on the spot (no service period)"
    )


class TransitionIn(BaseModel):
    transition: str = Field(max_length=32, description="e.g. assign_mediator, agree, fail")
    on: date | None = ON
    mediator_id: int | None = Field(None, ge=1, le=MAX_ID, description="assign_mediator")
    note: str = Field("", max_length=2000)
    decides_ownership: bool = Field(
        False, description="agree: the agreement decides who owns an IP right"
    )
    decision: DecisionIn | None = Field(None, description="decide (administrative penalty)")
    hearing_on: date | None = Field(None, description="notify_hearing: the day of the hearing")
    ruling: RulingIn | None = Field(None, description="rule: the adjudication's ruling")
    institution: str = Field(
        "", max_length=200, description="refer_to_commission, file_suit: the commission or court"
    )


class ReasonIn(BaseModel):
    reason: str = Field(max_length=2000)
    on: date | None = ON


class DayIn(BaseModel):
    on: date | None = ON


class QueueItemOut(BaseModel):
    source: str = Field(description="the kind of deadline: acceptance (of a complaint), step")
    case_id: int
    step_id: int | None
    tracking_code: str
    region_code: str
    track: Track
    channel: Channel | None
    step: str = Field(description="the channel step, or 'acceptance'")
    assignee_id: int | None
    due_on: date = Field(description="the date that binds: extended if an extension was approved")
    provisional: bool = Field(description="counted in a year with no official calendar")
    paused: bool
    overdue: bool
    due_soon: bool
    reminded: str | None = Field(description="the last reminder raised: due_soon or overdue")


class QueuePage(BaseModel):
    items: list[QueueItemOut]
    total: int
    page: int
    size: int
    pages: int
