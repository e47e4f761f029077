"""The `case_steps` table: one row per state a case enters in a channel, with its deadline.

`due_on` is the legal deadline counted from `started_on` by the step's rule (the version in
force on `started_on`, the region's override if any) on the official calendar, with the closed
pauses (`pauses`, inclusive date ranges in which the clock stood still) counted out;
`paused_since` marks a pause still running. `extended_to` is the deadline after an approved
extension (who approved it and why beside it). A step is open until `done_on`; `outcome` is the
transition that closed it. Rows are never deleted: moving between channels keeps them all.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ipprotect.cases.models import Channel, _enum
from ipprotect.db import Base, UTCDateTime, utcnow


class CaseStep(Base):
    __tablename__ = "case_steps"
    # The work queue's open steps of a range of regions, counted and ranked from the index
    # alone (migration 0010).
    __table_args__ = (
        Index(
            "ix_case_steps_open_deadlines",
            "done_on",
            "region_code",
            "due_on",
            "extended_to",
            "case_id",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    region_code: Mapped[str] = mapped_column(String(6), index=True)  # the case's, for scope
    channel: Mapped[Channel] = mapped_column(_enum(Channel, 32))
    step: Mapped[str] = mapped_column(String(32))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    started_on: Mapped[date] = mapped_column(Date)
    rule_id: Mapped[str | None] = mapped_column(String(80))
    due_on: Mapped[date | None] = mapped_column(Date, index=True)
    due_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    pauses: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    paused_days: Mapped[int] = mapped_column(Integer, default=0)
    paused_since: Mapped[date | None] = mapped_column(Date)
    extended_to: Mapped[date | None] = mapped_column(Date)
    extended_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    extension_reason: Mapped[str | None] = mapped_column(Text)
    done_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def effective_due(self) -> date | None:
        """The deadline that binds: the extended one when an extension was approved."""
        return self.extended_to or self.due_on
