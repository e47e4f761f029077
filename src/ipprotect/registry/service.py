"""Registry operations: the only writer of market entities and IP rights.

Every write validates all fields at once, checks that the caller may see the record
(ipprotect.registry.access), and records an audit event with before and after in the same
transaction. Callers commit. The reads are in ipprotect.registry.repository.
"""

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from ipprotect.core import audit, ids
from ipprotect.core.auth import Principal
from ipprotect.core.errors import FieldError, invalid, not_found
from ipprotect.core.scope import NATIONAL
from ipprotect.db import MAX_ID
from ipprotect.registry import search
from ipprotect.registry.access import can_see_entity, can_see_right, entity_visibility
from ipprotect.registry.fields import check_length, right_number
from ipprotect.registry.models import (
    EntityKind,
    IpRight,
    MarketEntity,
    RightKind,
    RightStatus,
    TrademarkClass,
)
from ipprotect.registry.repository import entity_by_uscc
from ipprotect.web.i18n import N_

T = TypeVar("T")

# GB 32100: every legal person and other organisation is assigned a USCC.
USCC_REQUIRED = {EntityKind.COMPANY, EntityKind.PUBLIC_INSTITUTION, EntityKind.SOCIAL_ORGANISATION}

_PHONE = re.compile(r"[0-9+()\- ]{5,40}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_CLASS_SEPARATORS = re.compile(r"[\s,，;；、]+")
_DATE = re.compile(r"([0-9]{4})([-/])([0-9]{1,2})\2([0-9]{1,2})")


@dataclass
class Saved(Generic[T]):
    """A saved record and the doubts about it that did not block saving."""

    record: T
    warnings: list[FieldError]


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
    check_length(errors, "name", name, 200)
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
    check_length(errors, "legal_representative", legal_representative, 100)
    check_length(errors, "address", address, 300)
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
    if not can_see_entity(who, entity):
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
            select(MarketEntity).where(MarketEntity.uscc == code, entity_visibility(who))
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
    if owner is None or not can_see_entity(who, owner):
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
    number, patent_kind = right_number(errors, kind, d.number)
    title = " ".join(d.title.split())
    if not title:
        errors.append(FieldError("title", "required", N_("This field is required")))
    check_length(errors, "title", title, 300)
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
    if not can_see_right(who, right):
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
