"""Factories for document tests: a case whose current step is the one a document belongs to.

Steps are written directly (as the channel service would have opened them), so the documents do
not depend on how each channel reaches its step; the mediation agreement goes through the real
mediation channel."""

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from ipprotect.cases.channels import service as channels
from ipprotect.cases.channels.models import CaseStep
from ipprotect.cases.models import Case, Channel
from ipprotect.evidence.blobs import BlobStore
from tests.cases.channel_factories import accepted_case, officer
from tests.factories import XIHU

D = dt.date.fromisoformat

PENALTY = {
    "measures": ["fine", "confiscate_goods", "order_to_stop"],
    "fine_fen": 3_000_000,
    "illegal_gains_fen": None,
    "confiscated_goods": "假冒“西湖龙井”注册商标的茶叶120盒",
    "legal_basis": "《中华人民共和国商标法》第六十条第二款",
    "party_present": True,
}
RULING = {
    "infringement_found": True,
    "order_to_stop": True,
    "reasons": "被请求人制造、销售的产品落入涉案专利权利要求1的保护范围",
    "legal_basis": "《中华人民共和国专利法》第十一条、第六十五条",
}


def store(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "blobs", 10 * 1024 * 1024)


def case_at(
    db: Session,
    channel: Channel,
    step: str,
    on: str,
    data: dict[str, Any] | None = None,
    region_code: str = XIHU,
    **fields: Any,
) -> Case:
    """An accepted case whose current step is `step` of `channel`, entered on `on`."""
    case = accepted_case(db, on, region_code=region_code, **fields)
    case.channel = channel
    db.add(
        CaseStep(
            case_id=case.id,
            region_code=case.region_code,
            channel=channel,
            step=step,
            started_on=D(on),
            pauses=[],
            paused_days=0,
            data=data or {},
        )
    )
    db.flush()
    return case


def penalty_case(db: Session, on: str, decision: dict[str, Any] | None = None, **kw: Any) -> Case:
    return case_at(
        db, Channel.ADMIN_PENALTY, "decided", on, {"decision": decision or PENALTY}, **kw
    )


def agreed_case(db: Session, on: str, decides_ownership: bool = False) -> Case:
    """A mediation that reached an agreement on `on`, through the mediation channel."""
    case = accepted_case(db, on)
    handler = officer(db)
    channels.enter(db, handler, case, Channel.MEDIATION, on=D(on))
    channels.take(db, handler, case, "agree", on=D(on), decides_ownership=decides_ownership)
    return case
