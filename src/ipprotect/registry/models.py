"""Tables of the registry: market entities (市场主体) and the IP rights they own.

Search is designed for national scale (tens of millions of entities): `name_folded` and
`name_core` are search keys (see `registry.search`) with b-tree indexes that prefix searches use as
ranges; on PostgreSQL they use the "C" collation so that the range bounds follow code-point order,
as SQLite's default BINARY collation does. The USCC has a unique index for exact look-up.
"""

import enum
from datetime import date, datetime

from sqlalchemy import (
    Date,
    Enum,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ipprotect.db import Base, UTCDateTime, utcnow
from ipprotect.web.i18n import N_


class EntityKind(enum.StrEnum):
    COMPANY = "company"  # 企业
    INDIVIDUAL_BUSINESS = "individual_business"  # 个体工商户
    NATURAL_PERSON = "natural_person"  # 自然人
    PUBLIC_INSTITUTION = "public_institution"  # 事业单位
    SOCIAL_ORGANISATION = "social_organisation"  # 社会组织
    FOREIGN = "foreign"  # 境外主体
    OTHER = "other"


ENTITY_KIND_LABELS: dict[EntityKind, str] = {
    EntityKind.COMPANY: N_("Company"),
    EntityKind.INDIVIDUAL_BUSINESS: N_("Individual business"),
    EntityKind.NATURAL_PERSON: N_("Natural person"),
    EntityKind.PUBLIC_INSTITUTION: N_("Public institution"),
    EntityKind.SOCIAL_ORGANISATION: N_("Social organisation"),
    EntityKind.FOREIGN: N_("Foreign entity"),
    EntityKind.OTHER: N_("Other"),
}


class RightKind(enum.StrEnum):
    PATENT = "patent"  # 专利
    TRADEMARK = "trademark"  # 商标
    GEOGRAPHICAL_INDICATION = "geographical_indication"  # 地理标志
    COPYRIGHT = "copyright"  # 著作权
    TRADE_SECRET = "trade_secret"  # noqa: S105 - a kind of right, not a password. 商业秘密
    PLANT_VARIETY = "plant_variety"  # 植物新品种


RIGHT_KIND_LABELS: dict[RightKind, str] = {
    RightKind.PATENT: N_("Patent"),
    RightKind.TRADEMARK: N_("Trademark"),
    RightKind.GEOGRAPHICAL_INDICATION: N_("Geographical indication"),
    RightKind.COPYRIGHT: N_("Copyright"),
    RightKind.TRADE_SECRET: N_("Trade secret"),
    RightKind.PLANT_VARIETY: N_("Plant variety"),
}


class RightStatus(enum.StrEnum):
    PENDING = "pending"  # filed, not yet granted or registered
    GRANTED = "granted"  # patents, plant varieties
    REGISTERED = "registered"  # trademarks, GIs, copyright registrations
    EXPIRED = "expired"
    INVALIDATED = "invalidated"  # 宣告无效
    REVOKED = "revoked"  # 撤销


RIGHT_STATUS_LABELS: dict[RightStatus, str] = {
    RightStatus.PENDING: N_("Pending"),
    RightStatus.GRANTED: N_("Granted"),
    RightStatus.REGISTERED: N_("Registered"),
    RightStatus.EXPIRED: N_("Expired"),
    RightStatus.INVALIDATED: N_("Invalidated"),
    RightStatus.REVOKED: N_("Revoked"),
}


def _enum(cls: type[enum.StrEnum], length: int) -> Enum:
    return Enum(
        cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )


# Code-point order on PostgreSQL too, so `key >= p AND key < successor(p)` is a prefix search.
SEARCH_KEY = String(200).with_variant(String(200, collation="C"), "postgresql")
CODE_KEY = String(18).with_variant(String(18, collation="C"), "postgresql")


class MarketEntity(Base):
    """A market entity (市场主体): an enterprise, individual business, person or institution."""

    __tablename__ = "market_entities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_folded: Mapped[str] = mapped_column(SEARCH_KEY, index=True)
    name_core: Mapped[str] = mapped_column(SEARCH_KEY, index=True)
    # GB 32100-2015; none for natural persons and most foreign entities.
    uscc: Mapped[str | None] = mapped_column(CODE_KEY, unique=True)
    kind: Mapped[EntityKind] = mapped_column(_enum(EntityKind, 32))
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    legal_representative: Mapped[str | None] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    # GB 11643 resident ID of a natural person: personal data, shown masked except to officers.
    resident_id: Mapped[str | None] = mapped_column(String(18))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    rights: Mapped[list["IpRight"]] = relationship(back_populates="owner", order_by="IpRight.id")


class IpRight(Base):
    """An IP right held by a market entity. Trademarks carry their Nice classes in `classes`."""

    __tablename__ = "ip_rights"
    # NULL numbers (trade secrets, unnumbered GIs) never collide: NULLs are distinct in both DBs.
    __table_args__ = (UniqueConstraint("kind", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[RightKind] = mapped_column(_enum(RightKind, 32))
    number: Mapped[str | None] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(300))
    owner_id: Mapped[int] = mapped_column(ForeignKey("market_entities.id"), index=True)
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    patent_kind: Mapped[str | None] = mapped_column(String(32))  # derived from the number
    filed_on: Mapped[date | None] = mapped_column(Date)
    granted_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[RightStatus] = mapped_column(_enum(RightStatus, 16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    owner: Mapped[MarketEntity] = relationship(back_populates="rights", lazy="joined")
    classes: Mapped[list["TrademarkClass"]] = relationship(
        cascade="all, delete-orphan", order_by="TrademarkClass.nice_class", lazy="selectin"
    )

    @property
    def nice_classes(self) -> list[int]:
        return [c.nice_class for c in self.classes]


class TrademarkClass(Base):
    """One Nice class (1–45) a trademark is registered for; a row each so lists can filter by class.
    It lives and dies with its right, whose region it shares, so it carries no region of its own."""

    __tablename__ = "trademark_classes"

    right_id: Mapped[int] = mapped_column(ForeignKey("ip_rights.id"), primary_key=True)
    nice_class: Mapped[int] = mapped_column(SmallInteger, primary_key=True, index=True)
