"""Group commit: concurrent writers share one transaction, so the database is not asked for a
disk sync per record (SQLite has one writer and syncs every commit: `synchronous=FULL`).

Whoever submits becomes the leader if nobody is committing: it takes every item waiting
(itself included, at most `max_batch`), writes them in one transaction with `write`, commits,
and wakes their submitters; items that arrive meanwhile wait for the next leader. A lone item is
committed at once (no timer), and no thread of our own is needed. When a batch fails, its items
are retried one by one, so one bad item does not fail the others. `submit` returns only after
its item's transaction is committed: what it returns is durable.

Used by the evidence log's deposits (evidence/sequencer.py) and the restriction checks' records
(credit/check_api.py).
"""

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Generic, TypeVar

from sqlalchemy.orm import Session

Item = TypeVar("Item")
Result = TypeVar("Result")


class _Ticket(Generic[Item, Result]):
    def __init__(self, item: Item) -> None:
        self.item = item
        self.done = threading.Event()
        self.result: Result | None = None
        self.error: BaseException | None = None


class GroupCommit(Generic[Item, Result]):
    """`write(session, items)` adds the items to the session and returns one result per item,
    in order; `committed(session, results)`, if given, runs after the commit (e.g. to detach
    the rows from the session)."""

    def __init__(
        self,
        sessions: Callable[[], AbstractContextManager[Session]],
        write: Callable[[Session, list[Item]], list[Result]],
        committed: Callable[[Session, list[Result]], None] | None = None,
        max_batch: int = 1024,
    ) -> None:
        self._sessions = sessions
        self._write = write
        self._committed = committed
        self._max_batch = max_batch
        self._waiting: list[_Ticket[Item, Result]] = []
        self._queue_lock = threading.Lock()
        self._leader_lock = threading.Lock()

    def submit(self, item: Item) -> Result:
        """Write one item and return its result once its transaction is committed. Raises what
        writing or committing it raised."""
        ticket: _Ticket[Item, Result] = _Ticket(item)
        with self._queue_lock:
            self._waiting.append(ticket)
        while not ticket.done.is_set():
            with self._leader_lock:
                if ticket.done.is_set():
                    break
                with self._queue_lock:
                    batch = self._waiting[: self._max_batch]
                    del self._waiting[: self._max_batch]
                self._commit(batch)
        if ticket.error is not None:
            raise ticket.error
        assert ticket.result is not None
        return ticket.result

    def _commit(self, batch: list[_Ticket[Item, Result]]) -> None:
        try:
            self._commit_together(batch)
        except Exception as exc:  # retried one by one below, each with its own error
            if len(batch) == 1:
                batch[0].error = exc
            else:
                for ticket in batch:
                    try:
                        self._commit_together([ticket])
                    except Exception as exc:  # handed to its submitter
                        ticket.error = exc
        finally:
            for ticket in batch:
                ticket.done.set()

    def _commit_together(self, batch: list[_Ticket[Item, Result]]) -> None:
        with self._sessions() as session:
            try:
                results = self._write(session, [ticket.item for ticket in batch])
                session.commit()
            except BaseException:
                session.rollback()
                raise
            if self._committed is not None:
                self._committed(session, results)
        for ticket, result in zip(batch, results, strict=True):
            ticket.result = result
