"""Factories that build valid objects for tests, one place per domain."""

from sqlalchemy.orm import Session

from ipprotect.core import audit
from ipprotect.core.auth import Role, User, create_user

PASSWORD = "correct horse battery"
HANGZHOU = "330100"
XIHU = "330106"
BINJIANG = "330108"
NINGBO = "330200"


def make_user(
    db: Session,
    role: Role = Role.OFFICER,
    region_codes: list[str] | None = None,
    username: str | None = None,
    entity_uscc: str | None = None,
) -> User:
    user = create_user(
        db,
        audit.SYSTEM,
        username=username or f"{role.value}_{len(db.new)}_{id(db) % 9973}_{_next()}",
        password=PASSWORD,
        role=role,
        region_codes=region_codes or [HANGZHOU],
        entity_uscc=entity_uscc,
    )
    db.flush()
    return user


_counter = 0


def _next() -> int:
    global _counter
    _counter += 1
    return _counter
