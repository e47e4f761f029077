"""The restriction checks' index of listed names follows the listings: a change is seen at the
next look (at most every `refresh_seconds`); the check API looks in a thread of its own and
goes on meanwhile with the index it has, and a listing lifted while another is listed still
counts as a change.

On a real SQLite file: the refresh apart reads what is committed, in a session of its own.
"""

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ipprotect.core import ids, migrate
from ipprotect.core.scope import NATIONAL, Scope
from ipprotect.credit import checks
from ipprotect.credit.matching import Thresholds
from ipprotect.credit.models import CheckPurpose, CreditListing, ListingStatus
from ipprotect.db import make_engine, make_sessionmaker
from ipprotect.settings import Settings
from tests.credit.check_factories import make_listing

LISTED = "杭州天衡电子科技有限公司"
LATER = "杭州新列电子有限公司"
ON = date(2026, 12, 7)


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    settings = Settings(data_dir=tmp_path, database_url="", secret_key="listing-index")
    engine = make_engine(settings)
    with engine.begin() as connection:
        migrate.upgrade(connection)
    made = make_sessionmaker(engine)
    with made() as session:
        make_listing(session, LISTED, ids.make_uscc("9", "1", "330106", "MA2H7K3P"))
        session.commit()
    yield made
    engine.dispose()


def names(built: checks.Built) -> set[str]:
    return {name for name, _uscc in built.listings}


def test_the_api_goes_on_with_its_index_while_a_thread_reads_the_new_listing(
    sessions: sessionmaker[Session],
) -> None:
    index = checks.ListingIndex(Thresholds.from_settings(Settings()), refresh_seconds=0)
    with sessions() as session:
        first = index.current(session, wait=False)  # the first build is waited for
        assert names(first) == {LISTED}
        make_listing(session, LATER, None)
        session.commit()
        assert index.current(session, wait=False) is first  # answered at once, as it was
    assert index.refreshing is not None
    index.refreshing.join(timeout=60)
    with sessions() as session:
        assert names(index.current(session, wait=False)) == {LISTED, LATER}
        query = checks.Query(CheckPurpose.BIDDING, name=LATER)
        decision, _found = checks.decide(
            session, index.current(session), query, Scope.of([NATIONAL]), ON
        )
    assert decision.value == "restricted"


def test_one_listing_lifted_and_another_listed_is_a_change(
    sessions: sessionmaker[Session],
) -> None:
    index = checks.ListingIndex(Thresholds.from_settings(Settings()), refresh_seconds=0)
    with sessions() as session:
        make_listing(session, LATER, None, status=ListingStatus.NOTICED)
        session.commit()
        before = index.current(session)
        assert names(before) == {LISTED}
        # Same highest id, same count of listed rows: only the latest change tells.
        for row in session.scalars(select(CreditListing)):
            row.status = (
                ListingStatus.REPAIRED if row.entity_name == LISTED else ListingStatus.LISTED
            )
        session.commit()
        after = index.current(session)
    assert after.fingerprint[:2] == before.fingerprint[:2]
    assert names(after) == {LATER}
