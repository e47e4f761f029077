"""C2SP tlog-tiles: the layout of a log's Merkle tree as static resources.

Owns tile and entry-bundle paths (`tile/<L>/<N>[.p/<W>]`, `tile/entries/<N>[.p/<W>]`), which
tiles a tree of a given size has, how a tile is computed from the level below, entry bundles
(big-endian uint16 length-prefixed entries) and `TileHashReader`, which reads any complete
subtree hash out of the tiles of one tree size so `merkle` can build proofs from any store.
"""

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from hashlib import sha256

from ipprotect.evidence.merkle import HASH_SIZE, InvalidLogData, leaf_hash, root
from ipprotect.web.i18n import N_

TILE_HEIGHT = 8  # a tile is a subtree of height 8...
TILE_WIDTH = 1 << TILE_HEIGHT  # ...so a full tile holds 256 hashes (8,192 bytes)
MAX_LEVEL = 63
MAX_ENTRY_SIZE = 0xFFFF  # the uint16 length prefix of an entry bundle

# Returns the bytes of the tile at a path relative to the log prefix, e.g. "tile/0/x001/234".
TileReader = Callable[[str], bytes]

_PATH = re.compile(
    r"tile/(?P<level>entries|0|[1-9][0-9]?)/(?P<index>(?:x[0-9]{3}/)*[0-9]{3})"
    r"(?:\.p/(?P<width>[1-9][0-9]{0,2}))?"
)


@dataclass(frozen=True)
class Tile:
    """A tile resource: a hash tile at `level` (0-63), or an entry bundle when `level` is None.
    `width` is 256 for a full tile and 1-255 for a partial one."""

    level: int | None
    index: int
    width: int = TILE_WIDTH

    def __post_init__(self) -> None:
        level_ok = self.level is None or 0 <= self.level <= MAX_LEVEL
        if not level_ok or self.index < 0 or not 1 <= self.width <= TILE_WIDTH:
            raise _bad_path(f"{self.level}/{self.index}/{self.width}")

    @property
    def path(self) -> str:
        """tlog-tiles: N in zero-padded 3-digit elements, all but the last prefixed with x
        (1234067 -> x001/x234/067), so a file system can serve the tiles as they are."""
        digits = str(self.index)
        digits = "0" * (-len(digits) % 3) + digits
        groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
        index = "/".join([*(f"x{g}" for g in groups[:-1]), groups[-1]])
        level = "entries" if self.level is None else str(self.level)
        partial = "" if self.width == TILE_WIDTH else f".p/{self.width}"
        return f"tile/{level}/{index}{partial}"


def parse_path(path: str) -> Tile:
    """The tile a path names; refuses anything but the one canonical spelling of each tile."""
    match = _PATH.fullmatch(path)
    if match is None:
        raise _bad_path(path)
    level = None if match["level"] == "entries" else int(match["level"])
    index = int(match["index"].replace("x", "").replace("/", ""))
    width = int(match["width"] or TILE_WIDTH)
    if (level is not None and level > MAX_LEVEL) or width > TILE_WIDTH:
        raise _bad_path(path)
    tile = Tile(level, index, width)
    if tile.path != path:  # a leading x000/ group, or a partial suffix of width 256
        raise _bad_path(path)
    return tile


def tiles_for_size(size: int) -> Iterator[Tile]:
    """The hash tiles of a tree of `size` leaves, level by level: at level l there are
    floor(size / 256**l) hashes, in full tiles and one partial tile of the remainder."""
    level = 0
    while count := size >> (TILE_HEIGHT * level):
        for index in range(count // TILE_WIDTH):
            yield Tile(level, index)
        if count % TILE_WIDTH:
            yield Tile(level, count // TILE_WIDTH, count % TILE_WIDTH)
        level += 1


def bundles_for_size(size: int) -> Iterator[Tile]:
    """The entry bundles of a tree of `size` leaves: one for each level-0 tile."""
    for tile in tiles_for_size(size):
        if tile.level != 0:
            return
        yield Tile(None, tile.index, tile.width)


def tile_for(level: int, index: int, size: int) -> Tile:
    """The tile at tile level `level` that holds hash `index` of that level in a tree of `size`
    leaves: full when the tree fills it, else the partial tile of that size."""
    count = size >> (TILE_HEIGHT * level)
    if not 0 <= index < count:
        raise InvalidLogData(
            "tile_range",
            N_("A tree of {size} entries has no hash {index} at tile level {level}"),
            size=size,
            index=index,
            level=level,
        )
    n = index // TILE_WIDTH
    return Tile(level, n, min(TILE_WIDTH, count - n * TILE_WIDTH))


def tile_hashes(data: bytes, width: int) -> list[bytes]:
    """The hashes in a tile of `width` hashes; its size must be exactly 32 · width bytes."""
    if len(data) != width * HASH_SIZE:
        raise InvalidLogData(
            "tile_size",
            N_("A tile of {width} hashes has {expected} bytes, not {length}"),
            width=width,
            expected=width * HASH_SIZE,
            length=len(data),
        )
    return [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]


def leaf_tile(entries: Sequence[bytes]) -> bytes:
    """A level-0 tile: the RFC 6962 leaf hashes of up to 256 entries."""
    _check_width(len(entries))
    return b"".join(leaf_hash(entry) for entry in entries)


def tile_from_below(full_tiles: Sequence[bytes]) -> bytes:
    """A tile at level l + 1 from up to 256 consecutive full tiles at level l: each contributes
    the root of its 256 hashes. Partial tiles MUST NOT be hashed into the level above."""
    _check_width(len(full_tiles))
    return b"".join(root(tile_hashes(tile, TILE_WIDTH)) for tile in full_tiles)


def encode_bundle(entries: Sequence[bytes]) -> bytes:
    """An entry bundle: each entry prefixed with its length as a big-endian uint16."""
    _check_width(len(entries))
    for entry in entries:
        if len(entry) > MAX_ENTRY_SIZE:
            raise InvalidLogData(
                "entry_size",
                N_("A log entry has at most 65,535 bytes, not {length}"),
                length=len(entry),
            )
    return b"".join(len(entry).to_bytes(2, "big") + entry for entry in entries)


def decode_bundle(data: bytes, width: int) -> list[bytes]:
    """The `width` entries of a bundle; refuses truncated entries, a wrong count and trailing
    bytes."""
    _check_width(width)
    entries: list[bytes] = []
    offset = 0
    while offset < len(data):
        if len(entries) == width or offset + 2 > len(data):
            raise _bad_bundle(width)
        end = offset + 2 + int.from_bytes(data[offset : offset + 2], "big")
        if end > len(data):
            raise _bad_bundle(width)
        entries.append(data[offset + 2 : end])
        offset = end
    if len(entries) != width:
        raise _bad_bundle(width)
    return entries


@dataclass
class TileHashReader:
    """A `merkle.HashReader` over the tiles of the tree of `size` leaves, read through `read`.

    A subtree at Merkle level L lives in tile level L // 8: it is the root of 2**(L % 8)
    consecutive hashes of one tile there. Each tile is read at most once, and the levels of
    complete subtrees inside it are hashed once, as far up as asked: a proof asks for subtrees
    of every height in a tile, so this costs what hashing them one by one would, without
    hashing the small ones again inside the large ones.
    """

    read: TileReader
    size: int
    # Tile -> its hashes, then the hashes of its complete pairs, fours... each level joined.
    _cache: dict[Tile, list[bytes]] = field(default_factory=dict, init=False, repr=False)

    def __call__(self, level: int, index: int) -> bytes:
        tile_level, height = divmod(level, TILE_HEIGHT)
        first = index << height
        last = first + (1 << height) - 1
        tile = tile_for(tile_level, first, self.size)
        tile_for(tile_level, last, self.size)  # the whole subtree must be in the tree
        if tile not in self._cache:
            data = self.read(tile.path)
            if len(data) != tile.width * HASH_SIZE:
                tile_hashes(data, tile.width)  # raises its `tile_size` error
            self._cache[tile] = [data]
        levels = self._cache[tile]
        while len(levels) <= height:
            levels.append(parent_hashes(levels[-1]))
        offset = (first - tile.index * TILE_WIDTH) >> height
        return levels[height][offset * HASH_SIZE : (offset + 1) * HASH_SIZE]


def parent_hashes(hashes: bytes) -> bytes:
    """The level above joined hashes: the RFC 6962 node hashes SHA-256(0x01 || left || right)
    of adjacent pairs (an odd last one has no pair: it is no complete subtree one level up).
    Bytes in, bytes out, so that a tile's 255 inner hashes cost little more than hashing."""
    pair = 2 * HASH_SIZE
    end = len(hashes) - len(hashes) % pair
    return b"".join([sha256(b"\x01" + hashes[i : i + pair]).digest() for i in range(0, end, pair)])


def _check_width(count: int) -> None:
    if not 1 <= count <= TILE_WIDTH:
        raise InvalidLogData(
            "tile_width", N_("A tile holds 1 to 256 items, not {count}"), count=count
        )


def _bad_path(path: str) -> InvalidLogData:
    return InvalidLogData("tile_path", N_("{path} is not a tile path"), path=path)


def _bad_bundle(width: int) -> InvalidLogData:
    return InvalidLogData(
        "bundle_format",
        N_("This is not an entry bundle of {width} length-prefixed entries"),
        width=width,
    )
