"""Pagination: totals, page counts, and no wasted query past the end."""

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from ipprotect.core.audit import SYSTEM, AuditEvent, record
from ipprotect.core.pagination import paginate


def _events(db: Session, n: int) -> None:
    for i in range(n):
        record(db, SYSTEM, "test.paginate", "thing", i, region_code="330106")
    db.flush()


def test_pages_hold_the_right_rows_and_count_the_whole_list(db: Session) -> None:
    _events(db, 5)
    stmt = select(AuditEvent).where(AuditEvent.action == "test.paginate").order_by(AuditEvent.id)
    page = paginate(db, stmt, number=2, size=2)
    assert [int(e.object_id) for e in page.items] == [2, 3]
    assert (page.total, page.pages) == (5, 3)


def test_a_page_past_the_end_is_empty_without_running_the_page_query(db: Session) -> None:
    _events(db, 3)
    stmt = select(AuditEvent).where(AuditEvent.action == "test.paginate")
    statements: list[str] = []
    connection = db.connection()

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    event.listen(connection, "before_cursor_execute", count)
    try:
        page = paginate(db, stmt, number=9, size=2)
    finally:
        event.remove(connection, "before_cursor_execute", count)
    assert page.items == []
    assert page.total == 3
    assert len(statements) == 1  # the count, nothing else


def test_sizes_are_clamped(db: Session) -> None:
    _events(db, 1)
    stmt = select(AuditEvent).where(AuditEvent.action == "test.paginate")
    assert paginate(db, stmt, number=0, size=0).size == 1
    assert paginate(db, stmt, number=1, size=10**6).size == 500
