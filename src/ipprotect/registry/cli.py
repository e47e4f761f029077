"""`ipprotect registry`: import market entities and IP rights, export and search market entities
from the command line.

The CLI acts as the platform itself (audit actor "system") with national scope: whoever can run
it already holds the database.
"""

import enum
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from rich.table import Table
from sqlalchemy.orm import Session, sessionmaker

from ipprotect.core import jobs, tabular
from ipprotect.core.errors import Problem
from ipprotect.core.jobs import JobStatus
from ipprotect.db import make_engine, make_sessionmaker
from ipprotect.registry import access, entity_import, imports, repository, right_import
from ipprotect.registry.models import EntityKind
from ipprotect.settings import get_settings
from ipprotect.web.i18n import gettext, set_locale

app = typer.Typer(help="Market entities and IP rights.", no_args_is_help=True)
console = Console()


def _sessionmaker() -> sessionmaker[Session]:
    settings = get_settings()
    set_locale(settings.default_locale)
    return make_sessionmaker(make_engine(settings))


def _refused(problem: Problem) -> typer.Exit:
    for error in problem.errors:
        console.print(f"[red]{error.field}[/red] ({error.code}): {error.text(gettext)}")
    if not problem.errors:
        console.print(f"[red]{problem.code}[/red]: {gettext(problem.title)} {problem.detail}")
    return typer.Exit(2)


class What(enum.StrEnum):
    ENTITIES = "entities"
    RIGHTS = "rights"


IMPORTERS: dict[What, imports.Importer[Any, Any]] = {
    What.ENTITIES: entity_import.IMPORTER,
    What.RIGHTS: right_import.IMPORTER,
}


@app.command("import")
def import_records(
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="CSV (UTF-8 or GB18030) or XLSX."
    ),
    what: What = typer.Option(
        What.ENTITIES,
        help="entities: market entities; rights: IP rights, owners named by credit code "
        "(owner_uscc) or id (owner_id).",
    ),
    region: str = typer.Option(
        "",
        help="Region code of rows that give none (rights: else the owner's); imports of one "
        "kind into one region run one at a time.",
    ),
    on_duplicate: imports.OnDuplicate = typer.Option(
        imports.OnDuplicate.SKIP,
        help="skip: keep the registered record and note the row; "
        "update: overwrite it with the row's non-empty cells.",
    ),
    errors: Path | None = typer.Option(
        None, "--errors", help="Write the refused and skipped rows to this CSV."
    ),
) -> None:
    """Import market entities or IP rights. Entities unless --what rights. Exits 0 when every
    row was imported or skipped, 1 when some rows were refused, 2 when the file or the job
    failed."""
    factory = _sessionmaker()
    columns = (
        *Progress.get_default_columns()[:1],
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    bar = Progress(*columns, console=console)
    task = bar.add_task(file.name, total=None)
    try:
        with factory() as session:
            job, work = imports.queue(
                session,
                IMPORTERS[what],
                access.PLATFORM,
                file.read_bytes(),
                file.name,
                max_rows=get_settings().max_import_rows,
                default_region=region,
                on_duplicate=on_duplicate,
                on_row=lambda done, total: bar.update(task, completed=done, total=total),
            )
    except Problem as problem:
        raise _refused(problem) from None
    with bar:
        job = jobs.run(factory, job.id, work)
    counts = ", ".join(f"{key} {value}" for key, value in sorted(job.counts.items()))
    console.print(f"job {job.id} {job.status.value}: {counts or 'no rows'}")
    rows = imports.issue_rows(job, gettext)
    if errors is not None:
        errors.write_bytes(tabular.export_bytes("csv", imports.ISSUE_COLUMNS, rows))
    else:
        for row in rows:
            console.print(f"row {row[0]} {row[1]} ({row[2]}): {row[3]}")
    if job.status is JobStatus.FAILED:
        console.print(job.log)
        raise typer.Exit(2)
    if job.counts.get("failed"):
        raise typer.Exit(1)


@app.command()
def export(
    out: Path = typer.Argument(..., dir_okay=False, help="OUT.csv or OUT.xlsx"),
    q: str = typer.Option("", "--q", help="Name (start of it) or credit code."),
    kind: EntityKind | None = typer.Option(None, help="Only this kind of entity."),
    region: str = typer.Option("", help="Only entities in this region (and below it)."),
) -> None:
    """Export market entities to CSV or XLSX (natural persons' addresses and phones masked)."""
    try:
        fmt = tabular.format_of(out.name)
    except tabular.TableError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    filters = repository.EntityFilters(q=q, kind=kind, region=region)
    with _sessionmaker()() as session, out.open("wb") as f:
        rows = repository.entity_rows(session, access.PLATFORM, filters)
        if fmt == "xlsx":
            tabular.write_xlsx(repository.ENTITY_COLUMNS, rows, f, title="entities")
        else:
            tabular.write_csv(repository.ENTITY_COLUMNS, rows, f)
    console.print(f"wrote {out}")


@app.command()
def search(
    text: str = typer.Argument(..., help="A name (simplified or traditional) or a credit code."),
    limit: int = typer.Option(20, help="At most this many results."),
) -> None:
    """Find market entities by name or credit code, as the search box does."""
    with _sessionmaker()() as session:
        found = repository.lookup(session, access.PLATFORM.scope, text, limit)
    if not found:
        console.print("no match")
        raise typer.Exit(1)
    table = Table("id", "name", "uscc", "kind", "region")
    for entity in found:
        table.add_row(
            str(entity.id), entity.name, entity.uscc or "", entity.kind.value, entity.region_code
        )
    console.print(table)
