"""Who may file, see and decide cases.

Officers and administrators handle the cases of their region scope; systems (API tokens) file
and read in theirs; an applicant sees the cases they filed; the public files through the form
and follows a case only by its tracking code. A case one may not see is "not found".
"""

from sqlalchemy import ColumnElement, false

from ipprotect.cases.models import Case
from ipprotect.core.auth import Principal, Role

HANDLERS = (Role.OFFICER, Role.ADMIN)  # decide acceptance, override triage
READERS = (*HANDLERS, Role.SYSTEM, Role.APPLICANT)
FILERS = (Role.PUBLIC, Role.APPLICANT, Role.OFFICER, Role.ADMIN, Role.SYSTEM)
# Those who record the receipt of a ticket may say when it was received (hotline imports).
DATERS = (Role.OFFICER, Role.ADMIN, Role.SYSTEM)


def visibility(who: Principal) -> ColumnElement[bool]:
    if who.role is Role.APPLICANT:
        return Case.complainant_user_id == who.user_id if who.user_id else false()
    if who.role in READERS:
        return who.scope.clause(Case.region_code)
    return false()


def can_see(who: Principal, case: Case) -> bool:
    if who.role is Role.APPLICANT:
        return who.user_id is not None and case.complainant_user_id == who.user_id
    return who.role in READERS and who.scope.covers(case.region_code)


def may_handle(who: Principal) -> bool:
    return who.role in HANDLERS
