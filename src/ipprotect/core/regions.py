"""Administrative division codes (GB/T 2260, 行政区划代码): lookup, names and hierarchy.

The table is `core/data/regions.csv` (see `core/data/README.md` for its source and how to
regenerate it), loaded once on first use. "000000" stands for the whole country (level 0);
provinces are level 1, prefecture-level cities level 2, counties and districts level 3.
"""

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).parent / "data" / "regions.csv"
NATIONAL = "000000"

# Level-2 rows that only group the counties of a municipality or province (市辖区, 县,
# 省直辖县级行政区划...): they are named after their parent when shown, and left out of paths.
_GROUPING_NAMES = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})


@dataclass(frozen=True)
class Region:
    code: str
    name_zh: str
    name_en: str
    parent_code: str | None
    level: int  # 0 nation, 1 province, 2 city, 3 county

    @property
    def grouping(self) -> bool:
        return self.name_zh in _GROUPING_NAMES


@dataclass(frozen=True)
class _Table:
    by_code: dict[str, Region]
    children: dict[str, list[Region]]


@lru_cache(maxsize=1)
def _table() -> _Table:
    by_code: dict[str, Region] = {}
    children: dict[str, list[Region]] = {}
    with DATA.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            r = Region(
                row["code"],
                row["name_zh"],
                row["name_en"],
                row["parent_code"] or None,
                int(row["level"]),
            )
            by_code[r.code] = r
            if r.parent_code is not None:
                children.setdefault(r.parent_code, []).append(r)
    return _Table(by_code, children)


def region(code: str) -> Region | None:
    return _table().by_code.get(code)


def is_region_code(code: str) -> bool:
    """A code in the current table, "000000" included (one dict look-up: used per imported row)."""
    return code in _table().by_code


def regions_under(code: str) -> list[Region]:
    """The direct children of a region, in code order (for pickers)."""
    return list(_table().children.get(code, []))


@lru_cache(maxsize=1)
def province_prefixes() -> frozenset[str]:
    """The first two digits of every provincial-level code."""
    return frozenset(r.code[:2] for r in _table().children.get(NATIONAL, []))


def region_name(code: str, locale: str) -> str:
    """The name to show: Chinese for any zh locale, English otherwise; an unknown code shows as
    itself, so a record with a since-abolished code still displays something true."""
    r = region(code)
    if r is None:
        return code
    chinese = locale.lower().startswith("zh")
    if r.grouping and r.parent_code is not None:
        parent = region_name(r.parent_code, locale)
        return parent + r.name_zh if chinese else f"{r.name_en} of {parent}"
    return r.name_zh if chinese else r.name_en


def region_path(code: str) -> list[Region]:
    """Province › city › county down to `code`, without the nation and grouping rows."""
    path: list[Region] = []
    r = region(code)
    while r is not None and r.level > 0:
        if not r.grouping or r.code == code:
            path.insert(0, r)
        r = region(r.parent_code) if r.parent_code else None
    return path
