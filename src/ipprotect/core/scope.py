"""Region scopes. Every row that belongs to a place carries a 6-digit GB/T 2260 `region_code`;
a user's scope is a set of region prefixes. `apply` is the one helper that filters by scope.

A region code becomes a prefix by dropping trailing "00" pairs: 330000 (Zhejiang) → "33",
330100 (Hangzhou) → "3301", 330106 (Xihu District) → "330106". "000000" is the whole country.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVarTuple

from sqlalchemy import ColumnElement, Select, false, or_, true

Ts = TypeVarTuple("Ts")

NATIONAL = "000000"


def prefix_of(region_code: str) -> str:
    """The prefix a region code covers (see module docstring)."""
    if region_code == NATIONAL:
        return ""
    code = region_code
    while code.endswith("00") and len(code) > 2:
        code = code[:-2]
    return code


@dataclass(frozen=True)
class Scope:
    prefixes: frozenset[str]

    @classmethod
    def of(cls, region_codes: Iterable[str]) -> "Scope":
        return cls(frozenset(prefix_of(c) for c in region_codes))

    @property
    def national(self) -> bool:
        return "" in self.prefixes

    def covers(self, region_code: str | None) -> bool:
        if region_code is None:
            return self.national
        return any(region_code.startswith(p) for p in self.prefixes)

    def clause(self, column: Any) -> ColumnElement[bool]:
        if self.national:
            return true()
        if not self.prefixes:
            return false()
        return or_(*(column.startswith(p, autoescape=True) for p in sorted(self.prefixes)))


def apply(stmt: Select[*Ts], column: Any, scope: Scope) -> Select[*Ts]:
    """Restrict a query to the rows whose region column lies inside the scope."""
    return stmt.where(scope.clause(column))
