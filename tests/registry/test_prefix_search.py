"""The prefix search as the service runs it for large registries: one branch for each way a name
may start with the text (its folded name, its core), so that each branch is a range of its own
index (see benchmarks/registry.py). An entity matched both ways is still listed once."""

from sqlalchemy.orm import Session

from ipprotect.core.auth import Principal, Role
from ipprotect.core.scope import Scope
from ipprotect.registry import repository
from tests.factories import BINJIANG, HANGZHOU, XIHU
from tests.registry.factories import make_entity

CITY_OFFICER = Principal(None, "officer", Role.OFFICER, Scope.of([HANGZHOU]))


def test_an_entity_whose_name_and_core_both_start_with_the_text_is_listed_once(
    db: Session,
) -> None:
    make_entity(db, "测序仪器有限公司")  # its name and its core start with 测序
    make_entity(db, "杭州测序科技有限公司")  # only its core does
    page = repository.list_entities(db, CITY_OFFICER, repository.EntityFilters(q="测序"))
    assert page.total == 2
    # In the order of the folded names: 杭 (U+676D) before 测 (U+6D4B).
    assert [e.name for e in page.items] == ["杭州测序科技有限公司", "测序仪器有限公司"]


def test_the_filters_apply_to_every_way_a_name_may_match(db: Session) -> None:
    make_entity(db, "测绘仪器有限公司", region_code=XIHU)
    make_entity(db, "杭州测绘科技有限公司", region_code=XIHU)
    make_entity(db, "测绘服务有限公司", region_code=BINJIANG)
    make_entity(db, "杭州测绘数据有限公司", region_code=BINJIANG)
    filters = repository.EntityFilters(q="测绘", region=XIHU)
    page = repository.list_entities(db, CITY_OFFICER, filters)
    assert page.total == 2
    assert [e.name for e in page.items] == ["杭州测绘科技有限公司", "测绘仪器有限公司"]
