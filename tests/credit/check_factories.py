"""Listings and callers for restriction-check tests."""

from datetime import date

from sqlalchemy.orm import Session

from ipprotect.core import audit
from ipprotect.core.auth import Role, create_token
from ipprotect.credit.models import CreditListing, ListingClass, ListingStatus
from tests.factories import HANGZHOU

# A listing decided on Monday 2026-03-02 under SAMR Order 44 (serious dishonesty, 3 years).
DECIDED = date(2026, 3, 2)
JOINT_MEASURES = [
    "government_procurement",
    "government_investment_bidding",
    "land_transfer",
    "government_funds_and_subsidies",
]


def make_listing(
    db: Session,
    name: str,
    uscc: str | None,
    *,
    region_code: str = "330106",
    status: ListingStatus = ListingStatus.LISTED,
    measures: list[str] | None = None,
) -> CreditListing:
    listing = CreditListing(
        entity_uscc=uscc,
        entity_name=name,
        region_code=region_code,
        behaviour="deliberate_infringement",
        class_=ListingClass.SERIOUS,
        status=status,
        basis="市场监督管理严重违法失信名单管理办法 (SAMR Order No. 44) — 故意侵犯知识产权",
        measures=JOINT_MEASURES if measures is None else measures,
        proposed_on=date(2026, 1, 12),
        noticed_on=date(2026, 1, 13),
        statement_due=date(2026, 1, 27),
        decided_on=DECIDED,
        published_on=date(2026, 3, 3),
        publicity_min_until=date(2027, 3, 2),
        publicity_max_until=date(2029, 3, 2),
        document_no="杭市监信〔2026〕7号",
        authority="杭州市市场监督管理局",
    )
    db.add(listing)
    db.flush()
    return listing


def system_token(
    db: Session, region_codes: list[str] | None = None, role: Role = Role.SYSTEM
) -> tuple[int, str]:
    token, plaintext = create_token(
        db,
        audit.SYSTEM,
        name="杭州市政府采购系统",
        region_codes=region_codes or [HANGZHOU],
        role=role,
    )
    return token.id, plaintext
