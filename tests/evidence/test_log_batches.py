"""Sequencing in batches of any size: the stored log does not depend on how the entries were
split into batches, and a batch refuses to extend a right edge that is not what the log says."""

import threading
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, event, select, update
from sqlalchemy.orm import Session

from ipprotect.core import migrate
from ipprotect.db import make_engine, make_sessionmaker
from ipprotect.evidence import log, merkle, tiles
from ipprotect.evidence.models import ENTRIES, LogState, LogTile
from ipprotect.settings import Settings


def entries(count: int) -> list[bytes]:
    """Entries of different lengths, the empty one included, so bundle offsets are exercised."""
    return [f"entry {i}".encode() * (i % 5) for i in range(count)]


Stored = tuple[dict[tuple[int, int], tuple[int, bytes]], int, bytes]  # tiles, size, root


def stored_log(db: Session) -> Stored:
    rows = db.execute(select(LogTile.level, LogTile.index, LogTile.width, LogTile.data))
    state = db.get(LogState, log.STATE_ID, populate_existing=True)
    assert state is not None
    return {(lv, ix): (w, d) for lv, ix, w, d in rows}, state.size, state.root_hash


def logged_in_batches(db: Session, logged: list[bytes], cuts: list[int]) -> Stored:
    """The stored tiles, size and root after appending `logged` cut at `cuts`, then undone."""
    savepoint = db.begin_nested()
    bounds = [0, *cuts, len(logged)]
    for start, end in pairwise(bounds):
        assert log.append(db, logged[start:end]) == list(range(start, end))
    stored = stored_log(db)
    savepoint.rollback()
    return stored


@settings(
    max_examples=40,
    deadline=None,
    # Each example works in a savepoint of the test's transaction and rolls it back.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.data())
def test_any_split_into_batches_stores_the_tiles_and_root_of_one_batch(
    db: Session, data: st.DataObject
) -> None:
    count = data.draw(st.integers(1, 1400), label="count")
    cuts = sorted(data.draw(st.sets(st.integers(1, max(1, count - 1)), max_size=12), label="cuts"))
    logged = entries(count)
    one_batch = logged_in_batches(db, logged, [])
    assert logged_in_batches(db, logged, [c for c in cuts if c < count]) == one_batch
    _tiles, size, root_hash = one_batch
    assert (size, root_hash) == (count, merkle.root([merkle.leaf_hash(e) for e in logged]))


def test_batches_ending_on_every_kind_of_tile_boundary_store_the_same_log_up_to_level_2(
    db: Session,
) -> None:
    logged = [i.to_bytes(3, "big") for i in range(256 * 256 + 300)]
    one_batch = logged_in_batches(db, logged, [])
    tiles_, _size, root_hash = one_batch
    assert tiles_[(2, 0)][0] == 1  # a full level-1 tile gave the first level-2 hash
    assert root_hash == merkle.root([merkle.leaf_hash(e) for e in logged])
    # 1, a full tile, a partial one, the end of a level-1 tile, the first level-2 hash, ...
    cuts = [1, 256, 300, 255 * 256, 256 * 256 - 1, 256 * 256, 256 * 256 + 1]
    assert logged_in_batches(db, logged, cuts) == one_batch


def test_a_tile_object_loaded_before_a_batch_shows_the_batch_after_it(db: Session) -> None:
    log.append(db, entries(3))
    loaded = db.get(LogTile, (0, 0))
    assert loaded is not None
    assert loaded.width == 3
    log.append(db, entries(5)[3:])
    assert db.get(LogTile, (0, 0)) is loaded
    assert loaded.width == 5


def test_a_batch_refuses_to_extend_a_missing_edge_tile(db: Session) -> None:
    log.append(db, entries(300))
    db.execute(delete(LogTile).where(LogTile.level == 0, LogTile.index == 1))
    with pytest.raises(log.LogIntegrityError) as refused:
        log.append(db, [b"more"])
    assert refused.value.code == "tile_missing"
    assert refused.value.params == {"path": "tile/0/001.p/44"}


def test_a_batch_refuses_to_extend_an_edge_tile_of_another_width(db: Session) -> None:
    log.append(db, entries(300))
    db.execute(update(LogTile).where(LogTile.level == ENTRIES, LogTile.index == 1).values(width=43))
    with pytest.raises(log.LogIntegrityError) as refused:
        log.append(db, [b"more"])
    assert refused.value.code == "tile_width_mismatch"
    assert refused.value.params == {"path": "tile/entries/001", "width": 43, "expected": 44}


def test_two_writers_on_one_sqlite_file_append_one_after_the_other_and_lose_nothing(
    tmp_path: Path,
) -> None:
    """Two processes (the server and `ipprotect evidence deposit`, say) append at once. The
    second must wait for the first's commit and append after it, not extend the edge it read
    before the first wrote over it: SQLite has no row locks, and its driver begins a
    transaction only at the first write."""
    engine = make_engine(Settings(data_dir=tmp_path, database_url=""))
    with engine.begin() as connection:
        migrate.upgrade(connection)
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        log.append(session, [b"first"])
        session.commit()
    other_engine = make_engine(Settings(data_dir=tmp_path, database_url=""))
    other_writes = threading.Event()

    @event.listens_for(other_engine, "before_cursor_execute")
    def _writing(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not statement.lstrip().upper().startswith("SELECT"):
            other_writes.set()

    other_indices: list[int] = []

    def other_writer() -> None:
        with make_sessionmaker(other_engine)() as other:
            other_indices.extend(log.append(other, [b"other's"]))
            other.commit()

    with sessions() as session:
        assert log.append(session, [b"mine"]) == [1]  # holds the write lock until its commit
        thread = threading.Thread(target=other_writer)
        thread.start()
        assert other_writes.wait(timeout=30)  # the other has read all it reads before writing
        session.commit()
    thread.join()
    other_engine.dispose()

    assert other_indices == [2]
    with sessions() as session:
        logged = [b"first", b"mine", b"other's"]
        bundle = session.get(LogTile, (ENTRIES, 0))
        assert bundle is not None
        assert tiles.decode_bundle(bundle.data, bundle.width) == logged
        state = session.get(LogState, log.STATE_ID)
        assert state is not None
        assert state.root_hash == merkle.root([merkle.leaf_hash(e) for e in logged])
    engine.dispose()
