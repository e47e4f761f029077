"""`ipprotect credit sweep` from cron: expires a listing once, the day after its maximum."""

from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from ipprotect.cli import app
from ipprotect.core.audit import AuditEvent
from ipprotect.credit.models import CreditListing, ListingStatus
from ipprotect.db import make_engine, make_sessionmaker
from ipprotect.settings import get_settings
from tests.credit.factories import D, credit_officer, listed


def test_the_sweep_command_expires_once_and_refuses_a_bad_date(cli_database: Path) -> None:
    factory = make_sessionmaker(make_engine(get_settings()))
    with factory() as session:
        row = listed(
            session, cli_database, "2025-11-30", who=credit_officer(session), class_="general"
        )
        listing_id = row.id
        session.commit()
    runner = CliRunner()
    none_yet = runner.invoke(app, ["credit", "sweep", "--today", "2026-11-30"])
    assert none_yet.exit_code == 0, none_yet.output
    assert "2026-11-30: listings expired 0" in none_yet.output
    first = runner.invoke(app, ["credit", "sweep", "--today", "2026-12-01"])
    assert "2026-12-01: listings expired 1" in first.output
    assert f"{listing_id} 杭州某某茶业有限公司" in first.output
    again = runner.invoke(app, ["credit", "sweep", "--today", "2026-12-02"])
    assert "listings expired 0" in again.output
    with factory() as session:
        expired = session.get(CreditListing, listing_id)
        assert expired is not None
        assert (expired.status, expired.expired_on) == (ListingStatus.EXPIRED, D("2026-12-01"))
        audited = session.scalar(
            select(func.count()).where(AuditEvent.action == "credit.listing.expired")
        )
        assert audited == 1
    assert runner.invoke(app, ["credit", "sweep", "--today", "1/12/2026"]).exit_code == 2
