"""Case documents: each kind written in Chinese with its real content, the periods it quotes
taken from the rules of the issue day, the publicity deadline of a penalty decision on the
official calendar, the deposit in the evidence log, and who may issue and see what."""

import hashlib
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ipprotect.cases.channels import service as channels
from ipprotect.cases.documents import render, service
from ipprotect.cases.documents.kinds import DocumentKind
from ipprotect.cases.documents.models import CaseDocument
from ipprotect.cases.models import Case, Channel
from ipprotect.core import rules
from ipprotect.core.audit import AuditEvent
from ipprotect.core.auth import Principal, Role, principal_for
from ipprotect.core.errors import Problem
from ipprotect.evidence import deposit_reads, entries, keys, log, receipts, verify
from ipprotect.evidence.models import Deposit
from ipprotect.settings import Settings
from tests.cases.channel_factories import mediator, officer
from tests.cases.document_factories import (
    PENALTY,
    RULING,
    D,
    agreed_case,
    case_at,
    penalty_case,
    store,
)
from tests.factories import BINJIANG, make_user
from tests.registry.factories import make_entity

FACTS = {
    "facts": "当事人在其经营场所销售假冒“西湖龙井”注册商标的茶叶",
    "evidence": "现场检查笔录、询问笔录",
}


def issue(
    db: Session,
    case: Case,
    kind: str,
    on: str,
    values: dict[str, str],
    tmp_path: Path,
    who: Principal | None = None,
) -> CaseDocument:
    draft = service.DocumentDraft(kind, D(on), values)
    return service.issue(db, who or officer(db), case, draft, store(tmp_path))


def test_a_penalty_decision_states_the_measures_in_figures_and_capitals_and_the_remedies(
    db: Session, tmp_path: Path
) -> None:
    case = penalty_case(db, "2026-01-05")
    doc = issue(db, case, "penalty_decision", "2026-01-05", FACTS, tmp_path)
    assert doc.number == "杭市监知执罚字〔2026〕第1号"
    assert (doc.authority, doc.year, doc.sequence) == ("杭市监知", 2026, 1)
    html = doc.html
    assert "<h1>行政处罚决定书</h1>" in html
    assert "当事人：某某商贸有限公司" in html
    assert "经查，当事人在其经营场所销售假冒“西湖龙井”注册商标的茶叶" in html
    assert "依据《中华人民共和国商标法》第六十条第二款的规定" in html
    assert "<li>一、责令立即停止侵权行为；</li>" in html
    assert "<li>二、没收假冒“西湖龙井”注册商标的茶叶120盒；</li>" in html
    assert "<li>三、罚款人民币30,000.00元（大写：人民币叁万元整）。</li>" in html
    assert "自收到本决定书之日起15日内" in html  # penalties.fine_payment
    assert "60日内依法申请行政复议" in html  # remedies.reconsideration
    assert "6个月内依法向人民法院提起行政诉讼" in html  # remedies.lawsuit
    assert '<p class="date">2026年1月5日</p>' in html
    assert html.count("杭州市市场监督管理局（杭州市知识产权局）") == 2  # head and signature


def test_confiscated_gains_and_a_fine_are_both_written_in_capitals(
    db: Session, tmp_path: Path
) -> None:
    decision = PENALTY | {
        "measures": ["fine", "confiscate_gains"],
        "illegal_gains_fen": 1_234_567,
        "fine_fen": 10_000_000,
    }
    case = penalty_case(db, "2026-01-05", decision)
    html = issue(db, case, "penalty_decision", "2026-01-05", FACTS, tmp_path).html
    assert (
        "<li>一、没收违法所得人民币12,345.67元（大写：人民币壹万贰仟叁佰肆拾伍元陆角柒分）；</li>"
        in html
    )
    assert "<li>二、罚款人民币100,000.00元（大写：人民币壹拾万元整）。</li>" in html


def test_the_party_is_printed_as_the_registry_holds_it(db: Session, tmp_path: Path) -> None:
    entity = make_entity(
        db, "杭州某某茶业有限公司", legal_representative="李四", address="杭州市西湖区龙井路1号"
    )
    case = penalty_case(db, "2026-01-05", respondent_uscc=entity.uscc, respondent_name="某茶业")
    html = issue(db, case, "penalty_decision", "2026-01-05", FACTS, tmp_path).html
    assert "当事人：杭州某某茶业有限公司" in html
    assert f"统一社会信用代码：{entity.uscc}" in html
    assert "住所：杭州市西湖区龙井路1号" in html
    assert "法定代表人：李四" in html


def test_the_periods_a_decision_quotes_are_the_rules_of_the_issue_day(
    db: Session, tmp_path: Path
) -> None:
    # Before 2015-05-01 the Administrative Litigation Law gave 3 months to sue, since then 6.
    day = D("2026-01-05")
    assert rules.period("remedies.lawsuit", on=day) == {"amount": 6, "unit": "months"}
    assert rules.period("remedies.lawsuit", on=D("2015-04-30")) == {"amount": 3, "unit": "months"}
    assert rules.period("remedies.reconsideration", on=day) == {"amount": 60, "unit": "days"}
    assert rules.period("penalties.fine_payment", on=day) == {"amount": 15, "unit": "days"}
    case = penalty_case(db, "2026-01-05")
    doc = issue(db, case, "penalty_decision", "2026-01-05", FACTS, tmp_path)
    assert (doc.fields["lawsuit"], doc.fields["reconsideration"], doc.fields["payment"]) == (
        "6个月",
        "60日",
        "15日",
    )


def test_a_warning_alone_states_no_payment_and_is_not_published(
    db: Session, tmp_path: Path
) -> None:
    decision = PENALTY | {"measures": ["warning"], "fine_fen": None}
    case = penalty_case(db, "2025-09-26", decision)
    doc = issue(db, case, "penalty_decision", "2025-09-26", FACTS, tmp_path)
    assert "<li>一、警告。</li>" in doc.html
    assert "缴纳" not in doc.html
    assert doc.publicity_due is None


def test_a_warning_with_an_order_to_stop_has_no_publicity_deadline(
    db: Session, tmp_path: Path
) -> None:
    decision = PENALTY | {"measures": ["order_to_stop", "warning"], "fine_fen": None}
    case = penalty_case(db, "2025-09-26", decision)
    doc = issue(db, case, "penalty_decision", "2025-09-26", FACTS, tmp_path)
    assert "警告" in doc.html
    assert doc.publicity_due is None


def test_a_penalty_decision_is_published_within_7_working_days_over_national_day(
    db: Session, tmp_path: Path
) -> None:
    # 2025: Sep 28 (Sunday) is a makeup working day, Oct 1-8 are off, Oct 11 (Saturday) is a
    # makeup working day. From Friday Sep 26: Sep 28, 29, 30, Oct 9, 10, 11, 13.
    case = penalty_case(db, "2025-09-26")
    doc = issue(db, case, "penalty_decision", "2025-09-26", FACTS, tmp_path)
    assert doc.publicity_due == D("2025-10-13")
    assert doc.publicity_provisional is False


def test_a_decision_on_new_years_eve_counts_its_publicity_on_the_2026_calendar(
    db: Session, tmp_path: Path
) -> None:
    case = penalty_case(db, "2025-12-31")
    doc = issue(db, case, "penalty_decision", "2025-12-31", FACTS, tmp_path)
    # 2026: Jan 1-3 off, Jan 4 (Sunday) a makeup working day: Jan 4, 5, 6, 7, 8, 9, 12.
    assert doc.publicity_due == D("2026-01-12")
    assert doc.publicity_provisional is False


def test_the_penalty_decisions_to_publish_are_listed_in_scope_by_due_date(
    db: Session, tmp_path: Path
) -> None:
    late = penalty_case(db, "2025-10-09")
    early = penalty_case(db, "2025-09-26")
    elsewhere = penalty_case(db, "2025-09-26", region_code=BINJIANG)
    for case, on in ((late, "2025-10-09"), (early, "2025-09-26")):
        issue(db, case, "penalty_decision", on, FACTS, tmp_path)
    issue(db, elsewhere, "penalty_decision", "2025-09-26", FACTS, tmp_path, officer(db, BINJIANG))
    xihu_credit = principal_for(make_user(db, Role.CREDIT_OFFICER, ["330106"]))
    items = service.publicity_due(db, xihu_credit, D("2025-10-14"))
    mine = [i for i in items if i.document.case_id in (late.id, early.id, elsewhere.id)]
    assert [(i.document.case_id, i.document.publicity_due, i.overdue) for i in mine] == [
        (early.id, D("2025-10-13"), True),
        (late.id, D("2025-10-17"), False),  # Oct 10, 11 (makeup), 13, 14, 15, 16, 17
    ]
    due_by = service.publicity_due(db, xihu_credit, D("2025-10-14"), until=D("2025-10-13"))
    assert late.id not in [i.document.case_id for i in due_by]
    with pytest.raises(Problem) as refused:
        service.publicity_due(db, mediator(db)[1], D("2025-10-14"))
    assert refused.value.status == 403


def test_a_ruling_states_the_holding_and_the_15_days_to_sue(db: Session, tmp_path: Path) -> None:
    assert rules.period("adjudication.patent.sue_after_decision", on=D("2026-02-02")) == {
        "amount": 15,
        "unit": "days",
    }
    case = case_at(db, Channel.ADMIN_ADJUDICATION, "ruled", "2026-02-02", {"ruling": RULING})
    values = FACTS | {"requests": "判令被请求人停止制造、销售侵权产品"}
    doc = issue(db, case, "ruling", "2026-02-02", values, tmp_path)
    assert doc.number == "杭市监知裁字〔2026〕第1号"
    html = doc.html
    assert "<h1>行政裁决书</h1>" in html
    assert "请求人：张三" in html
    assert "被请求人：某某商贸有限公司" in html
    assert "请求人请求：判令被请求人停止制造、销售侵权产品" in html
    assert "本机关认为：被请求人制造、销售的产品落入涉案专利权利要求1的保护范围" in html
    assert "被请求人的行为构成侵权，责令被请求人立即停止侵权行为。" in html
    assert "自收到本裁决书之日起15日内依照《中华人民共和国行政诉讼法》向人民法院起诉" in html
    assert "申请人民法院强制执行" in html


def test_a_ruling_that_finds_no_infringement_dismisses_the_request(
    db: Session, tmp_path: Path
) -> None:
    ruling = RULING | {"infringement_found": False, "order_to_stop": False}
    case = case_at(db, Channel.ADMIN_ADJUDICATION, "ruled", "2026-02-02", {"ruling": ruling})
    values = FACTS | {"requests": "判令被请求人停止侵权"}
    html = issue(db, case, "ruling", "2026-02-02", values, tmp_path).html
    assert "被请求人的行为不构成侵权，驳回请求人的请求。" in html
    assert "强制执行" not in html


def test_a_mediation_agreement_quotes_the_30_day_confirmation_window(
    db: Session, tmp_path: Path
) -> None:
    case = agreed_case(db, "2025-09-01")
    values = {"dispute": "乙方销售侵犯甲方商标权的茶叶", "terms": "一、乙方赔偿甲方人民币一万元。"}
    doc = issue(db, case, "mediation_agreement", "2025-09-01", values, tmp_path)
    assert doc.number == "杭市监知调字〔2025〕第1号"
    assert "甲方：张三" in doc.html
    assert "乙方：某某商贸有限公司" in doc.html
    assert "一、乙方赔偿甲方人民币一万元。" in doc.html
    assert "自本协议生效之日起30日内，共同向有管辖权的人民法院申请司法确认" in doc.html
    assert "不能申请司法确认" not in doc.html
    assert doc.publicity_due is None


def test_an_ownership_agreement_says_it_cannot_be_judicially_confirmed(
    db: Session, tmp_path: Path
) -> None:
    case = agreed_case(db, "2025-09-01", decides_ownership=True)
    values = {"dispute": "双方就专利权归属发生争议", "terms": "一、涉案专利权归甲方所有。"}
    doc = issue(db, case, "mediation_agreement", "2025-09-02", values, tmp_path)
    assert "第三百五十五条第一款第五项的规定，不能申请司法确认" in doc.html
    assert "30日内" not in doc.html


def test_a_transfer_letter_goes_to_the_police_with_its_review_period(
    db: Session, tmp_path: Path
) -> None:
    case = case_at(db, Channel("criminal_transfer"), "approved", "2026-03-02")
    values = {
        "police": "杭州市公安局西湖区分局",
        "suspected_crime": "假冒注册商标罪",
        "facts": "当事人非法经营数额达人民币十万元",
        "materials": "案件调查报告一份；涉案物品清单一份",
    }
    doc = issue(db, case, "transfer_letter", "2026-03-02", values, tmp_path)
    assert doc.number == "杭市监知移字〔2026〕第1号"
    assert '<p class="addressee">杭州市公安局西湖区分局：</p>' in doc.html
    assert "发现其涉嫌假冒注册商标罪" in doc.html
    assert "请自接受移送之日起3日内依法审查" in doc.html  # criminal_transfer.police_review
    assert "附件：案件调查报告一份；涉案物品清单一份" in doc.html


def test_texts_are_escaped_in_the_document(db: Session, tmp_path: Path) -> None:
    case = penalty_case(db, "2026-01-05")
    values = FACTS | {"facts": '<script>alert("x")</script>'}
    html = issue(db, case, "penalty_decision", "2026-01-05", values, tmp_path).html
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_the_document_is_deposited_in_the_log_with_its_hash_and_audited(
    db: Session, tmp_path: Path
) -> None:
    case = penalty_case(db, "2026-01-05")
    doc = issue(db, case, "penalty_decision", "2026-01-05", FACTS, tmp_path)
    deposited = render.standalone(f"行政处罚决定书 {doc.number}", doc.html)
    assert doc.sha256 == hashlib.sha256(deposited).hexdigest()
    assert store(tmp_path).path(doc.sha256).read_bytes() == deposited
    deposit = db.get(Deposit, doc.deposit_id)
    assert deposit is not None
    assert (deposit.sha256, deposit.size, deposit.case_id) == (doc.sha256, len(deposited), case.id)
    assert deposit.media_type == "text/html"
    logged = deposit_reads.logged_entry(db, deposit)
    assert logged.matches
    assert logged.data is not None
    entry = entries.decode(logged.data)
    assert entry["kind"] == "decision"
    assert entry["metadata"]["number"] == doc.number
    assert entry["metadata"]["document_kind"] == "penalty_decision"
    event = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "case.document.penalty_decision")
    ).one()
    assert (event.object_type, event.object_id) == ("case", str(case.id))
    assert event.after is not None
    assert (event.after["number"], event.after["deposit_id"]) == (doc.number, deposit.id)


def test_the_printed_decision_verifies_offline_against_its_receipt(
    db: Session, settings: Settings, tmp_path: Path
) -> None:
    """Anyone holding the document's file and its receipt can check it against the log's key,
    without this platform: the file's hash is the logged one."""
    case = penalty_case(db, "2026-01-05")
    doc = issue(db, case, "penalty_decision", "2026-01-05", FACTS, tmp_path)
    deposit = db.get(Deposit, doc.deposit_id)
    assert deposit is not None
    assert log.publish(db, keys.log_signer(settings), settings.log_origin) is not None
    receipt = receipts.receipt_for(db, deposit.log_index)
    assert receipt is not None
    vkey = keys.log_signer(settings).verifier().to_text()
    printed = store(tmp_path).path(doc.sha256).read_bytes()
    report = verify.verify_receipt_text(receipt, vkey=vkey, file=io.BytesIO(printed))
    assert report.ok
    assert report.check("file").status is verify.Status.PASSED
    altered = printed.replace("叁万元".encode(), "叁仟元".encode())
    forged = verify.verify_receipt_text(receipt, vkey=vkey, file=io.BytesIO(altered))
    assert forged.check("file").status is verify.Status.FAILED


def test_an_agreement_is_logged_as_a_document_not_a_decision(db: Session, tmp_path: Path) -> None:
    case = agreed_case(db, "2025-09-01")
    values = {"dispute": "商标侵权纠纷", "terms": "乙方赔偿甲方一万元"}
    doc = issue(db, case, "mediation_agreement", "2025-09-01", values, tmp_path)
    deposit = db.get(Deposit, doc.deposit_id)
    assert deposit is not None
    data = deposit_reads.logged_entry(db, deposit).data
    assert data is not None
    assert json.loads(data)["kind"] == "document"


def test_only_the_kind_of_the_current_step_is_issued_and_only_once(
    db: Session, tmp_path: Path
) -> None:
    case = penalty_case(db, "2026-01-05")
    with pytest.raises(Problem) as wrong_kind:
        issue(db, case, "ruling", "2026-01-05", FACTS | {"requests": "x"}, tmp_path)
    assert (wrong_kind.value.status, wrong_kind.value.code) == (409, "document_not_allowed")
    issue(db, case, "penalty_decision", "2026-01-05", FACTS, tmp_path)
    with pytest.raises(Problem) as again:
        issue(db, case, "penalty_decision", "2026-01-05", FACTS, tmp_path)
    assert again.value.code == "already_issued"
    assert [s.kind for s in service.issuable(db, officer(db), case)] == []


def test_a_step_without_the_decision_recorded_issues_nothing(db: Session, tmp_path: Path) -> None:
    case = case_at(db, Channel.ADMIN_PENALTY, "decided", "2026-01-05", {})
    with pytest.raises(Problem) as missing:
        issue(db, case, "penalty_decision", "2026-01-05", FACTS, tmp_path)
    assert (missing.value.code, missing.value.detail) == ("step_data_incomplete", "decision")
    fine_without_amount = PENALTY | {"fine_fen": None}
    case = penalty_case(db, "2026-01-05", fine_without_amount)
    with pytest.raises(Problem) as no_amount:
        issue(db, case, "penalty_decision", "2026-01-05", FACTS, tmp_path)
    assert no_amount.value.detail == "fine_fen"
    assert db.scalars(select(CaseDocument).where(CaseDocument.case_id == case.id)).all() == []


def test_bad_input_is_refused_field_by_field_before_anything_is_numbered(
    db: Session, tmp_path: Path
) -> None:
    case = penalty_case(db, "2026-01-05")
    with pytest.raises(Problem) as bad:
        issue(
            db,
            case,
            "penalty_decision",
            "2026-01-05",
            {"facts": " ", "evidence": "x" * 20_001},
            tmp_path,
        )
    assert bad.value.status == 422
    assert [(e.field, e.code) for e in bad.value.errors] == [
        ("facts", "required"),
        ("evidence", "too_long"),
    ]
    with pytest.raises(Problem) as early:
        issue(db, case, "penalty_decision", "2026-01-04", FACTS, tmp_path)
    assert [(e.field, e.code) for e in early.value.errors] == [
        ("issued_on", "before_previous_step")
    ]
    with pytest.raises(Problem) as future:
        issue(db, case, "penalty_decision", "2999-01-01", FACTS, tmp_path)
    assert [e.code for e in future.value.errors] == ["in_future"]
    with pytest.raises(Problem) as extra:
        issue(db, case, "penalty_decision", "2026-01-05", FACTS | {"terms": "x"}, tmp_path)
    assert [(e.field, e.code) for e in extra.value.errors] == [("terms", "unknown_field")]
    with pytest.raises(Problem) as unknown:
        issue(db, case, "licence", "2026-01-05", FACTS, tmp_path)
    assert [(e.field, e.code) for e in unknown.value.errors] == [("kind", "invalid_choice")]
    doc = issue(db, case, "penalty_decision", "2026-01-05", FACTS, tmp_path)
    assert doc.sequence == 1  # the refused attempts took no number


def test_a_region_without_an_authority_cannot_issue(db: Session, tmp_path: Path) -> None:
    case = penalty_case(db, "2026-01-05", region_code="320102")  # Nanjing: none configured
    who = officer(db, "320102")
    with pytest.raises(Problem) as none:
        issue(db, case, "penalty_decision", "2026-01-05", FACTS, tmp_path, who)
    assert (none.value.status, none.value.code) == (409, "no_authority")


def test_who_may_issue_and_see_documents(db: Session, tmp_path: Path) -> None:
    case = penalty_case(db, "2026-01-05")
    outsider = officer(db, BINJIANG)
    with pytest.raises(Problem) as hidden:
        service.get_case(db, outsider, case.id)
    assert hidden.value.status == 404
    unassigned = mediator(db)[1]
    with pytest.raises(Problem) as not_theirs:
        service.get_case(db, unassigned, case.id)
    assert not_theirs.value.status == 404
    with pytest.raises(Problem) as refused:
        issue(db, case, "penalty_decision", "2026-01-05", FACTS, tmp_path, unassigned)
    assert refused.value.status == 403
    applicant = principal_for(make_user(db, Role.APPLICANT, ["330106"]))
    with pytest.raises(Problem) as not_an_officer:
        service.get_case(db, applicant, case.id)
    assert not_an_officer.value.status == 404


def test_the_assigned_mediator_issues_the_agreement(db: Session, tmp_path: Path) -> None:
    case = agreed_case(db, "2025-09-01")
    user, who = mediator(db)
    step = channels.current_step(db, case)
    assert step is not None
    step.assignee_id = user.id
    assert [s.kind for s in service.issuable(db, who, case)] == [DocumentKind.MEDIATION_AGREEMENT]
    values = {"dispute": "商标侵权纠纷", "terms": "乙方赔偿甲方一万元"}
    doc = issue(db, case, "mediation_agreement", "2025-09-01", values, tmp_path, who)
    assert doc.issued_by == user.id
