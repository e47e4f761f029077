"""Factories for channel tests: an accepted case with a pinned acceptance day, and a mediator."""

import datetime as dt

from sqlalchemy.orm import Session

from ipprotect.cases import service
from ipprotect.cases.models import Case
from ipprotect.core.auth import Principal, Role, User, principal_for
from tests.cases.factories import make_case
from tests.factories import XIHU, make_user


def accepted_case(db: Session, accepted_on: str = "2025-01-20", **fields: object) -> Case:
    """A case received and accepted on a given day (received that day unless told)."""
    case = make_case(db, received_on=fields.pop("received_on", accepted_on), **fields)
    officer = principal_for(make_user(db, Role.OFFICER, [case.region_code]))
    service.accept(db, officer, case, on=dt.date.fromisoformat(accepted_on))
    return case


def officer(db: Session, region: str = XIHU) -> Principal:
    return principal_for(make_user(db, Role.OFFICER, [region]))


def mediator(db: Session, region: str = XIHU) -> tuple[User, Principal]:
    user = make_user(db, Role.MEDIATOR, [region])
    return user, principal_for(user)
