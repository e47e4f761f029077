"""`ipprotect evidence deposit`: deposit a file (or only its hash) as an account, for operators
and scripts, then publish a checkpoint and write the deposit's receipt (c2sp.org/tlog-proof@v1).

The deposit is made with the account's role and region scope, exactly as through the API, and
committed before the checkpoint is signed; a refused signature leaves the deposit in the log,
its receipt to be fetched after the next publication.
"""

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from sqlalchemy import select

from ipprotect.core.auth import User, principal_for
from ipprotect.core.errors import Problem
from ipprotect.db import make_engine, make_sessionmaker, utcnow
from ipprotect.evidence import deposits, publication, receipts
from ipprotect.evidence.blobs import Blob, BlobStore, describe
from ipprotect.evidence.log import LogIntegrityError
from ipprotect.settings import Settings, get_settings
from ipprotect.web.i18n import gettext, set_locale

console = Console(stderr=True, highlight=False)  # stdout carries only the result, for scripts


def _read(settings: Settings, file: Path, hash_only: bool) -> Blob:
    """Store the file in the blob store, or with --hash-only only hash it, showing progress."""
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
    label = gettext("Hashing") if hash_only else gettext("Storing")
    size = file.stat().st_size
    with (
        progress,
        file.open("rb") as raw,
        progress.wrap_file(raw, total=size, description=label) as stream,
    ):
        if hash_only:
            return describe(stream, file.name)
        return BlobStore.of(settings).put(stream, file.name)


def _refused(problem: Problem) -> typer.Exit:
    for error in problem.errors:
        console.print(f"[red]{error.field}[/red] ({error.code}): {error.text(gettext)}")
    if not problem.errors:
        console.print(f"[red]{problem.code}[/red]: {gettext(problem.title)} {problem.detail}")
    return typer.Exit(2)


def deposit(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="The evidence file."),
    user: str = typer.Option(
        ..., "--user", help="The account that deposits: its role and region scope apply."
    ),
    out: Path = typer.Option(
        ..., "--out", dir_okay=False, help="Where to write the receipt (.tlog-proof)."
    ),
    title: str = typer.Option("", help="Default: the file's name."),
    description: str = typer.Option(""),
    source: str = typer.Option("", help="Where the evidence comes from, e.g. a page's URL."),
    capture_method: str = typer.Option("", help="How the evidence was captured."),
    custody_notes: str = typer.Option("", help="Who held it, and how, before the deposit."),
    region: str = typer.Option("", help="Region code (GB/T 2260); default: the account's."),
    case: str = typer.Option("", help="The number of the case it belongs to."),
    hash_only: bool = typer.Option(
        False, "--hash-only", help="Deposit only the file's hash; the file is not stored."
    ),
) -> None:
    """Deposit a file as an account, publish a checkpoint over it and write its receipt. Prints
    the deposit's number, log index and SHA-256. Exits 2 when the deposit is refused (nothing is
    deposited), 1 when it was deposited but no checkpoint could be signed."""
    settings = get_settings()
    set_locale(settings.default_locale)
    engine = make_engine(settings)
    sessions = make_sessionmaker(engine)
    try:
        with sessions() as session:
            account = session.scalar(select(User).where(User.username == user))
            if account is None or not account.active:
                console.print(f"[red]{gettext('No active account has this user name')}[/red]")
                raise typer.Exit(2)
            blob = _read(settings, file, hash_only)
            draft = deposits.DepositDraft(
                title=title or file.name,
                description=description,
                source=source,
                capture_method=capture_method,
                custody_notes=custody_notes,
                case_id=case,
                region_code=region,
                filename=file.name,
            )
            if hash_only:
                draft.sha256, draft.size, draft.media_type = (
                    blob.sha256,
                    str(blob.size),
                    blob.media_type,
                )
            try:
                pending = deposits.prepare(
                    session,
                    principal_for(account),
                    draft,
                    None if hash_only else blob,
                    utcnow(),
                )
            except Problem as problem:
                raise _refused(problem) from problem
            (made,) = deposits.commit(session, [pending])
            session.commit()
        try:
            publication.publish(settings, sessions)
        except LogIntegrityError as exc:
            reason = gettext(exc.message).format(**exc.params)
            console.print(f"[red]{gettext('Refused to sign a checkpoint')}[/red]: {reason}")
            raise typer.Exit(1) from exc
        with sessions() as session:
            receipt = receipts.receipt_for(session, made.log_index)
    finally:
        engine.dispose()
    if receipt is None:
        console.print(f"[red]{gettext('No signed checkpoint covers this deposit yet')}[/red]")
        raise typer.Exit(1)
    out.write_text(receipt, encoding="utf-8")
    typer.echo(f"deposit {made.id}\nindex {made.log_index}\nsha256 {made.sha256}")
    console.print(gettext("The receipt was written to %(path)s") % {"path": out})
