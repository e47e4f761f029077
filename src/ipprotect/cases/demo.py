"""A year of cases for the demo city: complaints from the form, the API and both hotlines,
accepted or not, triaged, and walked through every protection channel to every state a case
can be in — some closed, some still running, some overdue, some paused or extended.

Everything goes through the cases' services, with the day each act was done on, so the demo
passes the same validation and leaves the same history and audit trail as an officer's work.
The walk reads the channels' machines: a channel added later is walked too. The same seed
gives the same cases (relative to the day the demo is loaded).
"""

import datetime as dt
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ipprotect.cases import damages as case_damages
from ipprotect.cases import service
from ipprotect.cases.channels import service as channels
from ipprotect.cases.channels.machine import Transition
from ipprotect.cases.channels.registry import MACHINES
from ipprotect.cases.documents import service as documents
from ipprotect.cases.models import Case, CaseStatus, Source
from ipprotect.core.auth import Principal, User
from ipprotect.core.errors import Problem
from ipprotect.damages.model import Claim
from ipprotect.evidence.blobs import BlobStore
from ipprotect.registry.models import IpRight, MarketEntity, RightKind
from ipprotect.settings import Settings

DAYS = 365

# (right kind, what happened, what is asked for): the facts of the complaints.
STORIES: dict[RightKind, list[tuple[str, str]]] = {
    RightKind.TRADEMARK: [
        ("{r}在电商平台店铺销售假冒“{t}”注册商标的商品，页面截图已存证。", "停止销售并赔偿损失"),
        ("{r}在门店招牌和包装上使用与“{t}”近似的标识，容易导致混淆。", "停止使用并赔偿损失"),
        ("{r}批量销售带有“{t}”商标的仿冒礼盒，涉案数量较大。", "查处并移送"),
    ],
    RightKind.PATENT: [
        ("{r}制造、销售的产品落入专利“{t}”的保护范围。", "停止侵权并赔偿损失"),
        ("{r}在展会上许诺销售侵犯专利“{t}”的产品。", "停止许诺销售"),
    ],
    RightKind.COPYRIGHT: [
        ("{r}未经许可在其网站和小程序中使用作品“{t}”。", "删除作品并赔偿损失"),
    ],
}
SOURCES = [Source.FORM, Source.API, Source.HOTLINE_12345, Source.HOTLINE_12330]
# The channels a case can be routed to on acceptance (criminal transfer comes from a penalty case).
ROUTABLE = [channel for channel, machine in MACHINES.items() if machine.entered_directly]
COMPLEX_FLAGS = ["technical_appraisal_needed", "punitive_damages_claimed", "conflict_of_rights"]


@dataclass(frozen=True)
class Cast:
    """Who acts in the demo: the city's officer, its administrator (who stands for the head of
    the agency: criminal transfers need the head's decision) and the mediation committee's
    mediator."""

    officer: Principal
    admin: Principal
    mediator: User
    store: BlobStore  # where the documents issued are kept
    settings: Settings  # the damages calculator's reading of the punitive formula

    def actor(self, transition: Transition) -> Principal:
        return self.officer if self.officer.role in transition.roles else self.admin


def _story(rng: random.Random, right: IpRight, respondent: str) -> tuple[str, str]:
    kind = right.kind if right.kind in STORIES else RightKind.TRADEMARK
    facts, ask = rng.choice(STORIES[kind])
    return facts.format(r=respondent, t=right.title), ask


def _receive(
    session: Session,
    rng: random.Random,
    who: Principal,
    received_on: dt.date,
    right: IpRight,
    owner: MarketEntity,
    respondent: MarketEntity,
    serial: int,
) -> Case:
    facts, ask = _story(rng, right, respondent.name)
    source = rng.choice(SOURCES)
    channel = rng.choice([*ROUTABLE, None])
    draft = service.CaseDraft(
        region_code=respondent.region_code,
        channel_requested=channel.value if channel else "",
        received_on=received_on.isoformat(),
        complainant_name=owner.name,
        complainant_phone=f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
        respondent_entity_id=str(respondent.id),
        respondent_name=respondent.name,
        respondent_uscc=respondent.uscc or "",
        right_ids=str(right.id),
        facts=f"{facts}请求：{ask}。",
        amount_claimed=str(rng.choice([5_000, 20_000, 50_000, 120_000, 300_000, 1_500_000])),
        triage_flags=[f for f in COMPLEX_FLAGS if rng.random() < 0.12],
        hotline_ticket=f"{source.value[-5:]}-{received_on:%Y%m%d}-{serial:04d}"
        if source in (Source.HOTLINE_12345, Source.HOTLINE_12330)
        else "",
    )
    return service.receive(session, who, draft, source=source)


def _act_day(rng: random.Random, start: dt.date, due: dt.date | None) -> dt.date:
    """Most acts come within the deadline, some on its last days, one in ten after it."""
    span = max(((due or start + dt.timedelta(days=20)) - start).days, 1)
    share = rng.random() * 0.9 if rng.random() < 0.9 else 1 + rng.random() * 0.4
    return start + dt.timedelta(days=max(1, round(span * share)))


def _decision(rng: random.Random, day: dt.date) -> dict[str, Any]:
    if rng.random() < 0.15:  # a warning only: not published (SAMR Order 45 art. 2)
        return {
            "measures": ["warning"],
            "legal_basis": "《中华人民共和国商标法》第六十条第二款",
            "party_present": True,
        }
    return {
        "measures": ["fine", "confiscate_goods", "order_to_stop"],
        "fine": str(rng.choice([5_000, 20_000, 30_000, 80_000, 150_000])),
        "confiscated_goods": f"侵权商品{rng.randrange(20, 600)}件",
        "legal_basis": "《中华人民共和国商标法》第六十条第二款",
        "party_present": rng.random() < 0.7,
    }


def _ruling(rng: random.Random) -> dict[str, Any]:
    found = rng.random() < 0.75
    return {
        "infringement_found": found,
        "order_to_stop": found,
        "reasons": "被控侵权产品的技术特征落入涉案专利权利要求的保护范围。"
        if found
        else "被控侵权产品缺少涉案专利权利要求的必要技术特征。",
        "legal_basis": "《中华人民共和国专利法》第六十五条",
    }


Payload = Callable[[random.Random, Cast, dt.date], dict[str, Any]]

# What the officer types with a transition, by transition name (the rest need nothing).
PAYLOADS: dict[str, Payload] = {
    "assign_mediator": lambda rng, cast, day: {"mediator_id": cast.mediator.id},
    "record_session": lambda rng, cast, day: {"note": "双方就停止侵权和赔偿数额进行协商"},
    "agree": lambda rng, cast, day: {
        "note": "被申请人停止侵权并赔偿",
        "decides_ownership": rng.random() < 0.1,
    },
    "fail": lambda rng, cast, day: {"note": "双方对赔偿数额分歧较大"},
    "decide": lambda rng, cast, day: {"decision": _decision(rng, day)},
    "notify_hearing": lambda rng, cast, day: {"hearing_on": day + dt.timedelta(days=14)},
    "close_without_penalty": lambda rng, cast, day: {"note": "违法事实不能成立"},
    "propose_transfer": lambda rng, cast, day: {"note": "非法经营额较大，涉嫌假冒注册商标罪"},
    "refuse": lambda rng, cast, day: {"note": "现有证据不足以证明达到刑事追诉标准"},
    "police_decline": lambda rng, cast, day: {"note": "公安机关认为不构成犯罪"},
    "request_reconsideration": lambda rng, cast, day: {"note": "非法经营额已补充核实"},
    "return_to_penalty": lambda rng, cast, day: {"note": "依法继续作出行政处罚"},
    "rule": lambda rng, cast, day: {"ruling": _ruling(rng)},
    "refer_to_commission": lambda rng, cast, day: {"institution": "杭州仲裁委员会"},
    "file_suit": lambda rng, cast, day: {
        "institution": rng.choice(["杭州市中级人民法院", "杭州互联网法院", "杭州市西湖区人民法院"])
    },
}
# What the officer writes in the documents the demo issues, by input (cases.documents.kinds).
DOCUMENT_TEXTS = {
    "facts": "经查，当事人在其经营场所及网店销售侵犯他人注册商标专用权的商品，违法事实清楚。",
    "evidence": "现场检查笔录、询问笔录、网店页面截图（已存证）、商标注册证复印件。",
    "requests": "请求责令被请求人立即停止制造、销售侵犯涉案专利权的产品。",
    "dispute": "双方就被申请人销售涉嫌侵犯注册商标专用权商品的赔偿数额发生争议。",
    "terms": "一、被申请人立即停止销售涉案商品；二、被申请人于十五日内赔偿申请人经济损失。",
    "police": "杭州市公安局",
    "suspected_crime": "假冒注册商标罪",
    "materials": "案件移送书、涉嫌犯罪案件调查报告、涉案物品清单、有关检验报告。",
}
# The endings after which the demo sometimes records the damages assessed.
DAMAGES_AFTER = frozenset(
    {"admin_adjudication.ruling_effective", "court.judged", "mediation.confirmed"}
)
# The ways out that most cases do not take: tried less often, so the demo looks like a year of
# work rather than a random walk (most requests are docketed, most mediations agree, ...).
RARE = frozenset(
    {
        "refuse_docketing", "terminate", "fail", "decline", "record_not_accepted",
        "close_without_penalty", "propose_transfer", "refuse",
        "record_withdrawal", "request_hearing", "agree_on_ownership",
    }
)  # fmt: skip


def _order(rng: random.Random, options: Sequence[Transition]) -> list[Transition]:
    """The officer's options in a weighted random order: an act within the step now and then,
    then the moves, the common ones first more often than the rare ones."""
    acts = [t for t in options if not (t.target or t.to_channel)]
    moves = [t for t in options if t.target or t.to_channel]
    weight = {t.name: 0.2 if t.name in RARE or t.to_channel else 1.0 for t in moves}
    moves.sort(key=lambda t: rng.random() ** (1 / weight[t.name]), reverse=True)
    return (acts[:1] if acts and rng.random() < 0.4 else []) + moves


def _options(session: Session, cast: Cast, case: Case) -> list[Transition]:
    seen: dict[str, Transition] = {}
    for who in (cast.officer, cast.admin):
        for t in channels.available(session, who, case):
            seen.setdefault(t.name, t)
    return list(seen.values())


def _take(
    session: Session,
    cast: Cast,
    case: Case,
    transition: Transition,
    day: dt.date,
    rng: random.Random,
) -> bool:
    payload = PAYLOADS[transition.name](rng, cast, day) if transition.name in PAYLOADS else {}
    who = cast.actor(transition)
    try:
        with session.begin_nested():
            channels.take(session, who, case, transition.name, on=day, **payload)
    except Problem:
        return False  # not possible on that day (a guard of the law)
    for spec in documents.issuable(session, who, case):
        texts = {i.name: DOCUMENT_TEXTS[i.name] for i in spec.inputs}
        draft = documents.DocumentDraft(spec.kind.value, issued_on=day, values=texts)
        documents.issue(session, who, case, draft, cast.store)
    return True


def _assess_damages(
    session: Session, rng: random.Random, cast: Cast, case: Case, day: dt.date
) -> None:
    """Damages estimated in about a third of the cases that ended in a ruling, a judgment or an
    agreement; punitive damages where the infringement was wilful and serious."""
    wilful = rng.random() < 0.3
    claim = Claim(
        law="patent" if case.closed_as == "admin_adjudication.ruling_effective" else "trademark",
        decided_on=day,
        actual_loss=Decimal(rng.choice([30_000, 80_000, 200_000, 450_000])),
        punitive_multiplier=Decimal(rng.choice([1, 2, 3])) if wilful else None,
        reasonable_expenses=Decimal(rng.choice([3_000, 8_000, 15_000])),
        intent=("piracy_or_counterfeit_mark",) if wilful else (),
        serious_circumstances=("repeat_after_penalty_or_judgment",) if wilful else (),
    )
    case_damages.assess(session, cast.officer, case, claim, cast.settings, day)


def _walk(
    session: Session, rng: random.Random, cast: Cast, case: Case, today: dt.date, acts: int
) -> None:
    """Move the case on, act by act (at most `acts`), until it closes or its next act would be
    after today. An act the law does not allow on the chosen day (a window still open, a limit
    not yet run out) is tried again the day after the step's deadline."""
    for _ in range(acts):
        step = channels.current_step(session, case)
        if step is None or case.status is CaseStatus.CLOSED:
            return
        due = step.effective_due
        day = _act_day(rng, step.started_on, due)
        days = [d for d in (day, due and due + dt.timedelta(days=1)) if d and d <= today]
        if not days:
            return
        if not any(
            _take(session, cast, case, transition, d, rng)
            for transition in _order(rng, _options(session, cast, case))
            for d in days
        ):
            return
        if case.closed_as in DAMAGES_AFTER and rng.random() < 0.35:
            _assess_damages(session, rng, cast, case, min(days[-1], today))


def populate(
    session: Session, rng: random.Random, cast: Cast, today: dt.date, count: int = 360
) -> dict[str, int]:
    """Receive `count` complaints spread over the past year and take each as far as its dates
    allow. Returns counts by status."""
    rights = list(session.scalars(select(IpRight).order_by(IpRight.id)))
    entities = list(session.scalars(select(MarketEntity).order_by(MarketEntity.id)))
    owners = {e.id: e for e in entities}
    for serial in range(count):
        received_on = today - dt.timedelta(days=DAYS - round(serial * DAYS / count))
        right = rng.choice(rights)
        respondent = rng.choice([e for e in entities[:400] if e.id != right.owner_id])
        case = _receive(
            session,
            rng,
            cast.officer,
            received_on,
            right,
            owners[right.owner_id],
            respondent,
            serial,
        )
        decided_on = received_on + dt.timedelta(days=rng.randrange(1, 12))
        if decided_on > today:
            continue
        if rng.random() < 0.08:
            service.reject(session, cast.officer, case, "不属于知识产权纠纷", on=decided_on)
            continue
        service.accept(session, cast.officer, case, on=decided_on)
        channel = case.channel_requested or rng.choice(ROUTABLE)
        channels.enter(session, cast.officer, case, channel, on=decided_on)
        # One case in twenty is left lying after a few acts: the queue shows it overdue.
        _walk(session, rng, cast, case, today, rng.randrange(1, 4) if rng.random() < 0.05 else 20)
    counts: dict[str, int] = {}
    for status in session.scalars(select(Case.status)):
        counts[status.value] = counts.get(status.value, 0) + 1
    return counts
