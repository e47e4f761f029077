"""Importing market entities from CSV or XLSX as a job.

The file is read and checked before the job is queued (an unreadable file is refused at once);
each row is then validated by the same service code as the forms. A bad row is reported with
its number and reasons and skipped; a good row is written whole inside a SAVEPOINT, so a
database error on one row cannot leave half of it. Headers and kinds may be English or Chinese.
"""

import enum
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ipprotect.core import jobs
from ipprotect.core.auth import Principal
from ipprotect.core.errors import FieldError, Problem, invalid
from ipprotect.core.scope import NATIONAL
from ipprotect.core.tabular import Row, Table, TableError, read_table
from ipprotect.registry import search, service
from ipprotect.registry.models import ENTITY_KIND_LABELS, EntityKind, MarketEntity
from ipprotect.web.i18n import N_

JOB_KIND = "registry.import_entities"

COLUMN_ALIASES = {
    "name": "name",
    "名称": "name",
    "企业名称": "name",
    "主体名称": "name",
    "uscc": "uscc",
    "统一社会信用代码": "uscc",
    "kind": "kind",
    "类型": "kind",
    "主体类型": "kind",
    "region_code": "region_code",
    "行政区划代码": "region_code",
    "legal_representative": "legal_representative",
    "法定代表人": "legal_representative",
    "address": "address",
    "地址": "address",
    "住所": "address",
    "phone": "phone",
    "电话": "phone",
    "联系电话": "phone",
    "email": "email",
    "邮箱": "email",
    "电子邮箱": "email",
}

KIND_ALIASES: dict[str, EntityKind] = {
    **{kind.value: kind for kind in EntityKind},
    **{label.lower(): kind for kind, label in ENTITY_KIND_LABELS.items()},
    "企业": EntityKind.COMPANY,
    "公司": EntityKind.COMPANY,
    "个体工商户": EntityKind.INDIVIDUAL_BUSINESS,
    "自然人": EntityKind.NATURAL_PERSON,
    "事业单位": EntityKind.PUBLIC_INSTITUTION,
    "社会组织": EntityKind.SOCIAL_ORGANISATION,
    "境外主体": EntityKind.FOREIGN,
    "其他": EntityKind.OTHER,
}


class OnDuplicate(enum.StrEnum):
    SKIP = "skip"  # keep the registered entity, note the row
    UPDATE = "update"  # overwrite the registered entity with the row's non-empty cells


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


def read(data: bytes, filename: str, max_rows: int) -> Table:
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
    columns = {COLUMN_ALIASES.get(h) for h in table.header}
    if "name" not in columns:
        raise invalid(
            [
                FieldError(
                    "file",
                    "missing_column",
                    N_("The file has no column {column}"),
                    {"column": "name / 名称"},
                )
            ]
        )
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


def start(
    session: Session,
    who: Principal,
    table: Table,
    *,
    filename: str,
    default_region: str,
    on_duplicate: OnDuplicate,
) -> jobs.Job:
    """Queue an import. One import at a time per region (the job lock), so two runs into the same
    region cannot interleave their duplicate checks. Without a default region the region is the
    importer's own area. Commits the job row."""
    if default_region:
        errors: list[FieldError] = []
        service.check_region(errors, who, default_region)
        if errors:
            raise invalid(errors)
    region = default_region or min(who.scope.prefixes, default="").ljust(6, "0")
    return jobs.create(
        session,
        JOB_KIND,
        lock=f"registry.import:{region}",
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


# Exports mask natural persons' phones and addresses with "*": such a cell is read as empty, so
# an edited export imported back can never overwrite personal data with its mask.
MASKABLE = {"phone", "address"}


def _cells(row: Row) -> dict[str, str]:
    """The row's non-empty cells under the draft's field names, kinds in their English value."""
    cells: dict[str, str] = {}
    for header, raw in row.values.items():
        field = COLUMN_ALIASES.get(header)
        value = raw.strip()
        if field is None or not value or (field in MASKABLE and "*" in value):
            continue
        cells[field] = KIND_ALIASES.get(value.lower(), value) if field == "kind" else value
    return cells


def _new(cells: dict[str, str], default_region: str) -> service.EntityDraft:
    defaults = {"kind": EntityKind.COMPANY.value, "region_code": default_region}
    return service.EntityDraft(**(defaults | cells))


def _merged(entity: MarketEntity, cells: dict[str, str]) -> service.EntityDraft:
    """The registered values with the row's non-empty cells on top (empty cells change nothing)."""
    return replace(service.entity_draft(entity), **cells)


Work = Callable[[Session, jobs.Progress], dict[str, Any]]


def work(
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
                session, who, row, default_region, on_duplicate, request_id, errors, notes
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
    who: Principal,
    row: Row,
    default_region: str,
    on_duplicate: OnDuplicate,
    request_id: str | None,
    errors: list[RowIssue],
    notes: list[RowIssue],
) -> str:
    """Import one row whole or not at all; say what happened: created, updated, skipped, failed."""
    cells = _cells(row)
    code = search.normalise_code(cells.get("uscc", ""))
    existing = service.entity_by_uscc(session, code) if code else None
    if existing is not None and on_duplicate is OnDuplicate.SKIP:
        notes.append(
            RowIssue(
                row.number,
                FieldError(
                    "uscc",
                    "duplicate_skipped",
                    N_("An entity with this code is already registered; the row was skipped"),
                ),
            )
        )
        return "skipped"
    try:
        with session.begin_nested():
            if existing is None:
                service.create_entity(session, who, _new(cells, default_region), request_id)
                return "created"
            service.update_entity(session, who, existing, _merged(existing, cells), request_id)
            return "updated"
    except Problem as problem:
        reasons = problem.errors or [
            # The registered entity is outside the importer's area: only say the code is taken.
            FieldError("uscc", "uscc_taken", N_("Another entity already has this code"))
        ]
        errors += [RowIssue(row.number, e) for e in reasons]
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
