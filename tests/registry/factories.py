"""Factories for the registry: valid market entities and IP rights, built through the service
(so they are validated and audited like real records)."""

import itertools
import random

from sqlalchemy.orm import Session

from ipprotect.core import audit, ids
from ipprotect.core.auth import Role, create_token
from ipprotect.registry import access, service
from ipprotect.registry.models import EntityKind, IpRight, MarketEntity, RightKind
from tests.factories import XIHU

_serial = itertools.count(random.randrange(10_000_000))


def uscc(region_code: str = XIHU, authority: str = "9", category: str = "1") -> str:
    """A valid, unused-looking USCC (both check characters right)."""
    return ids.make_uscc(authority, category, region_code, f"{next(_serial) % 10**8:08d}")


def uscc_failing_org_check(region_code: str = XIHU) -> str:
    """A USCC whose own check character is right but whose embedded GB 11714 organisation code
    check is not: valid, with a warning."""
    body = f"{next(_serial) % 10**8:08d}"
    wrong = "0" if ids.org_code_check_char(body) != "0" else "1"
    first17 = "91" + region_code + body + wrong
    return first17 + ids.uscc_check_char(first17)


def patent_number(year: int = 2023, type_digit: str = "1") -> str:
    """A valid CN patent application number."""
    digits = f"{year}{type_digit}{next(_serial) % 10**7:07d}"
    for check in "0123456789X":
        try:
            return ids.parse_patent_application(f"{digits}.{check}").number
        except ids.InvalidIdentifier:
            continue
    raise AssertionError("no check character fits")


def trademark_number() -> str:
    return str(1_000_000 + next(_serial) % 89_000_000)


def make_entity(
    db: Session,
    name: str | None = None,
    *,
    region_code: str = XIHU,
    kind: EntityKind = EntityKind.COMPANY,
    code: str | None = None,
    **fields: str,
) -> MarketEntity:
    needs_code = kind not in (EntityKind.NATURAL_PERSON, EntityKind.FOREIGN, EntityKind.OTHER)
    draft = service.EntityDraft(
        name=name or f"测试企业{next(_serial)}有限公司",
        uscc=code if code is not None else (uscc(region_code) if needs_code else ""),
        kind=kind.value,
        region_code=region_code,
        **fields,
    )
    return service.create_entity(db, access.PLATFORM, draft).record


def make_right(
    db: Session,
    owner: MarketEntity,
    kind: RightKind = RightKind.TRADEMARK,
    *,
    number: str | None = None,
    nice_classes: str = "9, 35",
    **fields: str,
) -> IpRight:
    if number is None:
        number = {RightKind.TRADEMARK: trademark_number(), RightKind.PATENT: patent_number()}.get(
            kind, ""
        )
    draft = service.RightDraft(
        kind=kind.value,
        number=number,
        title=fields.pop("title", f"权利{next(_serial)}"),
        owner_id=str(owner.id),
        nice_classes=nice_classes if kind is RightKind.TRADEMARK else "",
        **fields,
    )
    return service.create_right(db, access.PLATFORM, draft)


def bearer(
    db: Session, role: Role = Role.OFFICER, region_codes: list[str] | None = None
) -> dict[str, str]:
    """Authorization headers of an API token with this role and scope."""
    _token, plaintext = create_token(
        db,
        audit.SYSTEM,
        name=f"{role.value} system {next(_serial)}",
        region_codes=region_codes or [XIHU],
        role=role,
    )
    db.flush()
    return {"Authorization": f"Bearer {plaintext}"}
