"""The demo city has a listing in every state of the procedure, each act on its past day."""

from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from ipprotect.credit.models import CreditListing, CreditRepair, ListingStatus, RepairStatus
from ipprotect.demo import populate
from ipprotect.settings import Settings


def test_the_demo_has_listings_proposed_noticed_listed_repaired_and_expired(
    db: Session, settings: Settings
) -> None:
    counts, _token = populate(db, settings, companies=12)
    listings = list(db.scalars(select(CreditListing).order_by(CreditListing.id)))
    assert counts["listings"] == len(listings) == 6
    assert Counter(row.status for row in listings) == {
        ListingStatus.PROPOSED: 1,
        ListingStatus.NOTICED: 1,
        ListingStatus.LISTED: 2,
        ListingStatus.REPAIRED: 1,
        ListingStatus.EXPIRED: 1,
    }
    for row in listings:
        if row.decided_on is not None:
            assert row.noticed_on is not None
            assert row.statement_due is not None
            assert row.noticed_on < row.statement_due < row.decided_on
            assert row.deposit_id is not None
    repairs = Counter(r.status for r in db.scalars(select(CreditRepair)))
    assert repairs == {RepairStatus.APPLIED: 1, RepairStatus.APPROVED: 1}
