"""The entity API: validation with field codes, audit, scope, roles, personal data."""

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ipprotect.core.audit import AuditEvent
from ipprotect.core.auth import Role
from ipprotect.registry.models import EntityKind
from tests.conftest import login
from tests.factories import BINJIANG, HANGZHOU, PASSWORD, XIHU, make_user
from tests.registry.factories import bearer, make_entity, uscc, uscc_failing_org_check

ENTITIES = "/api/v1/registry/entities"


def test_an_invalid_uscc_is_refused_with_its_field_and_code(
    client: TestClient, db: Session
) -> None:
    good = uscc()
    mistyped = good[:-1] + ("1" if good[-1] != "1" else "2")
    response = client.post(
        ENTITIES, json={"name": "西湖茶业有限公司", "uscc": mistyped}, headers=bearer(db)
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert {"field": "uscc", "code": "uscc_checksum"} in [
        {"field": e["field"], "code": e["code"]} for e in response.json()["errors"]
    ]


def test_all_bad_fields_are_reported_at_once(client: TestClient, db: Session) -> None:
    response = client.post(
        ENTITIES,
        json={"name": " ", "uscc": "123", "region_code": "999999", "email": "nope", "phone": "x"},
        headers=bearer(db),
    )
    assert response.status_code == 422
    codes = {e["field"]: e["code"] for e in response.json()["errors"]}
    assert codes == {
        "name": "required",
        "uscc": "uscc_length",
        "region_code": "unknown_region",
        "email": "invalid_email",
        "phone": "invalid_phone",
    }


def test_a_valid_entity_is_created_normalised_and_audited(client: TestClient, db: Session) -> None:
    code = uscc(XIHU)
    spaced = " ".join([code[:6], code[6:12], code[12:]]).lower()
    response = client.post(
        ENTITIES,
        json={"name": "杭州西湖龍井茶業有限公司", "uscc": spaced, "legal_representative": "王五"},
        headers=bearer(db),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["uscc"] == code
    assert body["region_code"] == XIHU  # taken from the credit code
    assert body["warnings"] == []
    event = db.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "entity.create", AuditEvent.object_id == str(body["id"])
        )
    )
    assert event is not None
    assert event.after is not None
    assert event.after["uscc"] == code
    assert event.region_code == XIHU


def test_an_org_code_warning_is_shown_but_does_not_block_saving(
    client: TestClient, db: Session
) -> None:
    response = client.post(
        ENTITIES,
        json={"name": "警告测试有限公司", "uscc": uscc_failing_org_check()},
        headers=bearer(db),
    )
    assert response.status_code == 201, response.text
    assert [w["code"] for w in response.json()["warnings"]] == ["org_code_checksum"]


def test_a_taken_uscc_is_refused(client: TestClient, db: Session) -> None:
    entity = make_entity(db)
    response = client.post(
        ENTITIES, json={"name": "另一家公司", "uscc": entity.uscc}, headers=bearer(db)
    )
    assert response.status_code == 422
    assert [e["code"] for e in response.json()["errors"]] == ["uscc_taken"]


def test_a_region_outside_the_callers_scope_is_refused(client: TestClient, db: Session) -> None:
    response = client.post(
        ENTITIES,
        json={"name": "滨江科技有限公司", "uscc": uscc(BINJIANG)},
        headers=bearer(db, region_codes=[XIHU]),
    )
    assert response.status_code == 422
    assert {e["field"]: e["code"] for e in response.json()["errors"]} == {
        "region_code": "out_of_scope"
    }


def test_an_edit_is_audited_with_before_and_after(client: TestClient, db: Session) -> None:
    entity = make_entity(db, "西湖旧名有限公司")
    response = client.patch(
        f"{ENTITIES}/{entity.id}", json={"name": "西湖新名有限公司"}, headers=bearer(db)
    )
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "西湖新名有限公司"
    event = db.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "entity.update", AuditEvent.object_id == str(entity.id)
        )
    )
    assert event is not None
    assert event.before == {"name": "西湖旧名有限公司"}
    assert event.after == {"name": "西湖新名有限公司"}


def test_an_edit_that_changes_nothing_writes_no_audit_event(
    client: TestClient, db: Session
) -> None:
    entity = make_entity(db)
    response = client.patch(
        f"{ENTITIES}/{entity.id}", json={"name": entity.name}, headers=bearer(db)
    )
    assert response.status_code == 200
    updates = select(AuditEvent).where(
        AuditEvent.action == "entity.update", AuditEvent.object_id == str(entity.id)
    )
    assert db.scalar(updates) is None


def test_an_officer_of_xihu_cannot_see_or_edit_an_entity_of_binjiang(
    client: TestClient, db: Session
) -> None:
    theirs = make_entity(db, "滨江邻居有限公司", region_code=BINJIANG)
    ours = make_entity(db, "西湖自家有限公司", region_code=XIHU)
    headers = bearer(db, region_codes=[XIHU])
    assert client.get(f"{ENTITIES}/{theirs.id}", headers=headers).status_code == 404
    patch = client.patch(f"{ENTITIES}/{theirs.id}", json={"name": "改名"}, headers=headers)
    assert patch.status_code == 404
    listed = client.get(ENTITIES, params={"size": 500}, headers=headers).json()
    ids = {item["id"] for item in listed["items"]}
    assert ours.id in ids
    assert theirs.id not in ids
    # A city officer sees both districts.
    city = bearer(db, region_codes=[HANGZHOU])
    assert client.get(f"{ENTITIES}/{theirs.id}", headers=city).status_code == 200


def test_moving_an_entity_out_of_scope_is_refused(client: TestClient, db: Session) -> None:
    entity = make_entity(db)
    response = client.patch(
        f"{ENTITIES}/{entity.id}", json={"region_code": BINJIANG}, headers=bearer(db)
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "out_of_scope"


def test_an_applicant_sees_only_their_own_entity(client: TestClient, db: Session) -> None:
    own = make_entity(db, "申请人自己的有限公司")
    other = make_entity(db, "别人的有限公司")
    user = make_user(db, Role.APPLICANT, entity_uscc=own.uscc)
    login(client, user.username, PASSWORD)
    listed = client.get(ENTITIES).json()
    assert [item["id"] for item in listed["items"]] == [own.id]
    assert client.get(f"{ENTITIES}/{other.id}").status_code == 404
    assert client.get(f"{ENTITIES}/{own.id}").status_code == 200


def test_an_applicant_may_not_write(client: TestClient, db: Session) -> None:
    own = make_entity(db)
    user = make_user(db, Role.APPLICANT, entity_uscc=own.uscc)
    csrf = login(client, user.username, PASSWORD)
    response = client.patch(
        f"{ENTITIES}/{own.id}", json={"name": "自己改名"}, headers={"X-CSRF-Token": csrf}
    )
    assert response.status_code == 403


def test_the_public_and_system_tokens_have_no_access(client: TestClient, db: Session) -> None:
    assert client.get(ENTITIES).status_code == 401
    assert client.get(ENTITIES, headers=bearer(db, Role.SYSTEM)).status_code == 403


def test_readers_may_not_write(client: TestClient, db: Session) -> None:
    for role in (Role.MEDIATOR, Role.EVALUATOR):
        headers = bearer(db, role)
        assert client.get(ENTITIES, headers=headers).status_code == 200
        response = client.post(ENTITIES, json={"name": "x", "uscc": uscc()}, headers=headers)
        assert response.status_code == 403


def test_a_natural_persons_personal_data_is_masked_except_for_record_keepers(
    client: TestClient, db: Session
) -> None:
    person = make_entity(
        db,
        "张三",
        kind=EntityKind.NATURAL_PERSON,
        resident_id="11010519491231002X",
        phone="13812345678",
        address="浙江省杭州市西湖区文三路100号",
    )
    officer = client.get(f"{ENTITIES}/{person.id}", headers=bearer(db)).json()
    assert officer["resident_id"] == "11010519491231002X"
    assert officer["phone"] == "13812345678"
    mediator = client.get(f"{ENTITIES}/{person.id}", headers=bearer(db, Role.MEDIATOR)).json()
    assert mediator["resident_id"] == "110105********002X"
    assert mediator["phone"] == "138****5678"
    assert "文三路" not in mediator["address"]
    listed = client.get(ENTITIES, params={"q": "张三"}, headers=bearer(db)).json()["items"]
    assert listed[0]["resident_id"] == "110105********002X"


def test_a_natural_person_has_no_uscc_and_only_they_have_a_resident_id(
    client: TestClient, db: Session
) -> None:
    response = client.post(
        ENTITIES,
        json={"name": "李四", "kind": "natural_person", "uscc": uscc(), "region_code": XIHU},
        headers=bearer(db),
    )
    assert {e["field"]: e["code"] for e in response.json()["errors"]} == {"uscc": "not_allowed"}
    response = client.post(
        ENTITIES,
        json={"name": "某公司", "uscc": uscc(), "resident_id": "11010519491231002X"},
        headers=bearer(db),
    )
    assert {e["field"]: e["code"] for e in response.json()["errors"]} == {
        "resident_id": "not_allowed"
    }


def test_an_id_beyond_the_id_range_is_bad_input_not_a_server_error(
    client: TestClient, db: Session
) -> None:
    """Found by the API fuzz test: SQLite and PostgreSQL drivers raised on the number."""
    officer = make_user(db, Role.OFFICER, [XIHU])
    login(client, officer.username, PASSWORD)
    assert client.get(f"/api/v1/registry/entities/{2**31}").status_code == 422
    assert (
        client.get(f"/registry/entities/{2**31}", headers={"accept": "text/html"}).status_code
        == 422
    )
