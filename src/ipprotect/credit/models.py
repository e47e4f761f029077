"""Tables of credit supervision (信用监管): credit files, dishonesty listings, their repair, the
restriction checks made against them, and the dual publicity of decisions (双公示).

A `CreditRecord` is one entry of a market entity's credit file: a penalty decision or ruling
issued in a case, a court judgment, a commitment (信用承诺) or an objection entered by an officer,
and the listing and repair acts themselves. Entries are never changed; the file is their timeline.

A `CreditListing` is the procedure that puts an entity on a list of serious dishonesty (严重违法
失信名单) or of the CNIPA's dishonest entities: proposed, noticed (the entity may state its case),
listed (decided and published, with the publicity minimum and maximum set by the rule version of
the decision date), then repaired, expired at its maximum, or withdrawn.

A `CreditRepair` is an application for credit repair (信用修复) and its review. A `CreditCheck` is
one restriction check (联合惩戒 查询) with the signed answer it received. A `CreditPublication` is
the public page of a penalty decision or licence (双公示), already masked.

Every row has the region that owns it (`region_code`) for scope.
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
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ipprotect.db import Base, UTCDateTime, utcnow
from ipprotect.web.i18n import N_


def _enum(cls: type[enum.StrEnum], length: int) -> Enum:
    return Enum(
        cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )


class RecordKind(enum.StrEnum):
    PENALTY = "penalty"  # 行政处罚决定
    RULING = "ruling"  # 行政裁决
    JUDGMENT = "judgment"  # 生效裁判文书
    COMMITMENT = "commitment"  # 信用承诺
    LISTING = "listing"  # 列入失信名单
    REPAIR = "repair"  # 信用修复 / 移出
    OBJECTION = "objection"  # 异议


RECORD_KIND_LABELS: dict[RecordKind, str] = {
    RecordKind.PENALTY: N_("Administrative penalty"),
    RecordKind.RULING: N_("Administrative ruling"),
    RecordKind.JUDGMENT: N_("Court judgment"),
    RecordKind.COMMITMENT: N_("Credit commitment"),
    RecordKind.LISTING: N_("Dishonesty listing"),
    RecordKind.REPAIR: N_("Credit repair"),
    RecordKind.OBJECTION: N_("Objection"),
}


class ListingClass(enum.StrEnum):
    """The class of a dishonest act; it sets the publicity minimum and maximum."""

    MINOR = "minor"  # 轻微
    GENERAL = "general"  # 一般
    SERIOUS = "serious"  # 严重


LISTING_CLASS_LABELS: dict[ListingClass, str] = {
    ListingClass.MINOR: N_("Minor"),
    ListingClass.GENERAL: N_("General"),
    ListingClass.SERIOUS: N_("Serious"),
}


class ListingStatus(enum.StrEnum):
    PROPOSED = "proposed"  # 拟列入
    NOTICED = "noticed"  # 已告知, the entity may state its case (陈述申辩)
    LISTED = "listed"  # 已列入 and published
    REPAIRED = "repaired"  # 信用修复后移出
    EXPIRED = "expired"  # 期满移出
    WITHDRAWN = "withdrawn"  # 不予列入 / 撤销


LISTING_STATUS_LABELS: dict[ListingStatus, str] = {
    ListingStatus.PROPOSED: N_("Proposed"),
    ListingStatus.NOTICED: N_("Noticed"),
    ListingStatus.LISTED: N_("Listed"),
    ListingStatus.REPAIRED: N_("Repaired"),
    ListingStatus.EXPIRED: N_("Expired from the list"),
    ListingStatus.WITHDRAWN: N_("Withdrawn"),
}


class RepairStatus(enum.StrEnum):
    APPLIED = "applied"
    APPROVED = "approved"
    REFUSED = "refused"


REPAIR_STATUS_LABELS: dict[RepairStatus, str] = {
    RepairStatus.APPLIED: N_("Applied for"),
    RepairStatus.APPROVED: N_("Approved"),
    RepairStatus.REFUSED: N_("Refused"),
}


class CheckPurpose(enum.StrEnum):
    PROCUREMENT = "procurement"  # 政府采购
    BIDDING = "bidding"  # 招标投标
    SUBSIDY = "subsidy"  # 财政补贴 / 专项资金
    LAND = "land"  # 土地出让
    AWARD = "award"  # 评优评先


class CheckDecision(enum.StrEnum):
    RESTRICTED = "restricted"
    CLEAR = "clear"
    REVIEW = "review"  # a name matched only approximately: a person must look


class CreditRecord(Base):
    """One entry of a credit file."""

    __tablename__ = "credit_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_uscc: Mapped[str | None] = mapped_column(String(18), index=True)
    entity_name: Mapped[str] = mapped_column(String(200), index=True)
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("market_entities.id"))
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    kind: Mapped[RecordKind] = mapped_column(_enum(RecordKind, 16))
    occurred_on: Mapped[date] = mapped_column(Date)  # a legal day, Asia/Shanghai
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    source_kind: Mapped[str] = mapped_column(String(32), default="")  # e.g. "case_document"
    source_id: Mapped[int | None] = mapped_column(Integer)
    authority: Mapped[str] = mapped_column(String(200), default="")
    document_no: Mapped[str] = mapped_column(String(100), default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class CreditListing(Base):
    """A listing procedure on a list of dishonest entities."""

    __tablename__ = "credit_listings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_uscc: Mapped[str | None] = mapped_column(String(18), index=True)
    entity_name: Mapped[str] = mapped_column(String(200))
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("market_entities.id"))
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    behaviour: Mapped[str] = mapped_column(String(64))  # a rule item id
    class_: Mapped[ListingClass] = mapped_column("class", _enum(ListingClass, 8))
    status: Mapped[ListingStatus] = mapped_column(_enum(ListingStatus, 16), index=True)
    basis: Mapped[str] = mapped_column(Text, default="")  # the legal basis, as cited
    measures: Mapped[list[str]] = mapped_column(JSON, default=list)  # restriction ids
    proposed_on: Mapped[date | None] = mapped_column(Date)
    noticed_on: Mapped[date | None] = mapped_column(Date)
    statement_due: Mapped[date | None] = mapped_column(Date)  # last day to state the case
    decided_on: Mapped[date | None] = mapped_column(Date)
    published_on: Mapped[date | None] = mapped_column(Date)
    publicity_min_until: Mapped[date | None] = mapped_column(Date)
    publicity_max_until: Mapped[date | None] = mapped_column(Date)
    repaired_on: Mapped[date | None] = mapped_column(Date)
    expired_on: Mapped[date | None] = mapped_column(Date)
    document_no: Mapped[str] = mapped_column(String(100), default="")
    authority: Mapped[str] = mapped_column(String(200), default="")
    source_record_id: Mapped[int | None] = mapped_column(ForeignKey("credit_records.id"))
    deposit_id: Mapped[int | None] = mapped_column(ForeignKey("evidence_deposits.id"))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, index=True
    )


class CreditRepair(Base):
    """An application for credit repair of a listing, and its review."""

    __tablename__ = "credit_repairs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("credit_listings.id"), index=True)
    applied_on: Mapped[date] = mapped_column(Date)
    # {"corrected": bool, "obligations_performed": bool, "public_commitment": bool, "text": str}
    grounds: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[RepairStatus] = mapped_column(_enum(RepairStatus, 8))
    reviewed_on: Mapped[date | None] = mapped_column(Date)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CreditCheck(Base):
    """A restriction check and the signed answer it received."""

    __tablename__ = "credit_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    caller_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))
    caller_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    caller_name: Mapped[str] = mapped_column(String(200), default="")
    purpose: Mapped[CheckPurpose] = mapped_column(_enum(CheckPurpose, 16))
    query_uscc: Mapped[str | None] = mapped_column(String(18), index=True)
    query_name: Mapped[str] = mapped_column(String(200), default="")
    query_region: Mapped[str | None] = mapped_column(String(6))
    decision: Mapped[CheckDecision] = mapped_column(_enum(CheckDecision, 16))
    response: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    signature: Mapped[str] = mapped_column(Text, default="")
    key_id: Mapped[str] = mapped_column(String(64), default="")


class CreditPublication(Base):
    """A decision's public page (双公示), its deadline and whether it went out in time."""

    __tablename__ = "credit_publications"
    __table_args__ = (UniqueConstraint("source_kind", "source_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_kind: Mapped[str] = mapped_column(String(32))  # "penalty_decision" | "licensing"
    source_id: Mapped[int] = mapped_column(Integer)  # e.g. case_documents.id
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    entity_uscc: Mapped[str | None] = mapped_column(String(18), index=True)
    entity_name: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(200), default="")
    document_no: Mapped[str] = mapped_column(String(100), default="")
    decided_on: Mapped[date] = mapped_column(Date)
    publicity_due: Mapped[date | None] = mapped_column(Date, index=True)
    published_on: Mapped[date | None] = mapped_column(Date)
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    # A warning given to a minor is not published (withheld, with the reason).
    withheld: Mapped[bool] = mapped_column(Boolean, default=False)
    withheld_reason: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # already masked
    # What decides when publicity stops (SAMR Order No. 45 art. 13): the penalty kinds, the fine
    # and a restriction of business or practice, as the decision (or the officer) states them.
    measures: Mapped[list[str] | None] = mapped_column(JSON)
    fine_fen: Mapped[int | None] = mapped_column(BigInteger)
    restriction_months: Mapped[int | None] = mapped_column(Integer)
    # The last day the portal shows a published penalty decision, fixed when it is published;
    # `stopped_on` the day after, once the publicity sweep has recorded the stop.
    publicity_until: Mapped[date | None] = mapped_column(Date, index=True)
    stopped_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
