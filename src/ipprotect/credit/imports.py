"""Import of existing dishonesty lists (decided listings), all or nothing.

A CSV (UTF-8 or GB18030) or XLSX file with the header
`uscc,name,behaviour,class,decided_on,authority,document_no`: the behaviour as a rule item id or
its Chinese name (故意侵犯知识产权), the class as minor / general / serious or 轻微 / 一般 / 严重.
Every row is checked first; when one row is wrong, the report names each wrong row and field and
nothing is written. Otherwise each row becomes a decided listing whose publicity follows the
rule version of its decision date (as a decision made here would), with the measures its list
carries (SAMR's serious dishonesty list: the joint punishment restrictions; CNIPA's list: the
measures of its art. 9), an entry in the entity's credit file, and an audit event. A listing
whose maximum has already passed is imported as expired. The region of a listing is the one
its credit code was issued in, which must lie in the importer's scope.
"""

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ipprotect.core import audit, ids, rules, tabular
from ipprotect.core.auth import Principal, Role
from ipprotect.core.calendar import WorkCalendar
from ipprotect.core.calendar_store import work_calendar
from ipprotect.core.errors import FieldError, Problem, forbidden
from ipprotect.credit import listing, listing_service, service
from ipprotect.credit.models import CreditListing, ListingClass, ListingStatus, RecordKind
from ipprotect.web.i18n import N_

COLUMNS = ("uscc", "name", "behaviour", "class", "decided_on", "authority", "document_no")
MAX_ROWS = 20_000
MEASURES_OF = {
    "credit.samr.serious_dishonesty_behaviours": "credit.joint_punishment.restrictions",
    "credit.cnipa.dishonest_behaviours": "credit.cnipa.measures",
}


@dataclass(frozen=True)
class RowError:
    row: int  # as the user sees it: header = 1
    field: str
    error: FieldError


@dataclass
class Report:
    rows: int = 0
    imported: int = 0
    expired: int = 0
    errors: list[RowError] = field(default_factory=list)


@dataclass(frozen=True)
class _Row:
    number: int
    uscc: str
    region: str
    name: str
    behaviour: listing.Behaviour
    class_: ListingClass
    decided_on: dt.date
    authority: str
    document_no: str
    publicity: listing.Publicity


def _required(values: dict[str, str], name: str, errors: list[FieldError]) -> str:
    value = values.get(name, "").strip()
    if not value:
        errors.append(FieldError(name, "required", N_("This field is required")))
    return value


def _check(
    session: Session,
    who: Principal,
    row: tabular.Row,
    seen: set[tuple[str, str]],
    today: dt.date,
    cal: WorkCalendar,
) -> tuple[_Row | None, list[FieldError]]:
    values = row.values
    errors: list[FieldError] = []
    code = _required(values, "uscc", errors)
    uscc = region = ""
    if code:
        try:
            parsed = ids.parse_uscc(code)
            uscc, region = parsed.code, parsed.region_code
        except ids.InvalidIdentifier as error:
            errors.append(error.field_error("uscc"))
    if region and not who.scope.covers(region):
        errors.append(
            FieldError("uscc", "out_of_scope", N_("The entity's region is outside your scope"))
        )
    name = _required(values, "name", errors)
    decided_text = _required(values, "decided_on", errors)
    decided_on = None
    if decided_text:
        try:
            decided_on = dt.date.fromisoformat(decided_text)
        except ValueError:
            errors.append(
                FieldError(
                    "decided_on",
                    "invalid_date",
                    N_("{value} is not a date; write it as 2025-01-24"),
                    {"value": decided_text},
                )
            )
        if decided_on and decided_on > today:
            errors.append(FieldError("decided_on", "future", N_("The date lies in the future")))
    found = None
    behaviour_text = _required(values, "behaviour", errors)
    if behaviour_text:
        found = listing.behaviour(behaviour_text, decided_on or today, region or None)
        if found is None:
            errors.append(
                FieldError("behaviour", "unknown_behaviour", N_("Not a listable behaviour"))
            )
    class_text = _required(values, "class", errors)
    class_ = listing.listing_class(class_text) if class_text else None
    if class_text and class_ is None:
        errors.append(FieldError("class", "unknown_class", N_("Unknown class")))
    authority = _required(values, "authority", errors)
    document_no = _required(values, "document_no", errors)
    if uscc and document_no:
        if (uscc, document_no) in seen or session.scalar(
            select(CreditListing.id).where(
                CreditListing.entity_uscc == uscc, CreditListing.document_no == document_no
            )
        ):
            errors.append(
                FieldError(
                    "document_no", "duplicate", N_("This listing decision is already on the list")
                )
            )
        seen.add((uscc, document_no))
    if errors or found is None or class_ is None or decided_on is None:
        return None, errors
    try:
        shown = listing.publicity(class_, decided_on, region, cal)
    except Problem as problem:  # the class did not exist on the decision date
        return None, problem.errors
    return (
        _Row(
            row.number,
            uscc,
            region,
            name[:200],
            found,
            class_,
            decided_on,
            authority[:200],
            document_no[:100],
            shown,
        ),
        [],
    )


def run(
    session: Session,
    who: Principal,
    table: tabular.Table,
    source: str,
    request_id: str | None = None,
) -> Report:
    """Check every row, then import them all in the caller's transaction, or none. Flushes;
    the caller commits when the report has no errors (and rolls back otherwise)."""
    if who.role not in (Role.CREDIT_OFFICER, Role.ADMIN, Role.SYSTEM):
        raise forbidden()
    report = Report(rows=len(table.rows))
    missing = [c for c in COLUMNS if c not in table.header]
    if missing:
        report.errors.append(
            RowError(
                1,
                missing[0],
                FieldError(
                    missing[0],
                    "missing_column",
                    N_("The file has no column {column}"),
                    {"column": missing[0]},
                ),
            )
        )
        return report
    if len(table.rows) > MAX_ROWS:
        report.errors.append(
            RowError(
                1,
                "file",
                FieldError(
                    "file",
                    "too_many_rows",
                    N_("At most {limit} rows at a time"),
                    {"limit": str(MAX_ROWS)},
                ),
            )
        )
        return report
    today = service.today()
    cal = work_calendar(session)
    seen: set[tuple[str, str]] = set()
    good: list[_Row] = []
    for row in table.rows:
        checked, errors = _check(session, who, row, seen, today, cal)
        report.errors.extend(RowError(row.number, e.field, e) for e in errors)
        if checked is not None:
            good.append(checked)
    if report.errors:
        return report
    actor = who.actor(request_id)
    for item in good:
        shown = item.publicity
        measures_rule = MEASURES_OF[item.behaviour.rule_id]
        expired = shown.max_until < today
        created = CreditListing(
            entity_uscc=item.uscc,
            entity_name=item.name,
            entity_id=service.entity_id_of(session, item.uscc),
            region_code=item.region,
            behaviour=item.behaviour.item.id,
            class_=item.class_,
            status=ListingStatus.EXPIRED if expired else ListingStatus.LISTED,
            basis=item.behaviour.source,
            measures=[m.id for m in rules.items(measures_rule, item.decided_on, item.region)],
            decided_on=item.decided_on,
            published_on=item.decided_on if shown.published else None,
            publicity_min_until=shown.min_until,
            publicity_max_until=shown.max_until,
            expired_on=shown.max_until + dt.timedelta(days=1) if expired else None,
            document_no=item.document_no,
            authority=item.authority,
            data={
                "imported_from": source[:200],
                "row": item.number,
                "publicity_rule": shown.source,
            },
        )
        session.add(created)
        session.flush()
        service.record(
            session,
            actor,
            service.Entry(
                kind=RecordKind.LISTING,
                entity_name=item.name,
                entity_uscc=item.uscc,
                region_code=item.region,
                occurred_on=item.decided_on,
                title="列入失信名单",
                summary=item.behaviour.item.zh,
                authority=item.authority,
                document_no=item.document_no,
                source_kind="credit_listing",
                source_id=created.id,
            ),
            created_by=who.user_id,
        )
        audit.record(
            session,
            actor,
            "credit.listing.imported",
            "credit_listing",
            created.id,
            region_code=item.region,
            after={**listing_service.snapshot(created), "source": source[:200], "row": item.number},
        )
        report.imported += 1
        report.expired += int(expired)
    return report
