"""The listing procedure: proposal, notice with the period to state one's case on the official
calendar, decision with the publicity minimum and maximum of the rule version of the decision
date (NDRC Order No. 58 until 2026-03-31, Order No. 36 from 2026-04-01), repair after the
minimum, expiry at the maximum by an idempotent sweep, repeat infringement, and scope."""

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ipprotect.core.audit import AuditEvent
from ipprotect.core.auth import Role, principal_for
from ipprotect.core.calendar_store import work_calendar
from ipprotect.core.errors import Problem
from ipprotect.credit import listing, listing_service, service
from ipprotect.credit.models import (
    CreditRecord,
    ListingClass,
    ListingStatus,
    RecordKind,
    RepairStatus,
)
from ipprotect.evidence.models import Deposit
from tests.credit.factories import D, credit_officer, listed, proposal, store
from tests.factories import NINGBO, XIHU, make_user
from tests.registry.factories import uscc

GROUNDS = {
    "corrected": True,
    "obligations_performed": True,
    "public_commitment": True,
    "text": "已停止销售并销毁库存，罚款已缴清，已公开作出信用承诺",
}


def test_behaviours_are_named_by_id_or_by_their_chinese_name() -> None:
    by_name = listing.behaviour("故意侵犯知识产权", D("2026-05-01"))
    assert by_name is not None
    assert by_name.item.id == "deliberate_infringement"
    assert "SAMR Order No. 44" in by_name.source
    cnipa = listing.behaviour("malicious_trademark_applications", D("2026-05-01"))
    assert cnipa is not None
    assert cnipa.rule_id == "credit.cnipa.dishonest_behaviours"
    assert listing.behaviour("jaywalking", D("2026-05-01")) is None
    # CNIPA's provisions took effect on 2022-01-24: nothing of theirs is listable before.
    assert listing.behaviour("malicious_trademark_applications", D("2022-01-23")) is None
    assert listing.listing_class("严重") is ListingClass.SERIOUS
    assert listing.listing_class("minor") is ListingClass.MINOR
    assert listing.listing_class("grave") is None


def test_the_party_states_its_case_within_5_working_days_over_national_day(
    db: Session, tmp_path: Path
) -> None:
    # Noticed on 2026-09-30: Oct 1-7 are holidays; Oct 8, 9, 10 (a makeup Saturday), 12, 13.
    assert listing.statement_due(D("2026-09-30"), XIHU, work_calendar(db)) == D("2026-10-13")
    who = credit_officer(db)
    row = listing_service.propose(db, who, proposal(), on=D("2026-09-29"))
    assert row.status is ListingStatus.PROPOSED
    assert row.basis.startswith("市场监督管理严重违法失信名单管理办法")
    listing_service.notice(db, who, row, on=D("2026-09-30"))
    assert (row.status, row.statement_due) == (ListingStatus.NOTICED, D("2026-10-13"))
    decision = {"document_no": "杭市监信列字〔2026〕第1号", "authority": "杭州市市场监督管理局"}
    with pytest.raises(Problem) as running:
        listing_service.decide(db, who, row, store(tmp_path), on=D("2026-10-13"), **decision)
    assert running.value.code == "statement_period_running"
    listing_service.decide(db, who, row, store(tmp_path), on=D("2026-10-14"), **decision)
    assert (row.status, row.decided_on, row.published_on) == (
        ListingStatus.LISTED,
        D("2026-10-14"),
        D("2026-10-14"),
    )
    # Serious: repair after 1 year, shown for at most 3 years, counted from the decision.
    assert (row.publicity_min_until, row.publicity_max_until) == (D("2027-10-14"), D("2029-10-14"))


def test_a_decision_is_deposited_entered_in_the_credit_file_and_audited(
    db: Session, tmp_path: Path
) -> None:
    row = listed(db, tmp_path, "2026-06-15")
    deposit = db.get(Deposit, row.deposit_id)
    assert deposit is not None
    assert deposit.title == f"列入失信名单决定书 {row.document_no}"
    assert deposit.case_id is None
    entry = db.scalars(
        select(CreditRecord).where(
            CreditRecord.source_kind == "credit_listing", CreditRecord.source_id == row.id
        )
    ).one()
    assert (entry.kind, entry.occurred_on, entry.entity_uscc) == (
        RecordKind.LISTING,
        D("2026-06-15"),
        "91330106MA2B3C4D11",
    )
    actions = db.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.object_type == "credit_listing", AuditEvent.object_id == str(row.id))
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["credit.listing.proposed", "credit.listing.noticed", "credit.listing.listed"]


def test_a_minor_class_exists_only_from_order_36_and_is_not_published(
    db: Session, tmp_path: Path
) -> None:
    with pytest.raises(Problem) as before:
        listed(db, tmp_path, "2026-03-31", class_="minor")
    assert [e.code for e in before.value.errors] == ["class_not_in_force"]
    row = listed(db, tmp_path, "2026-04-01", class_="轻微")
    assert row.class_ is ListingClass.MINOR
    # Order No. 36: not published, at most 3 months, no minimum to wait for before repair.
    assert (row.published_on, row.publicity_min_until, row.publicity_max_until) == (
        None,
        None,
        D("2026-07-01"),
    )


def test_the_decision_date_picks_order_58_or_order_36(db: Session, tmp_path: Path) -> None:
    on_58 = listed(db, tmp_path, "2026-03-31", class_="general")
    on_36 = listed(db, tmp_path, "2026-04-01", class_="general")
    assert "Order No. 58" in on_58.data["publicity_rule"]
    assert "Order No. 36" in on_36.data["publicity_rule"]
    # General: 3 months' minimum, 1 year's maximum under both; March 31 + 3 months is June 30.
    assert (on_58.publicity_min_until, on_58.publicity_max_until) == (
        D("2026-06-30"),
        D("2027-03-31"),
    )
    assert (on_36.publicity_min_until, on_36.publicity_max_until) == (
        D("2026-07-01"),
        D("2027-04-01"),
    )


def test_the_minimum_and_maximum_end_on_the_last_day_of_a_shorter_month(
    db: Session, tmp_path: Path
) -> None:
    general = listed(db, tmp_path, "2025-11-30", class_="general")
    assert (general.publicity_min_until, general.publicity_max_until) == (
        D("2026-02-28"),
        D("2026-11-30"),
    )
    serious = listed(db, tmp_path, "2024-02-29", class_="serious")
    assert (serious.publicity_min_until, serious.publicity_max_until) == (
        D("2025-02-28"),
        D("2027-02-28"),
    )
    # A publicity period ends on its day even when it is a holiday (not rolled forward):
    # 2025-10-01 + 1 year is National Day 2026.
    holiday = listed(db, tmp_path, "2025-10-01", class_="serious")
    assert holiday.publicity_min_until == D("2026-10-01")


def test_repair_is_applied_for_after_the_minimum_and_approved(db: Session, tmp_path: Path) -> None:
    who = credit_officer(db)
    row = listed(db, tmp_path, "2026-04-01", class_="general", who=who)
    assert row.publicity_min_until == D("2026-07-01")
    with pytest.raises(Problem) as early:
        listing_service.apply_repair(db, who, row, GROUNDS, on=D("2026-07-01"))
    assert early.value.code == "minimum_running"
    with pytest.raises(Problem) as missing:
        listing_service.apply_repair(
            db, who, row, GROUNDS | {"public_commitment": False}, on=D("2026-07-02")
        )
    assert [e.field for e in missing.value.errors] == ["public_commitment"]
    repair = listing_service.apply_repair(db, who, row, GROUNDS, on=D("2026-07-02"))
    assert repair.status is RepairStatus.APPLIED
    with pytest.raises(Problem) as twice:
        listing_service.apply_repair(db, who, row, GROUNDS, on=D("2026-07-03"))
    assert twice.value.code == "repair_pending"
    listing_service.review_repair(
        db, who, repair, store(tmp_path), approve=True, on=D("2026-07-10")
    )
    assert (repair.status, repair.reviewed_on) == (RepairStatus.APPROVED, D("2026-07-10"))
    assert (row.status, row.repaired_on) == (ListingStatus.REPAIRED, D("2026-07-10"))
    kinds = db.scalars(
        select(CreditRecord.kind)
        .where(CreditRecord.entity_uscc == row.entity_uscc, CreditRecord.region_code == XIHU)
        .order_by(CreditRecord.id)
    ).all()
    assert kinds[-2:] == [RecordKind.LISTING, RecordKind.REPAIR]


def test_a_refusal_needs_a_reason_and_leaves_the_entity_listed(db: Session, tmp_path: Path) -> None:
    who = credit_officer(db)
    row = listed(db, tmp_path, "2026-04-01", class_="general", who=who)
    repair = listing_service.apply_repair(db, who, row, GROUNDS, on=D("2026-08-03"))
    with pytest.raises(Problem) as no_reason:
        listing_service.review_repair(
            db, who, repair, store(tmp_path), approve=False, on=D("2026-08-04")
        )
    assert [e.field for e in no_reason.value.errors] == ["reason"]
    listing_service.review_repair(
        db,
        who,
        repair,
        store(tmp_path),
        approve=False,
        reason="罚款尚未缴清",
        on=D("2026-08-04"),
    )
    assert (repair.status, repair.reason, row.status) == (
        RepairStatus.REFUSED,
        "罚款尚未缴清",
        ListingStatus.LISTED,
    )


def test_the_sweep_expires_a_listing_the_day_after_its_maximum_once(
    db: Session, tmp_path: Path
) -> None:
    row = listed(db, tmp_path, "2025-11-30", class_="general")
    assert row.publicity_max_until == D("2026-11-30")
    assert row not in listing_service.sweep(db, D("2026-11-30"))
    assert row in listing_service.sweep(db, D("2026-12-01"))
    assert (row.status, row.expired_on) == (ListingStatus.EXPIRED, D("2026-12-01"))
    assert row not in listing_service.sweep(db, D("2026-12-05"))
    assert row.expired_on == D("2026-12-01")
    expired = db.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "credit.listing.expired", AuditEvent.object_id == str(row.id))
    )
    assert expired == 1


def test_two_penalties_within_five_years_make_a_repeat_infringement() -> None:
    # Trademark Law art. 60: twice within five years; the window ends on the day judged.
    assert listing.repeat_window_start(D("2026-12-05"), XIHU) == D("2021-12-05")
    assert listing.repeat_window_start(D("2028-02-29"), XIHU) == D("2023-02-28")
    assert listing.is_repeat([D("2021-12-05"), D("2026-12-05")], D("2026-12-05"), XIHU)
    assert not listing.is_repeat([D("2021-12-04"), D("2026-12-05")], D("2026-12-05"), XIHU)
    assert not listing.is_repeat([D("2026-12-05")], D("2026-12-05"), XIHU)


def test_bad_proposals_are_refused_field_by_field(db: Session) -> None:
    who = credit_officer(db)
    bad = proposal(
        entity_name=" ",
        entity_uscc="91330106MA2B3C4D12",
        behaviour="jaywalking",
        class_="grave",
        measures=["exile"],
    )
    with pytest.raises(Problem) as refused:
        listing_service.propose(db, who, bad, on=D("2026-05-06"))
    assert refused.value.status == 422
    assert [e.field for e in refused.value.errors] == [
        "entity_name",
        "entity_uscc",
        "behaviour",
        "class",
        "measures",
    ]


def test_a_proposal_rests_on_a_decision_of_the_same_entity_taken_before_it(
    db: Session,
) -> None:
    who = credit_officer(db)
    penalty = service.record(
        db,
        who.actor(),
        service.Entry(
            kind=RecordKind.PENALTY,
            entity_name="杭州某某茶业有限公司",
            entity_uscc="91330106MA2B3C4D11",
            region_code=XIHU,
            occurred_on=D("2026-10-09"),
            title="行政处罚决定书",
            document_no="杭西市监罚字〔2026〕第77号",
        ),
    )
    resting = proposal(source_record_id=penalty.id)
    with pytest.raises(Problem) as early:
        listing_service.propose(db, who, resting, on=D("2026-10-08"))
    assert [(e.field, e.code, e.params) for e in early.value.errors] == [
        ("on", "before_source", {"date": "2026-10-09"})
    ]
    other = proposal(source_record_id=penalty.id, entity_uscc=uscc())
    with pytest.raises(Problem) as elsewhere:
        listing_service.propose(db, who, other, on=D("2026-10-12"))
    assert [(e.field, e.code) for e in elsewhere.value.errors] == [
        ("source_record_id", "other_entity")
    ]
    row = listing_service.propose(db, who, resting, on=D("2026-10-09"))  # the same day will do
    assert row.source_record_id == penalty.id


def test_only_credit_officers_in_scope_act_and_applicants_see_their_own(
    db: Session, tmp_path: Path
) -> None:
    row = listed(db, tmp_path, "2026-06-15")
    ningbo = credit_officer(db, NINGBO)
    case_officer = principal_for(make_user(db, Role.OFFICER, [XIHU]))
    for who in (ningbo, case_officer):
        with pytest.raises(Problem) as refused:
            listing_service.propose(db, who, proposal(), on=D("2026-06-16"))
        assert refused.value.status == 403
    with pytest.raises(Problem) as hidden:
        listing_service.get(db, ningbo, row.id)
    assert hidden.value.status == 404
    assert listing_service.get(db, case_officer, row.id) is row
    own = principal_for(make_user(db, Role.APPLICANT, [XIHU], entity_uscc=row.entity_uscc))
    other = principal_for(make_user(db, Role.APPLICANT, [XIHU], entity_uscc=uscc()))
    assert listing_service.get(db, own, row.id) is row
    with pytest.raises(Problem):
        listing_service.get(db, other, row.id)
    with pytest.raises(Problem) as not_theirs:
        listing_service.apply_repair(db, other, row, GROUNDS, on=D("2026-12-01"))
    assert not_theirs.value.status == 403


def test_repeat_infringers_are_found_in_the_credit_files_until_proposed(
    db: Session, tmp_path: Path
) -> None:
    who = credit_officer(db)
    code = uscc()
    for day in ("2022-03-01", "2026-11-20"):
        service.record(
            db,
            who.actor(),
            service.Entry(
                kind=RecordKind.PENALTY,
                entity_name="杭州某某鞋业有限公司",
                entity_uscc=code,
                region_code=XIHU,
                occurred_on=D(day),
                title="行政处罚决定书",
            ),
        )
    [found] = [
        r
        for r in listing_service.repeat_offenders(db, who, D("2026-12-01"))
        if r.entity_uscc == code
    ]
    assert found.penalty_days == [D("2022-03-01"), D("2026-11-20")]
    # Out of the window five years on from the first penalty.
    later = listing_service.repeat_offenders(db, who, D("2027-03-02"))
    assert code not in [r.entity_uscc for r in later]
    assert code not in [
        r.entity_uscc
        for r in listing_service.repeat_offenders(db, credit_officer(db, NINGBO), D("2026-12-01"))
    ]
    listing_service.propose(db, who, proposal(entity_uscc=code), on=D("2026-12-01"))
    assert code not in [
        r.entity_uscc for r in listing_service.repeat_offenders(db, who, D("2026-12-01"))
    ]


def test_a_decision_not_to_list_needs_a_reason_and_is_deposited(
    db: Session, tmp_path: Path
) -> None:
    who = credit_officer(db)
    row = listing_service.propose(db, who, proposal(), on=D("2026-11-02"))
    listing_service.notice(db, who, row, on=D("2026-11-02"))
    with pytest.raises(Problem) as no_reason:
        listing_service.withdraw(db, who, row, store(tmp_path), " ", on=D("2026-11-10"))
    assert [e.field for e in no_reason.value.errors] == ["reason"]
    reason = "当事人陈述申辩成立：涉案商品系合法来源"
    listing_service.withdraw(db, who, row, store(tmp_path), reason, on=D("2026-11-10"))
    assert (row.status, row.data["withdrawn_reason"]) == (ListingStatus.WITHDRAWN, reason)
    deposit = db.get(Deposit, row.deposit_id)
    assert deposit is not None
    assert deposit.title == f"不予列入失信名单决定 {row.id}"
    with pytest.raises(Problem) as again:
        listing_service.withdraw(db, who, row, store(tmp_path), reason, on=D("2026-11-11"))
    assert again.value.code == "wrong_status"
