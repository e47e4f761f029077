"""Bulk screening (批量筛查): a procurement or bidding office uploads its list of bidders (CSV in
UTF-8 or GB18030, or XLSX; a name column and optionally a credit-code column) and gets the same
file back with `decision` (restricted / review / clear), `matched_uscc`, `matched_name`,
`confidence` and `reason` on every row.

Each row is decided exactly as a restriction check (`checks.decide`): the same index, the same
purposes and measures, the same rule that a likeness is at most `review`. A long list is searched
in the index by worker processes forked once the index is built (one per CPU: the index is
shared copy-on-write, never rebuilt or copied), while the job's process reads the candidates'
listings and decides, row by row in the input's order. The run is a Job row
(core/jobs.py) with progress and counts, for the page, the API and `ipprotect credit screen`;
the result file is written to `data_dir/screening/<job id>.<csv|xlsx>` and read by whoever
started the job. Screenings are not recorded one by one in `credit_checks`: the job, its
caller, its parameters and its result file are the record of the run.
"""

import heapq
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ipprotect.core import ids, jobs
from ipprotect.core.errors import FieldError, invalid
from ipprotect.core.scope import Scope
from ipprotect.core.tabular import Format, Table, TableError, export_bytes, read_table
from ipprotect.credit import checks
from ipprotect.credit.matching import REASONS, Match, fork_workers, forked, usable_cpus
from ipprotect.credit.models import CheckDecision, CheckPurpose, CreditListing, ListingStatus
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


# A list of at least this many rows is searched by worker processes: forking the process and
# handing the answers back costs tens of milliseconds, the search of a row about a millisecond.
PARALLEL_FROM = 2000
# Rows a worker searches per task: the answers travel back a chunk at a time.
CHUNK = 500
# The strongest reviews the job's result lists for the page.
STRONGEST_REVIEWS = 20


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


def _search_chunk(bounds: tuple[int, int]) -> list[list[Match]]:
    """In a worker: the index's answers for the queries[start:stop], without the `none`
    answers, which `checks.find` passes over (fewer to send back)."""
    built, queries = forked()
    return [
        [match for match in checks.search(built, query) if match.decision != "none"]
        for query in queries[bounds[0] : bounds[1]]
    ]


def _searched(
    built: checks.Built, queries: list[checks.Query], processes: int
) -> Generator[list[Match], None, None]:
    """The index's answers for each query, in order: searched here for a short list, else by
    `processes` workers forked now, which share this process's index copy-on-write (the
    search is pure: no database, no lock, nothing but the index and the queries)."""
    pool = (
        fork_workers(processes, (built, queries))
        if processes > 1 and len(queries) >= PARALLEL_FROM
        else None
    )
    if pool is None:
        for query in queries:
            yield checks.search(built, query)
        return
    with pool:
        chunks = [(i, min(i + CHUNK, len(queries))) for i in range(0, len(queries), CHUNK)]
        for answers in pool.imap(_search_chunk, chunks):
            yield from answers


class Prefetched(checks.Reader):
    """The listings a chunk of rows may name, read with a query or two for the chunk instead of
    two a row: those of the rows' credit codes and those the index's answers name. A listing
    not read ahead is read as a check reads it."""

    # Values in one IN (...): well under any database's limit of bound parameters.
    BATCH = 500

    def __init__(
        self,
        session: Session,
        built: checks.Built,
        chunk: Sequence[tuple[checks.Query, list[Match]]],
    ) -> None:
        super().__init__(session)
        codes = sorted({query.uscc for query, _ in chunk if query.uscc})
        self._by_code: dict[str | None, list[tuple[int, str, ListingStatus]]] = {
            c: [] for c in codes
        }
        for batch in _batches(codes, self.BATCH):
            rows = session.execute(
                select(
                    CreditListing.id,
                    CreditListing.entity_uscc,
                    CreditListing.entity_name,
                    CreditListing.status,
                ).where(CreditListing.entity_uscc.in_(batch))
            )
            for listing_id, uscc, name, status in rows:
                self._by_code[uscc].append((listing_id, name, status))
        wanted = {i for found in self._by_code.values() for i, _, _ in found}
        for _, answers in chunk:
            for match in answers:
                if match.decision != "none":
                    wanted.update(built.listings.get((match.name, match.uscc), []))
        self._by_id: dict[int, CreditListing] = {}
        for batch in _batches(sorted(wanted), self.BATCH):
            for listing in session.scalars(
                select(CreditListing).where(CreditListing.id.in_(batch))
            ):
                self._by_id[listing.id] = listing

    def by_code(self, uscc: str) -> list[tuple[int, str, ListingStatus]]:
        found = self._by_code.get(uscc)
        return super().by_code(uscc) if found is None else found

    def by_id(self, listing_ids: Iterable[int]) -> list[CreditListing]:
        wanted = list(listing_ids)
        missing = [i for i in wanted if i not in self._by_id]
        return [self._by_id[i] for i in wanted if i in self._by_id] + super().by_id(missing)


def _batches(values: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def screen(
    session: Session,
    built: checks.Built,
    bidders: Bidders,
    purpose: CheckPurpose,
    scope: Scope,
    on: date,
    translate: Callable[[str], str],
    processes: int = 1,
) -> Iterator[tuple[CheckDecision, list[Any]]]:
    """Each row's decision and its output cells: the input cells, then OUTPUT_COLUMNS, in the
    order of the input. `processes`: the workers that search the index (see `_searched`)."""
    header = [h for h in bidders.table.header if h]
    rows: list[tuple[list[Any], checks.Query | None]] = []
    for row in bidders.table.rows:
        name = " ".join(row.values.get(bidders.name_column, "").split())
        raw = row.values.get(bidders.uscc_column, "") if bidders.uscc_column else ""
        uscc = ids.normalise_uscc(raw) if raw.strip() else None
        cells: list[Any] = [row.values.get(h, "") for h in header]
        rows.append((cells, checks.Query(purpose, uscc, name) if name or uscc else None))
    answers = _searched(built, [query for _, query in rows if query is not None], processes)
    try:
        for start in range(0, len(rows), CHUNK):
            chunk = [
                (cells, query, next(answers) if query is not None else [])
                for cells, query in rows[start : start + CHUNK]
            ]
            yield from _decided(session, built, chunk, scope, on, translate)
    finally:
        answers.close()  # the workers end with the last row (or with the job's failure)


def _decided(
    session: Session,
    built: checks.Built,
    chunk: list[tuple[list[Any], checks.Query | None, list[Match]]],
    scope: Scope,
    on: date,
    translate: Callable[[str], str],
) -> Iterator[tuple[CheckDecision, list[Any]]]:
    reader = Prefetched(session, built, [(q, found) for _, q, found in chunk if q is not None])
    for cells, query, searched in chunk:
        if query is None:
            # Nothing to screen: a person must look at the row, it is not cleared.
            yield CheckDecision.REVIEW, [*cells, "review", "", "", "", translate(NO_NAME)]
            continue
        decision, found = checks.decide(session, built, query, scope, on, searched, reader)
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


def strongest_reviews(bidders: Bidders, rows: Sequence[list[Any]]) -> list[dict[str, Any]]:
    """The STRONGEST_REVIEWS reviews whose names are most alike to a listed one, the most alike
    first (then by row): where a person's review should start when a list has thousands."""
    reviews = (
        (float(cells[-2]), -row.number, row, cells)
        for row, cells in zip(bidders.table.rows, rows, strict=True)
        if cells[-5] == CheckDecision.REVIEW.value and cells[-2] not in ("", None)
    )
    return [
        {
            "row": row.number,
            "name": row.values.get(bidders.name_column, ""),
            "matched_uscc": cells[-4],
            "matched_name": cells[-3],
            "confidence": confidence,
            "reason": cells[-1],
        }
        for confidence, _, row, cells in heapq.nlargest(
            STRONGEST_REVIEWS, reviews, key=lambda r: r[:2]
        )
    ]


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
        for decision, cells in screen(
            session, built, bidders, purpose, scope, on, translate, usable_cpus()
        ):
            rows.append(cells)
            progress.count(decision.value)
            progress.advance()
            if on_row is not None:
                on_row()
        path = result_path(settings, progress.job)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".tmp")
        if fmt == "xlsx":
            # A number, so that the spreadsheet sorts and filters the confidence as one.
            confidence = len(header) - 2
            for cells in rows:
                cells[confidence] = float(cells[confidence]) if cells[confidence] else None
        temporary.write_bytes(export_bytes(fmt, header, rows, title="screening", filters=True))
        temporary.replace(path)
        return {
            "file": path.name,
            "listed_entities": len(built.index),
            "strongest_reviews": strongest_reviews(bidders, rows),
        }

    return job, work


def caller_of(token_id: int | None, user_id: int | None) -> str:
    return f"token:{token_id}" if token_id is not None else f"user:{user_id}"
