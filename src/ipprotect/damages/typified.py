"""Typified compensation tables (类型化赔偿标准) as data: per court, a base amount per unit for
each case type and the multipliers aggravating circumstances allow, used as guidance within the
statutory range (reference/LEGAL.md "Damages": the Beijing High Court's 2020 guidance is the model).

The tables live in `damages/data/typified.toml` (the file documents its shape). Loading checks
every entry and refuses the whole file on any error, naming the table and the entry, as the rule
loader does: a wrong table must not silently shape an estimate.
"""

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from ipprotect.core.regions import is_region_code
from ipprotect.core.rules import CERTAINTIES
from ipprotect.damages.laws import LAWS

DATA_FILE = Path(__file__).resolve().parent / "data" / "typified.toml"
ID_RE = re.compile(r"^[a-z0-9_]+$")
AMOUNT_RE = re.compile(r"^\d+(\.\d{1,2})?$")

TABLE_KEYS = {
    "id",
    "court_zh",
    "court_en",
    "region",
    "title_zh",
    "title_en",
    "effective_from",
    "effective_to",
    "source",
    "certainty",
    "illustrative",
    "note_zh",
    "note_en",
    "case_type",
    "circumstance",
}
TEXT_KEYS = ("court_zh", "court_en", "title_zh", "title_en", "source", "note_zh", "note_en")
CASE_KEYS = {"id", "law", "zh", "en", "unit_zh", "unit_en", "base"}
CIRCUMSTANCE_KEYS = {"id", "zh", "en", "multiplier"}


@dataclass(frozen=True)
class CaseType:
    id: str
    law: str
    zh: str
    en: str
    unit_zh: str
    unit_en: str
    base_min: Decimal  # yuan per unit
    base_max: Decimal


@dataclass(frozen=True)
class Circumstance:
    id: str
    zh: str
    en: str
    multiplier: Decimal


@dataclass(frozen=True)
class Table:
    id: str
    court_zh: str
    court_en: str
    region: str
    title_zh: str
    title_en: str
    effective_from: date
    effective_to: date | None
    source: str
    certainty: str
    illustrative: bool
    note_zh: str
    note_en: str
    case_types: tuple[CaseType, ...]
    circumstances: tuple[Circumstance, ...]

    def in_force(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on < self.effective_to)

    def case_type(self, case_id: str) -> CaseType | None:
        return next((c for c in self.case_types if c.id == case_id), None)

    def circumstance(self, circumstance_id: str) -> Circumstance | None:
        return next((c for c in self.circumstances if c.id == circumstance_id), None)


class TableFileError(ValueError):
    """The typified tables file is broken; `problems` names each table and entry."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid typified tables:\n" + "\n".join(f"  {p}" for p in problems))
        self.problems = problems


def _amount(raw: Any, where: str, problems: list[str]) -> Decimal | None:
    if not isinstance(raw, str) or not AMOUNT_RE.match(raw):
        problems.append(f'{where}: an amount must be a string of yuan such as "2000" ({raw!r})')
        return None
    return Decimal(raw)


def _texts(entry: dict[str, Any], keys: tuple[str, ...], where: str, problems: list[str]) -> bool:
    blank = [k for k in keys if not (isinstance(entry.get(k), str) and entry[k].strip())]
    if blank:
        problems.append(f"{where}: missing {', '.join(blank)}")
    return not blank


def _entry_id(entry: Any, where: str, problems: list[str]) -> str | None:
    if not isinstance(entry, dict):
        problems.append(f"{where}: must be a table")
        return None
    if not isinstance(entry.get("id"), str) or not ID_RE.match(entry["id"]):
        problems.append(f"{where}: id must be lower-case letters, digits and _")
        return None
    return str(entry["id"])


def _case_type(entry: Any, where: str, problems: list[str]) -> CaseType | None:
    case_id = _entry_id(entry, where, problems)
    if case_id is None:
        return None
    at = f"{where} ({case_id})"
    unknown = set(entry) - CASE_KEYS
    if unknown:
        problems.append(f"{at}: unknown keys {', '.join(sorted(unknown))}")
    if entry.get("law") not in LAWS:
        problems.append(f"{at}: law must be one of {', '.join(LAWS)}")
        return None
    if not _texts(entry, ("zh", "en", "unit_zh", "unit_en"), at, problems):
        return None
    base = entry.get("base")
    if not isinstance(base, dict) or set(base) != {"min", "max"}:
        problems.append(f"{at}: base needs exactly the keys min and max")
        return None
    low, high = (
        _amount(base["min"], f"{at} base min", problems),
        _amount(base["max"], f"{at} base max", problems),
    )
    if low is None or high is None:
        return None
    if low > high or high == 0:
        problems.append(f"{at}: base min {low} must be at most max {high}, and max above 0")
        return None
    return CaseType(
        case_id,
        entry["law"],
        entry["zh"],
        entry["en"],
        entry["unit_zh"],
        entry["unit_en"],
        low,
        high,
    )


def _circumstance(entry: Any, where: str, problems: list[str]) -> Circumstance | None:
    circumstance_id = _entry_id(entry, where, problems)
    if circumstance_id is None:
        return None
    at = f"{where} ({circumstance_id})"
    unknown = set(entry) - CIRCUMSTANCE_KEYS
    if unknown:
        problems.append(f"{at}: unknown keys {', '.join(sorted(unknown))}")
    if not _texts(entry, ("zh", "en"), at, problems):
        return None
    multiplier = _amount(entry.get("multiplier"), f"{at} multiplier", problems)
    if multiplier is None:
        return None
    if not Decimal(1) <= multiplier <= Decimal(10):
        problems.append(f"{at}: multiplier {multiplier} must be from 1 to 10")
        return None
    return Circumstance(circumstance_id, entry["zh"], entry["en"], multiplier)


def _entries(table: dict[str, Any], key: str, where: str, problems: list[str]) -> list[Any]:
    entries = table.get(key, [])
    if not isinstance(entries, list) or (key == "case_type" and not entries):
        problems.append(f"{where}: needs [[table.{key}]] entries")
        return []
    return entries


def _unique(ids: list[str], where: str, problems: list[str]) -> None:
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        problems.append(f"{where}: duplicate ids {', '.join(duplicates)}")


def _table(raw: Any, number: int, problems: list[str]) -> Table | None:
    table_id = _entry_id(raw, f"table #{number}", problems)
    if table_id is None:
        return None
    where = f"table {table_id}"
    before = len(problems)
    unknown = set(raw) - TABLE_KEYS
    if unknown:
        problems.append(f"{where}: unknown keys {', '.join(sorted(unknown))}")
    _texts(raw, TEXT_KEYS, where, problems)
    region = raw.get("region")
    if not (isinstance(region, str) and is_region_code(region)):
        problems.append(f"{where}: region {region!r} is not a GB/T 2260 code")
    start, end = raw.get("effective_from"), raw.get("effective_to")
    if type(start) is not date:
        problems.append(f"{where}: effective_from must be a date such as 2020-04-21")
    elif end is not None and (type(end) is not date or end <= start):
        problems.append(f"{where}: effective_to must be a date after effective_from")
    if raw.get("certainty") not in CERTAINTIES:
        problems.append(f"{where}: certainty must be one of {', '.join(CERTAINTIES)}")
    if not isinstance(raw.get("illustrative"), bool):
        problems.append(f"{where}: illustrative must be true or false")
    cases = [
        _case_type(e, f"{where} case_type {n}", problems)
        for n, e in enumerate(_entries(raw, "case_type", where, problems), 1)
    ]
    circumstances = [
        _circumstance(e, f"{where} circumstance {n}", problems)
        for n, e in enumerate(_entries(raw, "circumstance", where, problems), 1)
    ]
    _unique([c.id for c in cases if c], f"{where} case types", problems)
    _unique([c.id for c in circumstances if c], f"{where} circumstances", problems)
    if len(problems) > before:
        return None
    return Table(
        id=table_id,
        court_zh=raw["court_zh"].strip(),
        court_en=raw["court_en"].strip(),
        region=region,
        title_zh=raw["title_zh"].strip(),
        title_en=raw["title_en"].strip(),
        effective_from=start,
        effective_to=end,
        source=raw["source"].strip(),
        certainty=raw["certainty"],
        illustrative=raw["illustrative"],
        note_zh=raw["note_zh"].strip(),
        note_en=raw["note_en"].strip(),
        case_types=tuple(c for c in cases if c),
        circumstances=tuple(c for c in circumstances if c),
    )


def parse(text: str) -> dict[str, Table]:
    """The tables of a file's text, by id; raises TableFileError naming every problem."""
    problems: list[str] = []
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TableFileError([f"not a valid TOML file: {exc}"]) from exc
    if set(data) - {"table"}:
        problems.append(f"unknown top-level keys {', '.join(sorted(set(data) - {'table'}))}")
    raw_tables = data.get("table", [])
    if not isinstance(raw_tables, list):
        raise TableFileError(["tables must be [[table]] entries"])
    tables = [_table(raw, n, problems) for n, raw in enumerate(raw_tables, 1)]
    _unique([t.id for t in tables if t], "tables", problems)
    if problems:
        raise TableFileError(problems)
    return {t.id: t for t in tables if t}


@lru_cache
def tables() -> dict[str, Table]:
    """The shipped tables, read once per process."""
    return parse(DATA_FILE.read_text(encoding="utf-8"))
