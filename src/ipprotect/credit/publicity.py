"""Dual publicity (双公示) of penalty and licensing decisions, and what the public portal reads.

A decision to publish becomes a `CreditPublication` when it is made: cases call
`record_decision` in the transaction that issues a penalty decision (credit never imports
cases: the caller hands over plain values). The row carries

- its deadline: publicity.dual_publicity working days from the day of the decision, on the
  official calendar (provisional in a year not announced yet);
- or why it is withheld: a warning alone (publicity.warning_only_published, SAMR Order No. 45
  art. 2 para. 2) and a minor's case (publicity.minors_cases_published) are not published;
- `content`, what the public page shows, masked once here (publicity.hidden_personal_data):
  a natural person's ID number, phone and address, and any ID or mobile number written in a
  text, so that no public view or export can show them.

An officer (or credit officer) of the region publishes it, or withdraws it when the decision
was changed, revoked or annulled (SAMR Order No. 45 art. 11: within
publicity.samr.withdraw_after_reversal working days). `publicity-sweep` raises one overdue
alert per publication and deadline (an audit event by the system), safe to run from cron.

A published penalty decision does not stay public for ever (SAMR Order No. 45 art. 13): its
last public day, `publicity_until`, is fixed when it is published, by the rule versions in
force that day and the decision's content: publicity.samr.minor_penalty_period (3 months) for
a reprimand or a low fine only, else publicity.samr.penalty_period (3 years), or as long as a
longer restriction of business or practice. Both count from publication on the calendar. The
portal shows nothing after that day; the sweep records each stop once.
"""

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, text, update
from sqlalchemy.orm import Session

from ipprotect.core import audit, ids, rules
from ipprotect.core.audit import AuditEvent
from ipprotect.core.auth import Principal, Role
from ipprotect.core.calendar import Due, Period, Unit, due_date
from ipprotect.core.calendar_store import work_calendar
from ipprotect.core.errors import FieldError, conflict, forbidden, invalid, not_found
from ipprotect.core.pagination import Page, paginate
from ipprotect.core.text import search_text
from ipprotect.credit.models import CreditListing, CreditPublication, ListingStatus
from ipprotect.registry import search
from ipprotect.registry.models import MarketEntity
from ipprotect.registry.service import check_region
from ipprotect.web.i18n import N_

PENALTY_DECISION = "penalty_decision"
LICENSING = "licensing"
SOURCE_KINDS = (PENALTY_DECISION, LICENSING)

# Who keeps the publicity of a region: its officers, credit officers and administrators.
KEEPERS = (Role.OFFICER, Role.CREDIT_OFFICER, Role.ADMIN)

WITHHELD_WARNING = N_("A warning alone is not published (SAMR Order No. 45 art. 2)")
WITHHELD_MINOR = N_("A minor's case is not published")

ALERT_OVERDUE = "credit.publication.overdue"
STOP = "credit.publication.stop"
STOP_FIXED = "credit.publication.stop_fixed"

# Penalty kinds, as the deciding domain names them (cases' measure ids), that decide the stop.
REPRIMAND = "reprimand"  # 通报批评
FINE = "fine"  # 罚款
WARNING = "warning"  # 警告
# Kinds that never make a penalty heavier for art. 13. A warning is, with the reprimand, the
# lightest kind of penalty (Administrative Penalty Law 2021 art. 9(1)) and is not published at
# all on its own (Order No. 45 art. 2), so adding one cannot lengthen the publicity of a
# reprimand or a low fine; an order to stop the infringement is an order to correct, not a
# penalty (APL art. 28).
ORDERS = frozenset({"order_to_stop"})
NEUTRAL = frozenset({WARNING}) | ORDERS

Due_ = Literal["overdue", "soon", "pending"]


@dataclass(frozen=True)
class Party:
    """The party a decision is about, as the decision names it."""

    name: str
    uscc: str | None = None
    natural_person: bool = False  # a person or an individual business (个体工商户)
    born_on: dt.date | None = None  # a natural person's, from the resident ID when known
    resident_id: str = ""
    address: str = ""
    phone: str = ""
    legal_representative: str = ""


@dataclass(frozen=True)
class Decision:
    """A decision to publish: a penalty decision issued in a case, or a licence."""

    source_kind: str
    source_id: int
    region_code: str
    party: Party
    title: str  # e.g. 行政处罚决定书
    document_no: str  # 文号
    decided_on: dt.date
    authority: str  # the deciding authority's name
    measures: list[str] = field(default_factory=list)  # penalty measure ids
    measure_texts: list[str] = field(default_factory=list)  # as the decision words them
    legal_basis: str = ""
    facts: str = ""
    fine_fen: int | None = None  # the fine, when a measure is a fine
    restriction_months: int | None = None  # a restriction of business or practice, its length


# ---------------------------------------------------------------- masking


_RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
# The end of the county-level part of an address (GB/T 2260: 区, 县, 旗, 县级市).
_COUNTY = re.compile(r"^.{2,20}?(?:区|县|旗|市(?=.{0,3}(?:街道|镇|乡|路|街|村)))")


def _resident_id(found: re.Match[str]) -> str:
    """A resident ID masked, a mistyped one too: any 18 characters whose digits 7 to 14 are a
    birth date (GB 11643). A credit code (GB 32100) has an organisation code there, no date."""
    text = found.group()
    try:
        born = dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return text
    return ids.mask_resident_id(text) if born.year >= 1900 else text


def scrub(value: str) -> str:
    """A free text with every resident ID and mobile number in it masked."""
    return _MOBILE.sub(lambda m: ids.mask_phone(m.group()), _RESIDENT_ID.sub(_resident_id, value))


def mask_address(value: str) -> str:
    """A person's address down to the county (杭州市西湖区****): where they live is hidden, the
    authority's territory is not. An address without a recognisable county is hidden whole."""
    value = value.strip()
    if not value:
        return ""
    found = _COUNTY.match(value)
    return (found.group() if found else "") + "****"


def public_content(d: Decision) -> dict[str, Any]:
    """What the public page of a decision shows. A natural person's ID number, phone and
    address are masked; an entity's registered address is public information."""
    p = d.party
    person = p.natural_person
    return {
        "party": {
            "name": p.name,
            "uscc": p.uscc or "",
            "natural_person": person,
            "resident_id": ids.mask_resident_id(p.resident_id) if p.resident_id else "",
            "address": mask_address(p.address) if person else p.address,
            "phone": (ids.mask_phone(p.phone) if p.phone else "") if person else p.phone,
            "legal_representative": p.legal_representative,
        },
        "authority": d.authority,
        # Free texts: whatever number was typed into them is masked too.
        "measures": [scrub(t) for t in d.measure_texts],
        "legal_basis": scrub(d.legal_basis),
        "facts": scrub(d.facts),
    }


# ---------------------------------------------------------------- the rules


def _period(rule_id: str, on: dt.date, region: str) -> Period:
    try:
        return Period.from_dict(rules.period(rule_id, on=on, region=region))
    except rules.RuleNotFound:
        raise invalid(
            [
                FieldError(
                    "decided_on",
                    "no_rule_in_force",
                    N_("No version of rule {rule} was in force on {date}"),
                    {"rule": rule_id, "date": on.isoformat()},
                )
            ]
        ) from None


def _flag(rule_id: str, on: dt.date, region: str, before: bool) -> bool:
    """The rule's value on the day; `before` when the day precedes every version."""
    try:
        return rules.flag(rule_id, on=on, region=region)
    except rules.RuleNotFound:
        return before


def age_on(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def birth_date(resident_id: str) -> dt.date | None:
    """The birth date a valid resident ID carries (GB 11643: digits 7 to 14), else None."""
    try:
        number = ids.parse_resident_id(resident_id)
    except ids.InvalidIdentifier:
        return None
    return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def only_a_warning(measures: Iterable[str], on: dt.date, region: str) -> bool:
    """Whether a penalty decision goes unpublished as "仅受到警告行政处罚" (SAMR Order No. 45
    art. 2 para. 2): its only penalty is a warning. An order to stop the infringement beside it
    is an order to correct, not a penalty (Administrative Penalty Law art. 28), so a warning with
    an order to stop is still a warning alone."""
    return set(measures) - ORDERS == {WARNING} and not _flag(
        "publicity.warning_only_published", on, region, before=True
    )


def withheld_reason(d: Decision) -> str:
    """Why the decision is not published, or "" when it is."""
    on, region = d.decided_on, d.region_code
    if d.source_kind == PENALTY_DECISION and only_a_warning(d.measures, on, region):
        return WITHHELD_WARNING
    # Civil Code art. 17: a minor is under the age of majority on the day of the decision.
    born = d.party.born_on or birth_date(d.party.resident_id)
    minor = (
        d.party.natural_person
        and born is not None
        and age_on(born, on) < rules.integer("publicity.minor_age_below", on=on, region=region)
    )
    if minor and not _flag("publicity.minors_cases_published", on, region, before=True):
        return WITHHELD_MINOR
    return ""


def publicity_deadline(session: Session, decided_on: dt.date, region: str) -> Due:
    """双公示: published within the rule's working days of the day of the decision."""
    period = _period("publicity.dual_publicity", decided_on, region)
    return due_date(decided_on, period, work_calendar(session))


# ---------------------------------------------------------------- when publicity stops

MINOR_PERIOD = "publicity.samr.minor_penalty_period"
PENALTY_PERIOD = "publicity.samr.penalty_period"
RESTRICTION = "restriction"  # the stop a restriction of business or practice sets
# A bound on what an officer types (50 years), not a legal period: the calendar ends in 2099.
MAX_RESTRICTION_MONTHS = 600


def low_fine_fen(on: dt.date, region: str, natural_person: bool) -> int:
    """The largest fine, in fen, that counts as "a low fine" in the region on the day (Order
    No. 45 art. 13: set by the provincial office); 0 where no provincial value is in force."""
    rule_id = (
        "publicity.samr.low_fine_person"
        if natural_person
        else "publicity.samr.low_fine_organisation"
    )
    try:
        return int(rules.amount(rule_id, on=on, region=region) * 100)
    except rules.RuleNotFound:
        return 0


def is_minor_penalty(p: CreditPublication, on: dt.date) -> bool:
    """Whether the decision is "only a reprimand or a low fine" (仅受到通报批评或者较低数额罚款,
    Order No. 45 art. 13) by the rules in force on `on`.

    Where no provincial value of a low fine is in force the low-fine rules are 0, so a fine
    is never low and only a reprimand counts. That is the law, not only caution: art. 13 leaves
    "low" to the province, and without its value the platform has no basis to call any fine
    low. Of the two possible errors it is also the one that can be put right: a decision shown
    too long is taken off the portal by its officer (withdraw, with the reason) the day it is
    noticed, while one taken down too early has already been missing for whoever looked in
    the meantime, and the law requires it to be public (Order No. 45 art. 2). So whatever
    cannot be read from the decision (no penalty kinds recorded, a fine without its amount) is
    not minor.
    """
    penalties = set(p.measures or ()) - NEUTRAL
    if not penalties or not penalties <= {REPRIMAND, FINE} or p.restriction_months:
        return False
    if FINE not in penalties:
        return True
    person = bool((p.content.get("party") or {}).get("natural_person"))
    return p.fine_fen is not None and 0 < p.fine_fen <= low_fine_fen(on, p.region_code, person)


@dataclass(frozen=True)
class Stop:
    until: dt.date  # the last day the portal shows the decision
    basis: str  # the rule id that set it, or RESTRICTION
    minor: bool


def publicity_stop(session: Session, p: CreditPublication, published_on: dt.date) -> Stop | None:
    """When a penalty decision published on `published_on` stops being public, by the rule
    versions in force that day (counted from publication, months on the calendar: the same
    day, or the month's last day). None before Order No. 45: no version set a stop then."""
    minor = is_minor_penalty(p, published_on)
    rule_id = MINOR_PERIOD if minor else PENALTY_PERIOD
    cal = work_calendar(session)
    try:
        period = Period.from_dict(rules.period(rule_id, on=published_on, region=p.region_code))
    except rules.RuleNotFound:
        return None
    stop = Stop(due_date(published_on, period, cal, roll_forward=False).date, rule_id, minor)
    if p.restriction_months:
        # Art. 13: a restriction of business or practice longer than the period keeps the
        # decision public as long as the restriction lasts.
        restriction = Period(p.restriction_months, Unit.MONTHS)
        restricted = due_date(published_on, restriction, cal, roll_forward=False).date
        if restricted > stop.until:
            return Stop(restricted, RESTRICTION, False)
    return stop


def _stop_fields(stop: Stop | None) -> dict[str, Any]:
    if stop is None:
        return {"publicity_until": None}
    return {"publicity_until": stop.until.isoformat(), "stop_basis": stop.basis}


# ---------------------------------------------------------------- writes


def record_decision(session: Session, actor: audit.Actor, d: Decision) -> CreditPublication:
    """The publication of a decision just made: due by its deadline, or withheld with the
    reason. Once per decision (409 for a second). Flushes; the caller commits."""
    if d.source_kind not in SOURCE_KINDS:
        raise invalid([FieldError("source_kind", "invalid", N_("Unknown kind of decision"))])
    exists = select(CreditPublication.id).where(
        CreditPublication.source_kind == d.source_kind,
        CreditPublication.source_id == d.source_id,
    )
    if session.scalar(exists) is not None:
        raise conflict("already_recorded", N_("This decision is already recorded for publicity"))
    reason = withheld_reason(d)
    due = None if reason else publicity_deadline(session, d.decided_on, d.region_code)
    publication = CreditPublication(
        source_kind=d.source_kind,
        source_id=d.source_id,
        region_code=d.region_code,
        entity_uscc=d.party.uscc or None,
        entity_name=d.party.name,
        title=d.title,
        document_no=d.document_no,
        decided_on=d.decided_on,
        publicity_due=due.date if due else None,
        withheld=bool(reason),
        withheld_reason=reason,
        content=public_content(d) | {"provisional": bool(due and due.provisional)},
        measures=list(d.measures),
        fine_fen=d.fine_fen,
        restriction_months=d.restriction_months,
    )
    session.add(publication)
    session.flush()
    audit.record(
        session,
        actor,
        "credit.publication.create",
        "credit_publication",
        publication.id,
        region_code=d.region_code,
        after={
            "source_kind": d.source_kind,
            "source_id": d.source_id,
            "decided_on": d.decided_on.isoformat(),
            "publicity_due": due.date.isoformat() if due else None,
            "withheld_reason": reason,
        },
    )
    return publication


@dataclass(frozen=True)
class Licence:
    """A licensing decision (行政许可决定) an officer enters for dual publicity."""

    region_code: str
    name: str  # the licensee
    uscc: str
    title: str  # e.g. 食品经营许可证
    document_no: str  # the licence number
    decided_on: dt.date
    authority: str
    matter: str  # what was licensed


def record_licence(
    session: Session, who: Principal, licence: Licence, today: dt.date, request_id: str | None
) -> CreditPublication:
    """Enter a licensing decision of the caller's region for publication within
    publicity.dual_publicity working days. Licences have no number here of their own: each
    takes the next of its kind, under the sweep's lock so that two officers never share one."""
    if who.role not in KEEPERS:
        raise forbidden()
    errors: list[FieldError] = []
    check_region(errors, who, licence.region_code)
    for name in ("name", "title", "document_no", "authority"):
        if not getattr(licence, name).strip():
            errors.append(FieldError(name, "required", N_("This field is required")))
    uscc = None
    if licence.uscc.strip():
        try:
            uscc = ids.parse_uscc(licence.uscc).code
        except ids.InvalidIdentifier as problem:
            errors.append(problem.field_error("uscc"))
    if licence.decided_on > today:
        errors.append(_day_error("decided_on", N_("A decision cannot be dated after today")))
    if errors:
        raise invalid(errors)
    _lock(session)
    last = session.scalar(
        select(func.max(CreditPublication.source_id)).where(
            CreditPublication.source_kind == LICENSING
        )
    )
    decision = Decision(
        source_kind=LICENSING,
        source_id=(last or 0) + 1,
        region_code=licence.region_code,
        party=Party(licence.name.strip(), uscc=uscc),
        title=licence.title.strip(),
        document_no=licence.document_no.strip(),
        decided_on=licence.decided_on,
        authority=licence.authority.strip(),
        facts=licence.matter.strip(),
    )
    return record_decision(session, who.actor(request_id), decision)


def get_publication(session: Session, who: Principal, publication_id: int) -> CreditPublication:
    """A publication the caller keeps; anyone else: not found."""
    publication = session.get(CreditPublication, publication_id)
    if (
        publication is None
        or who.role not in KEEPERS
        or not who.scope.covers(publication.region_code)
    ):
        raise not_found("publication")
    return publication


def _day_error(field_name: str, message: str, **params: Any) -> FieldError:
    return FieldError(field_name, "invalid_date", message, params)


def publish(
    session: Session,
    who: Principal,
    publication: CreditPublication,
    on: dt.date,
    request_id: str | None = None,
    restriction_months: int | None = None,
) -> CreditPublication:
    """Put the decision on the public portal on `on`, a day from the decision to today. A
    penalty decision's last public day is fixed now (Order No. 45 art. 13); the officer states
    a restriction of business or practice the decision imposes when cases did not hand it
    over (`restriction_months`)."""
    if not who.scope.covers(publication.region_code) or who.role not in KEEPERS:
        raise forbidden()
    if publication.withheld:
        raise conflict(
            "withheld", N_("This decision is not published"), publication.withheld_reason
        )
    if publication.published_on is not None or publication.withdrawn_on is not None:
        raise conflict("already_published", N_("This decision was already published"))
    errors = []
    if on < publication.decided_on:
        errors.append(
            _day_error("published_on", N_("A decision cannot be published before it is made"))
        )
    if restriction_months is not None:
        if publication.source_kind != PENALTY_DECISION:
            errors.append(
                FieldError(
                    "restriction_months",
                    "not_a_penalty",
                    N_("Only a penalty decision restricts business or practice"),
                )
            )
        elif not 1 <= restriction_months <= MAX_RESTRICTION_MONTHS:
            errors.append(
                FieldError(
                    "restriction_months",
                    "out_of_range",
                    N_("Give the restriction in months, from {min} to {max}"),
                    {"min": "1", "max": str(MAX_RESTRICTION_MONTHS)},
                )
            )
    if errors:
        raise invalid(errors)
    if restriction_months is not None:
        publication.restriction_months = restriction_months
    stop = (
        publicity_stop(session, publication, on)
        if publication.source_kind == PENALTY_DECISION
        else None
    )
    publication.published_on = on
    publication.publicity_until = stop.until if stop else None
    audit.record(
        session,
        who.actor(request_id),
        "credit.publication.publish",
        "credit_publication",
        publication.id,
        region_code=publication.region_code,
        after={
            "published_on": on.isoformat(),
            "publicity_due": publication.publicity_due.isoformat()
            if publication.publicity_due
            else None,
            "late": bool(publication.publicity_due and on > publication.publicity_due),
            "restriction_months": publication.restriction_months,
            **_stop_fields(stop),
        },
    )
    session.flush()
    return publication


def withdraw(
    session: Session,
    who: Principal,
    publication: CreditPublication,
    on: dt.date,
    reason: str,
    request_id: str | None = None,
) -> CreditPublication:
    """Take a published decision down because it was changed, revoked or annulled (SAMR Order
    No. 45 art. 11). The reason is required; the due date of the withdrawal is recorded."""
    if not who.scope.covers(publication.region_code) or who.role not in KEEPERS:
        raise forbidden()
    if publication.published_on is None or publication.withdrawn_on is not None:
        raise conflict("not_published", N_("Only a published decision can be withdrawn"))
    errors = []
    if not reason.strip():
        errors.append(FieldError("reason", "required", N_("Say why it is withdrawn")))
    if on < publication.published_on:
        errors.append(
            _day_error("withdrawn_on", N_("A decision cannot be withdrawn before it is published"))
        )
    if errors:
        raise invalid(errors)
    due = due_date(
        on,
        _period("publicity.samr.withdraw_after_reversal", on, publication.region_code),
        work_calendar(session),
    )
    publication.withdrawn_on = on
    audit.record(
        session,
        who.actor(request_id),
        "credit.publication.withdraw",
        "credit_publication",
        publication.id,
        region_code=publication.region_code,
        before={"published_on": publication.published_on.isoformat()},
        after={
            "withdrawn_on": on.isoformat(),
            "reason": reason.strip(),
            "withdraw_due": due.date.isoformat(),
        },
    )
    session.flush()
    return publication


# ---------------------------------------------------------------- deadlines


def pending() -> ColumnElement[bool]:
    """Publications still to be published: not withheld, not published, not withdrawn."""
    return and_(
        CreditPublication.withheld.is_(False),
        CreditPublication.published_on.is_(None),
        CreditPublication.withdrawn_on.is_(None),
        CreditPublication.publicity_due.is_not(None),
    )


def pending_penalty_decisions() -> Select[Any]:
    """The penalty decisions still to publish, by the id of their case document, with region
    and deadline: the work queue of cases joins its documents on this."""
    return select(
        CreditPublication.source_id,
        CreditPublication.region_code,
        CreditPublication.publicity_due,
        CreditPublication.content,
    ).where(CreditPublication.source_kind == PENALTY_DECISION, pending())


def soon_until(session: Session, today: dt.date, working_days: int) -> dt.date:
    """The last day still "due soon": `working_days` working days from today."""
    period = Period(working_days, Unit.WORKING_DAYS)
    return due_date(today, period, work_calendar(session)).date


@dataclass(frozen=True)
class DeadlineItem:
    publication: CreditPublication
    overdue: bool
    due_soon: bool
    alerted: bool  # the sweep raised an overdue alert for this deadline


def deadlines(
    session: Session,
    who: Principal,
    today: dt.date,
    soon_until: dt.date,
    due: Due_ | None = None,
) -> list[DeadlineItem]:
    """The caller's publications still to publish, the nearest deadline first: all, or the
    overdue ones, or those due soon (by `soon_until`, not yet overdue)."""
    if who.role not in KEEPERS:
        raise forbidden()
    stmt = (
        select(CreditPublication)
        .where(pending(), who.scope.clause(CreditPublication.region_code))
        .order_by(CreditPublication.publicity_due, CreditPublication.id)
    )
    if due == "overdue":
        stmt = stmt.where(CreditPublication.publicity_due < today)
    elif due == "soon":
        stmt = stmt.where(
            CreditPublication.publicity_due >= today, CreditPublication.publicity_due <= soon_until
        )
    found = list(session.scalars(stmt))
    alerted = _alerted(session, [p.id for p in found])
    items = []
    for p in found:
        assert p.publicity_due is not None  # pending() filters
        items.append(
            DeadlineItem(
                p,
                overdue=p.publicity_due < today,
                due_soon=today <= p.publicity_due <= soon_until,
                alerted=(p.id, p.publicity_due.isoformat()) in alerted,
            )
        )
    return items


def withheld(session: Session, who: Principal) -> list[CreditPublication]:
    """The caller's decisions that are not published, with the reason, newest first."""
    if who.role not in KEEPERS:
        raise forbidden()
    stmt = (
        select(CreditPublication)
        .where(CreditPublication.withheld.is_(True))
        .where(who.scope.clause(CreditPublication.region_code))
        .order_by(CreditPublication.decided_on.desc(), CreditPublication.id.desc())
    )
    return list(session.scalars(stmt))


def shown(on: dt.date) -> ColumnElement[bool]:
    """Decisions the portal shows on `on`: published, not withdrawn, and not past their last
    public day (Order No. 45 art. 13), whether or not the sweep has recorded the stop yet."""
    return and_(
        CreditPublication.withheld.is_(False),
        CreditPublication.published_on.is_not(None),
        CreditPublication.withdrawn_on.is_(None),
        or_(CreditPublication.publicity_until.is_(None), CreditPublication.publicity_until >= on),
    )


def published(
    session: Session, who: Principal, on: dt.date, limit: int = 50
) -> list[CreditPublication]:
    """The caller's decisions on the portal on `on`, the latest published first (to withdraw),
    each with its last public day."""
    if who.role not in KEEPERS:
        raise forbidden()
    stmt = (
        select(CreditPublication)
        .where(shown(on), who.scope.clause(CreditPublication.region_code))
        .order_by(CreditPublication.published_on.desc(), CreditPublication.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def _alerted(session: Session, publication_ids: list[int]) -> set[tuple[int, str]]:
    """(publication id, due date) of the overdue alerts already raised."""
    found: set[tuple[int, str]] = set()
    for start in range(0, len(publication_ids), 500):
        chunk = [str(i) for i in publication_ids[start : start + 500]]
        stmt = select(AuditEvent.object_id, AuditEvent.after).where(
            AuditEvent.action == ALERT_OVERDUE,
            AuditEvent.object_type == "credit_publication",
            AuditEvent.object_id.in_(chunk),
        )
        for object_id, after in session.execute(stmt):
            found.add((int(object_id), (after or {}).get("publicity_due", "")))
    return found


@dataclass
class SweepResult:
    today: dt.date
    overdue: int = 0
    raised: int = 0
    already: int = 0
    stopped: int = 0  # publicity stops recorded by this run
    fixed: int = 0  # last public days fixed for decisions published before they were kept


def _lock(session: Session) -> None:
    """Hold off other sweeps until this one commits (see cases.sweep)."""
    if session.get_bind().dialect.name == "postgresql":
        # "ipp" "pub": any constant no other lock uses.
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": 0x697070_707562})
        return
    session.execute(
        update(CreditPublication)
        .where(CreditPublication.id == 0)
        .values(region_code=CreditPublication.region_code)
    )


def sweep(session: Session, today: dt.date) -> SweepResult:
    """An overdue alert for every publication past its deadline, once per deadline. The caller
    commits (and so releases the lock)."""
    _lock(session)
    result = SweepResult(today)
    stmt = (
        select(CreditPublication)
        .where(pending(), CreditPublication.publicity_due < today)
        .order_by(CreditPublication.id)
    )
    overdue = list(session.scalars(stmt))
    alerted = _alerted(session, [p.id for p in overdue])
    for p in overdue:
        assert p.publicity_due is not None  # pending() filters
        result.overdue += 1
        if (p.id, p.publicity_due.isoformat()) in alerted:
            result.already += 1
            continue
        audit.record(
            session,
            audit.SYSTEM,
            ALERT_OVERDUE,
            "credit_publication",
            p.id,
            region_code=p.region_code,
            after={
                "publicity_due": p.publicity_due.isoformat(),
                "days_late": (today - p.publicity_due).days,
                "document_no": p.document_no,
            },
        )
        result.raised += 1
    result.fixed = _fix_stops(session)
    result.stopped = _record_stops(session, today)
    session.flush()
    return result


def _fix_stops(session: Session) -> int:
    """Fix the last public day of the penalty decisions published before the platform kept
    one (migration 0012), by the rules in force on their day of publication, once each."""
    stmt = (
        select(CreditPublication)
        .where(
            CreditPublication.source_kind == PENALTY_DECISION,
            CreditPublication.published_on.is_not(None),
            CreditPublication.withdrawn_on.is_(None),
            CreditPublication.publicity_until.is_(None),
        )
        .order_by(CreditPublication.id)
    )
    fixed = 0
    for p in session.scalars(stmt):
        assert p.published_on is not None  # filtered above
        stop = publicity_stop(session, p, p.published_on)
        if stop is None:  # published before Order No. 45: no stop to fix
            continue
        p.publicity_until = stop.until
        audit.record(
            session,
            audit.SYSTEM,
            STOP_FIXED,
            "credit_publication",
            p.id,
            region_code=p.region_code,
            after={"published_on": p.published_on.isoformat(), **_stop_fields(stop)},
        )
        fixed += 1
    return fixed


def _record_stops(session: Session, today: dt.date) -> int:
    """Record, once each, the decisions whose last public day has passed (the portal stops
    showing them on the day after whether or not this ran: see `shown`)."""
    stmt = (
        select(CreditPublication)
        .where(
            CreditPublication.published_on.is_not(None),
            CreditPublication.withdrawn_on.is_(None),
            CreditPublication.stopped_on.is_(None),
            CreditPublication.publicity_until < today,
        )
        .order_by(CreditPublication.id)
    )
    stopped = 0
    for p in session.scalars(stmt):
        assert p.publicity_until is not None  # filtered above
        p.stopped_on = p.publicity_until + dt.timedelta(days=1)
        audit.record(
            session,
            audit.SYSTEM,
            STOP,
            "credit_publication",
            p.id,
            region_code=p.region_code,
            after={
                "published_on": p.published_on.isoformat() if p.published_on else None,
                "publicity_until": p.publicity_until.isoformat(),
                "stopped_on": p.stopped_on.isoformat(),
                "document_no": p.document_no,
            },
        )
        stopped += 1
    return stopped


# ---------------------------------------------------------------- the public portal


def _search(q: str, uscc_column: Any, name_column: Any) -> ColumnElement[bool] | None:
    """A credit code finds its entity; a name finds by the registry's folding (full/half width,
    traditional characters, brackets, spaces) through the registered entities, or by its
    literal text in the name as decided."""
    q = search_text(q)
    if not q:
        return None
    code = search.looks_like_uscc(q)
    if code is not None:
        found: ColumnElement[bool] = uscc_column == code
        return found
    folded = search.fold(q)
    registered = select(MarketEntity.uscc).where(
        MarketEntity.uscc.is_not(None),
        MarketEntity.name_folded.contains(folded, autoescape=True),
    )
    alternatives = [name_column.contains(q, autoescape=True)]
    if folded:
        alternatives.append(uscc_column.in_(registered))
    return or_(*alternatives)


def _public_decisions(on: dt.date, q: str = "") -> Select[CreditPublication]:
    stmt = select(CreditPublication).where(shown(on))
    found = _search(q, CreditPublication.entity_uscc, CreditPublication.entity_name)
    if found is not None:
        stmt = stmt.where(found)
    return stmt.order_by(CreditPublication.published_on.desc(), CreditPublication.id.desc())


def public_decisions(
    session: Session, on: dt.date, q: str, number: int, size: int
) -> Page[CreditPublication]:
    """The decisions public on `on` (published, not withdrawn, not stopped), the newest first."""
    return paginate(session, _public_decisions(on, q), number, size)


def public_decision(session: Session, on: dt.date, publication_id: int) -> CreditPublication | None:
    """A decision as the public may see it on `on`, else None."""
    stmt = _public_decisions(on).where(CreditPublication.id == publication_id)
    return session.scalars(stmt).one_or_none()


def _public_listings(q: str = "") -> Select[CreditListing]:
    # Only a listing in force is public: once repaired, expired or withdrawn it is never shown.
    stmt = select(CreditListing).where(CreditListing.status == ListingStatus.LISTED)
    found = _search(q, CreditListing.entity_uscc, CreditListing.entity_name)
    if found is not None:
        stmt = stmt.where(found)
    return stmt.order_by(CreditListing.decided_on.desc(), CreditListing.id.desc())


def public_listings(session: Session, q: str, number: int, size: int) -> Page[CreditListing]:
    """Entities on the dishonesty list now, the latest decision first."""
    return paginate(session, _public_listings(q), number, size)


def listing_content(listing: CreditListing) -> dict[str, Any]:
    """What the public list shows of a listing, masked like a decision."""
    return {
        "name": listing.entity_name,
        "uscc": listing.entity_uscc or "",
        "behaviour": listing.behaviour,
        "class": listing.class_.value,
        "basis": scrub(listing.basis),
        "measures": list(listing.measures or []),
        "decided_on": listing.decided_on.isoformat() if listing.decided_on else "",
        "published_on": listing.published_on.isoformat() if listing.published_on else "",
        "publicity_until": listing.publicity_max_until.isoformat()
        if listing.publicity_max_until
        else "",
        "authority": listing.authority,
        "document_no": listing.document_no,
    }


def decision_content(p: CreditPublication) -> dict[str, Any]:
    """What the public sees of a published decision (its content is masked when recorded)."""
    return {
        "id": p.id,
        "kind": p.source_kind,
        "title": p.title,
        "document_no": p.document_no,
        "name": p.entity_name,
        "uscc": p.entity_uscc or "",
        "decided_on": p.decided_on.isoformat(),
        "published_on": p.published_on.isoformat() if p.published_on else "",
        "publicity_until": p.publicity_until.isoformat() if p.publicity_until else "",
        "region_code": p.region_code,
        **{k: v for k, v in p.content.items() if k != "provisional"},
    }


def iter_public_decisions(
    session: Session, on: dt.date, q: str = ""
) -> Iterator[CreditPublication]:
    yield from session.scalars(_public_decisions(on, q).execution_options(yield_per=1000))


def iter_public_listings(session: Session, q: str = "") -> Iterator[CreditListing]:
    yield from session.scalars(_public_listings(q).execution_options(yield_per=1000))
