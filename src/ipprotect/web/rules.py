"""The public rules pages and API: the legal rules in force on a date (and in a region), each
with its value, source and certainty, one rule's history, and the list as CSV or XLSX.
The law is public, so none of this needs a login."""

from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, JsonValue

from ipprotect.core import rules, rules_text
from ipprotect.core.auth import Principal
from ipprotect.core.deps import current_principal, get_settings
from ipprotect.core.errors import FieldError, invalid, not_found
from ipprotect.core.regions import is_region_code
from ipprotect.core.tabular import MEDIA_TYPES, Format, export_bytes
from ipprotect.settings import Settings
from ipprotect.web.i18n import N_, gettext
from ipprotect.web.templating import field_errors, render

router = APIRouter()

EXPORT_HEADER = (
    N_("Rule"),
    N_("Title"),
    N_("Value"),
    N_("In force from"),
    N_("In force until"),
    N_("Certainty"),
    N_("Region"),
    N_("Source"),
    N_("Note"),
)


class RuleOut(BaseModel):
    id: str
    area: str
    title_zh: str
    title_en: str
    kind: str
    value: JsonValue
    value_text: str
    effective_from: date
    effective_to: date | None
    source: str
    certainty: Literal["verified", "secondary", "uncertain"]
    region: str | None
    note_zh: str
    note_en: str


class RuleListOut(BaseModel):
    on: date
    region: str | None
    rules: list[RuleOut]


class RuleDetailOut(BaseModel):
    id: str
    on: date
    region: str | None
    in_force: RuleOut | None
    history: list[RuleOut]


def rule_out(rule: rules.Rule) -> RuleOut:
    return RuleOut(
        id=rule.id,
        area=rule.area,
        title_zh=rule.title_zh,
        title_en=rule.title_en,
        kind=rule.kind,
        value=rule.value_json(),
        value_text=rules_text.value_text(rule),
        effective_from=rule.effective_from,
        effective_to=rule.effective_to,
        source=rule.source,
        certainty=rule.certainty,
        region=rule.region,
        note_zh=rule.note_zh,
        note_en=rule.note_en,
    )


def load_rules(settings: Settings) -> None:
    """Called by the app factory: load and validate the rule files once, raising
    `RuleFileError` (naming each file and rule) so a broken file refuses to start."""
    rules.ruleset(settings.rules_dir)


def _ruleset(settings: Settings) -> rules.RuleSet:
    return rules.ruleset(settings.rules_dir)


def _parse(on: str, region: str, settings: Settings) -> tuple[date, str | None, list[FieldError]]:
    """The date (default: today in the platform's time zone) and region of a query."""
    errors = []
    day = datetime.now(ZoneInfo(settings.timezone)).date()
    if on.strip():
        try:
            day = date.fromisoformat(on.strip())
        except ValueError:
            errors.append(
                FieldError(
                    "on",
                    "invalid_date",
                    N_("Enter a date as YYYY-MM-DD, not {value}"),
                    {"value": on},
                )
            )
    code = region.strip() or None
    if code is not None and not is_region_code(code):
        errors.append(
            FieldError(
                "region",
                "invalid_region",
                N_("{value} is not a region code of the current GB/T 2260 table"),
                {"value": region},
            )
        )
    return day, code, errors


def _matches(rule: rules.Rule, area: str, text: str) -> bool:
    if area and rule.area != area:
        return False
    if not text:
        return True
    haystack = " ".join(
        (rule.id, rule.title_zh, rule.title_en, rule.source, rule.note_zh, rule.note_en)
    )
    return text.lower() in haystack.lower()


def select(
    ruleset: rules.RuleSet, on: date, region: str | None, area: str = "", text: str = ""
) -> list[rules.Rule]:
    return [r for r in ruleset.in_force(on, region) if _matches(r, area, text.strip())]


def _export(found: list[rules.Rule], fmt: Format, on: date) -> Response:
    rows = [
        (
            r.id,
            rules_text.title(r),
            rules_text.value_text(r),
            r.effective_from.isoformat(),
            r.effective_to.isoformat() if r.effective_to else "",
            rules_text.certainty(r),
            r.region or "",
            r.source,
            rules_text.note(r),
        )
        for r in found
    ]
    header = [gettext(h) for h in EXPORT_HEADER]
    return Response(
        export_bytes(fmt, header, rows, title="rules"),
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="rules-{on.isoformat()}.{fmt}"'},
    )


@router.get("/rules", response_class=HTMLResponse, include_in_schema=False)
def rules_page(
    request: Request,
    on: str = "",
    region: str = "",
    area: str = "",
    q: str = "",
    format: str = "",
    settings: Settings = Depends(get_settings),
    principal: Principal = Depends(current_principal),  # the header shows who is logged in
) -> Response:
    ruleset = _ruleset(settings)
    day, code, errors = _parse(on, region, settings)
    if format not in ("", "csv", "xlsx"):
        errors.append(FieldError("format", "invalid_format", N_("Choose csv or xlsx")))
    found = [] if errors else select(ruleset, day, code, area, q)
    if format and not errors:
        return _export(found, "xlsx" if format == "xlsx" else "csv", day)
    return render(
        request,
        "rules/list.html",
        status_code=422 if errors else 200,
        errors=field_errors(errors),
        rules=found,
        text=rules_text,
        day=day,
        filters={"on": on or day.isoformat(), "region": region, "area": area, "q": q},
        area_options=[("", gettext("All areas"))]
        + [(a, rules_text.area_name(a)) for a in ruleset.areas()],
        any_uncertain=any(r.certainty == "uncertain" for r in found),
    )


@router.get("/rules/{rule_id}", response_class=HTMLResponse, include_in_schema=False)
def rule_page(
    request: Request,
    rule_id: str,
    on: str = "",
    region: str = "",
    settings: Settings = Depends(get_settings),
    principal: Principal = Depends(current_principal),  # the header shows who is logged in
) -> Response:
    ruleset = _ruleset(settings)
    if rule_id not in ruleset.ids():
        raise not_found(f"rule {rule_id}")
    day, code, errors = _parse(on, region, settings)
    current = None
    if not errors:
        try:
            current = ruleset.get(rule_id, day, code)
        except rules.RuleNotFound:
            current = None
    return render(
        request,
        "rules/detail.html",
        status_code=422 if errors else 200,
        errors=field_errors(errors),
        rule_id=rule_id,
        current=current,
        history=ruleset.history(rule_id),
        text=rules_text,
        day=day,
        filters={"on": on or day.isoformat(), "region": region},
    )


@router.get("/api/v1/rules", response_model=RuleListOut, tags=["rules"])
def list_rules(
    on: str = "",
    region: str = "",
    area: str = "",
    q: str = "",
    settings: Settings = Depends(get_settings),
) -> RuleListOut:
    """The rules in force on a date (default: today in Asia/Shanghai), with region overrides."""
    day, code, errors = _parse(on, region, settings)
    if errors:
        raise invalid(errors)
    found = select(_ruleset(settings), day, code, area, q)
    return RuleListOut(on=day, region=code, rules=[rule_out(r) for r in found])


@router.get("/api/v1/rules/{rule_id}", response_model=RuleDetailOut, tags=["rules"])
def get_rule(
    rule_id: str,
    on: str = "",
    region: str = "",
    settings: Settings = Depends(get_settings),
) -> RuleDetailOut:
    """One rule: the version in force on the date (null if none) and every version."""
    ruleset = _ruleset(settings)
    if rule_id not in ruleset.ids():
        raise not_found(f"rule {rule_id}")
    day, code, errors = _parse(on, region, settings)
    if errors:
        raise invalid(errors)
    try:
        current: RuleOut | None = rule_out(ruleset.get(rule_id, day, code))
    except rules.RuleNotFound:
        current = None
    return RuleDetailOut(
        id=rule_id,
        on=day,
        region=code,
        in_force=current,
        history=[rule_out(r) for r in ruleset.history(rule_id)],
    )
