"""Who may see and change what in the registry: the roles, the rows a principal may read, and
how much of a natural person's data they may see.

Staff see their region scope; an applicant sees their own entity and its rights. The query
filters here and the checks on single records say the same thing, for lists and for one record.
"""

from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, select

from ipprotect.core import ids
from ipprotect.core.auth import Principal, Role
from ipprotect.core.scope import NATIONAL, Scope
from ipprotect.registry.models import EntityKind, IpRight, MarketEntity

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


def may_write(who: Principal) -> bool:
    return who.role in WRITE_ROLES


def may_reveal(who: Principal) -> bool:
    return who.role in REVEAL_ROLES


def entity_visibility(who: Principal) -> ColumnElement[bool]:
    if who.role is Role.APPLICANT:
        return MarketEntity.uscc == who.entity_uscc if who.entity_uscc else false()
    return who.scope.clause(MarketEntity.region_code)


def right_visibility(who: Principal) -> ColumnElement[bool]:
    if who.role is Role.APPLICANT:
        own = select(MarketEntity.id).where(entity_visibility(who))
        return IpRight.owner_id.in_(own)
    return who.scope.clause(IpRight.region_code)


def can_see_entity(who: Principal, entity: MarketEntity) -> bool:
    if who.role is Role.APPLICANT:
        return who.entity_uscc is not None and entity.uscc == who.entity_uscc
    return who.scope.covers(entity.region_code)


def can_see_right(who: Principal, right: IpRight) -> bool:
    if who.role is Role.APPLICANT:
        return can_see_entity(who, right.owner)
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
