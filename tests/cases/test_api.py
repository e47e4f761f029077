"""The cases API: filing, reading in scope, deciding, and importing hotline tickets."""

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ipprotect.core.auth import Role
from tests.cases.factories import make_case
from tests.factories import BINJIANG, XIHU
from tests.registry.factories import bearer


def _body(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "region_code": XIHU,
        "complainant_name": "赵六",
        "complainant_phone": "13812345678",
        "complainant_resident_id": "11010519491231002X",
        "respondent_name": "某商店",
        "facts": "销售盗版图书",
        "received_on": "2025-01-24",
        "amount_claimed": "3000",
    }
    return body | changes


def test_filing_answers_with_the_tracking_code_and_the_acceptance_deadline(
    client: TestClient, db: Session
) -> None:
    response = client.post("/api/v1/cases", json=_body(), headers=bearer(db, Role.SYSTEM))
    assert response.status_code == 201, response.text
    case = response.json()
    assert case["acceptance_due"] == "2025-02-10"
    assert case["acceptance_due_provisional"] is False
    assert len(case["tracking_code"]) == 12
    assert case["amount_claimed"] == "3000.00"
    # A system is not the handling office: personal data arrives masked.
    assert case["complainant_resident_id"] == "110105********002X"
    assert case["complainant_phone"] == "138****5678"


def test_bad_input_is_a_422_with_field_codes(client: TestClient, db: Session) -> None:
    response = client.post(
        "/api/v1/cases", json=_body(amount_claimed="1e9"), headers=bearer(db, Role.SYSTEM)
    )
    assert response.status_code == 422
    assert [e["code"] for e in response.json()["errors"]] == ["invalid_amount"]


def test_another_districts_officer_gets_404(client: TestClient, db: Session) -> None:
    case = make_case(db)
    outsider = bearer(db, Role.OFFICER, [BINJIANG])
    assert client.get(f"/api/v1/cases/{case.id}", headers=outsider).status_code == 404
    assert client.post(f"/api/v1/cases/{case.id}/accept", headers=outsider).status_code == 404
    listed = client.get("/api/v1/cases", headers=outsider).json()
    assert listed["total"] == 0


def test_the_list_is_sorted_by_acceptance_deadline_and_exports(
    client: TestClient, db: Session
) -> None:
    late = make_case(db, received_on="2025-03-03")
    early = make_case(db, received_on="2025-01-24")
    officer = bearer(db, Role.OFFICER, [XIHU])
    items = client.get("/api/v1/cases", headers=officer).json()["items"]
    codes = [i["tracking_code"] for i in items]
    assert codes.index(early.tracking_code) < codes.index(late.tracking_code)
    csv = client.get("/api/v1/cases/export?format=csv", headers=officer)
    assert csv.status_code == 200
    text = csv.content.decode("utf-8-sig")
    assert early.tracking_code in text
    assert "138****5678" in text
    xlsx = client.get("/api/v1/cases/export?format=xlsx", headers=officer)
    assert xlsx.content.startswith(b"PK")


def test_an_officer_accepts_and_overrides_triage_through_the_api(
    client: TestClient, db: Session
) -> None:
    case = make_case(db)
    officer = bearer(db, Role.OFFICER, [XIHU])
    accepted = client.post(f"/api/v1/cases/{case.id}/accept", headers=officer)
    assert accepted.json()["status"] == "accepted"
    again = client.post(f"/api/v1/cases/{case.id}/reject", json={"reason": "x"}, headers=officer)
    assert again.status_code == 409
    changed = client.post(
        f"/api/v1/cases/{case.id}/track",
        json={"track": "complex", "reason": "涉及多个权利人"},
        headers=officer,
    )
    assert changed.json()["track"] == "complex"
    assert changed.json()["track_override_reason"] == "涉及多个权利人"


def test_a_12345_export_in_gb18030_is_imported_with_row_errors(
    client: TestClient, db: Session
) -> None:
    csv = (
        "工单编号,受理时间,诉求人,联系电话,被反映对象,诉求内容\n"
        "T-001,2025/1/24 09:12:00,孙七,13700000000,某超市,销售假冒商标的白酒\n"
        "T-002,,周八,13700000001,某网店,盗版\n"
        "T-003,2025-02-30,吴九,13700000002,某店,侵权\n"
        "T-001,2025/1/24 09:12:00,孙七,13700000000,某超市,重复工单\n"
    ).encode("gb18030")
    officer = bearer(db, Role.OFFICER, [XIHU])
    started = client.post(
        "/api/v1/cases/import",
        files={"file": ("12345.csv", csv, "text/csv")},
        data={"hotline": "hotline_12345", "region_code": XIHU},
        headers=officer,
    )
    assert started.status_code == 202, started.text
    job = client.get(started.json()["url"], headers=officer).json()
    assert job["status"] == "succeeded"
    assert job["counts"] == {"created": 1, "failed": 2, "skipped": 1}
    assert [(e["row"], e["field"]) for e in job["errors"]] == [
        (3, "received_on"),
        (4, "received_on"),
    ]
    assert [n["row"] for n in job["notes"]] == [5]
    items = client.get("/api/v1/cases?q=孙七", headers=officer).json()["items"]
    assert [(i["received_on"], i["acceptance_due"]) for i in items] == [
        ("2025-01-24", "2025-02-10")
    ]
