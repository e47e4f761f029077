"""`ipprotect evidence verify`: check a receipt offline and print a readable report (zh/en).

It reads only the files it is given: no database, no network, so anyone can run it on a
receipt with keys they trust and reach the same verdict as the platform's /verify page.
"""

import enum
from contextlib import ExitStack
from pathlib import Path

import typer
from rich.console import Console
from rich.text import Text

from ipprotect.evidence import note, verify
from ipprotect.evidence.cosignature import parse_witness_key
from ipprotect.evidence.note import NoteError
from ipprotect.settings import get_settings
from ipprotect.web.i18n import gettext, set_locale

console = Console(highlight=False, soft_wrap=True)  # hashes stay whole, for copying
MARKS = {
    verify.Status.PASSED: ("✓", "green"),
    verify.Status.FAILED: ("✗", "red"),
    verify.Status.SKIPPED: ("–", "dim"),
}


class Lang(enum.StrEnum):
    ZH_CN = "zh_CN"
    EN = "en"


def _set_lang(lang: Lang | None) -> Lang | None:
    """Eager, so that the messages of the other options' checks are in this language too."""
    set_locale(lang.value if lang else get_settings().default_locale)
    return lang


def key_text(value: str) -> str:
    """A KEY argument: the key itself, or the path of a file holding it."""
    path = Path(value)
    try:
        is_file = path.is_file()
    except OSError:  # e.g. a name too long for a path: it is the key itself
        is_file = False
    if not is_file:
        return value.strip()
    try:
        return path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise typer.BadParameter(f"{value}: {exc}") from exc


def _log_key(value: str) -> str:
    text = key_text(value)
    try:
        note.parse_verifier_key(text)
    except NoteError as exc:
        raise typer.BadParameter(gettext(exc.message)) from exc
    return text


def _witness_keys(values: list[str]) -> list[str]:
    texts = [key_text(value) for value in values]
    for text in texts:
        try:
            parse_witness_key(text)
        except NoteError as exc:
            raise typer.BadParameter(gettext(exc.message)) from exc
    return texts


def _read(path: Path | None, limit: int) -> bytes | None:
    """A small input (receipt, token, chain): at most `limit` bytes and one more, so the
    verifier can say it is too large without reading a huge file whole."""
    if path is None:
        return None
    with path.open("rb") as stream:
        return stream.read(limit + 1)


def verify_command(
    receipt: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="The receipt (.tlog-proof)."
    ),
    file: Path | None = typer.Argument(
        None, exists=True, dir_okay=False, help="The evidence file, compared with the entry."
    ),
    vkey: str = typer.Option(
        ..., callback=_log_key, help="The log's verifier key, or a file holding it."
    ),
    witness: list[str] = typer.Option(
        [],
        callback=_witness_keys,
        help="A witness's cosignature verifier key, or a file holding it; repeat per witness.",
    ),
    quorum: int | None = typer.Option(
        None, min=1, help="How many of the witnesses must have cosigned (default: all)."
    ),
    tsr: Path | None = typer.Option(
        None,
        exists=True,
        dir_okay=False,
        help="An RFC 3161 time-stamp response (.tsr) over the checkpoint's body.",
    ),
    tsa_chain: Path | None = typer.Option(
        None, exists=True, dir_okay=False, help="The TSA's certificate chain (PEM)."
    ),
    lang: Lang | None = typer.Option(
        None, is_eager=True, callback=_set_lang, help="Report language (default: the platform's)."
    ),
) -> None:
    """Verify a receipt offline: the log's signature, the entry's inclusion, and, when given,
    the file's hash, the witness quorum and the time-stamp token. Exits 0 when every check
    made passed, 1 when one failed, 2 on a usage error."""
    if quorum is not None and quorum > len(witness):
        raise typer.BadParameter(
            f"{quorum} > {len(witness)} --witness keys given", param_hint="--quorum"
        )
    if tsr is not None and tsa_chain is None:
        raise typer.BadParameter("--tsr needs --tsa-chain", param_hint="--tsa-chain")
    limit = verify.MAX_RECEIPT
    receipt_data = _read(receipt, limit) or b""
    with ExitStack() as stack:
        report = verify.verify_receipt_text(
            receipt_data,
            vkey=vkey,
            file=stack.enter_context(file.open("rb")) if file else None,
            witness_keys=witness,
            quorum=quorum,
            tsr=_read(tsr, limit),
            tsa_chain=_read(tsa_chain, limit),
        )
    print_report(report)
    if not report.ok:
        raise typer.Exit(1)


def print_report(report: verify.Report) -> None:
    """One line per check with ✓, ✗ or –, the facts, then the verdict."""
    for check in report.checks:
        mark, style = MARKS[check.status]
        line = Text(f"{mark} ", style=style)
        line.append(gettext(check.label), style="bold")
        line.append(f": {check.text(gettext)}")
        console.print(line)
    console.print()
    for label, value in verify.fact_rows(report.facts):
        console.print(Text(f"{gettext(label)}: ", style="bold") + Text(value))
    console.print()
    if report.ok:
        console.print(Text(gettext("The receipt is verified"), style="bold green"))
    else:
        console.print(Text(gettext("The receipt failed verification"), style="bold red"))
