"""Case operations: the only writer of cases, their rights, evidence and events.

Receiving a complaint validates every field at once, computes the acceptance deadline and the
triage, and records the audit event, the "received" case event and the complainant's
notification (`cases.notifications`) in the same transaction; accepting and rejecting (notified
too) and overriding the triage are audited the same way. Callers commit. Reads
are in `cases.reads`.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from ipprotect.cases import access, deadlines, notifications, tracking
from ipprotect.cases.models import (
    Case,
    CaseEvent,
    CaseEvidence,
    CaseRight,
    CaseStatus,
    Channel,
    Source,
    Track,
)
from ipprotect.cases.triage import Facts, Outcome, RightFacts, triage
from ipprotect.core import audit, ids, rules
from ipprotect.core.auth import Principal, Role
from ipprotect.core.days import parse_day, today
from ipprotect.core.errors import FieldError, Problem, conflict, forbidden, invalid
from ipprotect.core.scope import NATIONAL
from ipprotect.db import MAX_ID
from ipprotect.evidence import deposit_reads
from ipprotect.registry import repository as registry
from ipprotect.registry.models import IpRight, RightStatus
from ipprotect.registry.service import check_region
from ipprotect.web.i18n import N_

_PHONE = re.compile(r"[0-9+()\- ]{5,40}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_AMOUNT = re.compile(r"\d{1,13}(\.\d{1,2})?")  # yuan, at most fen precision
_IDS = re.compile(r"[\s,，;；、]+")
FACTS_MAX = 10_000


@dataclass
class CaseDraft:
    """A complaint as typed in the form, a JSON body or a hotline row; empty means none."""

    region_code: str = ""
    channel_requested: str = ""
    received_on: str = ""  # staff only; otherwise the day it arrives
    complainant_name: str = ""
    complainant_phone: str = ""
    complainant_email: str = ""
    complainant_resident_id: str = ""
    respondent_entity_id: str = ""
    respondent_uscc: str = ""
    respondent_name: str = ""
    respondent_description: str = ""
    right_ids: str = ""  # registry IpRight ids, comma separated
    deposit_ids: str = ""  # evidence Deposit ids, comma separated
    facts: str = ""
    amount_claimed: str = ""  # yuan, e.g. "12000.50"
    triage_flags: list[str] = field(default_factory=list)
    hotline_ticket: str = ""


def _required(errors: list[FieldError], name: str, value: str) -> None:
    if not value:
        errors.append(FieldError(name, "required", N_("This field is required")))


def _length(errors: list[FieldError], name: str, value: str, limit: int) -> None:
    if len(value) > limit:
        errors.append(
            FieldError(name, "too_long", N_("At most {max} characters, please"), {"max": limit})
        )


def _region(errors: list[FieldError], who: Principal, code: str) -> None:
    if who.role in access.DATERS:
        check_region(errors, who, code)  # staff file only inside their area
    elif not code:
        errors.append(FieldError("region_code", "required", N_("This field is required")))
    elif code == NATIONAL or not ids.is_region_code(code):
        errors.append(
            FieldError(
                "region_code", "unknown_region", N_("Unknown region code {code}"), {"code": code}
            )
        )


def _received_on(errors: list[FieldError], who: Principal, text: str) -> dt.date:
    if not text:
        return today()
    if who.role not in access.DATERS:
        errors.append(
            FieldError(
                "received_on",
                "not_allowed",
                N_("Only the office that received a complaint sets its date of receipt"),
            )
        )
        return today()
    day = parse_day(text, "received_on", errors)
    if day is None:
        return today()
    if day > today():
        errors.append(
            FieldError("received_on", "in_future", N_("The date of receipt is in the future"))
        )
        return today()
    missing = [r for r in RULES_USED if not _in_force(r, day)]
    if missing:
        errors.append(
            FieldError(
                "received_on",
                "no_rule_in_force",
                N_("No rule for complaints was in force on {date}"),
                {"date": day.isoformat()},
            )
        )
        return today()
    return day


# Every rule receiving a complaint reads, by the day of receipt.
RULES_USED = (
    "complaints.acceptance_decision",
    "triage.complex_factors",
    "triage.simple_factors",
    "triage.complex_amount_threshold",
)


def _in_force(rule_id: str, day: dt.date) -> bool:
    try:
        rules.get(rule_id, day)
    except rules.RuleNotFound:
        return False
    return True


def _id_list(errors: list[FieldError], name: str, text: str) -> list[int]:
    found: list[int] = []
    for part in (p for p in _IDS.split(text) if p):
        if not part.isdigit() or not 1 <= int(part) <= MAX_ID:
            errors.append(
                FieldError(
                    name, "invalid_id", N_("{value} is not a record number"), {"value": part}
                )
            )
        elif int(part) not in found:
            found.append(int(part))
    return found


def _rights(session: Session, who: Principal, errors: list[FieldError], text: str) -> list[IpRight]:
    numbers = _id_list(errors, "right_ids", text)
    if numbers and not who.authenticated:
        errors.append(
            FieldError(
                "right_ids",
                "login_required",
                N_("Log in to name registered rights, or describe them in what happened"),
            )
        )
        return []
    found = []
    for number in numbers:
        try:
            found.append(registry.get_right(session, who, number))
        except Problem:
            errors.append(
                FieldError(
                    "right_ids", "unknown_right", N_("No IP right {id} of yours"), {"id": number}
                )
            )
    return found


def _deposits(session: Session, who: Principal, errors: list[FieldError], text: str) -> list[int]:
    """Evidence must be visible to whoever files it (their own deposits, or their region's)."""
    numbers = _id_list(errors, "deposit_ids", text)
    if numbers and who.role not in deposit_reads.READERS:
        errors.append(
            FieldError(
                "deposit_ids",
                "login_required",
                N_("Log in to attach deposited evidence"),
            )
        )
        return []
    for number in numbers:
        try:
            deposit_reads.get_deposit(session, who, number)
        except Problem:
            errors.append(
                FieldError(
                    "deposit_ids",
                    "unknown_deposit",
                    N_("No evidence deposit {id} of yours"),
                    {"id": number},
                )
            )
    return numbers


def _amount(errors: list[FieldError], text: str) -> int | None:
    if not text:
        return None
    compact = text.replace(",", "").replace("，", "")
    if not _AMOUNT.fullmatch(compact):
        errors.append(
            FieldError(
                "amount_claimed",
                "invalid_amount",
                N_("Write the amount in yuan, e.g. 12000 or 12000.50"),
            )
        )
        return None
    return int(Decimal(compact) * 100)


def triage_items(on: dt.date, region_code: str | None) -> dict[str, rules.Item]:
    """Every triage factor in force, complex first, by id."""
    items = rules.items("triage.complex_factors", on, region_code)
    items += rules.items("triage.simple_factors", on, region_code)
    return {i.id: i for i in items}


def _flags(errors: list[FieldError], flags: list[str], on: dt.date, region: str) -> list[str]:
    known = triage_items(on, region if ids.is_region_code(region) else None)
    clean = []
    for flag in (f.strip() for f in flags if f.strip()):
        if flag not in known:
            errors.append(
                FieldError(
                    "triage_flags",
                    "unknown_factor",
                    N_("Unknown triage factor {value}"),
                    {"value": flag},
                )
            )
        elif flag not in clean:
            clean.append(flag)
    return clean


def _channel(errors: list[FieldError], text: str) -> Channel | None:
    if not text:
        return None
    try:
        return Channel(text)
    except ValueError:
        errors.append(
            FieldError("channel_requested", "invalid_choice", N_("Choose one of the listed values"))
        )
        return None


def _complainant(errors: list[FieldError], who: Principal, d: CaseDraft) -> dict[str, Any]:
    name = " ".join(d.complainant_name.split()) or (who.name if who.role is Role.APPLICANT else "")
    phone, email = d.complainant_phone.strip(), d.complainant_email.strip()
    _required(errors, "complainant_name", name)
    _length(errors, "complainant_name", name, 200)
    if phone and not _PHONE.fullmatch(phone):
        errors.append(
            FieldError(
                "complainant_phone", "invalid_phone", N_("Use digits, spaces, +, - and brackets")
            )
        )
    if email and (len(email) > 254 or not _EMAIL.fullmatch(email)):
        errors.append(
            FieldError("complainant_email", "invalid_email", N_("This is not an e-mail address"))
        )
    if who.role is Role.PUBLIC and not (phone or email):
        errors.append(
            FieldError(
                "complainant_phone",
                "contact_required",
                N_("Give a phone number or an e-mail address so that the office can reach you"),
            )
        )
    resident_id = None
    if d.complainant_resident_id.strip():
        try:
            resident_id = ids.parse_resident_id(d.complainant_resident_id)
        except ids.InvalidIdentifier as exc:
            errors.append(exc.field_error("complainant_resident_id"))
    return {
        "complainant_user_id": who.user_id if who.role is Role.APPLICANT else None,
        "complainant_name": name,
        "complainant_phone": phone or None,
        "complainant_email": email or None,
        "complainant_resident_id": resident_id,
    }


def _respondent(
    session: Session, errors: list[FieldError], who: Principal, d: CaseDraft
) -> dict[str, Any]:
    entity = None
    if d.respondent_entity_id.strip():
        number = _id_list(errors, "respondent_entity_id", d.respondent_entity_id)
        if number and who.role not in access.DATERS:
            errors.append(
                FieldError(
                    "respondent_entity_id",
                    "not_allowed",
                    N_("Name the respondent by its credit code or name"),
                )
            )
        elif number:
            try:
                entity = registry.get_entity(session, who, number[0])
            except Problem:
                errors.append(
                    FieldError(
                        "respondent_entity_id",
                        "unknown_entity",
                        N_("No market entity {id} in your area"),
                        {"id": number[0]},
                    )
                )
    uscc = None
    if d.respondent_uscc.strip():
        try:
            uscc = ids.parse_uscc(d.respondent_uscc).code
        except ids.InvalidIdentifier as exc:
            errors.append(exc.field_error("respondent_uscc"))
        else:
            # Linked for the office's work only: a filer is never shown registry data.
            entity = entity or registry.entity_by_uscc(session, uscc)
    name = " ".join(d.respondent_name.split()) or (entity.name if entity else "")
    _required(errors, "respondent_name", name)
    _length(errors, "respondent_name", name, 200)
    description = d.respondent_description.strip()
    _length(errors, "respondent_description", description, 2000)
    return {
        "respondent_entity_id": entity.id if entity else None,
        "respondent_name": name,
        "respondent_uscc": uscc or (entity.uscc if entity else None),
        "respondent_description": description,
    }


def right_facts(rights: list[IpRight]) -> tuple[RightFacts, ...]:
    registered = (RightStatus.GRANTED, RightStatus.REGISTERED)
    return tuple(RightFacts(r.kind.value, r.patent_kind, r.status in registered) for r in rights)


def run_triage(
    rights: list[IpRight], amount_fen: int | None, flags: list[str], on: dt.date, region: str
) -> Outcome:
    facts = Facts(
        right_facts(rights),
        None if amount_fen is None else Decimal(amount_fen) / 100,
        frozenset(flags),
    )
    return triage(
        facts,
        rules.items("triage.complex_factors", on, region),
        rules.items("triage.simple_factors", on, region),
        rules.amount("triage.complex_amount_threshold", on, region),
    )


def snapshot(case: Case) -> dict[str, Any]:
    return {
        "tracking_code": case.tracking_code,
        "region_code": case.region_code,
        "status": case.status.value,
        "source": case.source.value,
        "hotline_ticket": case.hotline_ticket,
        "channel_requested": case.channel_requested.value if case.channel_requested else None,
        "received_on": case.received_on.isoformat(),
        "acceptance_due": case.acceptance_due.isoformat(),
        "acceptance_due_provisional": case.acceptance_due_provisional,
        "complainant_name": case.complainant_name,
        "respondent_name": case.respondent_name,
        "respondent_uscc": case.respondent_uscc,
        "amount_claimed": case.amount_claimed_yuan,
        "track": case.track.value,
        "triage_reasons": list(case.triage_reasons),
    }


def receive(
    session: Session,
    who: Principal,
    d: CaseDraft,
    *,
    source: Source,
    request_id: str | None = None,
) -> Case:
    """Record a complaint as received, with its acceptance deadline and triage; 422 listing
    every bad field otherwise (nothing is written then)."""
    if who.role not in access.FILERS:
        raise forbidden()
    errors: list[FieldError] = []
    region = d.region_code.strip()
    _region(errors, who, region)
    received_on = _received_on(errors, who, d.received_on.strip())
    complainant = _complainant(errors, who, d)
    respondent = _respondent(session, errors, who, d)
    rights = _rights(session, who, errors, d.right_ids)
    deposits = _deposits(session, who, errors, d.deposit_ids)
    facts = d.facts.strip()
    _required(errors, "facts", facts)
    _length(errors, "facts", facts, FACTS_MAX)
    amount = _amount(errors, d.amount_claimed.strip())
    channel = _channel(errors, d.channel_requested.strip())
    ticket = d.hotline_ticket.strip() or None
    _length(errors, "hotline_ticket", ticket or "", 64)
    flags = _flags(errors, d.triage_flags, received_on, region)
    if errors:
        raise invalid(errors)
    due = deadlines.acceptance_due(session, received_on, region)
    outcome = run_triage(rights, amount, flags, received_on, region)
    case = Case(
        tracking_code=tracking.new_code(),
        region_code=region,
        status=CaseStatus.RECEIVED,
        source=source,
        hotline_ticket=ticket,
        channel_requested=channel,
        received_on=received_on,
        acceptance_due=due.date,
        acceptance_due_provisional=due.provisional,
        facts=facts,
        amount_claimed_fen=amount,
        track=Track(outcome.track),
        triage_flags=flags,
        triage_reasons=[i.id for i in outcome.reasons],
        **complainant,
        **respondent,
    )
    session.add(case)
    session.flush()
    session.add_all(CaseRight(case_id=case.id, right_id=r.id) for r in rights)
    session.add_all(CaseEvidence(case_id=case.id, deposit_id=n) for n in deposits)
    session.add(
        CaseEvent(
            case_id=case.id,
            kind="received",
            on=received_on,
            due_on=due.date,
            due_provisional=due.provisional,
            data={"source": source.value},
        )
    )
    notifications.queue(session, case, "received")
    after = snapshot(case) | {"right_ids": [r.id for r in rights], "deposit_ids": deposits}
    audit.record(
        session,
        who.actor(request_id),
        "case.receive",
        "case",
        case.id,
        region_code=region,
        after=after,
    )
    session.flush()
    return case


def _require_handler(who: Principal) -> None:
    if not access.may_handle(who):
        raise forbidden()


def _decide(
    session: Session,
    who: Principal,
    case: Case,
    status: CaseStatus,
    reason: str,
    on: dt.date | None,
    request_id: str | None,
) -> Case:
    _require_handler(who)
    if case.status is not CaseStatus.RECEIVED:
        raise conflict("case_decided", N_("The acceptance of this case is already decided"))
    reason = reason.strip()
    if status is CaseStatus.REJECTED and not reason:
        raise invalid(
            [FieldError("reason", "required", N_("Give the reason the complaint is not accepted"))]
        )
    day = _decision_day(case, on)
    before = {"status": case.status.value}
    case.status = status
    case.decided_on = day
    case.decided_by = who.user_id
    case.decision_reason = reason or None
    late = day > case.acceptance_due  # the law sets a deadline, not a bar: record lateness
    session.add(CaseEvent(case_id=case.id, kind=status.value, on=day, data={"late": late}))
    notifications.queue(session, case, status.value)
    audit.record(
        session,
        who.actor(request_id),
        f"case.{'accept' if status is CaseStatus.ACCEPTED else 'reject'}",
        "case",
        case.id,
        region_code=case.region_code,
        before=before,
        after={
            "status": status.value,
            "decided_on": day.isoformat(),
            "reason": reason,
            "late": late,
        },
    )
    session.flush()
    return case


def _decision_day(case: Case, on: dt.date | None) -> dt.date:
    """The day of the decision: today, or an earlier day an officer records it was taken on
    (never before the complaint was received, never in the future)."""
    day = on or today()
    if day > today():
        raise invalid([FieldError("on", "in_future", N_("The date is in the future"))])
    if day < case.received_on:
        raise invalid(
            [
                FieldError(
                    "on",
                    "before_received",
                    N_("The date is before the complaint was received ({date})"),
                    {"date": case.received_on.isoformat()},
                )
            ]
        )
    return day


def accept(
    session: Session,
    who: Principal,
    case: Case,
    on: dt.date | None = None,
    request_id: str | None = None,
) -> Case:
    return _decide(session, who, case, CaseStatus.ACCEPTED, "", on, request_id)


def reject(
    session: Session,
    who: Principal,
    case: Case,
    reason: str,
    on: dt.date | None = None,
    request_id: str | None = None,
) -> Case:
    return _decide(session, who, case, CaseStatus.REJECTED, reason, on, request_id)


def override_track(
    session: Session,
    who: Principal,
    case: Case,
    track: str,
    reason: str,
    request_id: str | None = None,
) -> Case:
    """An officer sets the track against the rule set, saying why (audited)."""
    _require_handler(who)
    errors = []
    try:
        new = Track(track)
    except ValueError:
        errors.append(FieldError("track", "invalid_choice", N_("Choose one of the listed values")))
    reason = reason.strip()
    if not reason:
        errors.append(FieldError("reason", "required", N_("Say why the track is changed")))
    _length(errors, "reason", reason, 2000)
    if errors:
        raise invalid(errors)
    before = {"track": case.track.value, "track_override_reason": case.track_override_reason}
    case.track = new
    case.track_overridden = True
    case.track_override_reason = reason
    audit.record(
        session,
        who.actor(request_id),
        "case.override_track",
        "case",
        case.id,
        region_code=case.region_code,
        before=before,
        after={"track": new.value, "track_override_reason": reason},
    )
    session.flush()
    return case
