"""Nobody reads or writes outside their region scope: every route, walked as every role.

The world has two districts of Hangzhou. Every principal is scoped to Xihu (330106); Binjiang
(330108) holds records carrying marker strings. For every route the app serves, each principal
asks for the Binjiang records (path parameters point at them) and tries to change them (forms
and JSON bodies aim at Binjiang). No response may contain a marker, and nothing in Binjiang may
change. A route whose path parameter the walk does not know fails the walk, so a new route is
covered the day it is added.
"""

import datetime as dt
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.routing import BaseRoute

from ipprotect.cases.channels import service as channels
from ipprotect.cases.channels.models import CaseStep
from ipprotect.cases.documents import service as documents
from ipprotect.cases.documents.models import CaseDocument
from ipprotect.cases.models import Case, CaseEvent, Channel
from ipprotect.core import audit
from ipprotect.core.auth import ApiToken, Role, User, create_token, principal_for
from ipprotect.core.jobs import Job
from ipprotect.core.jobs import create as create_job
from ipprotect.credit import listing_service
from ipprotect.credit.models import CreditListing, CreditPublication, CreditRecord, CreditRepair
from ipprotect.evidence.blobs import BlobStore
from ipprotect.registry.models import IpRight, MarketEntity
from ipprotect.settings import Settings
from tests.cases.channel_factories import accepted_case, officer
from tests.conftest import csrf_of, login
from tests.factories import BINJIANG, PASSWORD, XIHU, make_user
from tests.registry.factories import make_entity, make_right, uscc

MARK = "越界标记"
ACCOUNT_ROLES = [r for r in Role if r not in (Role.PUBLIC, Role.SYSTEM)]


@dataclass
class World:
    entity_a: MarketEntity
    entity_b: MarketEntity
    right_b: IpRight
    user_b: User
    token_b: ApiToken
    job_b: Job
    case_b: Case
    document_b: CaseDocument
    markers: list[str]
    publication_b: int = 0  # the publicity (双公示) of document_b
    listing_b: int = 0  # a Binjiang entity listed for dishonesty, applying for repair
    repair_b: int = 0
    listed_uscc: str = ""


def _penalty_case(db: Session, settings: Settings) -> tuple[Case, CaseDocument]:
    """A Binjiang complaint decided as a penalty, with its decision issued and deposited."""
    case = accepted_case(
        db,
        "2025-03-03",
        region_code=BINJIANG,
        complainant_name=f"{MARK}投诉人",
        respondent_name=f"{MARK}被投诉人有限公司",
    )
    handler = officer(db, BINJIANG)
    channels.enter(db, handler, case, Channel.ADMIN_PENALTY, on=dt.date(2025, 3, 3))
    channels.take(db, handler, case, "notify", on=dt.date(2025, 3, 4))
    channels.take(db, handler, case, "record_waiver", on=dt.date(2025, 3, 5))
    decision = {
        "measures": ["fine"],
        "fine": "30000",
        "legal_basis": f"{MARK}依据",
        "party_present": False,
    }
    channels.take(db, handler, case, "decide", on=dt.date(2025, 3, 6), decision=decision)
    draft = documents.DocumentDraft(
        "penalty_decision",
        issued_on=dt.date(2025, 3, 6),
        values={"facts": f"{MARK}事实", "evidence": f"{MARK}证据"},
    )
    return case, documents.issue(db, handler, case, draft, BlobStore.of(settings))


def _build_world(db: Session, settings: Settings) -> World:
    entity_a = make_entity(db, "西湖区内茶业有限公司", region_code=XIHU)
    make_right(db, entity_a)
    entity_b = make_entity(
        db, f"滨江{MARK}科技有限公司", region_code=BINJIANG, legal_representative=f"{MARK}法人"
    )
    right_b = make_right(db, entity_b, title=f"{MARK}商标")
    user_b = make_user(db, Role.OFFICER, [BINJIANG], username="outsider_b")
    token_b, _ = create_token(db, audit.SYSTEM, name=f"{MARK}系统", region_codes=[BINJIANG])
    job_b = create_job(db, "registry.import", lock=None, created_by=None, region_code=BINJIANG)
    job_b.log = f"{MARK} row 2\n"
    case_b, document_b = _penalty_case(db, settings)
    db.flush()
    markers = [MARK, entity_b.uscc or "", "outsider_b", case_b.tracking_code, document_b.number]
    publication_b = db.scalars(
        select(CreditPublication.id).where(
            CreditPublication.source_kind == "penalty_decision",
            CreditPublication.source_id == document_b.id,
        )
    ).one()
    # Listed under a code of its own: a credit page echoes the code in its URL (the language
    # links), as a form echoes what was typed; what must not show is the listing (MARK).
    listed_b = make_entity(db, f"滨江{MARK}商贸有限公司", region_code=BINJIANG)
    listing_b, repair_b = _listing(db, settings, listed_b)
    return World(
        entity_a,
        entity_b,
        right_b,
        user_b,
        token_b,
        job_b,
        case_b,
        document_b,
        [m for m in markers if m],
        publication_b,
        listing_b,
        repair_b,
        listed_b.uscc or "",
    )


def _listing(db: Session, settings: Settings, entity: MarketEntity) -> tuple[int, int]:
    """entity proposed for listing in Binjiang and notified (not public yet), and another
    Binjiang entity listed (public, without marks) whose application for repair is marked."""
    keeper = principal_for(make_user(db, Role.CREDIT_OFFICER, [BINJIANG]))
    proposal = listing_service.Proposal(
        entity.name, entity.uscc, BINJIANG, "deliberate_infringement", "serious", [], f"{MARK}事实"
    )
    row = listing_service.propose(db, keeper, proposal, on=dt.date(2025, 5, 6))
    listing_service.notice(db, keeper, row, on=dt.date(2025, 5, 6))
    public = make_entity(db, "滨江公开名单有限公司", region_code=BINJIANG)
    listed = listing_service.propose(
        db,
        keeper,
        listing_service.Proposal(
            public.name, public.uscc, BINJIANG, "deliberate_infringement", "serious"
        ),
        on=dt.date(2025, 5, 6),
    )
    listing_service.notice(db, keeper, listed, on=dt.date(2025, 5, 6))
    listing_service.decide(
        db,
        keeper,
        listed,
        BlobStore.of(settings),
        document_no="滨市监信列字1号",
        authority="滨江区市场监督管理局",
        on=dt.date(2025, 6, 3),
    )
    grounds = {
        "corrected": True,
        "obligations_performed": True,
        "public_commitment": True,
        "text": f"{MARK}整改",
    }
    repair = listing_service.apply_repair(db, keeper, listed, grounds, on=dt.date(2026, 7, 1))
    return row.id, repair.id


def _outside(db: Session, world: World) -> tuple[Any, ...]:
    """Everything in Binjiang that a Xihu principal must not be able to change."""
    db.expire_all()
    entities = db.execute(
        select(MarketEntity.id, MarketEntity.name, MarketEntity.uscc, MarketEntity.phone)
        .where(MarketEntity.region_code == BINJIANG)
        .order_by(MarketEntity.id)
    ).all()
    rights = db.execute(
        select(IpRight.id, IpRight.title, IpRight.number, IpRight.status, IpRight.owner_id)
        .where(IpRight.region_code == BINJIANG)
        .order_by(IpRight.id)
    ).all()
    user = db.execute(
        select(User.role, User.active, User.region_codes, User.password_hash).where(
            User.id == world.user_b.id
        )
    ).one()
    users_in_b = [u.id for u in db.scalars(select(User)) if BINJIANG in u.region_codes]
    token = db.execute(select(ApiToken.revoked_at).where(ApiToken.id == world.token_b.id)).one()
    tokens = db.scalar(select(func.count()).select_from(ApiToken))
    jobs_b = db.execute(select(Job.id, Job.status).where(Job.region_code == BINJIANG)).all()
    cases_b = db.execute(
        select(Case.id, Case.status, Case.channel, Case.track).where(Case.region_code == BINJIANG)
    ).all()
    steps_b = db.execute(
        select(CaseStep.id, CaseStep.step, CaseStep.done_on, CaseStep.paused_since).where(
            CaseStep.region_code == BINJIANG
        )
    ).all()
    documents_b = db.scalar(select(func.count()).select_from(CaseDocument))
    damages_b = db.scalar(select(func.count()).where(CaseEvent.case_id == world.case_b.id))
    publications_b = db.execute(
        select(
            CreditPublication.id, CreditPublication.published_on, CreditPublication.withdrawn_on
        ).where(CreditPublication.region_code == BINJIANG)
    ).all()
    credit_b = (
        db.execute(
            select(CreditListing.id, CreditListing.status, CreditListing.updated_at).where(
                CreditListing.region_code == BINJIANG
            )
        ).all(),
        db.execute(select(CreditRepair.id, CreditRepair.status)).all(),
        db.scalar(select(func.count()).where(CreditRecord.region_code == BINJIANG)),
    )
    return (
        credit_b,
        entities,
        rights,
        tuple(user),
        users_in_b,
        tuple(token),
        tokens,
        jobs_b,
        cases_b,
        steps_b,
        documents_b,
        damages_b,
        publications_b,
    )


def _routes(routes: Sequence[BaseRoute], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(method, path) of every route, through FastAPI's included routers at any depth (the
    cases router includes the channels' and the documents' routers)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            inner_prefix = prefix + route.include_context.prefix  # type: ignore[attr-defined]
            yield from _routes(included.routes, inner_prefix)
        elif isinstance(route, APIRoute):
            for method in sorted(route.methods - {"HEAD"}):
                yield method, prefix + route.path


def _fill(path: str, world: World) -> str:
    values = {
        "entity_id": world.entity_b.id,
        "right_id": world.right_b.id,
        "user_id": world.user_b.id,
        "token_id": world.token_b.id,
        "job_id": world.job_b.id,
        "rule_id": "complaints.acceptance_decision",
        "locale": "en",
        "case_id": world.case_b.id,
        "document_id": world.document_b.id,
        "publication_id": world.publication_b,
        "listing_id": world.listing_b,
        "repair_id": world.repair_b,
        "uscc": world.listed_uscc,
        "deposit_id": world.entity_b.id,  # the world holds no deposit: every one is not found
        "path": "0/000",  # a tile of the public log (/log/tile/{path}), absent from an empty log
        "size": 1,  # a checkpoint of the public log, absent from an empty log
        "tsa_id": 1,  # a time-stamp token over that checkpoint
    }

    def one(match: re.Match[str]) -> str:
        name = match.group(1).split(":")[0]
        assert name in values, f"the scope walk does not know the path parameter {{{name}}}"
        return str(values[name])

    return re.sub(r"\{([^}]+)\}", one, path)


def _payload(world: World) -> dict[str, Any]:
    """Every field a form or JSON body might take, aimed at Binjiang."""
    return {
        "name": "篡改后的名称",
        "title": "篡改后的标题",
        "uscc": uscc(BINJIANG),  # a fresh code: forms echo what was typed, that is no leak
        "kind": "company",
        "region_code": BINJIANG,
        "region_codes": BINJIANG,
        "owner_id": str(world.entity_b.id),
        "number": "12345678",
        "nice_classes": "30",
        "status": "revoked",
        "phone": "13800000000",
        "username": "intruder_b",
        "display_name": "intruder",
        "password": "intruder-password-1",
        "role": "admin",
        "active": "false",
    }


def _attempt(
    client: TestClient, method: str, path: str, world: World, headers: dict[str, str]
) -> Any:
    if method == "GET":
        return client.get(path, headers={"accept": "text/html", **headers}, follow_redirects=False)
    body = _payload(world)
    if "import" in path:
        csv = f"name,uscc,region_code\n滨江导入{MARK}有限公司,,{BINJIANG}\n".encode()
        files = {"file": ("b.csv", io.BytesIO(csv), "text/csv")}
        return client.request(
            method, path, data=body, files=files, headers=headers, follow_redirects=False
        )
    if path.startswith("/api/"):
        json_body = {**body, "region_codes": [BINJIANG], "nice_classes": [30]}
        return client.request(method, path, json=json_body, headers=headers, follow_redirects=False)
    return client.request(method, path, data=body, headers=headers, follow_redirects=False)


PRINCIPALS = [*(r.value for r in ACCOUNT_ROLES), "anonymous", "system_token"]


@pytest.mark.parametrize("who", PRINCIPALS)
def test_nobody_reads_or_writes_outside_their_scope(
    who: str, app: FastAPI, client: TestClient, db: Session, settings: Settings
) -> None:
    world = _build_world(db, settings)
    headers: dict[str, str] = {}
    if who == "system_token":
        _, plaintext = create_token(db, audit.SYSTEM, name="xihu system", region_codes=[XIHU])
        headers["authorization"] = f"Bearer {plaintext}"
    elif who != "anonymous":
        role = Role(who)
        uscc = world.entity_a.uscc if role is Role.APPLICANT else None
        user = make_user(db, role, [XIHU], entity_uscc=uscc)
        login(client, user.username, PASSWORD)
    before = _outside(db, world)

    walked = 0
    for method, template in _routes(app.routes):
        if template in {"/logout"}:
            continue  # would end the session the rest of the walk runs in
        path = _fill(template, world)
        if method != "GET" and "authorization" not in headers:
            headers_with_csrf = {**headers, "x-csrf-token": csrf_of(client, "/login")}
        else:
            headers_with_csrf = headers
        response = _attempt(client, method, path, world, headers_with_csrf)
        walked += 1
        where = f"{who} {method} {template} → {response.status_code}"
        assert response.status_code < 500, where
        text = response.text
        for marker in world.markers:
            assert marker not in text, f"{where} shows {marker!r}"
        if (
            "{" in template
            and template.split("/")[-1] != "{locale}"
            and "{rule_id}" not in template
        ):
            assert response.status_code in {303, 401, 403, 404, 405, 422}, where
        assert _outside(db, world) == before, f"{where} changed Binjiang"
    assert walked > 30


def test_the_walk_can_see_the_markers_with_a_national_scope(
    client: TestClient, db: Session, settings: Settings
) -> None:
    """The control: the same requests by a national officer do show Binjiang's records, so the
    walk above would notice a leak."""
    world = _build_world(db, settings)
    national = make_user(db, Role.OFFICER, ["000000"])
    login(client, national.username, PASSWORD)
    listing = client.get("/registry/entities").text
    assert MARK in listing
    detail = client.get(f"/api/v1/registry/entities/{world.entity_b.id}")
    assert detail.status_code == 200
    assert world.entity_b.uscc in detail.text
    case_page = client.get(f"/cases/{world.case_b.id}").text
    assert MARK in case_page
    assert world.document_b.number in case_page
    document = client.get(f"/api/v1/cases/{world.case_b.id}/documents/{world.document_b.id}")
    assert MARK in document.text
    assert world.document_b.number in client.get("/cases/documents/publicity").text
