"""Documents through the API and the pages: issue, list, read as JSON and as the deposited HTML,
the publicity list, the printable page, the form's field errors, and scope."""

import hashlib

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ipprotect.core.auth import Role
from tests.cases.document_factories import agreed_case, penalty_case
from tests.conftest import login
from tests.factories import BINJIANG, PASSWORD, XIHU, make_user
from tests.registry.factories import bearer

FACTS = {"facts": "当事人销售假冒注册商标的茶叶", "evidence": "现场检查笔录"}


def test_an_officer_issues_a_penalty_decision_and_reads_it_back(
    client: TestClient, db: Session
) -> None:
    case = penalty_case(db, "2025-09-26")
    head = bearer(db, Role.OFFICER, [XIHU])
    url = f"/api/v1/cases/{case.id}/documents"
    before = client.get(url, headers=head).json()
    assert before == {"items": [], "issuable": ["penalty_decision"]}
    made = client.post(
        url,
        json={"kind": "penalty_decision", "issued_on": "2025-09-26", "values": FACTS},
        headers=head,
    )
    assert made.status_code == 201, made.text
    doc = made.json()
    assert made.headers["Location"] == f"{url}/{doc['id']}"
    assert doc["number"] == "杭市监知执罚字〔2025〕第1号"
    assert (doc["issued_on"], doc["publicity_due"]) == ("2025-09-26", "2025-10-13")
    assert doc["fields"]["measures"][2]["text"] == "罚款人民币30,000.00元（大写：人民币叁万元整）"
    assert doc["receipt_url"] == f"/api/v1/evidence/deposits/{doc['deposit_id']}/receipt"
    listed = client.get(url, headers=head).json()
    assert ([d["id"] for d in listed["items"]], listed["issuable"]) == ([doc["id"]], [])
    one = client.get(f"{url}/{doc['id']}", headers=head)
    assert one.json()["sha256"] == doc["sha256"]
    html = client.get(doc["html_url"], headers=head)
    assert html.headers["content-type"] == "text/html; charset=utf-8"
    assert hashlib.sha256(html.content).hexdigest() == doc["sha256"]
    assert "行政处罚决定书" in html.text
    deposit = client.get(doc["deposit_url"], headers=head).json()
    assert (deposit["sha256"], deposit["case_id"]) == (doc["sha256"], case.id)


def test_the_api_refuses_bad_input_with_problem_details(client: TestClient, db: Session) -> None:
    case = penalty_case(db, "2025-09-26")
    head = bearer(db, Role.OFFICER, [XIHU])
    url = f"/api/v1/cases/{case.id}/documents"
    missing = client.post(url, json={"kind": "penalty_decision", "values": {}}, headers=head)
    assert missing.status_code == 422
    assert missing.headers["content-type"] == "application/problem+json"
    assert [(e["field"], e["code"]) for e in missing.json()["errors"]] == [
        ("facts", "required"),
        ("evidence", "required"),
    ]
    wrong = client.post(url, json={"kind": "ruling", "values": FACTS}, headers=head)
    assert (wrong.status_code, wrong.json()["code"]) == (409, "document_not_allowed")
    unknown = client.post(url, json={"kind": "licence"}, headers=head)
    assert unknown.status_code == 422


def test_documents_are_out_of_reach_outside_the_cases_scope(
    client: TestClient, db: Session
) -> None:
    case = penalty_case(db, "2025-09-26")
    head = bearer(db, Role.OFFICER, [XIHU])
    url = f"/api/v1/cases/{case.id}/documents"
    doc = client.post(url, json={"kind": "penalty_decision", "values": FACTS}, headers=head)
    assert doc.status_code == 201, doc.text
    other = bearer(db, Role.OFFICER, [BINJIANG])
    assert client.get(url, headers=other).status_code == 404
    assert client.get(f"{url}/{doc.json()['id']}", headers=other).status_code == 404
    assert client.post(url, json={"kind": "penalty_decision"}, headers=other).status_code == 404
    system = bearer(db, Role.SYSTEM, [XIHU])
    assert client.get(url, headers=system).status_code == 403
    assert client.get(url).status_code == 401


def test_the_publicity_list_shows_the_decisions_due_in_scope(
    client: TestClient, db: Session
) -> None:
    mine = penalty_case(db, "2025-09-26")
    theirs = penalty_case(db, "2025-09-26", region_code=BINJIANG)
    for case, region in ((mine, XIHU), (theirs, BINJIANG)):
        made = client.post(
            f"/api/v1/cases/{case.id}/documents",
            json={"kind": "penalty_decision", "issued_on": "2025-09-26", "values": FACTS},
            headers=bearer(db, Role.OFFICER, [region]),
        )
        assert made.status_code == 201, made.text
    credit = bearer(db, Role.CREDIT_OFFICER, [XIHU])
    listed = client.get("/api/v1/cases/documents/publicity", headers=credit).json()
    cases = [i["document"]["case_id"] for i in listed]
    assert mine.id in cases
    assert theirs.id not in cases
    item = next(i for i in listed if i["document"]["case_id"] == mine.id)
    assert (item["document"]["publicity_due"], item["overdue"]) == ("2025-10-13", True)
    none_yet = client.get(
        "/api/v1/cases/documents/publicity?until=2025-10-12", headers=credit
    ).json()
    assert mine.id not in [i["document"]["case_id"] for i in none_yet]
    mediator = bearer(db, Role.MEDIATOR, [XIHU])
    assert client.get("/api/v1/cases/documents/publicity", headers=mediator).status_code == 403


@pytest.mark.parametrize(
    ("locale", "section", "issue"),
    [
        ("zh_CN", "决定与文书", "制作：调解协议书"),
        ("en", "Decisions and documents", "Issue: Mediation agreement"),
    ],
)
def test_an_officer_issues_an_agreement_from_the_case_page_and_prints_it(
    client: TestClient, db: Session, locale: str, section: str, issue: str
) -> None:
    case = agreed_case(db, "2025-09-01")
    officer = make_user(db, Role.OFFICER, [XIHU])
    token = login(client, officer.username, PASSWORD)
    client.get(f"/lang/{locale}?next=/")
    page = client.get(f"/cases/{case.id}")
    assert section in page.text
    assert issue in page.text
    form = client.get(f"/cases/{case.id}/documents/new?kind=mediation_agreement")
    assert form.status_code == 200
    assert 'name="terms"' in form.text
    refused = client.post(
        f"/cases/{case.id}/documents",
        data={"kind": "mediation_agreement", "dispute": "商标纠纷", "csrf_token": token},
    )
    assert refused.status_code == 422
    assert 'id="e-terms"' in refused.text
    assert "商标纠纷" in refused.text  # what was typed is kept
    issued = client.post(
        f"/cases/{case.id}/documents",
        data={
            "kind": "mediation_agreement",
            "dispute": "商标纠纷",
            "terms": "乙方赔偿甲方人民币一万元",
            "issued_on": "2025-09-01",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert issued.status_code == 303, issued.text
    printable = client.get(issued.headers["Location"])
    assert printable.status_code == 200
    assert "<h1>调解协议书</h1>" in printable.text
    assert "杭市监知调字〔2025〕第1号" in printable.text
    assert "@page { size: A4;" in printable.text
    assert "@media print { .document-record { display: none !important; }" in printable.text
    assert 'id="deposit-link"' in printable.text
    case_page = client.get(f"/cases/{case.id}")
    assert "杭市监知调字〔2025〕第1号" in case_page.text
    assert {"zh_CN": "制作调解协议书", "en": "Mediation agreement issued"}[locale] in case_page.text
    assert issue not in case_page.text  # issued once


def test_the_form_of_a_kind_the_step_does_not_allow_is_refused(
    client: TestClient, db: Session
) -> None:
    case = agreed_case(db, "2025-09-01")
    officer = make_user(db, Role.OFFICER, [XIHU])
    login(client, officer.username, PASSWORD)
    refused = client.get(f"/cases/{case.id}/documents/new?kind=penalty_decision")
    assert refused.status_code == 409


def test_a_credit_officer_sees_the_decisions_to_publish_on_a_page(
    client: TestClient, db: Session
) -> None:
    case = penalty_case(db, "2025-09-26")
    made = client.post(
        f"/api/v1/cases/{case.id}/documents",
        json={"kind": "penalty_decision", "issued_on": "2025-09-26", "values": FACTS},
        headers=bearer(db, Role.OFFICER, [XIHU]),
    )
    assert made.status_code == 201, made.text
    credit = make_user(db, Role.CREDIT_OFFICER, [XIHU])
    login(client, credit.username, PASSWORD)
    page = client.get("/cases/documents/publicity")
    assert page.status_code == 200
    assert "待公示的行政处罚决定" in page.text
    assert f'<tr data-case="{case.id}">' in page.text
    assert "2025-10-13" in page.text
    assert f'href="/cases/{case.id}/documents/' not in page.text  # no access to case pages
