"""JSON input and output of the registry API.

Inputs carry the values as typed by a person or another system; the service validates them (so
the API, the pages and the importer answer the same bad input with the same field codes).
"""

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from ipprotect.core.jobs import JobStatus
from ipprotect.registry.models import EntityKind, RightKind, RightStatus


class FieldErrorOut(BaseModel):
    field: str
    code: str
    message: str


class EntityIn(BaseModel):
    name: str = Field(max_length=200)
    uscc: str | None = Field(None, max_length=40, description="GB 32100 code; spaces allowed")
    kind: EntityKind = EntityKind.COMPANY
    region_code: str | None = Field(
        None, max_length=6, description="GB/T 2260; defaults to the USCC's registration region"
    )
    legal_representative: str | None = Field(None, max_length=100)
    address: str | None = Field(None, max_length=300)
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=254)
    resident_id: str | None = Field(None, max_length=18, description="natural persons only")


class EntityPatch(BaseModel):
    name: str | None = Field(None, max_length=200)
    uscc: str | None = Field(None, max_length=40)
    kind: EntityKind | None = None
    region_code: str | None = Field(None, max_length=6)
    legal_representative: str | None = Field(None, max_length=100)
    address: str | None = Field(None, max_length=300)
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=254)
    resident_id: str | None = Field(None, max_length=18)


class EntityOut(BaseModel):
    id: int
    name: str
    uscc: str | None
    kind: EntityKind
    region_code: str
    legal_representative: str | None
    address: str | None = Field(description="masked for natural persons unless you may see it")
    phone: str | None = Field(description="masked for natural persons unless you may see it")
    email: str | None
    resident_id: str | None = Field(description="masked unless you may see it")
    created_at: datetime
    updated_at: datetime


class EntitySaved(EntityOut):
    warnings: list[FieldErrorOut] = Field(
        default_factory=list, description="doubts that do not block saving (e.g. USCC org code)"
    )


class EntityPage(BaseModel):
    items: list[EntityOut]
    total: int
    page: int
    size: int
    pages: int


class RightIn(BaseModel):
    kind: RightKind
    number: str | None = Field(None, max_length=64)
    title: str = Field(max_length=300)
    owner_id: int
    region_code: str | None = Field(None, max_length=6, description="defaults to the owner's")
    nice_classes: list[int] = Field(default_factory=list, description="trademarks: 1–45")
    filed_on: date | None = None
    granted_on: date | None = None
    expires_on: date | None = None
    status: RightStatus = RightStatus.PENDING


class RightPatch(BaseModel):
    kind: RightKind | None = None
    number: str | None = Field(None, max_length=64)
    title: str | None = Field(None, max_length=300)
    owner_id: int | None = None
    region_code: str | None = Field(None, max_length=6)
    nice_classes: list[int] | None = None
    filed_on: date | None = None
    granted_on: date | None = None
    expires_on: date | None = None
    status: RightStatus | None = None


class OwnerOut(BaseModel):
    id: int
    name: str
    uscc: str | None


class RightOut(BaseModel):
    id: int
    kind: RightKind
    number: str | None
    title: str
    owner: OwnerOut
    region_code: str
    nice_classes: list[int]
    patent_kind: str | None
    filed_on: date | None
    granted_on: date | None
    expires_on: date | None
    status: RightStatus
    created_at: datetime
    updated_at: datetime


class RightPage(BaseModel):
    items: list[RightOut]
    total: int
    page: int
    size: int
    pages: int


class JobAccepted(BaseModel):
    job_id: int
    status: JobStatus
    url: str


class RowError(BaseModel):
    row: int
    field: str
    code: str
    message: str


class JobOut(BaseModel):
    id: int
    kind: str
    status: JobStatus
    total: int
    done: int
    percent: int
    counts: dict[str, int]
    errors: list[RowError]
    notes: list[RowError]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


ExportFormat = Literal["csv", "xlsx"]
