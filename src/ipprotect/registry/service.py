"""Registry operations: the only writer of market entities and IP rights.

Every read is restricted to what the caller may see (staff: their region scope; an applicant:
their own entity and its rights); every write validates all fields at once, checks the scope,
and records an audit event with before and after in the same transaction. Callers commit.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, Literal, TypeVar

from sqlalchemy import ColumnElement, Select, and_, false, func, not_, or_, select, union_all
from sqlalchemy.orm import Session, aliased

from ipprotect.core import audit, ids
from ipprotect.core.auth import Principal, Role
from ipprotect.core.errors import FieldError, invalid, not_found
from ipprotect.core.jobs import Job
from ipprotect.core.pagination import Page, paginate
from ipprotect.core.scope import NATIONAL, Scope, prefix_of
from ipprotect.db import MAX_ID
from ipprotect.registry import search
from ipprotect.registry.models import (
    EntityKind,
    IpRight,
    MarketEntity,
    RightKind,
    RightStatus,
    TrademarkClass,
)
from ipprotect.web.i18n import N_

T = TypeVar("T")

READ_ROLES = (
    Role.OFFICER,
    Role.MEDIATOR,
    Role.CREDIT_OFFICER,
    Role.EVALUATOR,
    Role.ADMIN,
    Role.APPLICANT,
)
WRITE_ROLES = (Role.OFFICER, Role.CREDIT_OFFICER, Role.ADMIN)
# Those who keep the records may see a natural person's resident ID, phone and address in full
# (Personal Information Protection Law art. 28: sensitive data, access limited to need).
REVEAL_ROLES = WRITE_ROLES

# The platform acting on its own account (CLI imports and exports): the whole country.
PLATFORM = Principal(None, "system", Role.SYSTEM, Scope.of([NATIONAL]))

# GB 32100: every legal person and other organisation is assigned a USCC.
USCC_REQUIRED = {EntityKind.COMPANY, EntityKind.PUBLIC_INSTITUTION, EntityKind.SOCIAL_ORGANISATION}

_PHONE = re.compile(r"[0-9+()\- ]{5,40}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_CLASS_SEPARATORS = re.compile(r"[\s,，;；、]+")
_CODE_PREFIX = re.compile(r"(?=.*[0-9])[0-9A-Z]{6,17}")
_DATE = re.compile(r"([0-9]{4})([-/])([0-9]{1,2})\2([0-9]{1,2})")

# auto: by prefix, by substring when the prefix finds nothing; prefix or contains: only that.
Match = Literal["auto", "prefix", "contains"]


@dataclass
class Saved(Generic[T]):
    """A saved record and the doubts about it that did not block saving."""

    record: T
    warnings: list[FieldError]


# ---------------------------------------------------------------- who sees what


def may_write(who: Principal) -> bool:
    return who.role in WRITE_ROLES


def may_reveal(who: Principal) -> bool:
    return who.role in REVEAL_ROLES


def _entity_visibility(who: Principal) -> ColumnElement[bool]:
    if who.role is Role.APPLICANT:
        return MarketEntity.uscc == who.entity_uscc if who.entity_uscc else false()
    return who.scope.clause(MarketEntity.region_code)


def _right_visibility(who: Principal) -> ColumnElement[bool]:
    if who.role is Role.APPLICANT:
        own = select(MarketEntity.id).where(_entity_visibility(who))
        return IpRight.owner_id.in_(own)
    return who.scope.clause(IpRight.region_code)


def _can_see_entity(who: Principal, entity: MarketEntity) -> bool:
    if who.role is Role.APPLICANT:
        return who.entity_uscc is not None and entity.uscc == who.entity_uscc
    return who.scope.covers(entity.region_code)


def _can_see_right(who: Principal, right: IpRight) -> bool:
    if who.role is Role.APPLICANT:
        return _can_see_entity(who, right.owner)
    return who.scope.covers(right.region_code)


def mask_address(address: str) -> str:
    """Keep the place (the first characters: province, city, district), hide the street."""
    return address[:6] + "****" if len(address) > 6 else "****"


@dataclass(frozen=True)
class PersonalData:
    """The fields of an entity that are personal data when it is a natural person."""

    address: str | None
    phone: str | None
    resident_id: str | None


def personal_data(entity: MarketEntity, reveal: bool) -> PersonalData:
    """Full values for those who may see them; masked for a natural person otherwise."""
    resident_id = entity.resident_id
    if reveal:
        return PersonalData(entity.address, entity.phone, resident_id)
    masked_id = ids.mask_resident_id(resident_id) if resident_id else None
    if entity.kind is not EntityKind.NATURAL_PERSON:
        return PersonalData(entity.address, entity.phone, masked_id)
    return PersonalData(
        mask_address(entity.address) if entity.address else None,
        ids.mask_phone(entity.phone) if entity.phone else None,
        masked_id,
    )


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
    alternatives = _alternatives(f.q.strip(), contains) if f.q.strip() else []
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
        and f.q.strip()
        and not session.scalar(select(stmt.order_by(None).exists()))
    ):
        return _entity_select(visible, f, contains=True)
    return stmt


def list_entities(
    session: Session, who: Principal, f: EntityFilters, number: int = 1, size: int = 50
) -> Page[MarketEntity]:
    return paginate(session, _search(session, _entity_visibility(who), f), number, size)


def lookup(session: Session, scope: Scope, text: str, limit: int = 10) -> list[MarketEntity]:
    """Entities a person may mean by a USCC or a name (e.g. a complaint's respondent)."""
    stmt = _search(session, scope.clause(MarketEntity.region_code), EntityFilters(q=text))
    return list(session.scalars(stmt.limit(limit)))


def get_entity(session: Session, who: Principal, entity_id: int) -> MarketEntity:
    entity = session.get(MarketEntity, entity_id)
    if entity is None or not _can_see_entity(who, entity):
        raise not_found("market entity")
    return entity


def entity_by_uscc(session: Session, uscc: str) -> MarketEntity | None:
    """Whatever the scope: for checking duplicates, never for showing."""
    return session.scalar(select(MarketEntity).where(MarketEntity.uscc == uscc))


# ---------------------------------------------------------------- entity writes


@dataclass
class EntityDraft:
    """An entity as typed in a form, a JSON body or a spreadsheet row; empty means none."""

    name: str = ""
    uscc: str = ""
    kind: str = EntityKind.COMPANY.value
    region_code: str = ""
    legal_representative: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""
    resident_id: str = ""


def entity_draft(entity: MarketEntity) -> EntityDraft:
    """The draft an edit starts from: the record's current values."""
    return EntityDraft(
        name=entity.name,
        uscc=entity.uscc or "",
        kind=entity.kind.value,
        region_code=entity.region_code,
        legal_representative=entity.legal_representative or "",
        address=entity.address or "",
        phone=entity.phone or "",
        email=entity.email or "",
        resident_id=entity.resident_id or "",
    )


def _check_length(errors: list[FieldError], name: str, value: str, limit: int) -> None:
    if len(value) > limit:
        errors.append(
            FieldError(name, "too_long", N_("Use at most {limit} characters"), {"limit": limit})
        )


def check_region(
    errors: list[FieldError], who: Principal, code: str, field: str = "region_code"
) -> None:
    if not code:
        errors.append(FieldError(field, "required", N_("This field is required")))
    elif code == NATIONAL or not ids.is_region_code(code):
        errors.append(
            FieldError(field, "unknown_region", N_("Unknown region code {code}"), {"code": code})
        )
    elif not who.scope.covers(code):
        errors.append(FieldError(field, "out_of_scope", N_("This region is outside your area")))


def _entity_kind(errors: list[FieldError], raw: str) -> EntityKind | None:
    try:
        return EntityKind(raw.strip())
    except ValueError:
        errors.append(FieldError("kind", "invalid_choice", N_("Choose one of the listed values")))
        return None


def _check_entity(
    session: Session, who: Principal, d: EntityDraft, current: MarketEntity | None
) -> tuple[dict[str, Any], list[FieldError], list[FieldError]]:
    """The clean values, the errors (all of them) and the warnings of a draft."""
    errors: list[FieldError] = []
    warnings: list[FieldError] = []
    name = " ".join(d.name.split())
    if not name:
        errors.append(FieldError("name", "required", N_("This field is required")))
    _check_length(errors, "name", name, 200)
    kind = _entity_kind(errors, d.kind)

    uscc: str | None = None
    region_code = d.region_code.strip()
    if d.uscc.strip():
        if kind is EntityKind.NATURAL_PERSON:
            errors.append(
                FieldError("uscc", "not_allowed", N_("A natural person has no credit code"))
            )
        else:
            try:
                parsed = ids.parse_uscc(d.uscc)
            except ids.InvalidIdentifier as exc:
                errors.append(exc.field_error("uscc"))
            else:
                uscc = parsed.code
                warnings += [
                    FieldError("uscc", key, ids.WARNINGS[key], {"region": parsed.region_code})
                    for key in parsed.warnings
                ]
                if (
                    not region_code
                    and parsed.region_code != NATIONAL
                    and ids.is_region_code(parsed.region_code)
                ):
                    region_code = parsed.region_code  # where it was registered
    elif kind in USCC_REQUIRED:
        errors.append(FieldError("uscc", "required", N_("This field is required")))
    if uscc is not None:
        holder = entity_by_uscc(session, uscc)
        if holder is not None and (current is None or holder.id != current.id):
            errors.append(
                FieldError("uscc", "uscc_taken", N_("Another entity already has this code"))
            )
    # An empty region is taken from the code: while the code is wrong, say only that.
    if region_code or not any(e.field == "uscc" for e in errors):
        check_region(errors, who, region_code)

    resident_id: str | None = None
    if d.resident_id.strip():
        if kind is not EntityKind.NATURAL_PERSON:
            errors.append(
                FieldError(
                    "resident_id", "not_allowed", N_("Only natural persons have a resident ID")
                )
            )
        else:
            try:
                resident_id = ids.parse_resident_id(d.resident_id)
            except ids.InvalidIdentifier as exc:
                errors.append(exc.field_error("resident_id"))

    legal_representative = d.legal_representative.strip()
    address = d.address.strip()
    phone = d.phone.strip()
    email = d.email.strip()
    _check_length(errors, "legal_representative", legal_representative, 100)
    _check_length(errors, "address", address, 300)
    if phone and not _PHONE.fullmatch(phone):
        errors.append(
            FieldError("phone", "invalid_phone", N_("Use digits, spaces, +, - and brackets"))
        )
    if email and (len(email) > 254 or not _EMAIL.fullmatch(email)):
        errors.append(FieldError("email", "invalid_email", N_("This is not an e-mail address")))

    values = {
        "name": name,
        "name_folded": search.fold(name)[:200],
        "name_core": search.core(name)[:200],
        "uscc": uscc,
        "kind": kind,
        "region_code": region_code,
        "legal_representative": legal_representative or None,
        "address": address or None,
        "phone": phone or None,
        "email": email or None,
        "resident_id": resident_id,
    }
    return values, errors, warnings


def _entity_snapshot(entity: MarketEntity) -> dict[str, Any]:
    return {
        "name": entity.name,
        "uscc": entity.uscc,
        "kind": entity.kind.value,
        "region_code": entity.region_code,
        "legal_representative": entity.legal_representative,
        "address": entity.address,
        "phone": entity.phone,
        "email": entity.email,
        # The audit trail records that the ID changed, never the ID itself.
        "resident_id": ids.mask_resident_id(entity.resident_id) if entity.resident_id else None,
    }


def create_entity(
    session: Session, who: Principal, draft: EntityDraft, request_id: str | None = None
) -> Saved[MarketEntity]:
    values, errors, warnings = _check_entity(session, who, draft, None)
    if errors:
        raise invalid(errors)
    entity = MarketEntity(**values, created_by=who.user_id)
    session.add(entity)
    session.flush()
    audit.record(
        session,
        who.actor(request_id),
        "entity.create",
        "market_entity",
        entity.id,
        region_code=entity.region_code,
        after=_entity_snapshot(entity),
    )
    return Saved(entity, warnings)


def update_entity(
    session: Session,
    who: Principal,
    entity: MarketEntity,
    draft: EntityDraft,
    request_id: str | None = None,
) -> Saved[MarketEntity]:
    """Replace an entity's fields with the draft's (start from `entity_draft` to edit a few)."""
    if not _can_see_entity(who, entity):
        raise not_found("market entity")
    values, errors, warnings = _check_entity(session, who, draft, entity)
    if errors:
        raise invalid(errors)
    before = _entity_snapshot(entity)
    for key, value in values.items():
        setattr(entity, key, value)
    after = _entity_snapshot(entity)
    if before != after:
        session.flush()
        old, new = audit.changes(before, after)
        audit.record(
            session,
            who.actor(request_id),
            "entity.update",
            "market_entity",
            entity.id,
            region_code=entity.region_code,
            before=old,
            after=new,
        )
    return Saved(entity, warnings)


# ---------------------------------------------------------------- rights


@dataclass
class RightDraft:
    """A right as typed; dates ISO 8601, Nice classes separated by commas or spaces."""

    kind: str = ""
    number: str = ""
    title: str = ""
    owner_id: str = ""
    owner_uscc: str = ""  # the owner's credit code, read when no owner_id is given (imports)
    region_code: str = ""
    nice_classes: str = ""
    filed_on: str = ""
    granted_on: str = ""
    expires_on: str = ""
    status: str = RightStatus.PENDING.value


def right_draft(right: IpRight) -> RightDraft:
    return RightDraft(
        kind=right.kind.value,
        number=right.number or "",
        title=right.title,
        owner_id=str(right.owner_id),
        region_code=right.region_code,
        nice_classes=", ".join(str(c) for c in right.nice_classes),
        filed_on=right.filed_on.isoformat() if right.filed_on else "",
        granted_on=right.granted_on.isoformat() if right.granted_on else "",
        expires_on=right.expires_on.isoformat() if right.expires_on else "",
        status=right.status.value,
    )


def _date(errors: list[FieldError], name: str, raw: str) -> date | None:
    """ISO 8601, or year/month/day as Chinese spreadsheets write it (2024/1/31, 2024-1-31)."""
    text = raw.strip()
    if not text:
        return None
    match = _DATE.fullmatch(text)
    try:
        return (
            date(int(match[1]), int(match[3]), int(match[4])) if match else date.fromisoformat(text)
        )
    except ValueError:
        errors.append(FieldError(name, "invalid_date", N_("Use a date like 2024-03-31")))
        return None


def _number(
    errors: list[FieldError], kind: RightKind | None, raw: str
) -> tuple[str | None, str | None]:
    """The canonical number and, for patents, the patent kind the number encodes."""
    raw = raw.strip()
    if kind is RightKind.TRADE_SECRET:
        if raw:
            errors.append(
                FieldError("number", "not_allowed", N_("A trade secret has no public number"))
            )
        return None, None
    if kind in (RightKind.PATENT, RightKind.TRADEMARK) and not raw:
        errors.append(FieldError("number", "required", N_("This field is required")))
        return None, None
    try:
        if kind is RightKind.PATENT:
            patent = ids.parse_patent_application(raw)
            return patent.number, patent.kind
        if kind is RightKind.TRADEMARK:
            return ids.parse_trademark_registration(raw), None
    except ids.InvalidIdentifier as exc:
        errors.append(exc.field_error("number"))
        return None, None
    _check_length(errors, "number", raw, 64)
    return raw or None, None


def _nice_classes(errors: list[FieldError], kind: RightKind | None, raw: str) -> list[int]:
    parts = [p for p in _CLASS_SEPARATORS.split(raw.strip()) if p]
    if kind is not RightKind.TRADEMARK:
        if parts:
            errors.append(
                FieldError("nice_classes", "not_allowed", N_("Only trademarks have Nice classes"))
            )
        return []
    if not parts:
        errors.append(
            FieldError("nice_classes", "required", N_("Give at least one Nice class (1–45)"))
        )
    classes: set[int] = set()
    for part in parts:
        try:
            classes.add(ids.check_nice_class(part))
        except ids.InvalidIdentifier as exc:
            errors.append(exc.field_error("nice_classes"))
            break
    return sorted(classes)


def _owner(
    session: Session, who: Principal, errors: list[FieldError], raw: str, uscc: str
) -> MarketEntity | None:
    """The owner by its number or, when none is given, by its credit code. An owner the caller
    may not see is reported exactly like one that does not exist (never leak existence)."""
    if not raw.strip() and uscc.strip():
        code = search.normalise_code(uscc)
        owner = session.scalar(
            select(MarketEntity).where(MarketEntity.uscc == code, _entity_visibility(who))
        )
        if owner is None:
            errors.append(
                FieldError(
                    "owner_uscc",
                    "unknown_owner",
                    N_("No market entity with this credit code in your area"),
                )
            )
        return owner
    number = int(raw) if raw.strip().isdigit() else 0
    owner = session.get(MarketEntity, number) if 0 < number <= MAX_ID else None
    if owner is None or not _can_see_entity(who, owner):
        code, message = ("required", N_("This field is required"))
        if raw.strip():
            code, message = ("unknown_owner", N_("No such market entity in your area"))
        errors.append(FieldError("owner_id", code, message))
        return None
    return owner


def _check_right(
    session: Session, who: Principal, d: RightDraft, current: IpRight | None
) -> tuple[dict[str, Any], list[FieldError]]:
    errors: list[FieldError] = []
    kind: RightKind | None = None
    try:
        kind = RightKind(d.kind.strip())
    except ValueError:
        errors.append(FieldError("kind", "invalid_choice", N_("Choose one of the listed values")))
    number, patent_kind = _number(errors, kind, d.number)
    title = " ".join(d.title.split())
    if not title:
        errors.append(FieldError("title", "required", N_("This field is required")))
    _check_length(errors, "title", title, 300)
    owner = _owner(session, who, errors, d.owner_id, d.owner_uscc)
    region_code = d.region_code.strip() or (owner.region_code if owner else "")
    if owner is not None or d.region_code.strip():
        check_region(errors, who, region_code)
    classes = _nice_classes(errors, kind, d.nice_classes)
    filed_on = _date(errors, "filed_on", d.filed_on)
    granted_on = _date(errors, "granted_on", d.granted_on)
    expires_on = _date(errors, "expires_on", d.expires_on)
    if filed_on and granted_on and granted_on < filed_on:
        errors.append(
            FieldError("granted_on", "before_filing", N_("This date is before the filing date"))
        )
    if filed_on and expires_on and expires_on < filed_on:
        errors.append(
            FieldError("expires_on", "before_filing", N_("This date is before the filing date"))
        )
    status: RightStatus | None = None
    try:
        status = RightStatus(d.status.strip() or RightStatus.PENDING.value)
    except ValueError:
        errors.append(FieldError("status", "invalid_choice", N_("Choose one of the listed values")))
    if kind is not None and number is not None:
        taken = select(IpRight.id).where(IpRight.kind == kind, IpRight.number == number)
        if current is not None:
            taken = taken.where(IpRight.id != current.id)
        if session.scalar(taken) is not None:
            errors.append(
                FieldError("number", "number_taken", N_("This number is already registered"))
            )
    values = {
        "kind": kind,
        "number": number,
        "title": title,
        "owner": owner,
        "region_code": region_code,
        "patent_kind": patent_kind,
        "filed_on": filed_on,
        "granted_on": granted_on,
        "expires_on": expires_on,
        "status": status,
    }
    return values | {"nice_classes": classes}, errors


def _right_snapshot(right: IpRight) -> dict[str, Any]:
    return {
        "kind": right.kind.value,
        "number": right.number,
        "title": right.title,
        "owner_id": right.owner_id,
        "region_code": right.region_code,
        "nice_classes": right.nice_classes,
        "patent_kind": right.patent_kind,
        "filed_on": right.filed_on.isoformat() if right.filed_on else None,
        "granted_on": right.granted_on.isoformat() if right.granted_on else None,
        "expires_on": right.expires_on.isoformat() if right.expires_on else None,
        "status": right.status.value,
    }


def _set_classes(right: IpRight, classes: list[int]) -> None:
    if right.nice_classes != classes:
        right.classes = [TrademarkClass(nice_class=c) for c in classes]


def create_right(
    session: Session, who: Principal, draft: RightDraft, request_id: str | None = None
) -> IpRight:
    values, errors = _check_right(session, who, draft, None)
    if errors:
        raise invalid(errors)
    classes = values.pop("nice_classes")
    right = IpRight(**values, created_by=who.user_id)
    _set_classes(right, classes)
    session.add(right)
    session.flush()
    audit.record(
        session,
        who.actor(request_id),
        "right.create",
        "ip_right",
        right.id,
        region_code=right.region_code,
        after=_right_snapshot(right),
    )
    return right


def update_right(
    session: Session,
    who: Principal,
    right: IpRight,
    draft: RightDraft,
    request_id: str | None = None,
) -> IpRight:
    if not _can_see_right(who, right):
        raise not_found("IP right")
    values, errors = _check_right(session, who, draft, right)
    if errors:
        raise invalid(errors)
    before = _right_snapshot(right)
    _set_classes(right, values.pop("nice_classes"))
    for key, value in values.items():
        setattr(right, key, value)
    session.flush()
    after = _right_snapshot(right)
    if before != after:
        old, new = audit.changes(before, after)
        audit.record(
            session,
            who.actor(request_id),
            "right.update",
            "ip_right",
            right.id,
            region_code=right.region_code,
            before=old,
            after=new,
        )
    return right


def right_by_number(session: Session, kind: str, number: str) -> IpRight | None:
    """The right of this kind registered under this number (as typed: it is made canonical),
    whatever the scope: for checking duplicates, never for showing."""
    try:
        right_kind = RightKind(kind.strip())
    except ValueError:
        return None
    canonical, _patent_kind = _number([], right_kind, number)
    if canonical is None:
        return None
    stmt = select(IpRight).where(IpRight.kind == right_kind, IpRight.number == canonical)
    return session.scalar(stmt)


def get_right(session: Session, who: Principal, right_id: int) -> IpRight:
    right = session.get(IpRight, right_id)
    if right is None or not _can_see_right(who, right):
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
    stmt = select(IpRight).where(_right_visibility(who))
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
    q = f.q.strip()
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
    stmt = _search(session, _entity_visibility(who), f).execution_options(yield_per=1000)
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
    rights = select(func.count()).select_from(IpRight).where(_right_visibility(who))
    return {
        N_("Market entities"): count(entities.where(_entity_visibility(who))),
        N_("IP rights"): count(rights),
        N_("Patents"): count(rights.where(IpRight.kind == RightKind.PATENT)),
        N_("Trademarks"): count(rights.where(IpRight.kind == RightKind.TRADEMARK)),
    }
