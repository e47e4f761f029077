"""JSON input and output of the cases API. Inputs carry values as typed; the service checks
them, so the API, the form and the hotline import answer bad input with the same field codes."""

from datetime import date, datetime

from pydantic import BaseModel, Field

from ipprotect.cases.models import CaseStatus, Channel, Source, Track


class CaseIn(BaseModel):
    region_code: str = Field(max_length=6, description="GB/T 2260 code of the handling region")
    channel_requested: Channel | None = None
    received_on: date | None = Field(None, description="officers and systems only; else today")
    complainant_name: str | None = Field(None, max_length=200, description="applicants: own")
    complainant_phone: str | None = Field(None, max_length=40)
    complainant_email: str | None = Field(None, max_length=254)
    complainant_resident_id: str | None = Field(None, max_length=18)
    respondent_entity_id: int | None = Field(None, ge=1, le=2**31 - 1)
    respondent_uscc: str | None = Field(None, max_length=40)
    respondent_name: str | None = Field(None, max_length=200)
    respondent_description: str | None = Field(None, max_length=2000)
    right_ids: list[int] = Field(default_factory=list, max_length=100)
    deposit_ids: list[int] = Field(default_factory=list, max_length=100)
    facts: str = Field(max_length=10_000, description="what happened")
    amount_claimed: str | None = Field(
        None, max_length=20, description="yuan as a decimal string, e.g. 12000.50"
    )
    triage_flags: list[str] = Field(
        default_factory=list, max_length=20, description="ids from the triage rule lists"
    )


class TriageReason(BaseModel):
    id: str
    zh: str
    en: str


class CaseOut(BaseModel):
    id: int
    tracking_code: str
    region_code: str
    status: CaseStatus
    source: Source
    channel_requested: Channel | None
    received_on: date
    acceptance_due: date
    acceptance_due_provisional: bool
    complainant_name: str
    complainant_phone: str | None = Field(description="masked unless you handle the case")
    complainant_email: str | None
    complainant_resident_id: str | None = Field(description="masked unless you handle the case")
    respondent_entity_id: int | None
    respondent_name: str
    respondent_uscc: str | None
    respondent_description: str
    right_ids: list[int]
    deposit_ids: list[int]
    facts: str
    amount_claimed: str | None
    track: Track
    triage_reasons: list[TriageReason]
    track_overridden: bool
    track_override_reason: str | None
    decided_on: date | None
    decision_reason: str | None
    created_at: datetime


class CaseSummary(BaseModel):
    id: int
    tracking_code: str
    region_code: str
    status: CaseStatus
    track: Track
    channel_requested: Channel | None
    received_on: date
    acceptance_due: date
    acceptance_due_provisional: bool
    complainant_name: str
    respondent_name: str


class CasePage(BaseModel):
    items: list[CaseSummary]
    total: int
    page: int
    size: int
    pages: int


class AcceptIn(BaseModel):
    on: date | None = Field(None, description="the day it was decided, if earlier than today")


class RejectIn(BaseModel):
    reason: str = Field(max_length=2000)
    on: date | None = Field(None, description="the day it was decided, if earlier than today")


class TrackIn(BaseModel):
    track: Track
    reason: str = Field(max_length=2000)
