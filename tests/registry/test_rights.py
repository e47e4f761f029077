"""IP rights: numbers validated per kind, Nice classes, owners in scope, lists, exports, audit."""

from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from ipprotect.core.audit import AuditEvent
from ipprotect.core.auth import Role
from ipprotect.core.tabular import read_table
from ipprotect.registry.models import RightKind
from tests.conftest import login
from tests.factories import BINJIANG, PASSWORD, XIHU, make_user
from tests.registry.factories import bearer, make_entity, make_right, patent_number

RIGHTS = "/api/v1/registry/rights"


def _errors(response: Response) -> dict[str, str]:
    return {e["field"]: e["code"] for e in response.json()["errors"]}


def test_a_trademark_needs_its_nice_classes(client: TestClient, db: Session) -> None:
    owner = make_entity(db)
    response = client.post(
        RIGHTS,
        json={"kind": "trademark", "number": "12345678", "title": "龙井", "owner_id": owner.id},
        headers=bearer(db),
    )
    assert response.status_code == 422
    assert _errors(response) == {"nice_classes": "required"}


def test_a_trademark_is_registered_with_its_classes_and_the_owners_region(
    client: TestClient, db: Session
) -> None:
    owner = make_entity(db, region_code=XIHU)
    response = client.post(
        RIGHTS,
        json={
            "kind": "trademark",
            "number": "第 23456789 号",
            "title": "西湖龙井",
            "owner_id": owner.id,
            "nice_classes": [35, 30, 30],
            "status": "registered",
        },
        headers=bearer(db),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["number"] == "23456789"
    assert body["nice_classes"] == [30, 35]
    assert body["region_code"] == XIHU
    assert body["owner"]["name"] == owner.name


def test_a_nice_class_outside_1_to_45_is_refused(client: TestClient, db: Session) -> None:
    owner = make_entity(db)
    response = client.post(
        RIGHTS,
        json={
            "kind": "trademark",
            "number": "345678",
            "title": "x",
            "owner_id": owner.id,
            "nice_classes": [46],
        },
        headers=bearer(db),
    )
    assert _errors(response) == {"nice_classes": "nice_class"}


def test_a_patent_number_is_checked_and_gives_the_patent_kind(
    client: TestClient, db: Session
) -> None:
    owner = make_entity(db)
    number = patent_number(type_digit="2")
    wrong = number[:-1] + ("1" if number[-1] != "1" else "2")
    headers = bearer(db)
    bad = client.post(
        RIGHTS,
        json={"kind": "patent", "number": wrong, "title": "茶叶揉捻机", "owner_id": owner.id},
        headers=headers,
    )
    assert _errors(bad) == {"number": "patent_checksum"}
    good = client.post(
        RIGHTS,
        json={
            "kind": "patent",
            "number": "CN" + number,
            "title": "茶叶揉捻机",
            "owner_id": owner.id,
        },
        headers=headers,
    )
    assert good.status_code == 201, good.text
    assert good.json()["number"] == number
    assert good.json()["patent_kind"] == "utility_model"


def test_the_same_number_cannot_be_registered_twice_for_one_kind(
    client: TestClient, db: Session
) -> None:
    owner = make_entity(db)
    right = make_right(db, owner, RightKind.PATENT)
    response = client.post(
        RIGHTS,
        json={"kind": "patent", "number": right.number, "title": "又一个", "owner_id": owner.id},
        headers=bearer(db),
    )
    assert _errors(response) == {"number": "number_taken"}


def test_a_trade_secret_has_no_number_and_no_classes(client: TestClient, db: Session) -> None:
    owner = make_entity(db)
    response = client.post(
        RIGHTS,
        json={
            "kind": "trade_secret",
            "number": "TS-1",
            "title": "配方",
            "owner_id": owner.id,
            "nice_classes": [1],
        },
        headers=bearer(db),
    )
    assert _errors(response) == {"number": "not_allowed", "nice_classes": "not_allowed"}
    ok = client.post(
        RIGHTS,
        json={"kind": "trade_secret", "title": "配方", "owner_id": owner.id},
        headers=bearer(db),
    )
    assert ok.status_code == 201
    assert ok.json()["number"] is None


def test_dates_must_follow_the_filing_date(client: TestClient, db: Session) -> None:
    owner = make_entity(db)
    response = client.post(
        RIGHTS,
        json={
            "kind": "copyright",
            "title": "茶园摄影集",
            "owner_id": owner.id,
            "filed_on": "2024-05-01",
            "granted_on": "2024-04-01",
            "expires_on": "2023-01-01",
        },
        headers=bearer(db),
    )
    assert _errors(response) == {"granted_on": "before_filing", "expires_on": "before_filing"}


def test_an_owner_outside_the_scope_is_unknown(client: TestClient, db: Session) -> None:
    theirs = make_entity(db, region_code=BINJIANG)
    response = client.post(
        RIGHTS,
        json={"kind": "copyright", "title": "作品", "owner_id": theirs.id},
        headers=bearer(db, region_codes=[XIHU]),
    )
    assert _errors(response) == {"owner_id": "unknown_owner"}


def test_rights_outside_the_scope_are_neither_listed_nor_shown(
    client: TestClient, db: Session
) -> None:
    ours = make_right(db, make_entity(db, region_code=XIHU))
    theirs = make_right(db, make_entity(db, region_code=BINJIANG))
    headers = bearer(db, region_codes=[XIHU])
    ids = {
        i["id"] for i in client.get(RIGHTS, params={"size": 500}, headers=headers).json()["items"]
    }
    assert ours.id in ids
    assert theirs.id not in ids
    assert client.get(f"{RIGHTS}/{theirs.id}", headers=headers).status_code == 404


def test_rights_are_filtered_by_nice_class_and_kind(client: TestClient, db: Session) -> None:
    owner = make_entity(db, "类别筛选有限公司")
    in_30 = make_right(db, owner, nice_classes="30")
    in_9 = make_right(db, owner, nice_classes="9")
    patent = make_right(db, owner, RightKind.PATENT)
    headers = bearer(db)
    by_class = client.get(RIGHTS, params={"owner_id": owner.id, "nice_class": 30}, headers=headers)
    assert [i["id"] for i in by_class.json()["items"]] == [in_30.id]
    by_kind = client.get(RIGHTS, params={"owner_id": owner.id, "kind": "patent"}, headers=headers)
    assert [i["id"] for i in by_kind.json()["items"]] == [patent.id]
    assert in_9.id not in [i["id"] for i in by_class.json()["items"]]


def test_rights_are_found_by_number_or_by_owner_name(client: TestClient, db: Session) -> None:
    owner = make_entity(db, "杭州权利人查询有限公司")
    right = make_right(db, owner, RightKind.PATENT)
    headers = bearer(db)
    assert right.number is not None
    for typed in (right.number, "CN " + right.number.replace(".", "")):
        found = client.get(RIGHTS, params={"q": typed}, headers=headers).json()["items"]
        assert [i["id"] for i in found] == [right.id]
    by_owner = client.get(RIGHTS, params={"q": "權利人查詢"}, headers=headers).json()["items"]
    assert [i["id"] for i in by_owner] == [right.id]


def test_an_edit_of_a_right_is_audited(client: TestClient, db: Session) -> None:
    right = make_right(db, make_entity(db), nice_classes="9")
    response = client.patch(
        f"{RIGHTS}/{right.id}",
        json={"nice_classes": [9, 42], "status": "registered"},
        headers=bearer(db),
    )
    assert response.status_code == 200, response.text
    assert response.json()["nice_classes"] == [9, 42]
    event = db.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "right.update", AuditEvent.object_id == str(right.id)
        )
    )
    assert event is not None
    assert event.before == {"nice_classes": [9], "status": "pending"}
    assert event.after == {"nice_classes": [9, 42], "status": "registered"}


def test_an_applicant_sees_only_their_own_rights(client: TestClient, db: Session) -> None:
    own = make_entity(db)
    mine = make_right(db, own)
    other = make_right(db, make_entity(db))
    user = make_user(db, Role.APPLICANT, entity_uscc=own.uscc)
    login(client, user.username, PASSWORD)
    assert [i["id"] for i in client.get(RIGHTS).json()["items"]] == [mine.id]
    assert client.get(f"{RIGHTS}/{other.id}").status_code == 404


def test_the_rights_export_reads_back(client: TestClient, db: Session) -> None:
    owner = make_entity(db, "商标导出有限公司")
    right = make_right(db, owner, nice_classes="30, 35", title="龙井商标")
    for fmt in ("csv", "xlsx"):
        response = client.get(
            f"{RIGHTS}/export", params={"format": fmt, "owner_id": owner.id}, headers=bearer(db)
        )
        [row] = read_table(response.content, f"out.{fmt}").rows
        assert row.values["number"] == right.number
        assert row.values["nice_classes"] == "30;35"
        assert row.values["owner_name"] == "商标导出有限公司"


def test_a_search_with_a_nul_byte_finds_nothing_rather_than_failing(
    client: TestClient, db: Session
) -> None:
    for path in ("/api/v1/registry/rights", "/api/v1/registry/entities"):
        response = client.get(path, params={"q": "\x00"}, headers=bearer(db))
        assert response.status_code == 200, response.text
