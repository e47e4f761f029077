"""Group commit of deposits: concurrent deposits share one transaction, so the log's one writer
is not asked for a disk sync per deposit (`core.group_commit`: a leader commits every deposit
waiting, no timer, a failed batch retried one by one)."""

from collections.abc import Callable
from contextlib import AbstractContextManager

from sqlalchemy.orm import Session

from ipprotect.core import group_commit
from ipprotect.evidence import deposits
from ipprotect.evidence.models import Deposit


def _detach(session: Session, made: list[Deposit]) -> None:
    """The deposits go back to their submitters loaded and free of the leader's session."""
    for deposit in made:
        session.refresh(deposit)
        session.expunge(deposit)


class GroupCommit(group_commit.GroupCommit[deposits.Pending, Deposit]):
    """`submit(pending)` sequences one deposit and returns it once its transaction is committed
    (detached from any session, its attributes loaded); it raises what committing it raised."""

    def __init__(
        self, sessions: Callable[[], AbstractContextManager[Session]], max_batch: int = 1024
    ) -> None:
        super().__init__(sessions, deposits.commit, _detach, max_batch)
