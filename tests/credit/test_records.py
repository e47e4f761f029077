"""Credit files: a final decision issued in a case enters the respondent's file in the same
transaction; officers enter judgments, commitments and objections; who reads which file."""

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ipprotect.cases.documents import service as documents
from ipprotect.cases.models import Channel
from ipprotect.core.audit import AuditEvent
from ipprotect.core.auth import ANONYMOUS, Role, principal_for
from ipprotect.core.errors import Problem
from ipprotect.credit import service
from ipprotect.credit.models import CreditRecord, RecordKind
from ipprotect.registry.models import MarketEntity
from tests.cases.channel_factories import officer
from tests.cases.document_factories import RULING, case_at, penalty_case
from tests.credit.factories import D, credit_officer, store
from tests.factories import NINGBO, XIHU, make_user
from tests.registry.factories import make_entity

FACTS = {"facts": "当事人在其经营场所销售假冒“西湖龙井”注册商标的茶叶", "evidence": "现场检查笔录"}


def code_of(entity: MarketEntity) -> str:
    assert entity.uscc is not None  # a company has one
    return entity.uscc


def file_entries(db: Session, uscc: str) -> list[CreditRecord]:
    return list(db.scalars(select(CreditRecord).where(CreditRecord.entity_uscc == uscc)))


def test_a_penalty_decision_enters_the_respondents_credit_file(db: Session, tmp_path: Path) -> None:
    entity = make_entity(db, "杭州某某茶业有限公司")
    case = penalty_case(db, "2026-01-05", respondent_uscc=entity.uscc, respondent_name="某茶业")
    draft = documents.DocumentDraft("penalty_decision", D("2026-01-05"), FACTS)
    doc = documents.issue(db, officer(db), case, draft, store(tmp_path))
    [entry] = file_entries(db, code_of(entity))
    assert (entry.kind, entry.occurred_on, entry.document_no) == (
        RecordKind.PENALTY,
        D("2026-01-05"),
        "杭市监知执罚字〔2026〕第1号",
    )
    assert (entry.entity_name, entry.entity_id, entry.region_code) == (
        "杭州某某茶业有限公司",
        entity.id,
        case.region_code,
    )
    assert (entry.source_kind, entry.source_id) == ("case_document", doc.id)
    assert entry.title == "行政处罚决定书"
    assert "罚款人民币30,000.00元" in entry.summary
    assert entry.data["case_id"] == case.id
    audited = db.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "credit.record.penalty", AuditEvent.object_id == str(entry.id)
        )
    ).one()
    assert audited.after is not None
    assert audited.after["document_no"] == doc.number


def test_a_ruling_enters_the_file_only_when_it_finds_infringement(
    db: Session, tmp_path: Path
) -> None:
    found = make_entity(db, "杭州某某电器有限公司")
    cleared = make_entity(db, "杭州某某灯具有限公司")
    values = FACTS | {"requests": "判令被请求人停止侵权"}
    for entity, ruling in (
        (found, RULING),
        (cleared, RULING | {"infringement_found": False, "order_to_stop": False}),
    ):
        case = case_at(
            db,
            Channel.ADMIN_ADJUDICATION,
            "ruled",
            "2026-02-02",
            {"ruling": ruling},
            respondent_uscc=entity.uscc,
        )
        draft = documents.DocumentDraft("ruling", D("2026-02-02"), values)
        documents.issue(db, officer(db), case, draft, store(tmp_path))
    assert [e.kind for e in file_entries(db, code_of(found))] == [RecordKind.RULING]
    assert file_entries(db, code_of(cleared)) == []


def test_officers_enter_judgments_commitments_and_objections(db: Session) -> None:
    who = credit_officer(db)
    entity = make_entity(db, "杭州某某科技有限公司")
    entry = service.Entry(
        kind=RecordKind.JUDGMENT,
        entity_name=entity.name,
        entity_uscc=entity.uscc,
        region_code=XIHU,
        occurred_on=D("2026-03-10"),
        title="民事判决书",
        summary="判令被告停止侵害商标权并赔偿经济损失50万元",
        authority="杭州市中级人民法院",
        document_no="（2025）浙01民初1234号",
    )
    row = service.enter(db, who, entry)
    assert (row.kind, row.created_by, row.entity_id) == (
        RecordKind.JUDGMENT,
        who.user_id,
        entity.id,
    )
    with pytest.raises(Problem) as not_entered:
        service.enter(db, who, service.Entry(**{**entry.__dict__, "kind": RecordKind.PENALTY}))
    assert [e.code for e in not_entered.value.errors] == ["not_entered"]
    with pytest.raises(Problem) as blank:
        service.enter(db, who, service.Entry(**{**entry.__dict__, "title": " ", "entity_name": ""}))
    assert [e.field for e in blank.value.errors] == ["entity_name", "title"]
    for outsider in (credit_officer(db, NINGBO), principal_for(make_user(db, Role.OFFICER))):
        with pytest.raises(Problem) as refused:
            service.enter(db, outsider, entry)
        assert refused.value.status == 403


def test_who_reads_which_credit_file(db: Session) -> None:
    entity = make_entity(db, "杭州某某文化传媒有限公司")
    keeper = credit_officer(db)
    judgment = service.Entry(
        kind=RecordKind.JUDGMENT,
        entity_name=entity.name,
        entity_uscc=entity.uscc,
        region_code=XIHU,
        occurred_on=D("2026-03-10"),
        title="民事判决书",
    )
    commitment = service.Entry(
        **{**judgment.__dict__, "kind": RecordKind.COMMITMENT, "occurred_on": D("2026-05-01")}
    )
    service.enter(db, keeper, judgment)
    service.enter(db, keeper, commitment)
    newest_first = [RecordKind.COMMITMENT, RecordKind.JUDGMENT]
    assert [r.kind for r in service.file_of(db, keeper, code_of(entity))] == newest_first
    case_officer = principal_for(make_user(db, Role.OFFICER, [XIHU]))
    assert len(service.file_of(db, case_officer, code_of(entity))) == 2
    # Out of scope: the file reads empty, not forbidden (the entity may have entries there).
    assert service.file_of(db, credit_officer(db, NINGBO), code_of(entity)) == []
    own = principal_for(make_user(db, Role.APPLICANT, [XIHU], entity_uscc=entity.uscc))
    assert [r.kind for r in service.file_of(db, own, code_of(entity))] == newest_first
    other = make_entity(db, "杭州另一家有限公司")
    stranger = principal_for(make_user(db, Role.APPLICANT, [XIHU], entity_uscc=other.uscc))
    for who in (stranger, ANONYMOUS):
        with pytest.raises(Problem) as refused:
            service.file_of(db, who, code_of(entity))
        assert refused.value.status == 403
