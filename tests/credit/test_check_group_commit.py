"""The records of concurrent restriction checks are committed together (group commit, as the
API does it): each check is recorded once, with its own id and its own signed answer, handed
back only once its row is committed; one record that cannot be written fails only its own check.

On a real SQLite file with real threads: the group commit exists for SQLite's one writer.
"""

import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ipprotect.core import ids, migrate
from ipprotect.core.auth import Principal, Role
from ipprotect.core.group_commit import GroupCommit
from ipprotect.core.scope import Scope
from ipprotect.credit import checks, signing
from ipprotect.credit.models import CheckDecision, CheckPurpose, CreditCheck
from ipprotect.db import make_engine, make_sessionmaker
from ipprotect.settings import Settings
from tests.credit.check_factories import make_listing, system_token
from tests.factories import HANGZHOU

NAME = "杭州天衡电子科技有限公司"
USCC = ids.make_uscc("9", "1", "330106", "MA2H7K3P")
ON = date(2026, 12, 7)
AT = datetime(2026, 12, 7, 2, 30, tzinfo=UTC)
THREADS = 16


@dataclass
class World:
    settings: Settings
    sessions: sessionmaker[Session]
    signer: signing.AnswerSigner
    caller: Principal


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    settings = Settings(data_dir=tmp_path, database_url="", secret_key="check-group-commit")
    engine = make_engine(settings)
    with engine.begin() as connection:
        migrate.upgrade(connection)
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        make_listing(session, NAME, USCC)
        token_id, _plaintext = system_token(session)
        session.commit()
    caller = Principal(
        None, "杭州市政府采购系统", Role.SYSTEM, Scope.of([HANGZHOU]), token_id=token_id
    )
    yield World(settings, sessions, signing.answer_signer(settings), caller)
    engine.dispose()


class _Queue(list[Any]):
    """The group's waiting list, telling `arrived` each time a check joins it."""

    def __init__(self, arrived: threading.Condition) -> None:
        super().__init__()
        self.arrived = arrived

    def append(self, item: Any) -> None:
        with self.arrived:
            super().append(item)
            self.arrived.notify_all()


class HeldGroup:
    """The API's group commit, whose first batch waits until `release`: the checks submitted
    meanwhile queue for the next leader, so the batches are known."""

    def __init__(self, world: World) -> None:
        self.batches: list[int] = []
        self.writing = threading.Event()  # the first batch is being written
        self.gate = threading.Event()
        self.arrived = threading.Condition()

        def write(session: Session, batch: list[checks.Unsigned]) -> list[dict[str, Any]]:
            if not self.batches:
                self.writing.set()
                self.gate.wait(timeout=30)
            self.batches.append(len(batch))
            return [answer for _row, answer in checks.write(session, world.signer, batch)]

        self.group: GroupCommit[checks.Unsigned, dict[str, Any]] = GroupCommit(
            world.sessions, write
        )
        self.queue = _Queue(self.arrived)
        self.group._waiting = self.queue

    def release_when_waiting(self, count: int) -> None:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.queue) >= count, timeout=30)
        self.gate.set()


def decided(world: World, name: str) -> checks.Unsigned:
    """A check decided as the API decides it, in its own session."""
    index = checks.ListingIndex.from_settings(world.settings)
    query = checks.Query(CheckPurpose.PROCUREMENT, USCC, name)
    with world.sessions() as session:
        decision, found = checks.decide(
            session, index.current(session), query, world.caller.scope, ON
        )
        return checks.unsigned(world.caller, query, ON, decision, found, AT)


def submit_all(
    held: HeldGroup, pending: list[checks.Unsigned]
) -> tuple[list[dict[str, Any] | None], list[BaseException | None]]:
    """Submit the first check, then the others from their own threads while it is held."""
    answers: list[dict[str, Any] | None] = [None] * len(pending)
    errors: list[BaseException | None] = [None] * len(pending)

    def work(i: int) -> None:
        try:
            answers[i] = held.group.submit(pending[i])
        except BaseException as exc:  # handed to the assertions
            errors[i] = exc

    first = threading.Thread(target=work, args=(0,))
    first.start()
    assert held.writing.wait(timeout=30)
    others = [threading.Thread(target=work, args=(i,)) for i in range(1, len(pending))]
    for thread in others:
        thread.start()
    held.release_when_waiting(len(others))
    for thread in [first, *others]:
        thread.join()
    return answers, errors


def test_concurrent_checks_share_a_commit_and_each_gets_its_own_recorded_signed_answer(
    world: World,
) -> None:
    pending = [decided(world, f"天衡电子 {i}") for i in range(THREADS)]
    assert {p.decision for p in pending} == {CheckDecision.RESTRICTED}
    held = HeldGroup(world)

    answers, errors = submit_all(held, pending)

    assert errors == [None] * THREADS
    # The first check alone, then all the checks that came while it was being committed.
    assert held.batches == [1, THREADS - 1]
    key = world.signer.signer.private_key.public_key()
    with world.sessions() as session:
        rows = {row.id: row for row in session.scalars(select(CreditCheck))}
    assert len(rows) == THREADS
    assert sorted(a["check_id"] for a in answers if a) == sorted(rows)
    for check, answer in zip(pending, answers, strict=True):
        assert answer is not None
        assert signing.verify(answer, key)
        row = rows[answer["check_id"]]
        assert row.query_name == answer["query"]["name"] == check.query.name
        assert row.response == answer
        assert row.signature == answer["signature"]
        assert answer["decision"] == "restricted"
        assert answer["checked_at"] == "2026-12-07T02:30:00Z"


def test_a_record_that_cannot_be_written_fails_only_its_own_check(world: World) -> None:
    pending = [decided(world, f"天衡电子 {i}") for i in range(6)]
    # A caller whose token is gone: its record breaks the foreign key, in the shared batch.
    ghost = replace(world.caller, token_id=999_999)
    pending[3] = replace(pending[3], principal=ghost)
    held = HeldGroup(world)

    answers, errors = submit_all(held, pending)

    assert isinstance(errors[3], IntegrityError)
    assert answers[3] is None
    assert [e for i, e in enumerate(errors) if i != 3] == [None] * 5
    # The batch of five failed together, then each was committed alone; the broken one not.
    assert held.batches == [1, 5, 1, 1, 1, 1, 1]
    key = world.signer.signer.private_key.public_key()
    with world.sessions() as session:
        rows = {row.id: row for row in session.scalars(select(CreditCheck))}
    assert sorted(rows) == sorted(a["check_id"] for a in answers if a)
    assert {row.query_name for row in rows.values()} == {
        f"天衡电子 {i}" for i in range(6) if i != 3
    }
    for answer in answers:
        if answer is not None:
            assert signing.verify(answer, key)
            assert rows[answer["check_id"]].response == answer
