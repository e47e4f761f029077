"""Restriction checks (联合惩戒 查询): before a procurement, bidding, subsidy, land or award system
awards anything it asks whether the bidder is restricted, and keeps the signed answer.

The decision:
- `restricted`: the entity matches a listing in status `listed` (by its credit code, or by the
  same name when no code tells them apart) and one of the listing's measures applies to the
  purpose (rules `credit_checks.purpose.<purpose>`: e.g. procurement is barred by
  `government_procurement` of the joint-punishment memorandum, 发改财金〔2018〕1702号);
- `review`: a listed entity is only alike (another place, a branch, a similar name: matching.py)
  and its measures apply to the purpose: a person must look, nobody is barred by a likeness;
- `clear`: otherwise. A listing whose measures do not reach the purpose never restricts it.

Every check is written to `credit_checks` (who, when, what was asked, the whole signed answer)
before the answer is given.

The name index: `ListingIndex` keeps a `matching.NameIndex` of the listed entities in the
process and rebuilds it when the listings' fingerprint (the highest listing id, the count of
listed rows and the latest change of any listing: a new listing, a change in or out of `listed`,
even one lifted and another listed meanwhile, changes it) differs, read at most every
`credit_check_refresh_seconds`. The check API looks in a thread of its own (`wait=False`):
counting a million listings takes some 40 ms and a rebuild half a minute, which no caller
should wait for; the screening job and the command line wait for the index to be current.
Whatever the index says, the listings it names are read back from the database in the same
request and only those still `listed`, under the same name and code, count; and a credit code
is always looked up in the database directly. So a repaired or expired listing never restricts
anyone, and another process's new listing is found by its code at once and by its name once
the refresh has seen it.

The rate limit (`RateLimiter`) is kept in the process: a GCRA (generic cell rate algorithm,
ITU-T I.371) per token or account under one lock. It is exact for any number of concurrent
requests of one process, costs no database write, and is what one application process needs;
with several worker processes each keeps its own count, so the operator divides the setting by
the number of workers.
"""

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ipprotect.core import rules
from ipprotect.core.auth import Principal
from ipprotect.core.scope import Scope, prefix_of
from ipprotect.credit.matching import (
    REASONS,
    Listed,
    Match,
    NameIndex,
    Thresholds,
    compare,
    usable_cpus,
)
from ipprotect.credit.models import (
    CheckDecision,
    CheckPurpose,
    CreditCheck,
    CreditListing,
    ListingStatus,
)
from ipprotect.credit.signing import AnswerSigner
from ipprotect.db import utcnow
from ipprotect.settings import Settings
from ipprotect.web.i18n import catalog

ANSWER_VERSION = 1
MEASURE_RULES = ("credit.joint_punishment.restrictions", "credit.cnipa.measures")
BEHAVIOUR_RULES = ("credit.samr.serious_dishonesty_behaviours", "credit.cnipa.dishonest_behaviours")
CANDIDATES = 10


def purpose_measures(purpose: CheckPurpose, on: date) -> frozenset[str]:
    """The restriction ids that bar an entity from this purpose on this day."""
    try:
        found = rules.items(f"credit_checks.purpose.{purpose.value}", on)
    except rules.RuleNotFound:
        return frozenset()
    return frozenset(item.id for item in found)


def _titles(rule_ids: Iterable[str], on: date) -> dict[str, dict[str, str]]:
    titles: dict[str, dict[str, str]] = {}
    for rule_id in rule_ids:
        for rule in rules.history(rule_id):
            for item in rules.items(rule_id, rule.effective_from):
                titles.setdefault(item.id, {"zh": item.zh, "en": item.en})
        try:
            for item in rules.items(rule_id, on):  # the version in force names it last
                titles[item.id] = {"zh": item.zh, "en": item.en}
        except rules.RuleNotFound:
            pass
    return titles


def reason_texts(match: Match) -> dict[str, str]:
    """The matcher's reason in Chinese and English, placeholders filled."""
    msgid = REASONS[match.reason_code]
    zh = catalog("zh_CN").get(msgid, msgid)
    return {"zh": zh.format(**match.params), "en": msgid.format(**match.params)}


# --- the rate limit --------------------------------------------------------------------------


class RateLimiter:
    """`per_minute` calls per key and minute, in bursts of at most `per_minute`: GCRA keeps one
    theoretical arrival time per key, so memory is one float per caller."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 60.0 / per_minute
        self.tolerance = 60.0 - self.interval
        self._arrival: dict[str, float] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def acquire(self, key: str) -> float | None:
        """None when the call may go ahead (and it is counted), else the seconds to wait."""
        now = self._clock()
        with self._lock:
            arrival = max(self._arrival.get(key, now), now)
            if arrival - now > self.tolerance:
                return arrival - now - self.tolerance
            self._arrival[key] = arrival + self.interval
            return None


# --- the index of listed names ----------------------------------------------------------------


Fingerprint = tuple[int, int, datetime | None]


@dataclass
class Built:
    fingerprint: Fingerprint
    index: NameIndex
    listings: dict[tuple[str, str | None], list[int]]


class ListingIndex:
    """The listed entities' names, kept in the process and rebuilt when listings change."""

    def __init__(self, thresholds: Thresholds, refresh_seconds: float) -> None:
        self.thresholds = thresholds
        self.refresh_seconds = refresh_seconds
        self._built: Built | None = None
        self._checked_at = float("-inf")
        self._lock = threading.Lock()
        self._build_lock = threading.Lock()
        # The refresh under way in a thread of its own, if any (joined by tests).
        self.refreshing: threading.Thread | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> "ListingIndex":
        return cls(Thresholds.from_settings(settings), settings.credit_check_refresh_seconds)

    @staticmethod
    def fingerprint(session: Session) -> Fingerprint:
        highest, changed = session.execute(
            select(func.max(CreditListing.id), func.max(CreditListing.updated_at))
        ).one()
        listed = session.scalar(
            select(func.count())
            .select_from(CreditListing)
            .where(CreditListing.status == ListingStatus.LISTED)
        )
        return int(highest or 0), int(listed or 0), changed

    def current(self, session: Session, wait: bool = True) -> Built:
        """The index, re-read when the listings changed, at most every `refresh_seconds`. Only
        the first call of a process waits for the first build. Later, one call at a time looks
        at the fingerprint while the others go on with the index they have; with `wait=False`
        it looks in a thread of its own (its own session on the same engine, so it sees what
        is committed) and the call goes on at once with the index it has."""
        with self._lock:
            now = time.monotonic()
            built = self._built
            if built is not None and now - self._checked_at < self.refresh_seconds:
                return built
            self._checked_at = now
            if built is not None and not wait:
                if self.refreshing is None or not self.refreshing.is_alive():
                    engine = session.get_bind()
                    self.refreshing = threading.Thread(
                        target=self._refresh_apart, args=(engine, built), daemon=True
                    )
                    self.refreshing.start()
                return built
        return self._refresh(session, built)

    def _refresh_apart(self, engine: Any, seen: Built) -> None:
        with Session(engine) as session:
            self._refresh(session, seen)

    def _refresh(self, session: Session, seen: Built | None) -> Built:
        """Rebuild the index `seen` if the listings changed since. The lock is taken before
        the database is read: the calls waiting for a build (the first one takes half a minute
        at a million listings) hold no connection meanwhile, and find the new index made."""
        with self._build_lock:
            if self._built is not None and self._built is not seen:
                return self._built  # built by another call while this one waited
            fingerprint = self.fingerprint(session)
            if self._built is None or self._built.fingerprint != fingerprint:
                self._built = self._build(session, fingerprint)
            return self._built

    def _build(self, session: Session, fingerprint: Fingerprint) -> Built:
        listings: dict[tuple[str, str | None], list[int]] = {}
        rows = session.execute(
            select(CreditListing.id, CreditListing.entity_name, CreditListing.entity_uscc).where(
                CreditListing.status == ListingStatus.LISTED
            )
        )
        for listing_id, name, uscc in rows:
            listings.setdefault((name, uscc or None), []).append(listing_id)
        index = NameIndex(
            [Listed(name, uscc) for name, uscc in listings],
            self.thresholds,
            processes=usable_cpus(),  # a million names parse in half the time on two CPUs
        )
        return Built(fingerprint, index, listings)


# --- the check --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    purpose: CheckPurpose
    uscc: str | None = None  # normalised and valid (the API refuses others)
    name: str = ""
    region: str | None = None


@dataclass
class Found:
    listing: CreditListing
    match: Match
    applies: list[str] = field(default_factory=list)

    @property
    def decision(self) -> CheckDecision | None:
        if not self.applies or self.match.decision == "none":
            return None
        if self.match.decision == "match":
            return CheckDecision.RESTRICTED
        return CheckDecision.REVIEW


def _better(a: Match, b: Match | None) -> bool:
    rank = {"match": 2, "review": 1, "none": 0}
    return b is None or (rank[a.decision], a.confidence) > (rank[b.decision], b.confidence)


class Reader:
    """How `decide` reads the listings: a query each time (a check). Bulk screening reads those
    of many rows at once (screening.Prefetched)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def by_code(self, uscc: str) -> list[tuple[int, str, ListingStatus]]:
        """The listings of this credit code: id, entity name and status."""
        # The status is tested by the caller, not in SQL: without statistics SQLite would walk
        # the status index (nearly every row is `listed`) instead of the credit code's.
        rows = self.session.execute(
            select(CreditListing.id, CreditListing.entity_name, CreditListing.status).where(
                CreditListing.entity_uscc == uscc
            )
        )
        return [(i, name, status) for i, name, status in rows]

    def by_id(self, listing_ids: Iterable[int]) -> list[CreditListing]:
        wanted = list(listing_ids)
        if not wanted:
            return []
        return list(self.session.scalars(select(CreditListing).where(CreditListing.id.in_(wanted))))


def search(built: Built, query: Query) -> list[Match]:
    """What the index says of the query's name (pure: bulk screening runs it in worker
    processes and hands the answers to `decide`)."""
    return built.index.search(query.name, query.uscc, limit=CANDIDATES) if query.name else []


def find(
    session: Session,
    built: Built,
    query: Query,
    searched: list[Match] | None = None,
    reader: Reader | None = None,
) -> list[tuple[int, Match]]:
    """The listings that the query may name, each with the strongest match (`searched`: the
    index's answers when `search` already ran)."""
    matches: dict[int, Match] = {}
    if query.name:
        for match in search(built, query) if searched is None else searched:
            if match.decision == "none":
                continue
            for listing_id in built.listings.get((match.name, match.uscc), []):
                if _better(match, matches.get(listing_id)):
                    matches[listing_id] = match
    if query.uscc:
        # The database, not the index: a listing of this code counts the moment it is made.
        for listing_id, name, status in (reader or Reader(session)).by_code(query.uscc):
            if status is not ListingStatus.LISTED:
                continue
            match = compare(
                query.name or name, query.uscc, Listed(name, query.uscc), built.index.thresholds
            )
            if _better(match, matches.get(listing_id)):
                matches[listing_id] = match
    return sorted(matches.items())


def _listing_view(
    found: Found,
    measure_titles: dict[str, dict[str, str]],
    behaviour_titles: dict[str, dict[str, str]],
) -> dict[str, Any]:
    listing = found.listing

    def day(value: date | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "listing_id": listing.id,
        "entity_name": listing.entity_name,
        "entity_uscc": listing.entity_uscc,
        "region_code": listing.region_code,
        "behaviour": {"id": listing.behaviour, **behaviour_titles.get(listing.behaviour, {})},
        "class": listing.class_.value,
        "basis": listing.basis,
        "authority": listing.authority,
        "document_no": listing.document_no,
        "measures": [
            {"id": m, **measure_titles.get(m, {}), "applies": m in found.applies}
            for m in listing.measures
        ],
        "period": {
            "decided_on": day(listing.decided_on),
            "published_on": day(listing.published_on),
            "publicity_min_until": day(listing.publicity_min_until),
            "publicity_max_until": day(listing.publicity_max_until),
        },
        "match": {
            "decision": found.match.decision,
            "confidence": round(found.match.confidence, 3),
            "reason_code": found.match.reason_code,
            "reason": reason_texts(found.match),
        },
        "decision": found.decision.value if found.decision else None,
    }


def decide(
    session: Session,
    built: Built,
    query: Query,
    scope: Scope,
    on: date,
    searched: list[Match] | None = None,
    reader: Reader | None = None,
) -> tuple[CheckDecision, list[Found]]:
    """The decision and the listings behind it, strongest first (no record, no signature)."""
    reader = reader or Reader(session)
    candidates = dict(find(session, built, query, searched, reader))
    listings = [
        listing
        for listing in reader.by_id(candidates)
        if listing.status is ListingStatus.LISTED  # by the primary key, as in `by_code`
    ]
    barred = purpose_measures(query.purpose, on)
    found: list[Found] = []
    for listing in listings:
        match = candidates[listing.id]
        if (listing.entity_name, listing.entity_uscc or None) != (match.name, match.uscc) and not (
            query.uscc and listing.entity_uscc == query.uscc
        ):
            continue  # the index is older than this row: it named another entity
        if not scope.covers(listing.region_code):
            continue
        if query.region and not listing.region_code.startswith(prefix_of(query.region)):
            continue
        found.append(Found(listing, match, [m for m in listing.measures if m in barred]))
    decisions = {f.decision for f in found}
    if CheckDecision.RESTRICTED in decisions:
        decision = CheckDecision.RESTRICTED
    elif CheckDecision.REVIEW in decisions:
        decision = CheckDecision.REVIEW
    else:
        decision = CheckDecision.CLEAR
    rank = {CheckDecision.RESTRICTED: 0, CheckDecision.REVIEW: 1, None: 2}
    found.sort(key=lambda f: (rank[f.decision], -f.match.confidence, f.listing.id))
    return decision, found


def check(
    session: Session,
    index: ListingIndex,
    signer: AnswerSigner,
    principal: Principal,
    query: Query,
    on: date,
    now: datetime | None = None,
) -> tuple[CreditCheck, dict[str, Any]]:
    """Answer one check, record it and sign the answer. The caller commits."""
    decision, found = decide(session, index.current(session), query, principal.scope, on)
    return record(session, signer, principal, query, on, decision, found, now)


@dataclass(frozen=True)
class Unsigned:
    """A decided check, its answer complete but for the check's id and the signature: what
    `write` turns into a row and a signed answer (in the request, or in a group commit)."""

    principal: Principal
    query: Query
    decision: CheckDecision
    at: datetime
    answer: dict[str, Any]


@lru_cache(maxsize=8)
def _day_titles(
    ruleset: rules.RuleSet, on: date
) -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]]]:
    """The measures' and behaviours' titles on a day: the rules are loaded once per process,
    so the titles of a day are read once, not at every check."""
    return _titles(MEASURE_RULES, on), _titles(BEHAVIOUR_RULES, on)


def unsigned(
    principal: Principal,
    query: Query,
    on: date,
    decision: CheckDecision,
    found: list[Found],
    now: datetime | None = None,
) -> Unsigned:
    """The answer of a decided check, before it is recorded."""
    now = now or utcnow()
    measure_titles, behaviour_titles = _day_titles(rules.configured(), on)
    answer = {
        "checked_at": now.isoformat().replace("+00:00", "Z"),
        "checked_on": on.isoformat(),
        "caller": principal.name,
        "query": {
            "purpose": query.purpose.value,
            "uscc": query.uscc,
            "name": query.name,
            "region": query.region,
        },
        "decision": decision.value,
        "listings": [_listing_view(f, measure_titles, behaviour_titles) for f in found],
    }
    return Unsigned(principal, query, decision, now, answer)


def write(
    session: Session, signer: AnswerSigner, batch: list[Unsigned]
) -> list[tuple[CreditCheck, dict[str, Any]]]:
    """Write the checks and sign their answers, which name the rows' ids (one flush for the
    batch; the caller commits)."""
    rows = [
        CreditCheck(
            at=check.at,
            caller_token_id=check.principal.token_id,
            caller_user_id=check.principal.user_id,
            caller_name=check.principal.name,
            purpose=check.query.purpose,
            query_uscc=check.query.uscc,
            query_name=check.query.name,
            query_region=check.query.region,
            decision=check.decision,
        )
        for check in batch
    ]
    session.add_all(rows)
    session.flush()
    made = []
    for row, check in zip(rows, batch, strict=True):
        answer = signer.sign({"version": ANSWER_VERSION, "check_id": row.id, **check.answer})
        row.response = answer
        row.signature = answer["signature"]
        row.key_id = answer["key_id"]
        made.append((row, answer))
    return made


def record(
    session: Session,
    signer: AnswerSigner,
    principal: Principal,
    query: Query,
    on: date,
    decision: CheckDecision,
    found: list[Found],
    now: datetime | None = None,
) -> tuple[CreditCheck, dict[str, Any]]:
    """Write the check and its signed answer (the caller commits)."""
    return write(session, signer, [unsigned(principal, query, on, decision, found, now)])[0]
