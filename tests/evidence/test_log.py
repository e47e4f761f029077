"""The transparency log in the database: batches sequenced into C2SP tiles, checkpoints signed
only over a tree that the stored tiles reproduce and that extends the last signed one, proofs
read from the stored tiles."""

import stat
from itertools import pairwise
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ipprotect.core.errors import Problem
from ipprotect.evidence import keys, log, merkle, tiles
from ipprotect.evidence.checkpoint import open_checkpoint
from ipprotect.evidence.models import ENTRIES, LogState, LogTile, SignedCheckpoint
from ipprotect.evidence.note import Ed25519Signer
from ipprotect.settings import Settings

ORIGIN = "test.example/log"


@pytest.fixture
def signer() -> Ed25519Signer:
    return Ed25519Signer(ORIGIN, Ed25519PrivateKey.generate())


def entries(start: int, count: int) -> list[bytes]:
    """Entries of different lengths, the empty one included, so bundle offsets are exercised."""
    return [f"entry {i}".encode() * (i % 5) for i in range(start, start + count)]


def scratch_tiles(all_entries: list[bytes]) -> dict[tuple[int, int], tuple[int, bytes]]:
    """Every tile of the tree, computed from the entries alone with tiles.py:
    (level, index) -> (width, bytes); entry bundles at level ENTRIES."""
    expected: dict[tuple[int, int], tuple[int, bytes]] = {}
    for tile in tiles.bundles_for_size(len(all_entries)):
        chunk = all_entries[tile.index * 256 : tile.index * 256 + tile.width]
        expected[(ENTRIES, tile.index)] = (tile.width, tiles.encode_bundle(chunk))
    for tile in tiles.tiles_for_size(len(all_entries)):
        assert tile.level is not None
        if tile.level == 0:
            chunk = all_entries[tile.index * 256 : tile.index * 256 + tile.width]
            data = tiles.leaf_tile(chunk)
        else:
            below = [expected[(tile.level - 1, tile.index * 256 + k)][1] for k in range(tile.width)]
            data = tiles.tile_from_below(below)
        expected[(tile.level, tile.index)] = (tile.width, data)
    return expected


def stored_tiles(db: Session) -> dict[tuple[int, int], tuple[int, bytes]]:
    return {(t.level, t.index): (t.width, t.data) for t in db.scalars(select(LogTile))}


def signed_count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(SignedCheckpoint)) or 0


def test_batches_across_tile_boundaries_store_exactly_the_tiles_of_the_whole_tree(
    db: Session,
) -> None:
    logged: list[bytes] = []
    for count in (1, 255, 256, 257, 1000):
        batch = entries(len(logged), count)
        assert log.append(db, batch) == list(range(len(logged), len(logged) + count))
        logged += batch
        assert stored_tiles(db) == scratch_tiles(logged)
        state = db.get(LogState, log.STATE_ID)
        assert state is not None
        assert state.size == len(logged)
        assert state.root_hash == merkle.root([merkle.leaf_hash(e) for e in logged])


def test_a_batch_filling_more_than_a_tile_of_tiles_writes_the_levels_above_them(
    db: Session,
) -> None:
    logged = [i.to_bytes(3, "big") for i in range(256 * 257 + 3)]  # 257 full level-0 tiles
    log.append(db, logged[:5])
    log.append(db, logged[5:])
    stored = stored_tiles(db)
    assert stored[(2, 0)][0] == 1  # one full level-1 tile gives the first level-2 hash
    assert stored == scratch_tiles(logged)


def test_an_empty_batch_changes_nothing(db: Session) -> None:
    assert log.append(db, []) == []
    assert stored_tiles(db) == {}


def test_an_entry_over_65535_bytes_refuses_the_whole_batch(db: Session) -> None:
    with pytest.raises(Problem) as refused:
        log.append(db, [b"fine", b"x" * 65_536])
    assert [e.field for e in refused.value.errors] == ["entries.1"]
    assert [e.code for e in refused.value.errors] == ["entry_size"]
    assert stored_tiles(db) == {}
    assert log.append(db, [b"y" * 65_535]) == [0]


def test_publish_signs_a_checkpoint_the_verifier_key_opens(
    db: Session, signer: Ed25519Signer
) -> None:
    logged = entries(0, 300)
    log.append(db, logged)
    signed = log.publish(db, signer, ORIGIN)
    assert signed is not None
    checkpoint, _ = open_checkpoint(signed.note.encode(), signer.verifier())
    assert checkpoint.origin == ORIGIN
    assert checkpoint.size == 300
    assert checkpoint.root_hash == merkle.root([merkle.leaf_hash(e) for e in logged])
    assert log.latest_checkpoint(db) is signed


def test_publishing_again_without_new_entries_signs_nothing(
    db: Session, signer: Ed25519Signer
) -> None:
    assert log.publish(db, signer, ORIGIN) is None  # an empty log has nothing to sign
    log.append(db, entries(0, 3))
    assert log.publish(db, signer, ORIGIN) is not None
    assert log.publish(db, signer, ORIGIN) is None
    assert signed_count(db) == 1
    log.append(db, entries(3, 1))
    grown = log.publish(db, signer, ORIGIN)
    assert grown is not None
    assert grown.size == 4
    assert signed_count(db) == 2


def test_each_new_checkpoint_is_consistent_with_the_one_before(
    db: Session, signer: Ed25519Signer
) -> None:
    roots = []
    for start, count in ((0, 10), (10, 246), (256, 1), (257, 600)):
        log.append(db, entries(start, count))
        signed = log.publish(db, signer, ORIGIN)
        assert signed is not None
        roots.append((signed.size, signed.root_hash))
    for (size1, root1), (size2, root2) in pairwise(roots):
        proof = log.consistency_proof(db, size1, size2)
        merkle.verify_consistency(size1, size2, proof, root1, root2)


@pytest.mark.parametrize("size", [1, 2, 255, 256, 257, 511, 513, 1000])
def test_inclusion_proofs_from_the_stored_tiles_verify_for_every_tree_size_so_far(
    db: Session, size: int
) -> None:
    logged = entries(0, 1000)
    log.append(db, logged[:600])
    log.append(db, logged[600:])
    root_hash = merkle.root([merkle.leaf_hash(e) for e in logged[:size]])
    for index in {0, size // 2, size - 1}:
        proof = log.inclusion_proof(db, index, size)
        merkle.verify_inclusion(merkle.leaf_hash(logged[index]), index, size, proof, root_hash)


def test_proofs_for_a_tree_larger_than_the_log_are_refused(db: Session) -> None:
    log.append(db, entries(0, 5))
    with pytest.raises(merkle.InvalidLogData) as refused:
        log.inclusion_proof(db, 0, 6)
    assert refused.value.code == "tree_size_unknown"


def tamper(db: Session, level: int, index: int, offset: int = 7) -> None:
    """Flip one byte of a stored tile behind the ORM's back, as a rogue database user would."""
    row = db.get(LogTile, (level, index))
    assert row is not None
    data = bytearray(row.data)
    data[offset] ^= 0x01
    db.execute(
        update(LogTile)
        .where(LogTile.level == level, LogTile.index == index)
        .values(data=bytes(data))
    )
    db.expire_all()


@pytest.mark.parametrize(
    ("level", "index", "code"),
    [
        (0, 0, "tile_mismatch"),  # a full level-0 tile
        (0, 2, "tile_mismatch"),  # the partial level-0 tile
        (ENTRIES, 1, "tile_mismatch"),  # an entry bundle
        (1, 0, "tile_mismatch"),  # the level-1 tile
    ],
)
def test_publish_refuses_to_sign_over_a_tampered_tile(
    db: Session, signer: Ed25519Signer, level: int, index: int, code: str
) -> None:
    log.append(db, entries(0, 600))
    tamper(db, level, index)
    with pytest.raises(log.LogIntegrityError) as refused:
        log.publish(db, signer, ORIGIN)
    assert refused.value.code == code
    assert signed_count(db) == 0


def test_publish_refuses_when_an_already_signed_tile_was_changed(
    db: Session, signer: Ed25519Signer
) -> None:
    log.append(db, entries(0, 512))
    assert log.publish(db, signer, ORIGIN) is not None
    log.append(db, entries(512, 5))
    tamper(db, 0, 0)  # under the signed checkpoint, not in the new entries' tiles
    with pytest.raises(log.LogIntegrityError):
        log.publish(db, signer, ORIGIN)
    assert signed_count(db) == 1


def test_publish_refuses_when_the_recorded_root_is_not_the_tiles_root(
    db: Session, signer: Ed25519Signer
) -> None:
    log.append(db, entries(0, 20))
    db.execute(update(LogState).values(root_hash=merkle.EMPTY_ROOT))
    db.expire_all()
    with pytest.raises(log.LogIntegrityError) as refused:
        log.publish(db, signer, ORIGIN)
    assert refused.value.code == "root_mismatch"
    assert signed_count(db) == 0


def test_the_log_key_is_created_owner_only_and_reused(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, log_origin=ORIGIN)
    first = keys.log_signer(settings)
    path = keys.key_path(settings)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert first.name == ORIGIN
    again = keys.log_signer(settings)
    assert again.verifier().to_text() == first.verifier().to_text()
    assert [p.name for p in path.parent.iterdir()] == ["log.key"]


def test_a_log_key_made_for_another_origin_is_refused(tmp_path: Path) -> None:
    keys.log_signer(Settings(data_dir=tmp_path, log_origin=ORIGIN))
    with pytest.raises(keys.LogKeyError):
        keys.log_signer(Settings(data_dir=tmp_path, log_origin="other.example/log"))
