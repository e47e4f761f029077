"""Dated legal rules: periods, thresholds, amounts and lists as data with their sources.

Each rule file (`src/ipprotect/rules/<area>.toml`, plus the operator's `rules_dir`) holds
`[[rule]]` entries. An entry has an id (`<area>.<name>`), bilingual titles, a `kind`, a `value`,
`effective_from` / optional `effective_to` (a half-open range [from, to)), the legal `source`, a
`certainty` tag (verified / secondary / uncertain, the [V]/[S]/[U] of reference/LEGAL.md) and an
optional `region` (a 6-digit GB/T 2260 code): a region override. Several versions of one id are
separate entries whose ranges do not overlap; the decision date picks the version
(`get(id, on=date, region=code)`), and the most specific region override in force wins over the
national rule. Operator files may only add region overrides.

Files are validated completely when loaded; any error refuses the whole set, naming the file and
the rule, so a broken rule file stops the platform at start-up instead of misleading a decision.

Value kinds:
  period         {amount = 7, unit = "working_days" | "days" | "months" | "years"}
  money          "50000" (yuan, a string: never a float) -> Decimal
  money_range    {min = "30000", max = "5000000"} -> (Decimal, Decimal)
  integer        3
  integer_range  {min = 1, max = 5} -> (int, int)
  percent        50
  boolean        true
  list           [{id = "...", zh = "...", en = "...", step = 1}, ...] (step optional: items
                 with the same step are alternatives, a higher step applies only when the lower
                 ones cannot be determined)
"""

import itertools
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from ipprotect.core.regions import NATIONAL, is_region_code
from ipprotect.core.scope import prefix_of
from ipprotect.settings import get_settings

PACKAGE_DIR = Path(__file__).resolve().parent.parent / "rules"

CERTAINTIES = ("verified", "secondary", "uncertain")
UNITS = ("working_days", "days", "months", "years")
KINDS = (
    "period",
    "money",
    "money_range",
    "integer",
    "integer_range",
    "percent",
    "boolean",
    "list",
)
REQUIRED = ("id", "title_zh", "title_en", "kind", "value", "effective_from", "source", "certainty")
OPTIONAL = ("effective_to", "region", "note_zh", "note_en")
ITEM_KEYS = ("id", "zh", "en", "step")

ID_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
ITEM_ID_RE = re.compile(r"^[a-z0-9_]+$")
MONEY_RE = re.compile(r"^\d+(\.\d{1,2})?$")  # yuan with at most fen precision


@dataclass(frozen=True)
class Item:
    """One entry of a list rule, e.g. one dishonest behaviour of CNIPA's art. 6 list."""

    id: str
    zh: str
    en: str
    step: int | None = None


Value = (
    dict[str, Any] | Decimal | tuple[Decimal, Decimal] | int | tuple[int, int] | tuple[Item, ...]
)


@dataclass(frozen=True)
class Rule:
    id: str
    title_zh: str
    title_en: str
    kind: str
    value: Value
    effective_from: date
    effective_to: date | None
    source: str
    certainty: str
    region: str | None
    note_zh: str
    note_en: str
    file: str

    @property
    def area(self) -> str:
        return self.id.split(".", 1)[0]

    def in_force(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on < self.effective_to)

    def applies_to(self, region: str | None) -> bool:
        """National rules apply everywhere; an override applies inside its region."""
        if self.region is None:
            return True
        return region is not None and region.startswith(prefix_of(self.region))

    def value_json(self) -> Any:
        """The value as plain JSON: money as strings so no float ever carries an amount."""
        value: Any = self.value
        if self.kind == "money":
            return str(value)
        if self.kind == "money_range":
            return {"min": str(value[0]), "max": str(value[1])}
        if self.kind == "integer_range":
            return {"min": value[0], "max": value[1]}
        if self.kind == "list":
            return [{"id": i.id, "zh": i.zh, "en": i.en, "step": i.step} for i in value]
        if self.kind == "period":
            return dict(value)
        return value


class RuleFileError(ValueError):
    """One or more rule files are broken; `problems` names each file and rule."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid rule files:\n" + "\n".join(f"  {p}" for p in problems))
        self.problems = problems


class RuleNotFound(LookupError):  # noqa: N818 - the name the other domains call
    """No version of the rule is in force on that date (or the id is unknown)."""


class RuleKindError(TypeError):
    """A typed accessor asked for a rule of another kind (a programming error)."""


# --- loading and validation -------------------------------------------------------------------


def _check_money(text: Any, where: str, problems: list[str]) -> Decimal | None:
    if isinstance(text, float):
        problems.append(f"{where}: money must be a string of yuan, not a float ({text!r})")
        return None
    if not isinstance(text, str) or not MONEY_RE.match(text):
        problems.append(f'{where}: money must be a string of yuan such as "50000" ({text!r})')
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - MONEY_RE admits only valid decimals
        problems.append(f"{where}: not a decimal amount ({text!r})")
        return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_range(raw: Any, where: str, problems: list[str], money: bool) -> Value | None:
    if not isinstance(raw, dict) or set(raw) != {"min", "max"}:
        problems.append(f"{where}: a range needs exactly the keys min and max")
        return None
    if money:
        low, high = (_check_money(raw[k], f"{where} {k}", problems) for k in ("min", "max"))
    else:
        low, high = raw["min"], raw["max"]
        if not (_is_int(low) and _is_int(high)):
            problems.append(f"{where}: an integer range needs integer min and max")
            return None
    if low is None or high is None:
        return None
    if low > high:
        problems.append(f"{where}: min {low} is above max {high}")
        return None
    return (low, high)


def _check_items(raw: Any, where: str, problems: list[str]) -> tuple[Item, ...] | None:
    if not isinstance(raw, list) or not raw:
        problems.append(f"{where}: a list needs at least one item")
        return None
    items: list[Item] = []
    for n, entry in enumerate(raw, start=1):
        at = f"{where} item {n}"
        if not isinstance(entry, dict):
            problems.append(f"{at}: must be a table with id, zh and en")
            continue
        unknown = set(entry) - set(ITEM_KEYS)
        if unknown:
            problems.append(f"{at}: unknown keys {', '.join(sorted(unknown))}")
        if not isinstance(entry.get("id"), str) or not ITEM_ID_RE.match(entry["id"]):
            problems.append(f"{at}: id must be lower-case letters, digits and _")
            continue
        if not all(isinstance(entry.get(k), str) and entry[k].strip() for k in ("zh", "en")):
            problems.append(f"{at} ({entry['id']}): zh and en names are required")
            continue
        step = entry.get("step")
        if step is not None and not (_is_int(step) and step > 0):
            problems.append(f"{at} ({entry['id']}): step must be a positive integer")
            continue
        items.append(Item(entry["id"], entry["zh"], entry["en"], step))
    ids = [i.id for i in items]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        problems.append(f"{where}: duplicate item ids {', '.join(duplicates)}")
    return tuple(items)


def _check_value(kind: str, raw: Any, where: str, problems: list[str]) -> Value | None:
    if isinstance(raw, float):
        problems.append(f"{where}: floats are not allowed in rule values ({raw!r})")
        return None
    if kind == "period":
        if not isinstance(raw, dict) or set(raw) != {"amount", "unit"}:
            problems.append(f"{where}: a period needs exactly the keys amount and unit")
            return None
        if not (_is_int(raw["amount"]) and raw["amount"] > 0):
            problems.append(f"{where}: period amount must be a positive integer")
            return None
        if raw["unit"] not in UNITS:
            problems.append(
                f"{where}: unknown unit {raw['unit']!r} (use one of {', '.join(UNITS)})"
            )
            return None
        return {"amount": raw["amount"], "unit": raw["unit"]}
    if kind == "money":
        return _check_money(raw, where, problems)
    if kind in ("money_range", "integer_range"):
        return _check_range(raw, where, problems, money=kind == "money_range")
    if kind == "integer":
        if not _is_int(raw):
            problems.append(f"{where}: an integer rule needs an integer value")
            return None
        return int(raw)
    if kind == "percent":
        if not (_is_int(raw) and 0 <= raw <= 100):
            problems.append(f"{where}: a percent must be an integer from 0 to 100")
            return None
        return int(raw)
    if kind == "boolean":
        if not isinstance(raw, bool):
            problems.append(f"{where}: a boolean rule needs true or false")
            return None
        return raw
    return _check_items(raw, where, problems)


def _text(entry: dict[str, Any], key: str, where: str, problems: list[str]) -> str:
    value = entry.get(key, "")
    if not isinstance(value, str):
        problems.append(f"{where}: {key} must be text")
        return ""
    return value.strip()


def _parse_entry(
    entry: Any, path: Path, number: int, overrides_only: bool, problems: list[str]
) -> Rule | None:
    if not isinstance(entry, dict):
        problems.append(f"{path.name}: rule {number} is not a table")
        return None
    rule_id = str(entry.get("id", ""))
    where = f"{path.name}: rule {rule_id or f'#{number}'}"
    before = len(problems)
    unknown = set(entry) - set(REQUIRED) - set(OPTIONAL)
    if unknown:
        problems.append(f"{where}: unknown keys {', '.join(sorted(unknown))}")
    missing = [k for k in REQUIRED if k not in entry or entry[k] in ("", None)]
    if missing:
        problems.append(f"{where}: missing {', '.join(missing)}")
        return None
    if not ID_RE.match(rule_id):
        problems.append(f"{where}: id must be dotted lower-case words, e.g. complaints.acceptance")
    kind = entry["kind"]
    if kind not in KINDS:
        problems.append(f"{where}: unknown kind {kind!r} (use one of {', '.join(KINDS)})")
    certainty = entry["certainty"]
    if certainty not in CERTAINTIES:
        problems.append(
            f"{where}: unknown certainty {certainty!r} (use one of {', '.join(CERTAINTIES)})"
        )
    start, end = entry["effective_from"], entry.get("effective_to")
    # TOML gives datetime for a date with a time; only plain dates are legal days.
    if type(start) is not date:
        problems.append(f"{where}: effective_from must be a date such as 2022-03-15")
    if end is not None and type(end) is not date:
        problems.append(f"{where}: effective_to must be a date such as 2026-04-01")
    elif end is not None and type(start) is date and end <= start:
        problems.append(f"{where}: effective_to {end} is not after effective_from {start}")
    region = entry.get("region")
    if region is not None and not (
        isinstance(region, str) and region != NATIONAL and is_region_code(region)
    ):
        problems.append(f"{where}: region {region!r} is not a GB/T 2260 code below the nation")
    if overrides_only and region is None:
        problems.append(f"{where}: operator rule files may only add region overrides (set region)")
    texts = {k: _text(entry, k, where, problems) for k in ("title_zh", "title_en", "source")}
    notes = {k: _text(entry, k, where, problems) for k in ("note_zh", "note_en")}
    if not texts["source"]:
        problems.append(f"{where}: missing source")
    value = _check_value(kind, entry["value"], where, problems) if kind in KINDS else None
    if len(problems) > before or value is None:
        return None
    return Rule(
        id=rule_id,
        title_zh=texts["title_zh"],
        title_en=texts["title_en"],
        kind=kind,
        value=value,
        effective_from=start,
        effective_to=end,
        source=texts["source"],
        certainty=certainty,
        region=region,
        note_zh=notes["note_zh"],
        note_en=notes["note_en"],
        file=path.name,
    )


def _parse_file(path: Path, overrides_only: bool, problems: list[str]) -> list[Rule]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        problems.append(f"{path.name}: not a valid TOML file: {exc}")
        return []
    unknown = set(data) - {"rule"}
    if unknown:
        problems.append(f"{path.name}: unknown top-level keys {', '.join(sorted(unknown))}")
    entries = data.get("rule", [])
    if not isinstance(entries, list):
        problems.append(f"{path.name}: rules must be [[rule]] tables")
        return []
    parsed = (_parse_entry(e, path, n, overrides_only, problems) for n, e in enumerate(entries, 1))
    return [r for r in parsed if r is not None]


def _check_versions(rules: list[Rule], problems: list[str]) -> None:
    """Across all files: one kind per id, no overlapping versions, overrides of known ids."""
    by_id: dict[str, list[Rule]] = {}
    for rule in rules:
        by_id.setdefault(rule.id, []).append(rule)
    for rule_id, versions in sorted(by_id.items()):
        kinds = sorted({v.kind for v in versions})
        if len(kinds) > 1:
            problems.append(f"rule {rule_id}: versions disagree on kind ({', '.join(kinds)})")
        if all(v.region is not None for v in versions):
            files = ", ".join(sorted({v.file for v in versions}))
            problems.append(f"{files}: rule {rule_id}: region override of an unknown national rule")
        by_region: dict[str | None, list[Rule]] = {}
        for version in versions:
            by_region.setdefault(version.region, []).append(version)
        for region, same in by_region.items():
            same.sort(key=lambda v: v.effective_from)
            for earlier, later in itertools.pairwise(same):
                if earlier.effective_to is None or earlier.effective_to > later.effective_from:
                    scope = f" for region {region}" if region else ""
                    problems.append(
                        f"{later.file}: rule {rule_id}: version from {later.effective_from} "
                        f"overlaps the version from {earlier.effective_from} "
                        f"({earlier.file}){scope}"
                    )


def _rule_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.toml"))


class RuleSet:
    """Every version of every rule, with the lookups the rest of the platform uses."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self._by_id: dict[str, list[Rule]] = {}
        for rule in rules:
            self._by_id.setdefault(rule.id, []).append(rule)
        for versions in self._by_id.values():
            versions.sort(key=lambda r: (r.region or "", r.effective_from))

    def ids(self) -> list[str]:
        return sorted(self._by_id)

    def areas(self) -> list[str]:
        return sorted({rule_id.split(".", 1)[0] for rule_id in self._by_id})

    def history(self, rule_id: str) -> list[Rule]:
        """Every version of a rule: national first, then each region, oldest first."""
        if rule_id not in self._by_id:
            raise RuleNotFound(f"unknown rule {rule_id}")
        return list(self._by_id[rule_id])

    def get(self, rule_id: str, on: date, region: str | None = None) -> Rule:
        """The version in force on `on`; the most specific override covering `region` wins."""
        candidates = [r for r in self.history(rule_id) if r.in_force(on) and r.applies_to(region)]
        if not candidates:
            where = f" in region {region}" if region else ""
            raise RuleNotFound(f"no version of rule {rule_id} is in force on {on}{where}")
        return max(candidates, key=lambda r: len(prefix_of(r.region)) if r.region else -1)

    def in_force(self, on: date, region: str | None = None) -> list[Rule]:
        found = []
        for rule_id in self.ids():
            try:
                found.append(self.get(rule_id, on, region))
            except RuleNotFound:
                continue
        return found


def load(package_dir: Path = PACKAGE_DIR, extra_dir: Path | None = None) -> RuleSet:
    """Read and validate the shipped rule files and the operator's; raise RuleFileError."""
    problems: list[str] = []
    rules = [r for path in _rule_files(package_dir) for r in _parse_file(path, False, problems)]
    if extra_dir is not None:
        if not extra_dir.is_dir():
            problems.append(f"{extra_dir}: the operator rules_dir is not a folder")
        else:
            for path in _rule_files(extra_dir):
                rules += _parse_file(path, True, problems)
    _check_versions(rules, problems)
    if problems:
        raise RuleFileError(problems)
    return RuleSet(rules)


@lru_cache
def ruleset(extra_dir: Path | None = None) -> RuleSet:
    """The rules loaded once per process (and per operator folder)."""
    return load(PACKAGE_DIR, extra_dir)


def configured() -> RuleSet:
    return ruleset(get_settings().rules_dir)


# --- the API other domains call ---------------------------------------------------------------


def get(rule_id: str, on: date, region: str | None = None) -> Rule:
    return configured().get(rule_id, on, region)


def in_force(on: date, region: str | None = None) -> list[Rule]:
    return configured().in_force(on, region)


def history(rule_id: str) -> list[Rule]:
    return configured().history(rule_id)


def _typed(rule_id: str, on: date, region: str | None, kind: str) -> Rule:
    rule = get(rule_id, on, region)
    if rule.kind != kind:
        raise RuleKindError(f"rule {rule_id} is a {rule.kind}, not a {kind}")
    return rule


def period(rule_id: str, on: date, region: str | None = None) -> dict[str, Any]:
    """A period as `{"amount": n, "unit": u}`, the shape `calendar.Period.from_dict` reads
    (it counts working days, days, months and years)."""
    value: Any = _typed(rule_id, on, region, "period").value
    return dict(value)


def amount(rule_id: str, on: date, region: str | None = None) -> Decimal:
    value: Any = _typed(rule_id, on, region, "money").value
    return Decimal(value)


def money_range(rule_id: str, on: date, region: str | None = None) -> tuple[Decimal, Decimal]:
    value: Any = _typed(rule_id, on, region, "money_range").value
    return value[0], value[1]


def int_range(rule_id: str, on: date, region: str | None = None) -> tuple[int, int]:
    value: Any = _typed(rule_id, on, region, "integer_range").value
    return value[0], value[1]


def integer(rule_id: str, on: date, region: str | None = None) -> int:
    value: Any = _typed(rule_id, on, region, "integer").value
    return int(value)


def percent(rule_id: str, on: date, region: str | None = None) -> int:
    value: Any = _typed(rule_id, on, region, "percent").value
    return int(value)


def flag(rule_id: str, on: date, region: str | None = None) -> bool:
    return bool(_typed(rule_id, on, region, "boolean").value)


def items(rule_id: str, on: date, region: str | None = None) -> tuple[Item, ...]:
    value: Any = _typed(rule_id, on, region, "list").value
    return tuple(value)
