"""Group commit under real concurrency: threads depositing at once on a real SQLite file each get
their deposit back only after it is committed, all with distinct log indices, none lost."""

import threading
from pathlib import Path

from sqlalchemy import select

from ipprotect.core import migrate
from ipprotect.core.auth import Principal, Role
from ipprotect.core.scope import Scope
from ipprotect.db import make_engine, make_sessionmaker, utcnow
from ipprotect.evidence import deposits, entries, keys, log, merkle, receipts
from ipprotect.evidence.models import Deposit
from ipprotect.evidence.sequencer import GroupCommit
from ipprotect.settings import Settings
from tests.factories import XIHU

THREADS = 16
EACH = 5


def test_concurrent_deposits_get_distinct_indices_and_are_all_committed(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url="", secret_key="group-commit")
    engine = make_engine(settings)
    with engine.begin() as connection:
        migrate.upgrade(connection)
    sessions = make_sessionmaker(engine)
    group = GroupCommit(sessions)
    officer = Principal(None, "officer-xihu", Role.OFFICER, Scope.of([XIHU]))
    made: list[Deposit] = []
    failures: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def work(worker: int) -> None:
        start.wait()
        try:
            for n in range(EACH):
                draft = deposits.DepositDraft(
                    title=f"证据 {worker}-{n}", sha256=f"{worker:032x}{n:032x}", size=str(n)
                )
                with sessions() as session:
                    pending = deposits.prepare(session, officer, draft, None, utcnow())
                deposit = group.submit(pending)
                with lock:
                    made.append(deposit)
        except BaseException as exc:  # handed to the main thread's assertion
            with lock:
                failures.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert len(made) == THREADS * EACH
    assert sorted(d.log_index for d in made) == list(range(THREADS * EACH))
    with sessions() as session:
        rows = session.scalars(select(Deposit)).all()
        assert sorted((d.id, d.log_index, d.sha256) for d in rows) == sorted(
            (d.id, d.log_index, d.sha256) for d in made
        )
        size = THREADS * EACH
        for deposit in made:
            assert (
                entries.decode(receipts.entry_at(session, deposit.log_index, size))["sha256"]
                == deposit.sha256
            )
        # The tiles written batch by batch add up to the tree of all the entries.
        logged = [receipts.entry_at(session, i, size) for i in range(size)]
        published = log.publish(session, keys.log_signer(settings), settings.log_origin)
        assert published is not None
        assert published.root_hash == merkle.root([merkle.leaf_hash(e) for e in logged])
    engine.dispose()
