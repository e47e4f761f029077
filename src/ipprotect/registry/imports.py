"""Importing registry records from CSV or XLSX as a job: the machinery every import shares.

What differs between importing market entities and importing IP rights (the columns, how a row
becomes a draft, how a duplicate is found and saved) is an `Importer`; see `entity_import` and
`right_import`. The file is read and checked before the job is queued (an unreadable file is
refused at once); each row is then validated by the same service code as the forms. A bad row is
reported with its number and reasons and skipped; a good row is written whole inside a
SAVEPOINT, so a database error on one row cannot leave half of it.
"""

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ipprotect.core import jobs
from ipprotect.core.auth import Principal
from ipprotect.core.errors import FieldError, Problem, invalid
from ipprotect.core.scope import NATIONAL
from ipprotect.core.tabular import Row, Table, TableError, read_table
from ipprotect.registry import service
from ipprotect.web.i18n import N_

R = TypeVar("R")  # the registered record: a market entity, an IP right
D = TypeVar("D")  # its draft, as the service's create and update take it

Cells = dict[str, str]


class OnDuplicate(enum.StrEnum):
    SKIP = "skip"  # keep the registered record, note the row
    UPDATE = "update"  # overwrite the registered record with the row's non-empty cells


@dataclass(frozen=True)
class Importer(Generic[R, D]):
    """One kind of record a spreadsheet can bring in: how a row becomes a draft, and the
    service functions (the forms' own) that check and save it."""

    job_kind: str  # also the msgid the dashboard shows for the job
    columns: dict[str, str]  # header (lower case, English or Chinese) -> draft field
    required: dict[str, str]  # draft field -> how the missing-column error names it
    # The row's non-empty cells under draft field names, choices as their English values.
    cells: Callable[[Row], Cells]
    # The registered record the row repeats (any scope: the save checks the scope), if any.
    find: Callable[[Session, Cells], R | None]
    # A new record's draft; the string is the region of rows that give none ("": none given).
    new: Callable[[Cells, str], D]
    # The registered record's draft with the row's non-empty cells on top.
    merged: Callable[[R, Cells], D]
    create: Callable[[Session, Principal, D, str | None], object]
    update: Callable[[Session, Principal, R, D, str | None], object]
    skipped: FieldError  # the note on a duplicate row left alone
    taken: FieldError  # the error on a duplicate the importer may not see


@dataclass(frozen=True)
class RowIssue:
    """A bad or skipped row, stored in the job's result as plain JSON."""

    row: int
    error: FieldError

    def as_json(self) -> dict[str, Any]:
        e = self.error
        return {
            "row": self.row,
            "field": e.field,
            "code": e.code,
            "message": e.message,
            "params": e.params,
        }


def issues(job: jobs.Job, key: str) -> list[RowIssue]:
    """The job's row errors (`key="errors"`) or notes (`key="notes"`)."""
    return [
        RowIssue(
            item["row"],
            FieldError(item["field"], item["code"], item["message"], item.get("params", {})),
        )
        for item in job.result.get(key, [])
    ]


ISSUE_COLUMNS = ["row", "field", "code", "message"]


def issue_rows(job: jobs.Job, translate: Callable[[str], str]) -> list[list[Any]]:
    """Bad and skipped rows in row order, as the downloadable error file lists them."""
    rows = [
        [issue.row, issue.error.field, issue.error.code, issue.error.text(translate)]
        for key in ("errors", "notes")
        for issue in issues(job, key)
    ]
    return sorted(rows, key=lambda r: int(r[0]))


def read(importer: Importer[Any, Any], data: bytes, filename: str, max_rows: int) -> Table:
    """Read and check an uploaded file; a file that cannot be imported at all is refused (422)."""
    try:
        table = read_table(data, filename)
    except TableError as exc:
        raise invalid(
            [
                FieldError(
                    "file",
                    "unreadable_file",
                    N_("The file cannot be read: {reason}"),
                    {"reason": str(exc)},
                )
            ]
        ) from exc
    columns = {importer.columns.get(h) for h in table.header}
    missing = [
        FieldError(
            "file", "missing_column", N_("The file has no column {column}"), {"column": shown}
        )
        for field, shown in importer.required.items()
        if field not in columns
    ]
    if missing:
        raise invalid(missing)
    if len(table.rows) > max_rows:
        raise invalid(
            [
                FieldError(
                    "file",
                    "too_many_rows",
                    N_("The file has {rows} rows; split it into files of at most {limit}"),
                    {"rows": len(table.rows), "limit": max_rows},
                )
            ]
        )
    return table


def cells(columns: Mapping[str, str], row: Row, choices: Mapping[str, Mapping[str, str]]) -> Cells:
    """The row's non-empty cells under their field names; a cell of a field in `choices` is
    looked up there (lower case) and kept as typed when it is not found, for the service to
    refuse with its own message."""
    found: Cells = {}
    for header, raw in row.values.items():
        field = columns.get(header)
        value = raw.strip()
        if field is None or not value:
            continue
        found[field] = str(choices.get(field, {}).get(value.lower(), value))
    return found


def start(
    session: Session,
    importer: Importer[Any, Any],
    who: Principal,
    table: Table,
    *,
    filename: str,
    default_region: str,
    on_duplicate: OnDuplicate,
) -> jobs.Job:
    """Queue an import. One import of a kind at a time per region (the job lock), so two runs
    into the same region cannot interleave their duplicate checks. Without a default region the
    region is the importer's own area. Commits the job row."""
    if default_region:
        errors: list[FieldError] = []
        service.check_region(errors, who, default_region)
        if errors:
            raise invalid(errors)
    region = default_region or min(who.scope.prefixes, default="").ljust(6, "0")
    return jobs.create(
        session,
        importer.job_kind,
        lock=f"{importer.job_kind}:{region}",
        created_by=who.user_id,
        region_code=None if region == NATIONAL else region,
        params={
            "file": filename,
            "rows": len(table.rows),
            "encoding": table.encoding,
            "default_region": default_region,
            "on_duplicate": on_duplicate.value,
        },
    )


Work = Callable[[Session, jobs.Progress], dict[str, Any]]


def work(
    importer: Importer[Any, Any],
    who: Principal,
    table: Table,
    *,
    default_region: str,
    on_duplicate: OnDuplicate,
    request_id: str | None = None,
    on_row: Callable[[int, int], None] | None = None,
) -> Work:
    """The job's work function; `on_row(done, total)` lets the CLI draw a progress bar."""

    def run(session: Session, progress: jobs.Progress) -> dict[str, Any]:
        errors: list[RowIssue] = []
        notes: list[RowIssue] = []
        total = len(table.rows)
        progress.set_total(total)
        for done, row in enumerate(table.rows, start=1):
            outcome = _import_row(
                session,
                importer,
                who,
                row,
                default_region,
                on_duplicate,
                request_id,
                errors,
                notes,
            )
            progress.count(outcome)
            progress.advance()
            if on_row is not None:
                on_row(done, total)
        if errors or notes:
            progress.log(f"{len(errors)} rows refused, {len(notes)} rows skipped")
        return {
            "errors": [e.as_json() for e in errors],
            "notes": [n.as_json() for n in notes],
        }

    return run


def _import_row(
    session: Session,
    importer: Importer[R, D],
    who: Principal,
    row: Row,
    default_region: str,
    on_duplicate: OnDuplicate,
    request_id: str | None,
    errors: list[RowIssue],
    notes: list[RowIssue],
) -> str:
    """Import one row whole or not at all; say what happened: created, updated, skipped, failed."""
    found = importer.cells(row)
    existing = importer.find(session, found)
    if existing is not None and on_duplicate is OnDuplicate.SKIP:
        notes.append(RowIssue(row.number, importer.skipped))
        return "skipped"
    try:
        with session.begin_nested():
            if existing is None:
                importer.create(session, who, importer.new(found, default_region), request_id)
                return "created"
            importer.update(session, who, existing, importer.merged(existing, found), request_id)
            return "updated"
    except Problem as problem:
        # Without field errors the registered record is outside the importer's area.
        errors += [RowIssue(row.number, e) for e in problem.errors or [importer.taken]]
    except SQLAlchemyError as exc:
        errors.append(
            RowIssue(
                row.number,
                FieldError(
                    "",
                    "database_error",
                    N_("The row could not be saved: {reason}"),
                    {"reason": type(exc).__name__},
                ),
            )
        )
    return "failed"


def queue(
    session: Session,
    importer: Importer[Any, Any],
    who: Principal,
    data: bytes,
    filename: str,
    *,
    max_rows: int,
    default_region: str,
    on_duplicate: OnDuplicate,
    request_id: str | None = None,
    on_row: Callable[[int, int], None] | None = None,
) -> tuple[jobs.Job, Work]:
    """Read an uploaded file and queue its import (`read`, then `start`): the queued job and the
    work that runs it. An unimportable file is refused (422), a region already importing this
    kind of record too (409)."""
    table = read(importer, data, filename, max_rows)
    job = start(
        session,
        importer,
        who,
        table,
        filename=filename,
        default_region=default_region,
        on_duplicate=on_duplicate,
    )
    run = work(
        importer,
        who,
        table,
        default_region=default_region,
        on_duplicate=on_duplicate,
        request_id=request_id,
        on_row=on_row,
    )
    return job, run
