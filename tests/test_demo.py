"""The demo city is realistic and valid: it goes through the same services as real data."""

from collections import Counter
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ipprotect.cases import damages
from ipprotect.cases.channels.models import CaseStep
from ipprotect.cases.channels.registry import MACHINES
from ipprotect.cases.documents.kinds import DocumentKind
from ipprotect.cases.documents.models import CaseDocument
from ipprotect.cases.models import Case, CaseStatus
from ipprotect.core import ids
from ipprotect.core.audit import AuditEvent
from ipprotect.core.auth import ACCOUNT_ROLES, Role, User, principal_for_token
from ipprotect.core.days import today
from ipprotect.credit.models import CreditPublication
from ipprotect.demo import ACCOUNTS, CITY, has_data, populate
from ipprotect.registry.models import IpRight, MarketEntity, RightKind
from ipprotect.settings import Settings


def test_the_demo_city_has_entities_rights_of_every_kind_and_an_account_for_every_role(
    db: Session, settings: Settings
) -> None:
    assert not has_data(db)
    counts, token = populate(db, settings, companies=60)
    assert has_data(db)

    entities = list(db.scalars(select(MarketEntity)))
    assert len(entities) == counts["entities"] > 100
    assert all(e.region_code.startswith(CITY[:4]) for e in entities)
    assert all(ids.parse_uscc(e.uscc).code == e.uscc for e in entities if e.uscc)
    assert len({e.region_code for e in entities}) >= 10  # spread over the real districts

    kinds = Counter(r.kind for r in db.scalars(select(IpRight)))
    assert set(kinds) == set(RightKind)

    roles = {
        u.role for u in db.scalars(select(User)) if u.username in {a.username for a in ACCOUNTS}
    }
    system = principal_for_token(db, token)  # the system role is an API token, not a login
    assert system is not None
    assert system.role is Role.SYSTEM
    assert roles | {system.role} == set(ACCOUNT_ROLES)


def test_the_demo_applicant_owns_the_first_company(db: Session, settings: Settings) -> None:
    populate(db, settings, companies=5)
    applicant = db.scalar(select(User).where(User.username == "applicant"))
    assert applicant is not None
    assert applicant.entity_uscc
    company = db.scalar(select(MarketEntity).where(MarketEntity.uscc == applicant.entity_uscc))
    assert company is not None
    assert "西湖龙井" in company.name


def test_the_same_seed_gives_the_same_city() -> None:
    import random

    from ipprotect.demo import _company_drafts

    first = _company_drafts(random.Random(7), 20)
    again = _company_drafts(random.Random(7), 20)
    other = _company_drafts(random.Random(8), 20)
    assert first == again
    assert first != other


def test_the_demo_city_has_a_year_of_cases_in_every_channel_and_state(
    db: Session, settings: Settings
) -> None:
    counts, _ = populate(db, settings, companies=60)
    cases = list(db.scalars(select(Case)))
    assert len(cases) == counts["cases"] == 360
    assert {c.status for c in cases} == set(CaseStatus)
    day = today()
    assert min(c.received_on for c in cases) == day - timedelta(days=365)
    steps = list(db.scalars(select(CaseStep)))
    assert {s.channel for s in steps} == set(MACHINES)
    reached = {(s.channel, s.step) for s in steps}
    every = {(m.channel, state.name) for m in MACHINES.values() for state in m.states}
    assert len(reached) >= 0.9 * len(every), sorted(every - reached)
    assert any(s.done_on is None and s.due_on and s.due_on < day for s in steps)  # overdue
    assert {d.kind for d in db.scalars(select(CaseDocument))} == {k.value for k in DocumentKind}
    publications = list(db.scalars(select(CreditPublication)))
    assert any(p.published_on for p in publications)  # 双公示 done for most decisions
    assert all(p.published_on >= p.decided_on for p in publications if p.published_on)
    assessed = [a for c in cases for a in damages.assessments_of(db, c)]
    assert any(a.punitive > 0 for a in assessed)
    # Every act went through the services: each case's history starts with its receipt.
    first = db.scalar(
        select(AuditEvent.action).order_by(AuditEvent.id).where(AuditEvent.object_type == "case")
    )
    assert first == "case.receive"
