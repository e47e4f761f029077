"""`ipprotect evidence`: publish and check the transparency log, show its verifier key.

`publish` is safe to run from cron every minute: it signs only when the log grew, and the log
state is locked while it works, so overlapping runs sign at most once.
"""

import typer
from rich.console import Console

from ipprotect.db import make_engine, make_sessionmaker
from ipprotect.evidence import deposit_cli, integrity, keys, log, publication, witness
from ipprotect.evidence.note import Ed25519Signer
from ipprotect.evidence.verify_cli import verify_command
from ipprotect.settings import Settings, get_settings
from ipprotect.web.i18n import gettext, set_locale

app = typer.Typer(help="The evidence log: checkpoints and keys.", no_args_is_help=True)
console = Console(highlight=False)
app.command()(deposit_cli.deposit)


def _signer(settings: Settings) -> Ed25519Signer:
    try:
        return keys.log_signer(settings)
    except keys.LogKeyError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc


@app.command()
def publish() -> None:
    """Sign a checkpoint of the log if it grew, have it time-stamped and witnessed, and print
    it. Exits 1, signing nothing, when the stored log does not reproduce its root or does not
    extend the last signed checkpoint, or while an integrity alarm is open."""
    settings = get_settings()
    set_locale(settings.default_locale)
    _signer(settings)
    engine = make_engine(settings)
    try:
        try:
            signed = publication.publish(settings, make_sessionmaker(engine))
        except log.LogIntegrityError as exc:
            reason = gettext(exc.message).format(**exc.params)
            console.print(f"[red]{gettext('Refused to sign a checkpoint')}[/red]: {reason}")
            raise typer.Exit(1) from exc
        if signed is None:
            console.print(gettext("Nothing to publish"))
            return
        typer.echo(signed.note, nl=False)
    finally:
        engine.dispose()


@app.command()
def check() -> None:
    """Recompute the whole log from its stored entries and compare it with the last signed
    checkpoint. Exits 1 and raises an alarm (which stops publication) on any mismatch; clears
    the open alarms when everything holds."""
    settings = get_settings()
    set_locale(settings.default_locale)
    verifier = _signer(settings).verifier()
    engine = make_engine(settings)
    try:
        with make_sessionmaker(engine)() as session:
            failure = integrity.check(session, verifier)
            session.commit()
    finally:
        engine.dispose()
    if failure is not None:
        reason = gettext(failure.message).format(**failure.params)
        console.print(f"[red]{gettext('The log failed its integrity check')}[/red]: {reason}")
        raise typer.Exit(1)
    console.print(gettext("The log is intact"))


@app.command()
def vkey() -> None:
    """Print the log's verifier key (made on first use), for those who check its checkpoints."""
    typer.echo(_signer(get_settings()).verifier().to_text())


@app.command("witness-vkey")
def witness_vkey() -> None:
    """Print this instance's witness key (made on first use), for the logs it witnesses to
    check its cosignatures (c2sp.org/tlog-cosignature)."""
    try:
        verifier = witness.witness_verifier(get_settings())
    except witness.WitnessKeyError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    typer.echo(verifier.to_text())


app.command("verify")(verify_command)  # offline, in its own module: verify_cli.py
