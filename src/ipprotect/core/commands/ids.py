"""`ipprotect ids`: check and explain identifiers from the command line (English output).

Each command prints the normalised value and exits 0, or prints the reason and exits 1.
"""

import json
import sys

import typer

from ipprotect.core import ids

app = typer.Typer(
    help="Check credit codes, region codes, patent and ID numbers.", no_args_is_help=True
)


def _fail(exc: ids.InvalidIdentifier) -> typer.Exit:
    typer.echo(f"invalid ({exc.code}): {exc}", err=True)
    return typer.Exit(1)


@app.command()
def uscc(
    code: str = typer.Argument(..., help="A Unified Social Credit Code (统一社会信用代码)."),
    as_json: bool = typer.Option(False, "--json", help="Print the parsed parts as JSON."),
) -> None:
    """Check a Unified Social Credit Code (GB 32100) and print it normalised."""
    try:
        parsed = ids.parse_uscc(code)
    except ids.InvalidIdentifier as exc:
        raise _fail(exc) from None
    warnings = {w: ids.WARNINGS[w].format(region=parsed.region_code) for w in parsed.warnings}
    if as_json:
        parts = {
            "code": parsed.code,
            "authority": parsed.authority,
            "authority_name": ids.AUTHORITIES[parsed.authority],
            "category": parsed.category,
            "region_code": parsed.region_code,
            "region_name": ids.region_name(parsed.region_code, "zh_CN"),
            "org_code": parsed.org_code,
            "warnings": [{"code": w, "message": m} for w, m in warnings.items()],
        }
        typer.echo(json.dumps(parts, ensure_ascii=False, indent=2))
        return
    typer.echo(parsed.code)
    for w, message in warnings.items():
        typer.echo(f"warning ({w}): {message}")


@app.command()
def region(
    code: str = typer.Argument(..., help="A 6-digit GB/T 2260 region code."),
    children: bool = typer.Option(False, "--children", help="Also list the regions under it."),
) -> None:
    """Show a region code's names and its path (province › city › county)."""
    found = ids.region(code.strip())
    if found is None:
        typer.echo(f"unknown region code {code}", err=True)
        raise typer.Exit(1)
    typer.echo(f"{found.code} {found.name_zh} {found.name_en} (level {found.level})")
    path = ids.region_path(found.code)
    if path:
        typer.echo(" › ".join(r.name_zh for r in path))
        typer.echo(" › ".join(r.name_en for r in path))
    if children:
        for child in ids.regions_under(found.code):
            typer.echo(f"  {child.code} {child.name_zh} {child.name_en}")


@app.command()
def patent(number: str = typer.Argument(..., help="A CN patent application number.")) -> None:
    """Check a CN patent application number and print it normalised with its type and year."""
    try:
        parsed = ids.parse_patent_application(number)
    except ids.InvalidIdentifier as exc:
        raise _fail(exc) from None
    pct = ", entered China through the PCT" if parsed.pct else ""
    typer.echo(f"{parsed.number} {parsed.kind.replace('_', ' ')}, filed {parsed.year}{pct}")


@app.command("resident-id")
def resident_id(
    number: str = typer.Argument(..., help='A resident ID number, or "-" to read it from stdin.'),
) -> None:
    """Check a resident ID number (GB 11643); prints only the masked form, never the number."""
    raw = sys.stdin.readline() if number == "-" else number
    try:
        parsed = ids.parse_resident_id(raw)
    except ids.InvalidIdentifier as exc:
        raise _fail(exc) from None
    typer.echo(ids.mask_resident_id(parsed))
