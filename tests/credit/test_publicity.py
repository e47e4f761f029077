"""Dual publicity (双公示): a penalty decision issued in a case is due for publication within 7
working days on the official calendar, a warning alone and a minor's case are withheld with the
reason, personal data of natural persons is masked once and for all, officers of the region
publish and withdraw with an audit trail, and the overdue sweep alerts once per deadline."""

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ipprotect.cases.documents import service as documents
from ipprotect.cases.documents.models import CaseDocument
from ipprotect.cases.models import Case
from ipprotect.core import audit, ids
from ipprotect.core.audit import AuditEvent
from ipprotect.core.auth import Principal, Role, principal_for
from ipprotect.core.errors import Problem
from ipprotect.credit import publicity
from ipprotect.credit.models import CreditPublication
from ipprotect.registry.models import EntityKind, MarketEntity
from tests.cases.channel_factories import officer
from tests.cases.document_factories import PENALTY, D, penalty_case, store
from tests.factories import BINJIANG, XIHU, make_user
from tests.registry.factories import make_entity

FACTS = {
    "facts": "当事人在其经营场所销售假冒“西湖龙井”注册商标的茶叶，联系电话13812345678",
    "evidence": "现场检查笔录、询问笔录",
}


def decide(db: Session, case: Case, on: str, tmp_path: Path) -> CreditPublication:
    """Issue the case's penalty decision on `on` and return the publication it made."""
    draft = documents.DocumentDraft("penalty_decision", D(on), FACTS)
    document = documents.issue(db, officer(db, case.region_code), case, draft, store(tmp_path))
    return publication_of(db, document)


def publication_of(db: Session, document: CaseDocument) -> CreditPublication:
    return db.scalars(
        select(CreditPublication).where(
            CreditPublication.source_kind == "penalty_decision",
            CreditPublication.source_id == document.id,
        )
    ).one()


def keeper(db: Session, region: str = XIHU, role: Role = Role.CREDIT_OFFICER) -> Principal:
    return principal_for(make_user(db, role, [region]))


def person_case(db: Session, on: str, born: dt.date) -> tuple[Case, MarketEntity]:
    """A penalty case against a natural person registered with resident ID, phone and address."""
    person = make_entity(
        db,
        "张某某",
        kind=EntityKind.NATURAL_PERSON,
        resident_id=ids.make_resident_id("330106", born, 123),
        phone="13912345678",
        address="浙江省杭州市西湖区文三路90号3幢501室",
    )
    case = penalty_case(db, on, respondent_name="张某某", respondent_entity_id=str(person.id))
    return case, person


def test_a_decision_on_2025_09_26_is_due_for_publicity_on_2025_10_13_over_national_day(
    db: Session, tmp_path: Path
) -> None:
    # 2025: Sep 28 (Sunday) is a makeup working day, Oct 1-8 are off, Oct 11 (Saturday) is a
    # makeup working day. From Friday Sep 26: Sep 28, 29, 30, Oct 9, 10, 11, 13.
    case = penalty_case(db, "2025-09-26")
    p = decide(db, case, "2025-09-26", tmp_path)
    assert (p.decided_on, p.publicity_due, p.withheld) == (D("2025-09-26"), D("2025-10-13"), False)
    assert p.region_code == XIHU
    assert p.entity_name == "某某商贸有限公司"
    assert p.content["measures"] == [
        "责令立即停止侵权行为",
        "没收假冒“西湖龙井”注册商标的茶叶120盒",
        "罚款人民币30,000.00元（大写：人民币叁万元整）",
    ]
    assert p.content["provisional"] is False
    created = db.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "credit.publication.create", AuditEvent.object_id == str(p.id)
        )
    ).one()
    assert created.after == {
        "source_kind": "penalty_decision",
        "source_id": p.source_id,
        "decided_on": "2025-09-26",
        "publicity_due": "2025-10-13",
        "withheld_reason": "",
    }


def test_a_warning_alone_is_withheld_with_the_reason(db: Session, tmp_path: Path) -> None:
    case = penalty_case(db, "2025-09-26", PENALTY | {"measures": ["warning"], "fine_fen": None})
    p = decide(db, case, "2025-09-26", tmp_path)
    assert (p.withheld, p.publicity_due) == (True, None)
    assert p.withheld_reason == publicity.WITHHELD_WARNING
    who = keeper(db)
    assert p in publicity.withheld(db, who)
    assert p.id not in [
        i.publication.id for i in publicity.deadlines(db, who, D("2025-10-20"), D("2025-10-23"))
    ]
    with pytest.raises(Problem) as refused:
        publicity.publish(db, who, p, D("2025-09-29"))
    assert (refused.value.status, refused.value.code) == (409, "withheld")


def test_a_warning_with_an_order_to_stop_is_a_warning_alone_and_withheld(
    db: Session, tmp_path: Path
) -> None:
    # The order to stop the infringement is an order to correct (APL art. 28), not a penalty.
    case = penalty_case(db, "2025-09-26", PENALTY | {"measures": ["warning", "order_to_stop"]})
    p = decide(db, case, "2025-09-26", tmp_path)
    assert (p.withheld, p.withheld_reason, p.publicity_due) == (
        True,
        publicity.WITHHELD_WARNING,
        None,
    )


def test_a_warning_with_a_fine_is_published(db: Session, tmp_path: Path) -> None:
    case = penalty_case(db, "2025-09-26", PENALTY | {"measures": ["warning", "fine"]})
    p = decide(db, case, "2025-09-26", tmp_path)
    assert (p.withheld, p.publicity_due) == (False, D("2025-10-13"))


def test_a_minors_case_is_withheld_and_an_adults_is_not(db: Session, tmp_path: Path) -> None:
    # Civil Code art. 17: 18 on the day of the decision is an adult.
    minor_case, _ = person_case(db, "2025-09-26", dt.date(2007, 9, 27))
    minor = decide(db, minor_case, "2025-09-26", tmp_path)
    assert (minor.withheld, minor.withheld_reason) == (True, publicity.WITHHELD_MINOR)
    adult_case, _ = person_case(db, "2025-09-26", dt.date(2007, 9, 26))
    adult = decide(db, adult_case, "2025-09-26", tmp_path)
    assert (adult.withheld, adult.publicity_due) == (False, D("2025-10-13"))


def test_a_natural_persons_id_number_phone_and_address_are_masked_in_the_content(
    db: Session, tmp_path: Path
) -> None:
    case, person = person_case(db, "2025-09-26", dt.date(1980, 5, 17))
    p = decide(db, case, "2025-09-26", tmp_path)
    party = p.content["party"]
    assert party["resident_id"] == "330106********123" + person.resident_id[-1]  # type: ignore[index]
    assert party["phone"] == "139****5678"
    assert party["address"] == "浙江省杭州市西湖区****"
    # A number typed into the facts is masked too.
    assert "138****5678" in p.content["facts"]
    assert "13812345678" not in str(p.content)
    assert str(person.resident_id) not in str(p.content)


def test_a_companys_registered_address_stays_public(db: Session) -> None:
    d = publicity.Decision(
        source_kind=publicity.LICENSING,
        source_id=987_001,
        region_code=XIHU,
        party=publicity.Party("杭州某某茶业有限公司", address="杭州市西湖区龙井路1号"),
        title="食品经营许可证",
        document_no="JY13301060000001",
        decided_on=D("2025-12-31"),
        authority="杭州市西湖区市场监督管理局",
    )
    p = publicity.record_decision(db, audit.SYSTEM, d)
    assert p.content["party"]["address"] == "杭州市西湖区龙井路1号"
    # 2026: Jan 1-3 off, Jan 4 (Sunday) a makeup working day: Jan 4, 5, 6, 7, 8, 9, 12.
    assert p.publicity_due == D("2026-01-12")
    with pytest.raises(Problem) as twice:
        publicity.record_decision(db, audit.SYSTEM, d)
    assert (twice.value.status, twice.value.code) == (409, "already_recorded")


def test_a_text_is_scrubbed_of_id_and_mobile_numbers_but_keeps_credit_codes() -> None:
    code = "913301060559752006"  # a credit code of digits only: no birth date in it
    text = f"身份证号330106198005171234（末位误写），电话13912345678，信用代码{code}"
    assert publicity.scrub(text) == (
        f"身份证号330106********1234（末位误写），电话139****5678，信用代码{code}"
    )


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("浙江省杭州市西湖区文三路90号", "浙江省杭州市西湖区****"),
        ("安吉县递铺街道天荒坪路1号", "安吉县****"),
        ("义乌市稠城街道工人北路", "义乌市****"),
        ("北京市朝阳区建国路88号", "北京市朝阳区****"),
        ("文三路90号", "****"),
    ],
)
def test_an_address_is_kept_down_to_the_county_only(address: str, masked: str) -> None:
    assert publicity.mask_address(address) == masked


def test_officers_publish_in_their_region_and_a_late_publication_is_audited_late(
    db: Session, tmp_path: Path
) -> None:
    p = decide(db, penalty_case(db, "2025-09-26"), "2025-09-26", tmp_path)
    with pytest.raises(Problem) as outside:
        publicity.get_publication(db, keeper(db, BINJIANG), p.id)
    assert outside.value.status == 404
    with pytest.raises(Problem) as early:
        publicity.publish(db, keeper(db), p, D("2025-09-25"))
    assert early.value.status == 422
    publicity.publish(db, keeper(db, role=Role.OFFICER), p, D("2025-10-14"))
    assert p.published_on == D("2025-10-14")
    published = db.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "credit.publication.publish", AuditEvent.object_id == str(p.id)
        )
    ).one()
    assert published.after == {
        "published_on": "2025-10-14",
        "publicity_due": "2025-10-13",
        "late": True,
        "restriction_months": None,
        # Not a reprimand or a low fine: public for 3 years from publication (Order 45 art. 13).
        "publicity_until": "2028-10-14",
        "stop_basis": "publicity.samr.penalty_period",
    }
    with pytest.raises(Problem) as again:
        publicity.publish(db, keeper(db), p, D("2025-10-15"))
    assert again.value.code == "already_published"


def test_a_reversed_decision_is_withdrawn_with_its_reason_within_3_working_days(
    db: Session, tmp_path: Path
) -> None:
    p = decide(db, penalty_case(db, "2025-09-26"), "2025-09-26", tmp_path)
    who = keeper(db)
    with pytest.raises(Problem) as unpublished:
        publicity.withdraw(db, who, p, D("2025-10-09"), "复议撤销")
    assert unpublished.value.code == "not_published"
    publicity.publish(db, who, p, D("2025-09-29"))
    with pytest.raises(Problem) as bare:
        publicity.withdraw(db, who, p, D("2025-09-28"), " ")
    assert {e.field for e in bare.value.errors} == {"reason", "withdrawn_on"}
    publicity.withdraw(db, who, p, D("2025-09-30"), "行政复议决定撤销原处罚决定")
    assert p.withdrawn_on == D("2025-09-30")
    withdrawn = db.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "credit.publication.withdraw", AuditEvent.object_id == str(p.id)
        )
    ).one()
    # SAMR Order No. 45 art. 11: 3 working days from Sep 30 skip the National Day holiday:
    # Oct 9, 10 and Saturday Oct 11, a makeup working day.
    assert withdrawn.after == {
        "withdrawn_on": "2025-09-30",
        "reason": "行政复议决定撤销原处罚决定",
        "withdraw_due": "2025-10-11",
    }


def test_deadlines_list_overdue_and_due_soon_in_the_callers_scope_only(
    db: Session, tmp_path: Path
) -> None:
    overdue = decide(db, penalty_case(db, "2025-09-26"), "2025-09-26", tmp_path)  # Oct 13
    soon = decide(db, penalty_case(db, "2025-10-09"), "2025-10-09", tmp_path)  # Oct 17
    later = decide(db, penalty_case(db, "2025-10-20"), "2025-10-20", tmp_path)  # Oct 29
    binjiang = decide(
        db, penalty_case(db, "2025-09-26", region_code=BINJIANG), "2025-09-26", tmp_path
    )
    who = keeper(db)
    today, soon_until = D("2025-10-14"), D("2025-10-17")

    def ids_of(due: publicity.Due_ | None) -> list[int]:
        found = publicity.deadlines(db, who, today, soon_until, due)
        return [i.publication.id for i in found if i.publication.id in mine]

    mine = {overdue.id, soon.id, later.id, binjiang.id}
    assert ids_of(None) == [overdue.id, soon.id, later.id]
    assert ids_of("overdue") == [overdue.id]
    assert ids_of("soon") == [soon.id]
    city = principal_for(make_user(db, Role.CREDIT_OFFICER, ["330100"]))
    assert binjiang.id in [
        i.publication.id for i in publicity.deadlines(db, city, today, soon_until)
    ]
    with pytest.raises(Problem) as refused:
        publicity.deadlines(db, principal_for(make_user(db, Role.MEDIATOR, [XIHU])), today, today)
    assert refused.value.status == 403


def test_the_sweep_alerts_an_overdue_publication_once_and_never_a_published_one(
    db: Session, tmp_path: Path
) -> None:
    late = decide(db, penalty_case(db, "2025-09-26"), "2025-09-26", tmp_path)
    done = decide(db, penalty_case(db, "2025-09-26"), "2025-09-26", tmp_path)
    publicity.publish(db, keeper(db), done, D("2025-10-10"))

    def alerts(p: CreditPublication) -> list[AuditEvent]:
        return list(
            db.scalars(
                select(AuditEvent).where(
                    AuditEvent.action == publicity.ALERT_OVERDUE,
                    AuditEvent.object_id == str(p.id),
                )
            )
        )

    publicity.sweep(db, D("2025-10-13"))  # due today: not yet overdue
    assert alerts(late) == []
    first = publicity.sweep(db, D("2025-10-14"))
    second = publicity.sweep(db, D("2025-10-15"))
    assert first.raised >= 1
    assert second.already >= 1
    [alert] = alerts(late)
    assert alert.after == {
        "publicity_due": "2025-10-13",
        "days_late": 1,
        "document_no": late.document_no,
    }
    assert alerts(done) == []
    item = next(
        i
        for i in publicity.deadlines(db, keeper(db), D("2025-10-15"), D("2025-10-20"))
        if i.publication.id == late.id
    )
    assert (item.overdue, item.alerted) == (True, True)
