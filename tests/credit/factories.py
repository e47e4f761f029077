"""Factories for credit: officers, listings walked through the procedure with past dates."""

import datetime as dt
from pathlib import Path

from sqlalchemy.orm import Session

from ipprotect.core.auth import Principal, Role, principal_for
from ipprotect.credit import listing_service
from ipprotect.credit.models import CreditListing
from ipprotect.evidence.blobs import BlobStore
from tests.factories import HANGZHOU, XIHU, make_user

D = dt.date.fromisoformat


def credit_officer(db: Session, region: str = HANGZHOU) -> Principal:
    return principal_for(make_user(db, Role.CREDIT_OFFICER, [region]))


def store(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "blobs", 10 * 1024 * 1024)


def proposal(**fields: object) -> listing_service.Proposal:
    values: dict[str, object] = {
        "entity_name": "杭州某某茶业有限公司",
        "entity_uscc": "91330106MA2B3C4D11",
        "region_code": XIHU,
        "behaviour": "deliberate_infringement",
        "class_": "serious",
        "measures": ["government_procurement", "government_funds_and_subsidies"],
        "basis": "两次因销售假冒注册商标的茶叶受到行政处罚",
    }
    values.update(fields)
    return listing_service.Proposal(**values)  # type: ignore[arg-type]


def listed(
    db: Session,
    tmp_path: Path,
    decided_on: str,
    noticed_on: str | None = None,
    who: Principal | None = None,
    **fields: object,
) -> CreditListing:
    """A listing proposed and noticed 30 days before `decided_on` (or on `noticed_on`), decided."""
    who = who or credit_officer(db)
    decided = D(decided_on)
    noticed = D(noticed_on) if noticed_on else decided - dt.timedelta(days=30)
    row = listing_service.propose(db, who, proposal(**fields), on=noticed)
    listing_service.notice(db, who, row, on=noticed)
    return listing_service.decide(
        db,
        who,
        row,
        store(tmp_path),
        document_no=f"杭市监信列字〔{decided.year}〕第{row.id}号",
        authority="杭州市市场监督管理局",
        on=decided,
    )
