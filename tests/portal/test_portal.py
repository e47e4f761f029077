"""The public portal without login: the dishonesty list shows entities while listed and never
after, decisions only once published and not withdrawn, searchable by folded name or credit
code and paginated; a natural person's ID number, phone and address are masked in every page
and export; the open data comes as JSON, CSV with a BOM and well-formed Atom (RFC 4287)."""

import csv
import io
import json
from xml.etree import ElementTree as ET

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ipprotect.credit.models import ListingStatus
from tests.portal.factories import PERSON_ID, D, decision, listing
from tests.registry.factories import make_entity

ATOM = "{http://www.w3.org/2005/Atom}"
RAW = (PERSON_ID, "13912345678", "13812345678", "文三路90号")
MASKED_ID = "330106********1234"


def assert_masked(text: str) -> None:
    for raw in RAW:
        assert raw not in text


def test_the_list_shows_an_entity_while_listed_and_not_after_repair(
    client: TestClient, db: Session
) -> None:
    entry = listing(db, "杭州仿冒茶业有限公司", "91330106MA2H0A1B2C")
    for status in (ListingStatus.PROPOSED, ListingStatus.NOTICED, ListingStatus.EXPIRED):
        listing(db, f"杭州{status.value}茶业有限公司", status=status)
    page = client.get("/public/dishonest", params={"q": "茶业"})
    assert page.status_code == 200
    assert "杭州仿冒茶业有限公司" in page.text
    assert "故意侵犯知识产权" in page.text
    assert "限制作为供应商参加政府采购" in page.text
    assert "proposed茶业" not in page.text
    assert "noticed茶业" not in page.text
    assert "expired茶业" not in page.text
    assert_masked(page.text)
    assert "138****5678" in page.text

    entry.status = ListingStatus.REPAIRED
    db.flush()
    after = client.get("/public/dishonest", params={"q": "茶业"})
    assert "杭州仿冒茶业有限公司" not in after.text
    assert "杭州仿冒茶业" not in client.get("/public/data/dishonest.csv").content.decode(
        "utf-8-sig"
    )
    assert client.get("/public/data/dishonest.json", params={"q": "仿冒茶业"}).json()["total"] == 0


def test_the_list_is_found_by_credit_code_and_by_a_folded_name(
    client: TestClient, db: Session
) -> None:
    company = make_entity(db, "杭州西湖龙井茶业（有限）公司")
    assert company.uscc
    listing(db, company.name, company.uscc)
    listing(db, "宁波某某电子有限公司")
    for q in (company.uscc, "西湖龍井茶業", "杭州西湖龙井茶业(有限)公司"):
        found = client.get("/public/data/dishonest.json", params={"q": q}).json()
        assert [i["uscc"] for i in found["items"]] == [company.uscc], q


def test_the_list_is_paginated_and_json_links_the_next_page(
    client: TestClient, db: Session
) -> None:
    for n in range(25):
        listing(db, f"分页测试{n:02d}商贸有限公司", decided_on=f"2025-10-{n + 1:02d}")
    first = client.get("/public/data/dishonest.json", params={"q": "分页测试", "size": 10}).json()
    assert (first["total"], len(first["items"])) == (25, 10)
    assert first["items"][0]["name"] == "分页测试24商贸有限公司"  # the latest decision first
    last = client.get(first["next"].replace("http://testserver", "") + "&page=3").json()
    second = client.get(first["next"].replace("http://testserver", "")).json()
    assert second["page"] == 2
    assert [i["name"] for i in last["items"]][-1] == "分页测试00商贸有限公司"
    assert last["next"] is None
    html = client.get("/public/dishonest", params={"q": "分页测试", "page": 2}).text
    assert "分页测试04商贸有限公司" in html  # the 21st of 25, 20 a page
    assert "分页测试05商贸有限公司" not in html
    assert client.get("/public/dishonest", params={"page": 0}).status_code == 422


def test_a_published_decision_shows_masked_personal_data_in_every_view_and_export(
    client: TestClient, db: Session
) -> None:
    p = decision(db, "张某某")
    pages = [
        client.get("/public/decisions", params={"q": "张某某"}).text,
        client.get(f"/public/decisions/{p.id}").text,
        client.get("/public/data/decisions.json", params={"q": "张某某"}).text,
        client.get("/public/data/decisions.csv").content.decode("utf-8-sig"),
        client.get("/public/data/decisions.atom").text,
    ]
    for text in pages:
        assert "张某某" in text
        assert_masked(text)
    detail = pages[1]
    assert MASKED_ID in detail
    assert "139****5678" in detail
    assert "浙江省杭州市西湖区****" in detail
    [item] = json.loads(pages[2])["items"]
    assert (item["resident_id"], item["phone"], item["address"]) == (
        MASKED_ID,
        "139****5678",
        "浙江省杭州市西湖区****",
    )
    assert item["measures"] == ["罚款人民币30,000.00元（大写：人民币叁万元整）"]


def test_a_decision_not_yet_published_or_withdrawn_is_not_public(
    client: TestClient, db: Session
) -> None:
    pending = decision(db, "李某某", published_on=None)
    withdrawn = decision(db, "王某某")
    withdrawn.withdrawn_on = D("2025-10-20")
    db.flush()
    for p in (pending, withdrawn):
        assert client.get(f"/public/decisions/{p.id}").status_code == 404
    listed = client.get("/public/decisions").text
    assert "李某某" not in listed
    assert "王某某" not in listed


def test_the_csv_is_utf8_with_a_bom_and_keeps_the_columns(client: TestClient, db: Session) -> None:
    decision(db, "杭州某某茶业有限公司", person=False, uscc="91330106MA2H0A1B2C")
    response = client.get("/public/data/decisions.csv")
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    mine = [r for r in rows if r["uscc"] == "91330106MA2H0A1B2C"]
    assert mine[0]["name"] == "杭州某某茶业有限公司"
    # An entity's registered address is public; only a natural person's is masked.
    assert mine[0]["address"] == "杭州市西湖区龙井路1号"


def test_the_atom_feeds_are_well_formed_with_the_required_elements(
    client: TestClient, db: Session
) -> None:
    p = decision(db, "赵某某")
    listing(db, "杭州订阅测试商贸有限公司")
    for path in ("/public/data/decisions.atom", "/public/data/dishonest.atom"):
        response = client.get(path)
        assert response.headers["content-type"].startswith("application/atom+xml")
        feed = ET.fromstring(response.content)  # noqa: S314 - our own output
        assert feed.tag == f"{ATOM}feed"
        # RFC 4287 sec. 4.1.1: id, title, updated, an author, a self link.
        for name in ("id", "title", "updated"):
            assert (feed.findtext(f"{ATOM}{name}") or "").strip(), name
        assert feed.findtext(f"{ATOM}author/{ATOM}name")
        assert feed.find(f"{ATOM}link[@rel='self']") is not None
        entries = feed.findall(f"{ATOM}entry")
        assert entries
        for entry in entries:
            for name in ("id", "title", "updated"):
                assert (entry.findtext(f"{ATOM}{name}") or "").strip(), name
            assert entry.find(f"{ATOM}link[@rel='alternate']") is not None
    feed = ET.fromstring(client.get("/public/data/decisions.atom").content)  # noqa: S314
    mine = [
        e for e in feed.findall(f"{ATOM}entry") if e.findtext(f"{ATOM}id", "").endswith(f"/{p.id}")
    ]
    assert mine[0].findtext(f"{ATOM}updated") == "2025-10-10T00:00:00+08:00"
    assert "赵某某" in mine[0].findtext(f"{ATOM}title", "")


def test_the_portal_needs_no_login_and_speaks_english_too(client: TestClient) -> None:
    home = client.get("/public")
    assert home.status_code == 200
    assert "失信名单" in home.text
    assert 'href="/public"' in home.text  # in the public navigation
    client.get("/lang/en")
    english = client.get("/public/dishonest")
    assert "Dishonesty list" in english.text
