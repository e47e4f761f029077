"""Tables of case documents (文书): the decisions and documents issued in a case, and the counters
that number them.

A `CaseDocument` is issued once, at a step of the case's channel, and never changed: its number
(文号), the fields it was filled from, its rendered HTML and the SHA-256 of the file deposited in
the evidence log (`deposit_id`). A penalty decision that must be published carries the deadline
of its publicity (`publicity_due`, 双公示).

A `DocumentCounter` holds the last sequence number an authority gave a kind of document in a
year; the issuing transaction increments it, so numbers have no gaps and no duplicates.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ipprotect.db import Base, UTCDateTime, utcnow


class DocumentCounter(Base):
    __tablename__ = "document_counters"

    authority: Mapped[str] = mapped_column(String(40), primary_key=True)  # 机关代字
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer)


class CaseDocument(Base):
    __tablename__ = "case_documents"
    __table_args__ = (
        UniqueConstraint("authority", "kind", "year", "sequence"),
        UniqueConstraint("number"),
        # One document of a kind per step: a second would be a second decision.
        UniqueConstraint("step_id", "kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    step_id: Mapped[int] = mapped_column(ForeignKey("case_steps.id"))
    region_code: Mapped[str] = mapped_column(String(6), index=True)  # the case's, for scope
    kind: Mapped[str] = mapped_column(String(32))  # a `kinds.DocumentKind`
    authority: Mapped[str] = mapped_column(String(40))  # 机关代字, e.g. 杭市监知
    authority_name: Mapped[str] = mapped_column(String(100))  # e.g. 杭州市市场监督管理局
    number: Mapped[str] = mapped_column(String(80))  # 文号, e.g. 杭市监知执罚字〔2026〕第12号
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    issued_on: Mapped[date] = mapped_column(Date)  # a legal day, Asia/Shanghai
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_by_name: Mapped[str] = mapped_column(String(100))
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)  # everything the text was filled from
    html: Mapped[str] = mapped_column(Text)  # the rendered document (the article)
    sha256: Mapped[str] = mapped_column(String(64))  # of the deposited file
    deposit_id: Mapped[int] = mapped_column(ForeignKey("evidence_deposits.id"))
    # 双公示: the last day to publish a penalty decision; None when it is not published.
    publicity_due: Mapped[date | None] = mapped_column(Date, index=True)
    publicity_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
