"""Registry reads: search, lists, single records, exports, history and dashboard figures.

Every read is restricted to what the caller may see (ipprotect.registry.access), except the
lookups by credit code or number, which exist to check duplicates and are never shown.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, and_, false, func, not_, or_, select, union_all
from sqlalchemy.orm import Session, aliased

from ipprotect.core import audit, ids
from ipprotect.core.auth import Principal
from ipprotect.core.errors import not_found
from ipprotect.core.jobs import Job
from ipprotect.core.pagination import Page, paginate
from ipprotect.core.scope import Scope, prefix_of
from ipprotect.core.text import search_text
from ipprotect.registry import search
from ipprotect.registry.access import (
    READ_ROLES,
    can_see_entity,
    can_see_right,
    entity_visibility,
    personal_data,
    right_visibility,
)
from ipprotect.registry.fields import right_number
from ipprotect.registry.models import EntityKind, IpRight, MarketEntity, RightKind, TrademarkClass
from ipprotect.web.i18n import N_

_CODE_PREFIX = re.compile(r"(?=.*[0-9])[0-9A-Z]{6,17}")

# auto: by prefix, by substring when the prefix finds nothing; prefix or contains: only that.
Match = Literal["auto", "prefix", "contains"]


# ---------------------------------------------------------------- search


@dataclass(frozen=True)
class EntityFilters:
    q: str = ""
    kind: EntityKind | None = None
    region: str = ""  # a region code; its whole subtree matches
    match: Match = "auto"


def _starts(column: Any, prefix: str) -> ColumnElement[bool]:
    """`column` starts with `prefix`, as a range an ordinary b-tree index serves on both
    databases (LIKE 'x%' is index-usable on neither without special collations or pragmas)."""
    return and_(column >= prefix, column < search.successor(prefix))


def _alternatives(q: str, contains: bool) -> list[ColumnElement[bool]]:
    """What a typed text may match: a credit code; or a part of the name; or the start of the
    name, of its core or of a credit code. Empty when the text has nothing to search by."""
    code = search.looks_like_uscc(q)
    if code is not None:
        return [MarketEntity.uscc == code]
    folded = search.fold(q)
    if not folded:
        return []
    if contains:
        # A scan of the whole scope: slow on millions of rows, so only on request or as a fallback.
        return [MarketEntity.name_folded.contains(folded, autoescape=True)]
    alternatives = [
        _starts(MarketEntity.name_folded, folded),
        _starts(MarketEntity.name_core, search.core(q)),
    ]
    partial = search.normalise_code(q)
    if _CODE_PREFIX.fullmatch(partial):
        alternatives.append(_starts(MarketEntity.uscc, partial))
    return alternatives


def _name_or_code(q: str, contains: bool) -> ColumnElement[bool] | None:
    alternatives = _alternatives(q, contains)
    return or_(*alternatives) if alternatives else None


def _entity_select(
    visible: ColumnElement[bool], f: EntityFilters, contains: bool
) -> Select[MarketEntity]:
    stmt = select(MarketEntity).where(visible)
    if f.kind is not None:
        stmt = stmt.where(MarketEntity.kind == f.kind)
    region_prefix = prefix_of(f.region) if f.region else ""
    if region_prefix:
        stmt = stmt.where(_starts(MarketEntity.region_code, region_prefix))
    alternatives = _alternatives(search_text(f.q), contains) if search_text(f.q) else []
    if len(alternatives) > 1:
        # One branch per alternative, each without the rows of the branches before it, instead
        # of an OR of ranges: each branch is a range of its own index, where PostgreSQL walked
        # the whole name index in name order to fill a page (benchmarks/registry.py).
        branches = [
            stmt.where(alternative, *(not_(before) for before in alternatives[:i]))
            for i, alternative in enumerate(alternatives)
        ]
        found = union_all(*branches).subquery()
        return select(aliased(MarketEntity, found)).order_by(found.c.name_folded, found.c.id)
    stmt = stmt.where(*alternatives)
    return stmt.order_by(MarketEntity.name_folded, MarketEntity.id)


def _search(
    session: Session, visible: ColumnElement[bool], f: EntityFilters
) -> Select[MarketEntity]:
    """The prefix search; the substring search when asked for or when the prefix finds nothing."""
    if f.match == "contains":
        return _entity_select(visible, f, contains=True)
    stmt = _entity_select(visible, f, contains=False)
    # Unordered: whether anything matches, without sorting every match (benchmarks/registry.py).
    if (
        f.match == "auto"
        and search_text(f.q)
        and not session.scalar(select(stmt.order_by(None).exists()))
    ):
        return _entity_select(visible, f, contains=True)
    return stmt


def list_entities(
    session: Session, who: Principal, f: EntityFilters, number: int = 1, size: int = 50
) -> Page[MarketEntity]:
    return paginate(session, _search(session, entity_visibility(who), f), number, size)


def lookup(session: Session, scope: Scope, text: str, limit: int = 10) -> list[MarketEntity]:
    """Entities a person may mean by a USCC or a name (e.g. a complaint's respondent)."""
    stmt = _search(session, scope.clause(MarketEntity.region_code), EntityFilters(q=text))
    return list(session.scalars(stmt.limit(limit)))


def get_entity(session: Session, who: Principal, entity_id: int) -> MarketEntity:
    entity = session.get(MarketEntity, entity_id)
    if entity is None or not can_see_entity(who, entity):
        raise not_found("market entity")
    return entity


def entity_by_uscc(session: Session, uscc: str) -> MarketEntity | None:
    """Whatever the scope: for checking duplicates, never for showing."""
    return session.scalar(select(MarketEntity).where(MarketEntity.uscc == uscc))


# ---------------------------------------------------------------- rights


def right_by_number(session: Session, kind: str, number: str) -> IpRight | None:
    """The right of this kind registered under this number (as typed: it is made canonical),
    whatever the scope: for checking duplicates, never for showing."""
    try:
        right_kind = RightKind(kind.strip())
    except ValueError:
        return None
    canonical, _patent_kind = right_number([], right_kind, number)
    if canonical is None:
        return None
    stmt = select(IpRight).where(IpRight.kind == right_kind, IpRight.number == canonical)
    return session.scalar(stmt)


def get_right(session: Session, who: Principal, right_id: int) -> IpRight:
    right = session.get(IpRight, right_id)
    if right is None or not can_see_right(who, right):
        raise not_found("IP right")
    return right


@dataclass(frozen=True)
class RightFilters:
    q: str = ""  # a number, words of the title, or the owner's name
    kind: RightKind | None = None
    nice_class: int | None = None
    owner_id: int | None = None
    region: str = ""


def _number_keys(q: str) -> set[str]:
    """The stored forms a typed number may have: as typed, or as a patent or trademark number."""
    keys = {q, q.upper()}
    for parse in (ids.parse_trademark_registration, _patent_number):
        try:
            keys.add(parse(q))
        except ids.InvalidIdentifier:
            continue
    return keys


def _patent_number(raw: str) -> str:
    return ids.parse_patent_application(raw).number


def _right_select(who: Principal, f: RightFilters) -> Select[IpRight]:
    stmt = select(IpRight).where(right_visibility(who))
    if f.kind is not None:
        stmt = stmt.where(IpRight.kind == f.kind)
    if f.owner_id is not None:
        stmt = stmt.where(IpRight.owner_id == f.owner_id)
    if f.nice_class is not None:
        in_class = select(TrademarkClass.right_id).where(TrademarkClass.nice_class == f.nice_class)
        stmt = stmt.where(IpRight.id.in_(in_class))
    region_prefix = prefix_of(f.region) if f.region else ""
    if region_prefix:
        stmt = stmt.where(_starts(IpRight.region_code, region_prefix))
    q = search_text(f.q)
    if q:
        owner_match = _name_or_code(q, contains=False)
        owners = select(MarketEntity.id).where(owner_match if owner_match is not None else false())
        stmt = stmt.where(
            or_(
                IpRight.number.in_(_number_keys(q)),
                IpRight.title.contains(q, autoescape=True),
                IpRight.owner_id.in_(owners),
            )
        )
    return stmt.order_by(IpRight.id.desc())


def list_rights(
    session: Session, who: Principal, f: RightFilters, number: int = 1, size: int = 50
) -> Page[IpRight]:
    return paginate(session, _right_select(who, f), number, size)


# ---------------------------------------------------------------- exports

ENTITY_COLUMNS = [
    "name",
    "uscc",
    "kind",
    "region_code",
    "legal_representative",
    "address",
    "phone",
    "email",
]
RIGHT_COLUMNS = [
    "kind",
    "number",
    "title",
    "owner_name",
    "owner_uscc",
    "region_code",
    "nice_classes",
    "patent_kind",
    "filed_on",
    "granted_on",
    "expires_on",
    "status",
]


def entity_rows(session: Session, who: Principal, f: EntityFilters) -> Iterator[list[Any]]:
    """Export rows, in the import's column order (an export can be edited and imported back).
    Natural persons' addresses and phones are masked: exports leave the access-controlled system."""
    stmt = _search(session, entity_visibility(who), f).execution_options(yield_per=1000)
    for entity in session.scalars(stmt):
        personal = personal_data(entity, reveal=False)
        yield [
            entity.name,
            entity.uscc,
            entity.kind.value,
            entity.region_code,
            entity.legal_representative,
            personal.address,
            personal.phone,
            entity.email,
        ]


def right_rows(session: Session, who: Principal, f: RightFilters) -> Iterator[list[Any]]:
    stmt = _right_select(who, f).execution_options(yield_per=1000)
    for right in session.scalars(stmt):
        yield [
            right.kind.value,
            right.number,
            right.title,
            right.owner.name,
            right.owner.uscc,
            right.region_code,
            ";".join(str(c) for c in right.nice_classes),
            right.patent_kind,
            right.filed_on,
            right.granted_on,
            right.expires_on,
            right.status.value,
        ]


# ---------------------------------------------------------------- history, jobs, figures


def history(session: Session, object_type: str, object_id: int) -> list[audit.AuditEvent]:
    """The audit events of one record (the caller has already checked it may see the record)."""
    stmt = (
        select(audit.AuditEvent)
        .where(
            audit.AuditEvent.object_type == object_type,
            audit.AuditEvent.object_id == str(object_id),
        )
        .order_by(audit.AuditEvent.id)
    )
    return list(session.scalars(stmt))


def get_job(session: Session, who: Principal, job_id: int) -> Job:
    """A registry job the caller started or whose region lies in the caller's scope."""
    job = session.get(Job, job_id)
    if (
        job is None
        or not job.kind.startswith("registry.")
        or not (
            (who.user_id is not None and job.created_by == who.user_id)
            or who.scope.covers(job.region_code)
        )
    ):
        raise not_found("job")
    return job


def dashboard_counts(session: Session, who: Principal) -> dict[str, int]:
    """The figures on the dashboard: only what `who` may see (an applicant: their own records)."""
    if who.role not in READ_ROLES:
        return {}

    def count(stmt: Select[int]) -> int:
        return session.scalar(stmt) or 0

    entities = select(func.count()).select_from(MarketEntity)
    rights = select(func.count()).select_from(IpRight).where(right_visibility(who))
    return {
        N_("Market entities"): count(entities.where(entity_visibility(who))),
        N_("IP rights"): count(rights),
        N_("Patents"): count(rights.where(IpRight.kind == RightKind.PATENT)),
        N_("Trademarks"): count(rights.where(IpRight.kind == RightKind.TRADEMARK)),
    }
