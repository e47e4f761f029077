"""C2SP tlog-tiles: paths, the tiles of a tree, entry bundles, and proofs built from tiles, checked
against a real log written by Trillian Tessera."""

import base64
from functools import cache

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ipprotect.evidence import merkle, tiles
from ipprotect.evidence.merkle import InvalidLogData
from ipprotect.evidence.tiles import Tile, TileHashReader
from tests.conftest import SHARED

LOG = SHARED / "testdata" / "tessera-log" / "testdata" / "log"
SIZES = range(16)  # the log has a checkpoint for every size from 0 to 15


def read_log(path: str) -> bytes:
    return (LOG / path).read_bytes()


@cache
def checkpoint_root(size: int) -> bytes:
    origin, size_line, root_line = (LOG / f"checkpoint.{size}").read_text().split("\n")[:3]
    assert (origin, size_line) == ("example.com/log/testdata", str(size))
    return base64.b64decode(root_line)


def entries_of(size: int) -> list[bytes]:
    return [
        entry
        for bundle in tiles.bundles_for_size(size)
        for entry in tiles.decode_bundle(read_log(bundle.path), bundle.width)
    ]


@pytest.mark.parametrize(
    ("tile", "path"),
    [
        (Tile(0, 0), "tile/0/000"),
        (Tile(3, 1234067), "tile/3/x001/x234/067"),
        (Tile(63, 1000, 255), "tile/63/x001/000.p/255"),
        (Tile(1, 5, 1), "tile/1/005.p/1"),
        (Tile(None, 1234067), "tile/entries/x001/x234/067"),
        (Tile(None, 0, 15), "tile/entries/000.p/15"),
    ],
)
def test_tile_paths_group_the_index_in_x_prefixed_threes(tile: Tile, path: str) -> None:
    assert tile.path == path
    assert tiles.parse_path(path) == tile


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/0",  # not zero-padded
        "tile/0/x000/001",  # a leading zero group
        "tile/0/001/002",  # the first group lacks its x
        "tile/0/x001",  # the last group carries an x
        "tile/00/000",  # a level with a leading zero
        "tile/64/000",  # above level 63
        "tile/-1/000",
        "tile/0/000.p/0",  # partial tiles hold 1 to 255 hashes
        "tile/0/000.p/256",
        "tile/0/000.p/999",
        "tile/0/000.p/05",
        "tile/0/000.p/",
        "tile/entry/000",
        "tile/0/000/",
        "/tile/0/000",
        "tile/0/٠٠١",  # Arabic-Indic digits are digits to Python, not to the spec
        "tile/0/000.p/1\n",
    ],
)
def test_a_path_that_is_not_the_canonical_spelling_of_a_tile_is_refused(path: str) -> None:
    with pytest.raises(InvalidLogData) as caught:
        tiles.parse_path(path)
    assert caught.value.code == "tile_path"


@given(
    st.one_of(st.none(), st.integers(0, 63)),
    st.integers(0, 10**12),
    st.one_of(st.just(tiles.TILE_WIDTH), st.integers(1, tiles.TILE_WIDTH - 1)),
)
def test_every_tile_path_parses_back_to_its_tile(level: int | None, index: int, width: int) -> None:
    tile = Tile(level, index, width)
    assert tiles.parse_path(tile.path) == tile


def test_a_tree_of_70000_has_the_tiles_the_spec_lists() -> None:
    found = list(tiles.tiles_for_size(70_000))
    assert [t for t in found if t.width != tiles.TILE_WIDTH] == [
        Tile(0, 273, 112),
        Tile(1, 1, 17),
        Tile(2, 0, 1),
    ]
    assert [t for t in found if t.level == 0 and t.width == tiles.TILE_WIDTH] == [
        Tile(0, i) for i in range(273)
    ]
    assert [t for t in found if t.level == 1 and t.width == tiles.TILE_WIDTH] == [Tile(1, 0)]
    assert len(found) == 277


def test_a_tree_of_256_has_a_full_tile_and_a_partial_tile_of_one_above_it() -> None:
    assert list(tiles.tiles_for_size(256)) == [Tile(0, 0), Tile(1, 0, 1)]
    assert list(tiles.bundles_for_size(256)) == [Tile(None, 0)]
    assert list(tiles.tiles_for_size(0)) == []


@pytest.mark.parametrize("size", SIZES)
def test_the_tessera_checkpoint_root_is_the_root_of_its_entry_bundles(size: int) -> None:
    leaves = [merkle.leaf_hash(entry) for entry in entries_of(size)]
    assert len(leaves) == size
    assert merkle.root(leaves) == checkpoint_root(size)


@pytest.mark.parametrize("size", SIZES)
def test_the_tessera_checkpoint_root_is_the_root_of_its_hash_tiles(size: int) -> None:
    assert merkle.tree_root(TileHashReader(read_log, size), size) == checkpoint_root(size)


@pytest.mark.parametrize("size", SIZES[1:])
def test_the_tessera_level_0_tile_hashes_its_entry_bundle(size: int) -> None:
    (bundle,) = tiles.bundles_for_size(size)
    (tile,) = tiles.tiles_for_size(size)
    entries = tiles.decode_bundle(read_log(bundle.path), bundle.width)
    assert tiles.leaf_tile(entries) == read_log(tile.path)
    assert tiles.encode_bundle(entries) == read_log(bundle.path)


@pytest.mark.parametrize("size", SIZES[1:])
def test_every_tessera_entry_has_an_inclusion_proof_from_the_tiles(size: int) -> None:
    read = TileHashReader(read_log, size)
    for index, entry in enumerate(entries_of(size)):
        proof = merkle.inclusion_proof(read, index, size)
        merkle.verify_inclusion(merkle.leaf_hash(entry), index, size, proof, checkpoint_root(size))


@pytest.mark.parametrize("size2", SIZES)
def test_every_tessera_checkpoint_is_consistent_with_every_earlier_one(size2: int) -> None:
    read = TileHashReader(read_log, size2)
    for size1 in range(size2 + 1):
        proof = merkle.consistency_proof(read, size1, size2)
        merkle.verify_consistency(
            size1, size2, proof, checkpoint_root(size1), checkpoint_root(size2)
        )


def test_tiles_built_level_by_level_give_the_root_and_proofs_of_a_70000_entry_tree() -> None:
    size = 70_000
    entries = [i.to_bytes(4, "big") for i in range(size)]
    level0 = [tiles.leaf_tile(entries[i : i + 256]) for i in range(0, size, 256)]
    full0 = level0[:273]
    level1 = [tiles.tile_from_below(full0[:256]), tiles.tile_from_below(full0[256:])]
    level2 = [tiles.tile_from_below(level1[:1])]
    store = {}
    for tile in tiles.tiles_for_size(size):
        assert tile.level is not None
        store[tile.path] = [level0, level1, level2][tile.level][tile.index]
    read = TileHashReader(store.__getitem__, size)

    root = merkle.root([merkle.leaf_hash(e) for e in entries])
    assert merkle.tree_root(read, size) == root
    for index in (0, 255, 256, 65_535, 65_536, 69_887, 69_888, size - 1):
        proof = merkle.inclusion_proof(read, index, size)
        merkle.verify_inclusion(merkle.leaf_hash(entries[index]), index, size, proof, root)
    for size1 in (1, 256, 65_536, 69_999):
        old_root = merkle.root([merkle.leaf_hash(e) for e in entries[:size1]])
        proof = merkle.consistency_proof(read, size1, size)
        merkle.verify_consistency(size1, size, proof, old_root, root)


def test_a_hash_outside_the_tree_is_not_read_from_the_tiles() -> None:
    read = TileHashReader(read_log, 5)
    with pytest.raises(InvalidLogData) as caught:
        read(0, 5)
    assert caught.value.code == "tile_range"
    with pytest.raises(InvalidLogData):
        read(3, 0)  # leaves 0-7 are not all in a tree of 5


def test_a_tile_of_the_wrong_size_is_refused() -> None:
    read = TileHashReader(lambda path: read_log("tile/0/000.p/4"), 5)
    with pytest.raises(InvalidLogData) as caught:
        read(0, 0)
    assert caught.value.code == "tile_size"


def test_only_full_tiles_are_hashed_into_the_level_above() -> None:
    with pytest.raises(InvalidLogData) as caught:
        tiles.tile_from_below([read_log("tile/0/000.p/15")])
    assert caught.value.code == "tile_size"


@given(st.lists(st.binary(max_size=300), min_size=1, max_size=256))
def test_an_entry_bundle_decodes_to_the_entries_it_encodes(entries: list[bytes]) -> None:
    assert tiles.decode_bundle(tiles.encode_bundle(entries), len(entries)) == entries


def test_an_entry_of_65535_bytes_fits_a_bundle_and_one_more_byte_does_not() -> None:
    largest = b"a" * tiles.MAX_ENTRY_SIZE
    bundle = tiles.encode_bundle([largest])
    assert bundle[:2] == b"\xff\xff"
    assert tiles.decode_bundle(bundle, 1) == [largest]
    with pytest.raises(InvalidLogData) as caught:
        tiles.encode_bundle([largest + b"a"])
    assert caught.value.code == "entry_size"


@pytest.mark.parametrize(
    ("data", "width"),
    [
        (b"\x00\x03on", 1),  # the entry is cut short
        (b"\x00", 1),  # the length prefix is cut short
        (b"\x00\x01a\x00", 1),  # trailing bytes
        (b"\x00\x01a\x00\x01b", 1),  # more entries than the width
        (b"\x00\x01a", 2),  # fewer entries than the width
        (b"", 1),
    ],
)
def test_a_malformed_entry_bundle_is_refused(data: bytes, width: int) -> None:
    with pytest.raises(InvalidLogData) as caught:
        tiles.decode_bundle(data, width)
    assert caught.value.code == "bundle_format"


def test_a_tile_holds_at_most_256_entries() -> None:
    with pytest.raises(InvalidLogData) as caught:
        tiles.encode_bundle([b""] * 257)
    assert caught.value.code == "tile_width"
    with pytest.raises(InvalidLogData):
        tiles.leaf_tile([])
