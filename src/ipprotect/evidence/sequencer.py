"""Group commit: concurrent deposits share one transaction, so the log's one writer is not
asked for a disk sync per deposit.

Whoever submits becomes the leader if nobody is committing: it takes every deposit waiting
(itself included, at most `max_batch`), commits them in one transaction and wakes their
submitters; deposits that arrive meanwhile wait for the next leader. A lone deposit is committed
at once (no timer), and no thread of our own is needed. When a batch fails, its deposits are
retried one by one, so one bad deposit does not fail the others.
"""

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager

from sqlalchemy.orm import Session

from ipprotect.evidence import deposits
from ipprotect.evidence.models import Deposit


class _Ticket:
    def __init__(self, pending: deposits.Pending) -> None:
        self.pending = pending
        self.done = threading.Event()
        self.deposit: Deposit | None = None
        self.error: BaseException | None = None


class GroupCommit:
    def __init__(
        self, sessions: Callable[[], AbstractContextManager[Session]], max_batch: int = 1024
    ) -> None:
        self._sessions = sessions
        self._max_batch = max_batch
        self._waiting: list[_Ticket] = []
        self._queue_lock = threading.Lock()
        self._leader_lock = threading.Lock()

    def submit(self, pending: deposits.Pending) -> Deposit:
        """Sequence one deposit and return it once its transaction is committed (detached from
        any session, its attributes loaded). Raises what committing it raised."""
        ticket = _Ticket(pending)
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
        assert ticket.deposit is not None
        return ticket.deposit

    def _commit(self, batch: list[_Ticket]) -> None:
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

    def _commit_together(self, batch: list[_Ticket]) -> None:
        with self._sessions() as session:
            try:
                made = deposits.commit(session, [ticket.pending for ticket in batch])
                session.commit()
            except BaseException:
                session.rollback()
                raise
            for deposit in made:
                session.refresh(deposit)
                session.expunge(deposit)
        for ticket, deposit in zip(batch, made, strict=True):
            ticket.deposit = deposit
