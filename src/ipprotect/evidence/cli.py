"""`ipprotect evidence`: publish the transparency log's checkpoint and show its verifier key.

`publish` is safe to run from cron every minute: it signs only when the log grew, and the log
state is locked while it works, so overlapping runs sign at most once.
"""

import typer
from rich.console import Console

from ipprotect.db import make_engine, make_sessionmaker
from ipprotect.evidence import keys, log
from ipprotect.evidence.note import Ed25519Signer
from ipprotect.settings import Settings, get_settings
from ipprotect.web.i18n import gettext, set_locale

app = typer.Typer(help="The evidence log: checkpoints and keys.", no_args_is_help=True)
console = Console(highlight=False)


def _signer(settings: Settings) -> Ed25519Signer:
    try:
        return keys.log_signer(settings)
    except keys.LogKeyError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc


@app.command()
def publish() -> None:
    """Sign a checkpoint of the log if it grew and print it. Exits 1, signing nothing, when the
    stored log does not reproduce its root or does not extend the last signed checkpoint."""
    settings = get_settings()
    set_locale(settings.default_locale)
    signer = _signer(settings)
    engine = make_engine(settings)
    try:
        with make_sessionmaker(engine)() as session:
            try:
                signed = log.publish(session, signer, settings.log_origin)
            except log.LogIntegrityError as exc:
                session.rollback()
                reason = gettext(exc.message).format(**exc.params)
                console.print(f"[red]{gettext('Refused to sign a checkpoint')}[/red]: {reason}")
                raise typer.Exit(1) from exc
            if signed is None:
                console.print(gettext("Nothing to publish"))
                return
            session.commit()
            typer.echo(signed.note, nl=False)
    finally:
        engine.dispose()


@app.command()
def vkey() -> None:
    """Print the log's verifier key (made on first use), for those who check its checkpoints."""
    typer.echo(_signer(get_settings()).verifier().to_text())
