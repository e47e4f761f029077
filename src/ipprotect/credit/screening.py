"""Bulk screening (批量筛查): a procurement or bidding office uploads its list of bidders (CSV in
UTF-8 or GB18030, or XLSX; a name column and optionally a credit-code column) and gets the same
file back with `decision` (restricted / review / clear), `matched_uscc`, `matched_name`,
`confidence` and `reason` on every row.

Each row is decided exactly as a restriction check (`checks.decide`): the same index, the same
purposes and measures, the same rule that a likeness is at most `review`. The run is a Job row
(core/jobs.py) with progress and counts, for the page, the API and `ipprotect credit screen`;
the result file is written to `data_dir/screening/<job id>.<csv|xlsx>` and read by whoever
started the job. Screenings are not recorded one by one in `credit_checks`: the job, its
caller, its parameters and its result file are the record of the run.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from ipprotect.core import ids, jobs
from ipprotect.core.errors import FieldError, invalid
from ipprotect.core.scope import Scope
from ipprotect.core.tabular import Format, Table, TableError, export_bytes, read_table
from ipprotect.credit import checks
from ipprotect.credit.matching import REASONS
from ipprotect.credit.models import CheckDecision, CheckPurpose
from ipprotect.settings import Settings
from ipprotect.web.i18n import N_

JOB_KIND = "credit.screen"
# The headers a bidder list may use (lower case; Chinese as public-resource trading centres
# export them).
NAME_HEADERS = (
    "name",
    "名称",
    "企业名称",
    "单位名称",
    "投标人",
    "投标人名称",
    "供应商",
    "供应商名称",
)
USCC_HEADERS = ("uscc", "统一社会信用代码", "社会信用代码", "信用代码")
OUTPUT_COLUMNS = ("decision", "matched_uscc", "matched_name", "confidence", "reason")

NO_MATCH = N_("No listed entity matches")
NO_NAME = N_("The row gives neither a name nor a credit code")
NOT_FOR_PURPOSE = N_("Listed, but none of the listing's measures applies to this purpose")


@dataclass(frozen=True)
class Bidders:
    table: Table
    name_column: str
    uscc_column: str | None


def read_bidders(data: bytes, filename: str, max_rows: int) -> Bidders:
    """The uploaded list, or a 422 naming what is wrong with the file."""
    try:
        table = read_table(data, filename)
    except TableError as problem:
        raise invalid(
            [
                FieldError(
                    "file", "unreadable", N_("The file cannot be read: {why}"), {"why": problem}
                )
            ]
        ) from problem
    name = next((h for h in table.header if h in NAME_HEADERS), None)
    if name is None:
        raise invalid(
            [
                FieldError(
                    "file",
                    "missing_column",
                    N_("The file needs a column of names (name or 企业名称)"),
                )
            ]
        )
    if not table.rows:
        raise invalid([FieldError("file", "empty", N_("The file has no rows"))])
    if len(table.rows) > max_rows:
        raise invalid(
            [
                FieldError(
                    "file",
                    "too_many_rows",
                    N_("At most {limit} rows at a time"),
                    {"limit": max_rows},
                )
            ]
        )
    uscc = next((h for h in table.header if h in USCC_HEADERS), None)
    return Bidders(table, name, uscc)


def screen(
    session: Session,
    built: checks.Built,
    bidders: Bidders,
    purpose: CheckPurpose,
    scope: Scope,
    on: date,
    translate: Callable[[str], str],
) -> Iterator[tuple[CheckDecision, list[Any]]]:
    """Each row's decision and its output cells: the input cells, then OUTPUT_COLUMNS."""
    header = [h for h in bidders.table.header if h]
    for row in bidders.table.rows:
        name = " ".join(row.values.get(bidders.name_column, "").split())
        raw = row.values.get(bidders.uscc_column, "") if bidders.uscc_column else ""
        uscc = ids.normalise_uscc(raw) if raw.strip() else None
        cells: list[Any] = [row.values.get(h, "") for h in header]
        if not name and not uscc:
            # Nothing to screen: a person must look at the row, it is not cleared.
            yield CheckDecision.REVIEW, [*cells, "review", "", "", "", translate(NO_NAME)]
            continue
        decision, found = checks.decide(
            session, built, checks.Query(purpose, uscc, name), scope, on
        )
        if not found:
            yield decision, [*cells, decision.value, "", "", "", translate(NO_MATCH)]
            continue
        top = found[0]
        reason = (
            translate(NOT_FOR_PURPOSE)
            if top.decision is None
            else translate(REASONS[top.match.reason_code]).format(**top.match.params)
        )
        yield (
            decision,
            [
                *cells,
                decision.value,
                top.listing.entity_uscc or "",
                top.listing.entity_name,
                f"{top.match.confidence:.2f}",
                reason,
            ],
        )


def result_path(settings: Settings, job: jobs.Job) -> Path:
    return settings.data_dir / "screening" / f"{job.id}.{job.params['format']}"


def output_format(filename: str) -> Format:
    return "xlsx" if filename.lower().endswith(".xlsx") else "csv"


Work = Callable[[Session, jobs.Progress], dict[str, Any]]


def queue(
    session: Session,
    settings: Settings,
    *,
    caller: str,
    user_id: int | None,
    scope: Scope,
    bidders: Bidders,
    filename: str,
    purpose: CheckPurpose,
    fmt: Format,
    on: date,
    translate: Callable[[str], str],
    index: checks.ListingIndex,
    on_row: Callable[[], None] | None = None,
) -> tuple[jobs.Job, Work]:
    """Queue the screening job (committed) and return the work that runs it."""
    job = jobs.create(
        session,
        JOB_KIND,
        lock=None,  # screenings only read: any number may run at once
        created_by=user_id,
        params={
            "caller": caller,
            "filename": Path(filename).name[:200],
            "purpose": purpose.value,
            "format": fmt,
            "rows": len(bidders.table.rows),
            "on": on.isoformat(),
        },
    )

    def work(session: Session, progress: jobs.Progress) -> dict[str, Any]:
        progress.set_total(len(bidders.table.rows))
        built = index.current(session)
        header = [h for h in bidders.table.header if h] + list(OUTPUT_COLUMNS)
        rows = []
        for decision, cells in screen(session, built, bidders, purpose, scope, on, translate):
            rows.append(cells)
            progress.count(decision.value)
            progress.advance()
            if on_row is not None:
                on_row()
        path = result_path(settings, progress.job)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_bytes(export_bytes(fmt, header, rows, title="screening"))
        temporary.replace(path)
        return {"file": path.name, "listed_entities": len(built.index)}

    return job, work


def caller_of(token_id: int | None, user_id: int | None) -> str:
    return f"token:{token_id}" if token_id is not None else f"user:{user_id}"
