"""Searching entities by name and code, pagination, and exports (CSV and XLSX read back)."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ipprotect.core.auth import Principal, Role
from ipprotect.core.scope import Scope
from ipprotect.core.tabular import read_table
from ipprotect.registry import repository
from ipprotect.registry.models import EntityKind
from tests.factories import BINJIANG, HANGZHOU, XIHU
from tests.registry.factories import bearer, make_entity

ENTITIES = "/api/v1/registry/entities"


def _names(client: TestClient, headers: dict[str, str], **params: object) -> list[str]:
    response = client.get(ENTITIES, params={"size": 500, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return [item["name"] for item in response.json()["items"]]


def test_a_traditional_name_finds_the_simplified_record(client: TestClient, db: Session) -> None:
    make_entity(db, "杭州西湖龙井茶业有限公司")
    assert _names(client, bearer(db), q="杭州西湖龍井茶業") == ["杭州西湖龙井茶业有限公司"]


def test_a_simplified_name_finds_the_traditional_record(client: TestClient, db: Session) -> None:
    make_entity(db, "臺灣寶島貿易有限公司")
    assert _names(client, bearer(db), q="台湾宝岛贸易") == ["臺灣寶島貿易有限公司"]


def test_the_trade_name_without_the_city_finds_the_company(client: TestClient, db: Session) -> None:
    make_entity(db, "杭州西湖龙井茶业有限公司")
    make_entity(db, "西湖醋鱼餐饮有限公司")
    assert _names(client, bearer(db), q="西湖龙井") == ["杭州西湖龙井茶业有限公司"]


def test_the_full_name_with_its_legal_form_finds_the_company(
    client: TestClient, db: Session
) -> None:
    make_entity(db, "杭州西湖龙井茶业有限公司")
    assert _names(client, bearer(db), q="西湖龙井茶业有限公司") == ["杭州西湖龙井茶业有限公司"]


def test_a_word_inside_the_name_is_found_when_the_prefix_finds_nothing(
    client: TestClient, db: Session
) -> None:
    make_entity(db, "杭州西湖龙井茶业有限公司")
    assert _names(client, bearer(db), q="龙井茶业") == ["杭州西湖龙井茶业有限公司"]


def test_substring_search_can_be_asked_for(client: TestClient, db: Session) -> None:
    make_entity(db, "龙井山庄有限公司")
    make_entity(db, "杭州西湖龙井茶业有限公司")
    assert _names(client, bearer(db), q="龙井") == ["龙井山庄有限公司"]
    assert sorted(_names(client, bearer(db), q="龙井", match="contains")) == [
        "杭州西湖龙井茶业有限公司",
        "龙井山庄有限公司",
    ]


def test_a_uscc_typed_in_lower_case_with_spaces_finds_the_entity(
    client: TestClient, db: Session
) -> None:
    entity = make_entity(db, "代码查询有限公司")
    assert entity.uscc is not None
    typed = f" {entity.uscc[:8].lower()} {entity.uscc[8:].lower()} "
    assert _names(client, bearer(db), q=typed) == ["代码查询有限公司"]


def test_the_start_of_a_uscc_finds_the_entity(client: TestClient, db: Session) -> None:
    entity = make_entity(db, "代码前缀有限公司")
    assert entity.uscc is not None
    assert "代码前缀有限公司" in _names(client, bearer(db), q=entity.uscc[:12])


def test_filters_by_kind_and_region(client: TestClient, db: Session) -> None:
    make_entity(db, "筛选甲有限公司", region_code=XIHU)
    make_entity(db, "筛选乙有限公司", region_code=BINJIANG)
    make_entity(db, "筛选丙", kind=EntityKind.NATURAL_PERSON, region_code=XIHU)
    city = bearer(db, region_codes=[HANGZHOU])
    assert _names(client, city, q="筛选", region=BINJIANG, match="contains") == ["筛选乙有限公司"]
    assert _names(client, city, q="筛选", kind="natural_person", match="contains") == ["筛选丙"]


def test_pagination_walks_the_whole_result_once(client: TestClient, db: Session) -> None:
    made = sorted(make_entity(db, f"分页测试{i:02d}有限公司").name for i in range(7))
    headers = bearer(db)
    seen: list[str] = []
    for page in (1, 2, 3):
        body = client.get(
            ENTITIES, params={"q": "分页测试", "size": 3, "page": page}, headers=headers
        ).json()
        assert body["total"] == 7
        assert body["pages"] == 3
        seen += [item["name"] for item in body["items"]]
    assert seen == made


def test_lookup_finds_by_code_or_name_within_a_scope(db: Session) -> None:
    entity = make_entity(db, "被投诉人有限公司", region_code=BINJIANG)
    assert entity.uscc is not None
    assert repository.lookup(db, Scope.of([HANGZHOU]), entity.uscc.lower()) == [entity]
    assert repository.lookup(db, Scope.of([HANGZHOU]), "被投诉人") == [entity]
    assert repository.lookup(db, Scope.of([XIHU]), "被投诉人") == []


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_reads_back_with_the_current_filters(
    client: TestClient, db: Session, fmt: str
) -> None:
    make_entity(db, "导出甲有限公司", legal_representative="赵六")
    make_entity(db, "导出乙有限公司")
    make_entity(db, "不导出有限公司")
    response = client.get(
        f"{ENTITIES}/export", params={"format": fmt, "q": "导出"}, headers=bearer(db)
    )
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    table = read_table(response.content, f"out.{fmt}")
    assert table.header == repository.ENTITY_COLUMNS
    rows = {r.values["name"]: r.values for r in table.rows}
    assert set(rows) == {"导出甲有限公司", "导出乙有限公司"}
    assert rows["导出甲有限公司"]["legal_representative"] == "赵六"
    assert rows["导出甲有限公司"]["kind"] == "company"


def test_the_export_never_contains_entities_outside_the_scope(
    client: TestClient, db: Session
) -> None:
    make_entity(db, "范围内导出有限公司", region_code=XIHU)
    make_entity(db, "范围外导出有限公司", region_code=BINJIANG)
    response = client.get(
        f"{ENTITIES}/export", params={"q": "范围", "match": "contains"}, headers=bearer(db)
    )
    names = [r.values["name"] for r in read_table(response.content, "out.csv").rows]
    assert names == ["范围内导出有限公司"]


def test_the_export_masks_natural_persons_phone_and_address(
    client: TestClient, db: Session
) -> None:
    make_entity(
        db,
        "导出自然人",
        kind=EntityKind.NATURAL_PERSON,
        phone="13812345678",
        address="浙江省杭州市西湖区文三路100号",
        resident_id="11010519491231002X",
    )
    response = client.get(f"{ENTITIES}/export", params={"q": "导出自然人"}, headers=bearer(db))
    assert "11010519491231002X" not in response.text
    [row] = read_table(response.content, "out.csv").rows
    assert row.values["phone"] == "138****5678"
    assert "文三路" not in row.values["address"]


def test_an_applicant_exports_only_their_own_entity(db: Session) -> None:
    own = make_entity(db, "申请人导出有限公司")
    make_entity(db, "别家导出有限公司")
    applicant = Principal(None, "applicant", Role.APPLICANT, Scope.of([XIHU]), own.uscc)
    rows = list(
        repository.entity_rows(db, applicant, repository.EntityFilters(q="导出", match="contains"))
    )
    assert [r[0] for r in rows] == ["申请人导出有限公司"]
