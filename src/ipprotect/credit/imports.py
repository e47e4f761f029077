"""Import of existing dishonesty lists (decided listings) as a job, all or nothing.

A CSV (UTF-8 or GB18030) or XLSX file with the header
`uscc,name,behaviour,class,decided_on,authority,document_no`: the behaviour as a rule item id or
its Chinese name (故意侵犯知识产权), the class as minor / general / serious or 轻微 / 一般 / 严重.
A file that cannot be read, lacks a column or is too long is refused before any job (422).
Otherwise the job (core/jobs.py, like every import of the platform) checks every row, its
progress committed as it goes; when one row is wrong the job fails with the errors report (each
wrong row and field, the shared errors.csv) and nothing is written. Otherwise every row is
written in one transaction, committed with the job's outcome. Each becomes a decided listing
whose publicity follows the
rule version of its decision date (as a decision made here would), with the measures its list
carries (SAMR's serious dishonesty list: the joint punishment restrictions; CNIPA's list: the
measures of its art. 9), an entry in the entity's credit file, and an audit event. A listing
whose maximum has already passed is imported as expired. The region of a listing is the one
its credit code was issued in, which must lie in the importer's scope.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ipprotect.core import audit, ids, jobs, rules, tabular
from ipprotect.core.auth import Principal, Role
from ipprotect.core.calendar import WorkCalendar
from ipprotect.core.calendar_store import work_calendar
from ipprotect.core.days import parse_day, today
from ipprotect.core.errors import FieldError, Problem, forbidden, invalid, not_found
from ipprotect.credit import listing, listing_service, service
from ipprotect.credit.models import CreditListing, ListingClass, ListingStatus, RecordKind
from ipprotect.registry.imports import RowIssue
from ipprotect.web.i18n import N_

COLUMNS = ("uscc", "name", "behaviour", "class", "decided_on", "authority", "document_no")
MAX_ROWS = 20_000
MAX_UPLOAD = 20 * 1024 * 1024  # 20,000 rows of seven columns fit many times over
IMPORTERS = (Role.CREDIT_OFFICER, Role.ADMIN, Role.SYSTEM)
JOB_KIND = "credit.import_listings"
# One import at a time on the whole platform: a listing's duplicate (credit code and document
# number) may come from any region, and two imports checking at once could both let it in.
JOB_LOCK = JOB_KIND
MEASURES_OF = {
    "credit.samr.serious_dishonesty_behaviours": "credit.joint_punishment.restrictions",
    "credit.cnipa.dishonest_behaviours": "credit.cnipa.measures",
}


class Refused(Exception):  # noqa: N818 - what happened to the file, as the job log says it
    """Rows of the file are wrong: the job fails with its errors report and writes nothing."""


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
        decided_on = parse_day(decided_text, "decided_on", errors)
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


def read(data: bytes, filename: str) -> tabular.Table:
    """The uploaded file as a table; refused (422) when it is too large, cannot be read, lacks
    a column or has more rows than one import takes."""
    if len(data) > MAX_UPLOAD:
        raise invalid([FieldError("file", "too_large", N_("The file is too large"))])
    try:
        table = tabular.read_table(data, filename)
    except tabular.TableError as error:
        raise invalid(
            [
                FieldError(
                    "file", "unreadable", N_("The file cannot be read: {why}"), {"why": str(error)}
                )
            ]
        ) from None
    missing = [
        FieldError(
            "file", "missing_column", N_("The file has no column {column}"), {"column": column}
        )
        for column in COLUMNS
        if column not in table.header
    ]
    if missing:
        raise invalid(missing)
    if len(table.rows) > MAX_ROWS:
        raise invalid(
            [
                FieldError(
                    "file",
                    "too_many_rows",
                    N_("At most {limit} rows at a time"),
                    {"limit": str(MAX_ROWS)},
                )
            ]
        )
    return table


def caller_of(who: Principal) -> str:
    """Whose import it is: the job is theirs alone (a file of listings is not everyone's)."""
    return f"token:{who.token_id}" if who.token_id is not None else f"user:{who.user_id}"


Work = Callable[[Session, jobs.Progress], dict[str, Any]]


def queue(
    session: Session,
    who: Principal,
    data: bytes,
    filename: str,
    request_id: str | None = None,
    on_row: Callable[[int, int], None] | None = None,
) -> tuple[jobs.Job, Work]:
    """Read the upload and queue its import: the queued job and the work that runs it
    (`jobs.run`). 403 for a caller who may not import, 422 for a file that cannot be imported
    at all, 409 while another import runs. Commits the job row."""
    if who.role not in IMPORTERS:
        raise forbidden()
    table = read(data, filename)
    job = jobs.create(
        session,
        JOB_KIND,
        lock=JOB_LOCK,
        created_by=who.user_id,
        params={
            "file": filename[:200],
            "rows": len(table.rows),
            "encoding": table.encoding,
            "caller": caller_of(who),
        },
    )
    return job, work(who, table, filename, request_id, on_row)


def get_job(session: Session, who: Principal, job_id: int) -> jobs.Job:
    """An import job of the caller; anyone else's is not found."""
    job = session.get(jobs.Job, job_id)
    if (
        job is None
        or job.kind != JOB_KIND
        or who.role not in IMPORTERS
        or job.params.get("caller") != caller_of(who)
    ):
        raise not_found("job")
    return job


def work(
    who: Principal,
    table: tabular.Table,
    source: str,
    request_id: str | None = None,
    on_row: Callable[[int, int], None] | None = None,
) -> Work:
    """The job's work: check every row (progress committed as it goes: nothing is written
    yet), then write them all in the job's final transaction, or fail with the errors report.
    `on_row(done, total)` lets the CLI draw its progress bar."""

    def run(session: Session, progress: jobs.Progress) -> dict[str, Any]:
        on_day = today()
        cal = work_calendar(session)
        seen: set[tuple[str, str]] = set()
        good: list[_Row] = []
        errors: list[RowIssue] = []
        total = len(table.rows)
        progress.set_total(total)
        for done, row in enumerate(table.rows, start=1):
            checked, found = _check(session, who, row, seen, on_day, cal)
            errors += [RowIssue(row.number, e) for e in found]
            if checked is not None:
                good.append(checked)
            progress.advance()
            if on_row is not None:
                on_row(done, total)
        if errors:
            refused = len({e.row for e in errors})
            progress.count("refused", refused)
            progress.job.result = {"errors": [e.as_json() for e in errors]}
            progress.log(f"{refused} rows refused; nothing imported")
            session.commit()  # the job's report only: no listing was written
            raise Refused(f"{refused} rows refused; nothing imported")
        progress.log(f"{total} rows checked; writing them in one transaction")
        session.commit()
        imported, expired = _write(session, who, good, source, on_day, request_id)
        progress.count("imported", imported)
        progress.count("expired", expired)
        progress.log(f"{imported} listings imported ({expired} already expired)")
        return {"imported": imported, "expired": expired, "errors": []}

    return run


def _write(
    session: Session,
    who: Principal,
    good: list[_Row],
    source: str,
    today: dt.date,
    request_id: str | None,
) -> tuple[int, int]:
    """Write every checked row, flushed, uncommitted: the job commits them with its outcome."""
    actor = who.actor(request_id)
    imported = expired_count = 0
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
        imported += 1
        expired_count += int(expired)
    return imported, expired_count
