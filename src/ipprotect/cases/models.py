"""Tables of cases: a complaint or hotline ticket as it is received, triaged and accepted, with
the rights and evidence it names, and the events that later parts hang steps and deadlines on.

A case belongs to the region that handles it (`region_code`). The complainant is either an
applicant account or a name and contact details (anonymous public complaints); the respondent is
a registered market entity or a description. The protection channel the complainant asked for is
`channel_requested`; `channel` is the channel the case is in once routed (issue 4 part 3), each
move and step recorded as a `CaseEvent`.
"""

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ipprotect.db import Base, UTCDateTime, utcnow
from ipprotect.web.i18n import N_


class CaseStatus(enum.StrEnum):
    RECEIVED = "received"  # 已收到, awaiting the acceptance decision
    ACCEPTED = "accepted"  # 受理
    REJECTED = "rejected"  # 不予受理
    CLOSED = "closed"  # 结案: the case reached a final step of its last channel


CASE_STATUS_LABELS: dict[CaseStatus, str] = {
    CaseStatus.RECEIVED: N_("Received"),
    CaseStatus.ACCEPTED: N_("Accepted"),
    CaseStatus.REJECTED: N_("Not accepted"),
    CaseStatus.CLOSED: N_("Closed"),
}


class Track(enum.StrEnum):
    """繁简分流: simple cases go to fast tracks."""

    SIMPLE = "simple"  # 简案
    COMPLEX = "complex"  # 繁案


TRACK_LABELS: dict[Track, str] = {Track.SIMPLE: N_("Simple"), Track.COMPLEX: N_("Complex")}


class Channel(enum.StrEnum):
    """The protection channels of the "seven-in-one" pattern a case can go to."""

    ADMIN_ADJUDICATION = "admin_adjudication"  # 行政裁决
    ADMIN_PENALTY = "admin_penalty"  # 行政处罚
    MEDIATION = "mediation"  # 调解
    ARBITRATION = "arbitration"  # 仲裁
    COURT = "court"  # 诉讼
    RAPID_PROTECTION = "rapid_protection"  # 快速维权 (protection centre)
    CRIMINAL_TRANSFER = "criminal_transfer"  # 移送涉嫌犯罪案件 (from a penalty case)


CHANNEL_LABELS: dict[Channel, str] = {
    Channel.ADMIN_ADJUDICATION: N_("Administrative adjudication"),
    Channel.ADMIN_PENALTY: N_("Administrative penalty"),
    Channel.MEDIATION: N_("Mediation"),
    Channel.ARBITRATION: N_("Arbitration referral"),
    Channel.COURT: N_("Court referral"),
    Channel.RAPID_PROTECTION: N_("Rapid protection"),
    Channel.CRIMINAL_TRANSFER: N_("Transfer of a suspected crime"),
}


class Source(enum.StrEnum):
    """How the complaint came in."""

    FORM = "form"  # the public complaint form
    API = "api"
    HOTLINE_12345 = "hotline_12345"  # 12345 government service hotline
    HOTLINE_12330 = "hotline_12330"  # 12330 IP protection hotline


SOURCE_LABELS: dict[Source, str] = {
    Source.FORM: N_("Complaint form"),
    Source.API: N_("API"),
    Source.HOTLINE_12345: N_("12345 hotline"),
    Source.HOTLINE_12330: N_("12330 hotline"),
}


def _enum(cls: type[enum.StrEnum], length: int) -> Enum:
    return Enum(
        cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )


class Case(Base):
    """A complaint (投诉) from its receipt on."""

    __tablename__ = "cases"
    # A hotline ticket is imported once (NULLs, the other sources, never collide).
    __table_args__ = (
        UniqueConstraint("source", "hotline_ticket"),
        # The work queue's complaints awaiting acceptance in a range of regions (migration 0010).
        Index("ix_cases_status_region", "status", "region_code", "acceptance_due"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Random and unguessable: the complainant's only key to follow the case (see tracking.py).
    tracking_code: Mapped[str] = mapped_column(String(12), unique=True)
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    status: Mapped[CaseStatus] = mapped_column(_enum(CaseStatus, 16), index=True)
    source: Mapped[Source] = mapped_column(_enum(Source, 16))
    hotline_ticket: Mapped[str | None] = mapped_column(String(64))
    channel_requested: Mapped[Channel | None] = mapped_column(_enum(Channel, 32))
    channel: Mapped[Channel | None] = mapped_column(_enum(Channel, 32))  # once routed
    # The day the complaint was received (a legal day, Asia/Shanghai) and the acceptance
    # deadline counted from it (complaints.acceptance_decision).
    received_on: Mapped[date] = mapped_column(Date)
    acceptance_due: Mapped[date] = mapped_column(Date, index=True)
    acceptance_due_provisional: Mapped[bool] = mapped_column(Boolean)

    complainant_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    complainant_name: Mapped[str] = mapped_column(String(200))
    complainant_phone: Mapped[str | None] = mapped_column(String(40))
    complainant_email: Mapped[str | None] = mapped_column(String(254))
    # GB 11643: personal data, masked in every public view and export.
    complainant_resident_id: Mapped[str | None] = mapped_column(String(18))

    respondent_entity_id: Mapped[int | None] = mapped_column(ForeignKey("market_entities.id"))
    respondent_name: Mapped[str] = mapped_column(String(200))
    respondent_uscc: Mapped[str | None] = mapped_column(String(18))
    respondent_description: Mapped[str] = mapped_column(Text, default="")

    facts: Mapped[str] = mapped_column(Text)  # what happened
    amount_claimed_fen: Mapped[int | None] = mapped_column(BigInteger)

    track: Mapped[Track] = mapped_column(_enum(Track, 16))
    # Triage: the factors declared at intake, the factor ids that decided the track, and an
    # officer's override with its reason.
    triage_flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    triage_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    track_overridden: Mapped[bool] = mapped_column(Boolean, default=False)
    track_override_reason: Mapped[str | None] = mapped_column(Text)

    decided_on: Mapped[date | None] = mapped_column(Date)  # accepted or not
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    # 结案: the day the case reached a final step, and which ("<channel>.<step>").
    closed_on: Mapped[date | None] = mapped_column(Date, index=True)
    closed_as: Mapped[str | None] = mapped_column(String(64))

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def amount_claimed_yuan(self) -> str | None:
        if self.amount_claimed_fen is None:
            return None
        yuan, fen = divmod(self.amount_claimed_fen, 100)
        return f"{yuan}.{fen:02d}"


class CaseRight(Base):
    """An IP right (registry) a case concerns."""

    __tablename__ = "case_rights"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    right_id: Mapped[int] = mapped_column(ForeignKey("ip_rights.id"), primary_key=True)


class CaseEvidence(Base):
    """An evidence deposit (evidence vault) a case relies on."""

    __tablename__ = "case_evidence"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    deposit_id: Mapped[int] = mapped_column(ForeignKey("evidence_deposits.id"), primary_key=True)


class CaseEvent(Base):
    """A step in a case's life: received, accepted, and the channel steps with their due
    dates that later parts add. `due_on` is the step's legal deadline, if it has one."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(64))  # e.g. "received", "accepted"
    channel: Mapped[Channel | None] = mapped_column(_enum(Channel, 32))
    on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    due_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NotificationChannel(enum.StrEnum):
    EMAIL = "email"
    SMS = "sms"  # recorded only: no SMS gateway is connected yet


class NotificationStatus(enum.StrEnum):
    QUEUED = "queued"  # waiting to be sent, or to be tried again after a failure
    SENT = "sent"
    FAILED = "failed"  # given up after the last attempt allowed; last_error says why


class CaseNotification(Base):
    """A message to the complainant about their case, in the outbox (see `cases.outbox`).

    Queued in the transaction that records the event it reports, sent later by
    `ipprotect cases send-outbox`. `claimed_at` marks a message a sender is working on, so that
    two senders running at once never both send it."""

    __tablename__ = "case_notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    event: Mapped[str] = mapped_column(String(32))  # the case event reported: "received", ...
    channel: Mapped[NotificationChannel] = mapped_column(_enum(NotificationChannel, 8))
    recipient: Mapped[str] = mapped_column(String(254))  # an e-mail address or a phone number
    locale: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[NotificationStatus] = mapped_column(_enum(NotificationStatus, 8), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
