"""Credit pages: the listings with filters and export, the procedure from the detail page's
buttons, an applicant's repair application, the entity's timeline and the printable report."""

import csv
import io
import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ipprotect.core import ids
from ipprotect.core.auth import Role
from ipprotect.credit import service
from ipprotect.credit.models import CreditListing, RecordKind
from tests.cases.document_factories import penalty_case
from tests.conftest import login
from tests.credit.factories import D, credit_officer, listed
from tests.credit.test_publicity import decide
from tests.factories import HANGZHOU, NINGBO, PASSWORD, XIHU, make_user
from tests.registry.factories import make_entity


def test_an_officer_walks_a_listing_through_its_buttons(client: TestClient, db: Session) -> None:
    officer = make_user(db, Role.CREDIT_OFFICER, [HANGZHOU])
    token = login(client, officer.username, PASSWORD)
    form = {
        "csrf_token": token,
        "entity_name": "杭州某某茶业有限公司",
        "entity_uscc": "91330106MA2B3C4D11",
        "region_code": XIHU,
        "behaviour": "deliberate_infringement",
        "class": "serious",
        "measures": ["government_procurement"],
        "basis": "两次因销售假冒注册商标的茶叶受到行政处罚",
        "on": "2026-09-29",
    }
    bad = client.post("/credit/listings", data=form | {"class": "", "entity_name": ""})
    assert bad.status_code == 422
    assert 'id="e-entity_name"' in bad.text
    made = client.post("/credit/listings", data=form, follow_redirects=False)
    assert made.status_code == 303, made.text
    url = made.headers["location"]
    client.post(f"{url}/notice", data={"csrf_token": token, "on": "2026-09-30"})
    page = client.get(url).text
    assert re.search(r'id="statement-due">2026-10-13<', page)
    decision = {"csrf_token": token, "document_no": "杭市监信列字〔2026〕第9号"}
    missing = client.post(f"{url}/decide", data=decision | {"on": "2026-10-14"})
    assert missing.status_code == 422
    assert 'id="e-authority"' in missing.text
    done = client.post(
        f"{url}/decide", data=decision | {"authority": "杭州市市场监督管理局", "on": "2026-10-14"}
    )
    assert done.status_code == 200
    assert re.search(r'id="publicity-max">2029-10-14<', done.text)
    listing = client.get("/credit/listings", params={"q": "91330106MA2B3C4D11"})
    assert "杭州某某茶业有限公司" in listing.text
    export = client.get("/credit/listings/export", params={"format": "csv", "status": "listed"})
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["id", "entity_uscc", "entity_name"]
    assert [rows[1][1], rows[1][5], rows[1][6]] == ["91330106MA2B3C4D11", "serious", "listed"]
    xlsx = client.get("/credit/listings/export", params={"format": "xlsx"})
    assert xlsx.content[:2] == b"PK"


def test_an_applicant_applies_for_repair_of_their_own_listing_and_prints_the_report(
    client: TestClient, db: Session, tmp_path: Path
) -> None:
    row = listed(db, tmp_path, "2026-04-01", class_="general")
    applicant = make_user(db, Role.APPLICANT, [XIHU], entity_uscc=row.entity_uscc)
    token = login(client, applicant.username, PASSWORD)
    url = f"/credit/listings/{row.id}"
    assert 'id="repair-form"' in client.get(url).text
    unchecked = client.post(f"{url}/repairs", data={"csrf_token": token, "on": "2026-07-02"})
    assert unchecked.status_code == 422
    grounds = {"corrected": "true", "obligations_performed": "true", "public_commitment": "true"}
    applied = client.post(
        f"{url}/repairs", data=grounds | {"csrf_token": token, "on": "2026-07-02"}
    )
    assert applied.status_code == 200
    assert 'class="repair-status">' in applied.text
    assert 'id="repair-form"' not in applied.text
    timeline = client.get(f"/credit/entities/{row.entity_uscc}").text
    assert 'data-kind="listing"' in timeline
    report = client.get(f"/credit/report/{row.entity_uscc}")
    assert "@page { size: A4" in report.text
    assert row.document_no in report.text
    assert client.get("/credit/report/91330106MA2B3C4D20").status_code == 403


def test_officers_out_of_scope_see_nothing(client: TestClient, db: Session, tmp_path: Path) -> None:
    row = listed(db, tmp_path, "2026-04-01", class_="general")
    ningbo = make_user(db, Role.CREDIT_OFFICER, [NINGBO])
    login(client, ningbo.username, PASSWORD)
    assert client.get(f"/credit/listings/{row.id}").status_code == 404
    assert row.entity_name not in client.get("/credit/listings").text
    assert 'data-kind="listing"' not in client.get(f"/credit/entities/{row.entity_uscc}").text


def test_an_officer_enters_a_judgment_and_proposes_a_listing_from_a_penalty(
    client: TestClient, db: Session
) -> None:
    entity = make_entity(db, "杭州某某眼镜有限公司")
    code = entity.uscc
    assert code is not None
    keeper = credit_officer(db)
    penalty = service.record(
        db,
        keeper.actor(),
        service.Entry(
            kind=RecordKind.PENALTY,
            entity_name=entity.name,
            entity_uscc=code,
            region_code=XIHU,
            occurred_on=D("2026-10-09"),
            title="行政处罚决定书",
            summary="罚款人民币三万元；责令停止侵权行为",
            authority="杭州市西湖区市场监督管理局",
            document_no="杭西市监罚字〔2026〕第77号",
        ),
    )
    ningbo = make_user(db, Role.CREDIT_OFFICER, [NINGBO])
    login(client, ningbo.username, PASSWORD)
    elsewhere = client.get(f"/credit/listings/new?record={penalty.id}")
    assert "杭西市监罚字〔2026〕第77号" not in elsewhere.text  # another city's file stays closed
    officer = make_user(db, Role.CREDIT_OFFICER, [HANGZHOU])
    token = login(client, officer.username, PASSWORD)
    url = f"/credit/entities/{code}"
    judgment = {
        "csrf_token": token,
        "kind": "judgment",
        "entity_name": entity.name,
        "region_code": XIHU,
        "occurred_on": "2026-11-02",
        "title": "民事判决书",
        "document_no": "（2026）浙01民初88号",
    }
    refused = client.post(f"{url}/records", data=judgment | {"kind": "penalty", "title": ""})
    assert refused.status_code == 422
    assert 'id="e-kind"' in refused.text
    entered = client.post(f"{url}/records", data=judgment)
    assert entered.status_code == 200
    assert entered.text.index("（2026）浙01民初88号") < entered.text.index("行政处罚决定书")
    link = re.search(r'class="propose-from" href="([^"]+)"', entered.text)
    assert link is not None
    form = client.get(link.group(1).replace("&amp;", "&")).text
    assert f'name="source_record_id" value="{penalty.id}"' in form
    source = re.search(r'<p id="source-record">(.*?)</p>', form, re.S)
    assert source is not None
    assert "行政处罚决定书 <code>杭西市监罚字〔2026〕第77号</code> · 2026-10-09" in source.group(1)
    # The facts start from the decision the listing rests on, cited by its number.
    assert (
        ">行政处罚决定书 杭西市监罚字〔2026〕第77号：罚款人民币三万元；责令停止侵权行为</textarea>"
        in form
    )
    made = client.post(
        "/credit/listings",
        data={
            "csrf_token": token,
            "entity_name": entity.name,
            "entity_uscc": code,
            "region_code": XIHU,
            "behaviour": "deliberate_infringement",
            "class": "general",
            "source_record_id": str(penalty.id),
            "on": "2026-11-03",
        },
        follow_redirects=False,
    )
    assert made.status_code == 303
    listing_id = int(made.headers["location"].rsplit("/", 1)[1])
    assert db.get(CreditListing, listing_id).source_record_id == penalty.id  # type: ignore[union-attr]
    shown = client.get(f"/credit/listings/{listing_id}").text
    rests_on = re.search(r'<dd id="listing-source">(.*?)</dd>', shown, re.S)
    assert rests_on is not None
    assert f'<a href="/credit/entities/{code}">行政处罚决定书</a>' in rests_on.group(1)
    assert "杭西市监罚字〔2026〕第77号" in rests_on.group(1)


def test_a_published_penalty_decision_leads_to_the_credit_file_a_licence_does_not(
    client: TestClient, db: Session, tmp_path: Path
) -> None:
    uscc = ids.make_uscc("9", "1", XIHU, "PAGE0077")
    p = decide(db, penalty_case(db, "2025-09-26", respondent_uscc=uscc), "2025-09-26", tmp_path)
    officer = make_user(db, Role.CREDIT_OFFICER, [HANGZHOU])
    token = login(client, officer.username, PASSWORD)
    page = client.get(f"/credit/publicity/{p.id}").text
    assert f'<a href="/credit/entities/{uscc}" id="credit-file-link">信用档案</a>' in page
    file = client.get(f"/credit/entities/{uscc}").text
    entry = re.search(r'<li data-kind="penalty">(.*?)</li>', file, re.S)
    assert entry is not None
    assert f"<code>{p.document_no}</code>" in entry.group(1)
    assert 'class="propose-from"' in entry.group(1)

    licence = client.post(
        "/credit/publicity/licensing",
        data={
            "region_code": XIHU,
            "name": "杭州某某餐饮有限公司",
            "uscc": uscc,
            "title": "食品经营许可证",
            "document_no": "JY23301060000078",
            "decided_on": "2025-12-31",
            "authority": "杭州市西湖区市场监督管理局",
            "matter": "热食类食品制售",
            "csrf_token": token,
        },
    )
    assert licence.status_code == 200
    assert "JY23301060000078" in licence.text
    assert 'id="credit-file-link"' not in licence.text  # a licence is no credit file entry
