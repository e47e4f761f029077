"""Offset pagination for lists (pages and API alike)."""

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")

MAX_PAGE_SIZE = 500


@dataclass
class Page(Generic[T]):
    items: list[T]
    total: int
    number: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


def paginate(session: Session, stmt: Select[Any], number: int, size: int) -> Page[Any]:
    size = min(max(size, 1), MAX_PAGE_SIZE)
    number = max(number, 1)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    offset = (number - 1) * size
    # A page past the end (and every search that found nothing) needs no second query: on an
    # unindexed search that query would scan the table again for nothing.
    items = list(session.scalars(stmt.limit(size).offset(offset))) if total > offset else []
    return Page(items, total, number, size)
