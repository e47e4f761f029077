"""Registry pages: forms with translated errors next to their fields, lists with filters and
export links, detail pages with rights and history, scope and roles."""

import re
from urllib.parse import parse_qs, urlparse

from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy.orm import Session

from ipprotect.core.auth import Principal, Role, principal_for
from ipprotect.core.scope import Scope
from ipprotect.registry import repository
from ipprotect.registry.models import EntityKind
from tests.conftest import login
from tests.factories import BINJIANG, PASSWORD, XIHU, make_user
from tests.registry.factories import make_entity, make_right, uscc, uscc_failing_org_check

HTML = {"accept": "text/html"}


def _officer(client: TestClient, db: Session, role: Role = Role.OFFICER) -> str:
    user = make_user(db, role, region_codes=[XIHU])
    return login(client, user.username, PASSWORD)


def _post_entity(client: TestClient, csrf: str, **fields: str) -> Response:
    form = {"name": "", "uscc": "", "kind": "company", "region_code": "", **fields}
    return client.post(
        "/registry/entities/new", data={"csrf_token": csrf, **form}, follow_redirects=False
    )


def test_an_invalid_uscc_is_shown_in_chinese_next_to_the_field(
    client: TestClient, db: Session
) -> None:
    csrf = _officer(client, db)
    good = uscc(XIHU)
    mistyped = good[:-1] + ("1" if good[-1] != "1" else "2")
    response = _post_entity(client, csrf, name="西湖表单有限公司", uscc=mistyped)
    assert response.status_code == 422
    page = response.text
    assert re.search(r'id="f-uscc" name="uscc"[^>]*aria-invalid="true"', page)
    error = re.search(r'<p id="e-uscc" class="error" role="alert">([^<]+)</p>', page)
    assert error is not None
    assert "校验" in error.group(1)  # "the check character does not match", in Chinese
    assert 'value="西湖表单有限公司"' in page  # what was typed is kept
    assert 'id="e-name"' not in page
    assert 'id="e-region_code"' not in page  # the region comes from the code once it is right


def test_a_corrected_form_registers_the_entity_and_lists_it(
    client: TestClient, db: Session
) -> None:
    csrf = _officer(client, db)
    response = _post_entity(client, csrf, name="西湖改正有限公司", uscc=uscc(XIHU))
    assert response.status_code == 303
    detail = client.get(response.headers["location"])
    assert "市场主体已登记。" in detail.text
    assert "西湖区" in detail.text
    listed = client.get("/registry/entities", params={"q": "西湖改正"})
    assert "西湖改正有限公司" in listed.text


def test_a_uscc_warning_is_shown_after_saving(client: TestClient, db: Session) -> None:
    csrf = _officer(client, db)
    response = _post_entity(client, csrf, name="警告页面有限公司", uscc=uscc_failing_org_check())
    detail = client.get(response.headers["location"])
    assert "已保存，但请核实" in detail.text
    assert "GB 11714" in detail.text


def test_the_list_in_english_offers_exports_that_carry_the_filters(
    client: TestClient, db: Session
) -> None:
    _officer(client, db)
    make_entity(db, "西湖英文有限公司")
    client.get("/lang/en?next=/registry/entities")
    page = client.get("/registry/entities", params={"q": "西湖英文", "kind": "company"})
    assert "Market entities" in page.text
    assert "西湖英文有限公司" in page.text
    links = dict(re.findall(r'href="([^"]+)" data-export="(csv|xlsx)"', page.text))
    assert set(links.values()) == {"csv", "xlsx"}
    for href, fmt in links.items():
        params = parse_qs(urlparse(href.replace("&amp;", "&")).query)
        assert params == {
            "format": [fmt],
            "q": ["西湖英文"],
            "kind": ["company"],
            "match": ["auto"],
        }
        export = client.get(href.replace("&amp;", "&"))
        assert export.status_code == 200
        assert "attachment" in export.headers["content-disposition"]


def test_an_edit_shows_in_the_history_of_the_record(client: TestClient, db: Session) -> None:
    csrf = _officer(client, db)
    entity = make_entity(db, "历史旧名有限公司")
    form = client.get(f"/registry/entities/{entity.id}/edit").text
    assert 'value="历史旧名有限公司"' in form
    response = client.post(
        f"/registry/entities/{entity.id}/edit",
        data={
            "csrf_token": csrf,
            "name": "历史新名有限公司",
            "uscc": entity.uscc or "",
            "kind": "company",
            "region_code": XIHU,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    detail = client.get(f"/registry/entities/{entity.id}").text
    assert "修改已保存。" in detail
    assert "<del>历史旧名有限公司</del>" in detail
    assert "<ins>历史新名有限公司</ins>" in detail


def test_an_entity_outside_the_scope_is_not_found_and_not_listed(
    client: TestClient, db: Session
) -> None:
    _officer(client, db)
    theirs = make_entity(db, "滨江页面有限公司", region_code=BINJIANG)
    assert client.get(f"/registry/entities/{theirs.id}", headers=HTML).status_code == 404
    assert client.get(f"/registry/entities/{theirs.id}/edit", headers=HTML).status_code == 404
    listed = client.get("/registry/entities", params={"q": "滨江页面", "match": "contains"})
    assert "滨江页面有限公司" not in listed.text


def test_readers_see_no_write_buttons_and_cannot_open_forms(
    client: TestClient, db: Session
) -> None:
    _officer(client, db, Role.MEDIATOR)
    page = client.get("/registry/entities")
    assert page.status_code == 200
    assert 'id="new-entity"' not in page.text
    assert client.get("/registry/entities/new", headers=HTML).status_code == 403


def test_the_registry_pages_need_a_login(client: TestClient) -> None:
    response = client.get("/registry/entities", headers=HTML, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_a_natural_persons_id_is_masked_on_the_page_for_mediators_only(
    client: TestClient, db: Session
) -> None:
    person = make_entity(
        db, "王小二", kind=EntityKind.NATURAL_PERSON, resident_id="11010519491231002X"
    )
    _officer(client, db, Role.MEDIATOR)
    assert "110105********002X" in client.get(f"/registry/entities/{person.id}").text
    client.cookies.clear()
    _officer(client, db, Role.OFFICER)
    assert "11010519491231002X" in client.get(f"/registry/entities/{person.id}").text


def test_a_right_is_registered_from_its_owners_page(client: TestClient, db: Session) -> None:
    csrf = _officer(client, db)
    owner = make_entity(db, "商标页面有限公司")
    entity_page = client.get(f"/registry/entities/{owner.id}").text
    assert f"/registry/rights/new?owner_id={owner.id}" in entity_page
    form = client.get(f"/registry/rights/new?owner_id={owner.id}").text
    assert "商标页面有限公司" in form
    fields = {
        "csrf_token": csrf,
        "kind": "trademark",
        "number": "12345A",
        "title": "龙井",
        "owner_id": str(owner.id),
        "nice_classes": "30，35",
        "status": "pending",
    }
    bad = client.post("/registry/rights/new", data=fields, follow_redirects=False)
    assert bad.status_code == 422
    assert 'id="e-number"' in bad.text
    good = client.post(
        "/registry/rights/new", data={**fields, "number": "7654321"}, follow_redirects=False
    )
    assert good.status_code == 303, good.text
    detail = client.get(good.headers["location"]).text
    assert "知识产权已登记。" in detail
    assert "30, 35" in detail
    listed = client.get("/registry/rights", params={"nice_class": "35", "q": "7654321"}).text
    assert "龙井" in listed


def test_a_right_edit_form_keeps_the_values(client: TestClient, db: Session) -> None:
    csrf = _officer(client, db)
    right = make_right(db, make_entity(db), nice_classes="9", title="旧标题")
    form = client.get(f"/registry/rights/{right.id}/edit").text
    assert 'value="旧标题"' in form
    response = client.post(
        f"/registry/rights/{right.id}/edit",
        data={
            "csrf_token": csrf,
            "kind": "trademark",
            "number": right.number or "",
            "title": "新标题",
            "owner_id": str(right.owner_id),
            "nice_classes": "9",
            "status": "registered",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    detail = client.get(f"/registry/rights/{right.id}").text
    assert "<ins>新标题</ins>" in detail
    assert "已注册" in detail


def test_the_dashboard_counts_the_registry_in_the_users_scope(
    client: TestClient, db: Session
) -> None:
    _officer(client, db)
    make_right(db, make_entity(db, region_code=XIHU))
    make_entity(db, region_code=BINJIANG)
    officer = Principal(None, "officer", Role.OFFICER, Scope.of([XIHU]))
    assert repository.dashboard_counts(db, officer) == {
        "Market entities": 1,
        "IP rights": 1,
        "Patents": 0,
        "Trademarks": 1,
    }
    page = client.get("/dashboard").text
    assert re.search(r'<div class="figure">1</div><div>市场主体</div>', page)


def test_an_applicants_dashboard_counts_only_their_own_records(db: Session) -> None:
    own = make_entity(db, region_code=XIHU)
    make_right(db, own)
    make_right(db, make_entity(db, region_code=XIHU))
    applicant = make_user(db, Role.APPLICANT, [XIHU], entity_uscc=own.uscc)
    counts = repository.dashboard_counts(db, principal_for(applicant))
    assert counts["Market entities"] == 1
    assert counts["IP rights"] == 1


def test_a_system_token_sees_no_registry_figures(db: Session) -> None:
    system = Principal(None, "procurement", Role.SYSTEM, Scope.of([XIHU]))
    assert repository.dashboard_counts(db, system) == {}
