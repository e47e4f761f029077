"""Demo listings for the demo city: one in every state of the procedure, made through the
services with past dates (each act on its day), so the demo shows the rules as they apply; and
the publication of the demo cases' penalty decisions."""

import datetime as dt
from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from ipprotect.core.auth import Principal
from ipprotect.credit import listing_service, publicity
from ipprotect.credit.models import CreditListing, CreditPublication
from ipprotect.evidence.blobs import BlobStore
from ipprotect.registry.models import MarketEntity

AUTHORITY = "杭州市市场监督管理局（杭州市知识产权局）"
GROUNDS = {
    "corrected": True,
    "obligations_performed": True,
    "public_commitment": True,
    "text": "已停止侵权行为、销毁侵权商品，罚款已缴清，并在信用中国网站作出公开信用承诺。",
}
# (behaviour, class, days before today it was proposed, how far it goes)
STORIES = [
    ("deliberate_infringement", "serious", 3, "proposed"),
    ("malicious_trademark_applications", "general", 4, "noticed"),
    ("deliberate_infringement", "serious", 130, "listed"),
    ("refusing_penalty_or_ruling", "general", 175, "repair_applied"),
    ("deliberate_infringement", "general", 230, "repaired"),
    ("abnormal_patent_applications", "general", 430, "expired"),
]
DECIDED_AFTER = 25  # days from the notice: the 5 working days to state one's case and more


def populate(
    session: Session,
    officer: Principal,
    store: BlobStore,
    entities: list[MarketEntity],
    today: dt.date,
) -> Counter[str]:
    """One listing per story, against the given entities in turn; returns the count by state."""
    made: Counter[str] = Counter()
    for (behaviour, class_, ago, state), entity in zip(STORIES, entities, strict=False):
        proposed = today - dt.timedelta(days=ago)
        row = listing_service.propose(
            session,
            officer,
            listing_service.Proposal(
                entity_name=entity.name,
                entity_uscc=entity.uscc,
                region_code=entity.region_code,
                behaviour=behaviour,
                class_=class_,
                measures=["government_procurement", "government_funds_and_subsidies"],
                basis="经查，当事人的失信行为事实清楚、证据确凿（演示数据）。",
            ),
            on=proposed,
        )
        if state != "proposed":
            listing_service.notice(session, officer, row, on=proposed + dt.timedelta(days=1))
        if state not in ("proposed", "noticed"):
            _decide(session, officer, store, row, proposed + dt.timedelta(days=DECIDED_AFTER))
        if state in ("repair_applied", "repaired"):
            assert row.publicity_min_until is not None  # general class
            repair = listing_service.apply_repair(
                session, officer, row, GROUNDS, on=row.publicity_min_until + dt.timedelta(days=3)
            )
            if state == "repaired":
                listing_service.review_repair(
                    session,
                    officer,
                    repair,
                    store,
                    approve=True,
                    on=repair.applied_on + dt.timedelta(days=5),
                )
        made[row.status.value] += 1
    for expired in listing_service.sweep(session, today):
        made[expired.status.value] += 1
        made["listed"] -= 1
    return made


def publish_decisions(session: Session, officer: Principal, today: dt.date) -> int:
    """Publish the demo's penalty decisions as an office does (双公示): most within days of the
    decision, one in eight not yet (the work queue shows it due or overdue). Returns how many."""
    stmt = (
        select(CreditPublication)
        .where(publicity.pending(), CreditPublication.source_kind == publicity.PENALTY_DECISION)
        .order_by(CreditPublication.id)
    )
    published = 0
    for publication in session.scalars(stmt).all():
        on = publication.decided_on + dt.timedelta(days=1 + publication.id % 6)
        if publication.id % 8 == 0 or on > today:
            continue
        publicity.publish(session, officer, publication, on)
        published += 1
    return published


def _decide(
    session: Session, officer: Principal, store: BlobStore, row: CreditListing, on: dt.date
) -> None:
    listing_service.decide(
        session,
        officer,
        row,
        store,
        document_no=f"杭市监信列字〔{on.year}〕第{row.id}号",
        authority=AUTHORITY,
        on=on,
    )
