"""`ipprotect rules`: list the legal rules in force on a date, show one rule with its history,
and check the rule files (the shipped ones and the operator's rules_dir)."""

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table

from ipprotect.core import rules, rules_text
from ipprotect.core.regions import is_region_code
from ipprotect.settings import get_settings
from ipprotect.web.i18n import set_locale

app = typer.Typer(no_args_is_help=True, help="Legal rules: periods, thresholds, amounts, lists.")

ON_HELP = "Date the rules must be in force on (YYYY-MM-DD); default today in Asia/Shanghai."
REGION_HELP = "6-digit GB/T 2260 region code: its overrides win over national rules."


def _day(on: str | None) -> date:
    if not on:
        return datetime.now(ZoneInfo(get_settings().timezone)).date()
    try:
        return date.fromisoformat(on)
    except ValueError as exc:
        raise typer.BadParameter(f"{on!r} is not a date (YYYY-MM-DD)", param_hint="--on") from exc


def _region(region: str | None) -> str | None:
    if region is not None and not is_region_code(region):
        raise typer.BadParameter(
            f"{region!r} is not a GB/T 2260 region code", param_hint="--region"
        )
    return region


def _ruleset() -> rules.RuleSet:
    set_locale(get_settings().default_locale)
    try:
        return rules.ruleset(get_settings().rules_dir)
    except rules.RuleFileError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc


def _period(rule: rules.Rule) -> str:
    end = rule.effective_to.isoformat() if rule.effective_to else "…"
    return f"{rule.effective_from.isoformat()} – {end}"


def _table(found: list[rules.Rule], title: str) -> Table:
    table = Table(title=title, show_lines=False)
    for column in ("id", "value", "in force", "certainty", "region", "source"):
        table.add_column(column, overflow="fold")
    for rule in found:
        table.add_row(
            rule.id,
            rules_text.value_text(rule),
            _period(rule),
            rules_text.certainty(rule),
            rule.region or "",
            rule.source,
        )
    return table


def _json(rule: rules.Rule) -> dict[str, object]:
    return {
        "id": rule.id,
        "title_zh": rule.title_zh,
        "title_en": rule.title_en,
        "kind": rule.kind,
        "value": rule.value_json(),
        "effective_from": rule.effective_from.isoformat(),
        "effective_to": rule.effective_to.isoformat() if rule.effective_to else None,
        "source": rule.source,
        "certainty": rule.certainty,
        "region": rule.region,
        "note_zh": rule.note_zh,
        "note_en": rule.note_en,
    }


@app.command("list")
def list_rules(
    on: str = typer.Option(None, help=ON_HELP),
    region: str = typer.Option(None, help=REGION_HELP),
    area: str = typer.Option(None, help="Only this area, e.g. complaints or credit."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """List the rules in force on a date."""
    day, code, ruleset = _day(on), _region(region), _ruleset()
    found = [r for r in ruleset.in_force(day, code) if not area or r.area == area]
    if as_json:
        typer.echo(json.dumps([_json(r) for r in found], ensure_ascii=False, indent=2))
        return
    Console(width=200).print(_table(found, f"rules in force on {day.isoformat()}"))
    uncertain = sum(r.certainty == "uncertain" for r in found)
    if uncertain:
        typer.echo(f"{uncertain} rules are uncertain: verify them before relying on them.")


@app.command()
def show(
    rule_id: str = typer.Argument(..., help="The rule id, e.g. complaints.acceptance_decision."),
    on: str = typer.Option(None, help=ON_HELP),
    region: str = typer.Option(None, help=REGION_HELP),
) -> None:
    """Show the version of a rule in force on a date, and its full history."""
    day, code, ruleset = _day(on), _region(region), _ruleset()
    try:
        history = ruleset.history(rule_id)
    except rules.RuleNotFound as exc:
        typer.echo(f"unknown rule {rule_id}", err=True)
        raise typer.Exit(1) from exc
    console = Console(width=200)
    try:
        current = ruleset.get(rule_id, day, code)
        console.print(f"[bold]{rule_id}[/bold] {rules_text.title(current)}")
        console.print(f"in force on {day.isoformat()}: {rules_text.value_text(current)}")
        console.print(f"source: {current.source}")
        console.print(f"certainty: {current.certainty} ({rules_text.certainty_help(current)})")
        if rules_text.note(current):
            console.print(f"note: {rules_text.note(current)}")
    except rules.RuleNotFound:
        console.print(f"[bold]{rule_id}[/bold]: no version in force on {day.isoformat()}")
    console.print(_table(history, "history"))


@app.command()
def check() -> None:
    """Validate the rule files; exit 1 and list the errors if any is broken."""
    try:
        ruleset = rules.load(rules.PACKAGE_DIR, get_settings().rules_dir)
    except rules.RuleFileError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    versions = sum(len(ruleset.history(i)) for i in ruleset.ids())
    typer.echo(f"ok: {len(ruleset.ids())} rules, {versions} versions")
