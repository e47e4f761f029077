"""The transparency log service: sequencing entries into the stored tiles, publishing signed
checkpoints, and proofs read from the stored tiles.

`append` numbers a batch of entries in one transaction (the caller commits: an entry is
acknowledged only once that commit is done) and writes every tile the batch changes, at every
level, as c2sp.org/tlog-tiles lays them out. `publish` signs a checkpoint (c2sp.org/
tlog-checkpoint) only after checking, from the stored tiles alone, that the tree it is about to
sign follows from its entries and extends the last tree it signed: a log must never sign two
inconsistent checkpoints.
"""

from collections.abc import Callable, Iterator, Sequence
from hashlib import sha256
from typing import Any

from sqlalchemy import Table, bindparam, insert, or_, select, update
from sqlalchemy.orm import Session

from ipprotect.core.errors import FieldError, invalid
from ipprotect.db import utcnow
from ipprotect.evidence import merkle, note, tiles
from ipprotect.evidence.checkpoint import Checkpoint
from ipprotect.evidence.merkle import HASH_SIZE, InvalidLogData
from ipprotect.evidence.models import ENTRIES, LogState, LogTile, SignedCheckpoint
from ipprotect.evidence.note import Signer
from ipprotect.evidence.tiles import TILE_HEIGHT, TILE_WIDTH, Tile
from ipprotect.web.i18n import N_

STATE_ID = 1  # the one row of log_state, created by migration 0003

_TILES: Table = LogTile.__table__  # type: ignore[assignment]
_GROW = (
    update(_TILES)
    .where(_TILES.c.level == bindparam("b_level"), _TILES.c.index == bindparam("b_index"))
    .values(width=bindparam("b_width"), data=bindparam("b_data"))
)
# Built once, and of the table rather than the ORM entity: building and compiling an ORM
# statement costs more than SQLite takes to run it (a proof reads a tile per level).
_TILE = select(_TILES.c.width, _TILES.c.data).where(
    _TILES.c.level == bindparam("b_level"), _TILES.c.index == bindparam("b_index")
)
# Tile positions the full check reads at a time: 8 entry bundles of up to 16 MiB, or 2,048
# tiles of 8 KiB below 8 tiles of a higher level.
_CHECK_WINDOW = 8


class LogIntegrityError(RuntimeError):
    """The stored log does not hold together, so nothing is signed. `code` is stable;
    `message` is the English msgid template, filled from `params`."""

    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(message.format(**params))
        self.code = code
        self.message = message
        self.params = params


def append(session: Session, entries: Sequence[bytes]) -> list[int]:
    """Sequence a batch: give the entries consecutive indices and write their entry bundles and
    hash tiles. Returns the indices. Flushes; the caller commits the batch as one transaction.

    This is the log's hot path (a deposit is acknowledged only once its batch is committed), so
    an entry costs a length prefix and a leaf hash joined into its tile, the partial tiles at the
    tree's right edge are read in one query, and the tiles are written in one statement per kind
    (new tiles, grown tiles)."""
    if not entries:
        return []
    if max(map(len, entries)) > tiles.MAX_ENTRY_SIZE:
        raise invalid(_entry_errors(entries))
    state = _locked_state(session)
    first, size = state.size, state.size + len(entries)
    edge = _Edge(session, first)
    hashes: list[bytes] = []  # the roots of the full tiles of a level: new hashes a level up
    for index, offset, begin, end in _spans(first, len(entries)):
        chunk = entries[begin:end]
        edge.extend(ENTRIES, index, offset, len(chunk), tiles.encode_bundle(chunk))
        # RFC 6962 2.1: a leaf hash is SHA-256(0x00 || entry) (merkle.leaf_hash, inlined).
        leaves = b"".join([sha256(b"\x00" + entry).digest() for entry in chunk])
        if full := edge.extend(0, index, offset, len(chunk), leaves):
            hashes.append(_full_tile_root(full))
    level, start = 1, first >> TILE_HEIGHT
    while hashes:
        # tlog-tiles: each full tile contributes its root to the level above; partial never.
        above: list[bytes] = []
        for index, offset, begin, end in _spans(start, len(hashes)):
            if full := edge.extend(level, index, offset, end - begin, b"".join(hashes[begin:end])):
                above.append(_full_tile_root(full))
        hashes, level, start = above, level + 1, start >> TILE_HEIGHT
    edge.write()
    state.size = size
    # The root of a tree needs only the partial tiles of its right edge, which `edge` holds.
    state.root_hash = merkle.tree_root(tiles.TileHashReader(edge.read, size), size)
    session.flush()
    return list(range(first, size))


def publish(session: Session, signer: Signer, origin: str) -> SignedCheckpoint | None:
    """Sign a checkpoint of the current tree if it grew since the last one; None when there is
    nothing new. Raises `LogIntegrityError`, signing nothing, when the stored tiles do not reproduce
    the recorded root or do not extend the last signed tree. Flushes; the caller commits."""
    state = _locked_state(session)
    last = latest_checkpoint(session)
    old_size, old_root = (last.size, last.root_hash) if last else (0, merkle.EMPTY_ROOT)
    if state.size == old_size and state.root_hash == old_root:
        return None
    try:
        _check_tiles_since(session, old_size, state.size)
        read = tiles.TileHashReader(read_tile(session), state.size)
        new_root = merkle.tree_root(read, state.size)
        if new_root != state.root_hash:
            raise LogIntegrityError(
                "root_mismatch", N_("The stored tiles do not reproduce the recorded root hash")
            )
        proof = merkle.consistency_proof(read, old_size, state.size)
        merkle.verify_consistency(old_size, state.size, proof, old_root, new_root)
    except InvalidLogData as exc:
        raise LogIntegrityError(exc.code, exc.message, **exc.params) from exc
    text = Checkpoint(origin, state.size, new_root).to_text()
    signed = SignedCheckpoint(
        size=state.size,
        root_hash=new_root,
        note=note.sign(text, [signer]).decode(),
        signed_at=utcnow(),
    )
    session.add(signed)
    session.flush()
    return signed


def latest_checkpoint(session: Session) -> SignedCheckpoint | None:
    return session.scalars(
        select(SignedCheckpoint).order_by(SignedCheckpoint.size.desc()).limit(1)
    ).first()


def inclusion_proof(session: Session, index: int, size: int) -> list[bytes]:
    """RFC 6962 audit path of entry `index` in the tree of the first `size` entries."""
    _check_size(session, size)
    return merkle.inclusion_proof(tiles.TileHashReader(read_tile(session), size), index, size)


def consistency_proof(session: Session, size1: int, size2: int) -> list[bytes]:
    """RFC 6962 consistency proof from the tree of `size1` entries to the one of `size2`."""
    _check_size(session, size2)
    return merkle.consistency_proof(tiles.TileHashReader(read_tile(session), size2), size1, size2)


def tile_bytes(session: Session, tile: Tile) -> bytes | None:
    """The resource at `tile.path`, or None when the log does not have it (yet). A partial tile
    narrower than the stored one is its prefix: tiles only ever grow at their end."""
    level = ENTRIES if tile.level is None else tile.level
    row = session.execute(_TILE, {"b_level": level, "b_index": tile.index}).first()
    if row is None:
        return None
    width: int = row.width
    data: bytes = row.data
    return _prefix(tile, width, data)


def read_tile(session: Session) -> tiles.TileReader:
    """A `tiles.TileReader` over the stored tiles, for `tiles.TileHashReader`."""

    def read(path: str) -> bytes:
        data = tile_bytes(session, tiles.parse_path(path))
        if data is None:
            raise LogIntegrityError("tile_missing", N_("The log has no tile {path}"), path=path)
        return data

    return read


def _locked_state(session: Session) -> LogState:
    """The log state, locked until the transaction ends, so batches and checkpoints are made one
    at a time, by any number of processes. The lock is taken by writing the row, not by SELECT
    ... FOR UPDATE: SQLite has no row locks, and Python's driver begins a transaction only at
    the first write, so a state read first could be one another process is about to change.
    On PostgreSQL the UPDATE locks the row, as FOR UPDATE would."""
    session.execute(
        update(LogState)
        .where(LogState.id == STATE_ID)
        .values(size=LogState.size)
        .execution_options(synchronize_session=False)
    )
    return _state(session, lock=True)


def _entry_errors(entries: Sequence[bytes]) -> list[FieldError]:
    """Why each entry too long for an entry bundle is refused, by its position in the batch."""
    errors = []
    for position, entry in enumerate(entries):
        try:
            tiles.encode_bundle([entry])
        except InvalidLogData as exc:
            errors.append(exc.field_error(f"entries.{position}"))
    return errors


def _spans(start: int, count: int) -> Iterator[tuple[int, int, int, int]]:
    """Where `count` items appended at position `start` of a level go, one tile at a time:
    (tile index, position in the tile, first item, end of the items)."""
    begin = 0
    while begin < count:
        index, offset = divmod(start + begin, TILE_WIDTH)
        end = min(count, begin + TILE_WIDTH - offset)
        yield index, offset, begin, end
        begin = end


def _full_tile_root(tile: bytes) -> bytes:
    """RFC 6962 2.1 MTH of a full tile's 256 hashes: 256 is a power of two, so the tree is
    perfect and its root is 8 levels of pairs up."""
    if len(tile) != TILE_WIDTH * HASH_SIZE:
        tiles.tile_hashes(tile, TILE_WIDTH)  # raises its `tile_size` error
    for _ in range(TILE_HEIGHT):
        tile = tiles.parent_hashes(tile)
    return tile


def _tile_path(level: int, index: int, width: int) -> str:
    return Tile(None if level == ENTRIES else level, index, width).path


class _Edge:
    """The tiles one batch touches: the partial tiles at the right edge of the tree it extends,
    read in one query, then every tile it writes. They are all the new root needs."""

    def __init__(self, session: Session, size: int) -> None:
        self._session = session
        self._new: set[tuple[int, int]] = set()
        self._grown: set[tuple[int, int]] = set()
        wanted: dict[tuple[int, int], int] = {}
        level = 0
        while count := size >> (TILE_HEIGHT * level):
            if count % TILE_WIDTH:
                wanted[(level, count // TILE_WIDTH)] = count % TILE_WIDTH
            level += 1
        if size % TILE_WIDTH:
            wanted[(ENTRIES, size // TILE_WIDTH)] = size % TILE_WIDTH
        self._tiles: dict[tuple[int, int], tuple[int, bytes]] = {}
        if wanted:
            where = [(LogTile.level == lv) & (LogTile.index == ix) for lv, ix in wanted]
            rows = session.execute(
                select(LogTile.level, LogTile.index, LogTile.width, LogTile.data).where(or_(*where))
            )
            self._tiles = {(lv, ix): (width, data) for lv, ix, width, data in rows}
        for (level, index), width in wanted.items():
            if (level, index) not in self._tiles:
                raise LogIntegrityError(
                    "tile_missing",
                    N_("The log has no tile {path}"),
                    path=_tile_path(level, index, width),
                )
            stored = self._tiles[(level, index)][0]
            if stored != width:
                raise LogIntegrityError(
                    "tile_width_mismatch",
                    N_("Tile {path} holds {width} items, not {expected}"),
                    path=_tile_path(level, index, TILE_WIDTH),
                    width=stored,
                    expected=width,
                )

    def extend(self, level: int, index: int, offset: int, count: int, data: bytes) -> bytes:
        """Append `count` items (`data`: hashes, or length-prefixed entries at level ENTRIES) to
        the tile at (`level`, `index`) holding `offset` items. Returns the tile when this filled
        it, else b"". A tile is only ever extended at its end: tlog-tiles keeps every width
        served before a prefix of the stored tile."""
        key = (level, index)
        if offset:
            data = self._tiles[key][1] + data  # the edge tile, checked when read
            self._grown.add(key)
        else:
            self._new.add(key)
        width = offset + count
        self._tiles[key] = (width, data)
        return data if width == TILE_WIDTH else b""

    def read(self, path: str) -> bytes:
        """A `tiles.TileReader` over the edge of the tree after the batch."""
        tile = tiles.parse_path(path)
        key = (ENTRIES if tile.level is None else tile.level, tile.index)
        if key not in self._tiles or self._tiles[key][0] != tile.width:
            raise LogIntegrityError("tile_missing", N_("The log has no tile {path}"), path=path)
        return self._tiles[key][1]

    def write(self) -> None:
        """Write the new tiles and the grown ones, each kind in one executemany. Core, not the
        ORM: a batch of 10,000 entries writes about 80 tiles, and the ORM's bookkeeping per row
        would cost more than the database."""
        new = [self._row(key) for key in sorted(self._new)]
        grown = [self._row(key) for key in sorted(self._grown - self._new)]
        if new:
            self._session.execute(insert(_TILES), new)
        if grown:
            self._session.execute(_GROW, [{f"b_{k}": v for k, v in row.items()} for row in grown])
        for key in self._new | self._grown:  # a LogTile the session loaded earlier is stale now
            cached = self._session.identity_map.get(self._session.identity_key(LogTile, key))
            if cached is not None:
                self._session.expire(cached)

    def _row(self, key: tuple[int, int]) -> dict[str, object]:
        width, data = self._tiles[key]
        return {"level": key[0], "index": key[1], "width": width, "data": data}


def _prefix(tile: Tile, width: int, data: bytes) -> bytes | None:
    """`tile` out of the stored tile of `width` items at its position, or None when the stored
    one is narrower."""
    if width < tile.width:
        return None
    if width == tile.width:
        return data
    if tile.level is None:
        return tiles.encode_bundle(tiles.decode_bundle(data, width)[: tile.width])
    return data[: tile.width * HASH_SIZE]


def _check_tiles_since(session: Session, old_size: int, size: int) -> None:
    """Every tile holding something the last checkpoint did not cover must follow from what is
    below it: entry bundles hash to the level-0 tiles, full tiles give the hashes a level up.
    Tiles the last checkpoint covers were checked before it was signed; the consistency proof
    ties them to it. (With `old_size` 0 this is the full check of the whole log.)

    Tiles are read a window at a time, one range query per level, so a full check of millions
    of entries costs the hashing, not a query per tile."""
    level = 0
    while count := size >> (TILE_HEIGHT * level):
        first = (old_size >> (TILE_HEIGHT * level)) // TILE_WIDTH
        last = (count - 1) // TILE_WIDTH
        for start in range(first, last + 1, _CHECK_WINDOW):
            end = min(last, start + _CHECK_WINDOW - 1)
            read = _window_reader(session, level, start, end)
            for index in range(start, end + 1):
                tile = tiles.tile_for(level, index * TILE_WIDTH, size)
                if level == 0:
                    bundle = tiles.decode_bundle(read(Tile(None, index, tile.width)), tile.width)
                    # RFC 6962 2.1 leaf hashes (merkle.leaf_hash, inlined as in `append`).
                    expected = b"".join([sha256(b"\x00" + entry).digest() for entry in bundle])
                else:
                    below = range(index * TILE_WIDTH, index * TILE_WIDTH + tile.width)
                    expected = b"".join(_full_tile_root(read(Tile(level - 1, k))) for k in below)
                if read(tile) != expected:
                    raise LogIntegrityError(
                        "tile_mismatch",
                        N_("Tile {path} does not follow from the entries below it"),
                        path=tile.path,
                    )
        level += 1


def _window_reader(session: Session, level: int, start: int, end: int) -> Callable[[Tile], bytes]:
    """The tiles `start`-`end` of a hash level and what they are computed from (the entry
    bundles under level 0, the full tiles of the level below otherwise), read in two queries."""
    below_level, below_start, below_end = (
        (ENTRIES, start, end)
        if level == 0
        else (level - 1, start * TILE_WIDTH, end * TILE_WIDTH + TILE_WIDTH - 1)
    )
    stored: dict[tuple[int, int], tuple[int, bytes]] = {}
    for lv, first, last in ((level, start, end), (below_level, below_start, below_end)):
        rows = session.execute(
            select(LogTile.index, LogTile.width, LogTile.data).where(
                LogTile.level == lv, LogTile.index.between(first, last)
            )
        )
        stored.update({(lv, index): (width, data) for index, width, data in rows})

    def read(tile: Tile) -> bytes:
        row = stored.get((ENTRIES if tile.level is None else tile.level, tile.index))
        data = None if row is None else _prefix(tile, *row)
        if data is None:
            raise LogIntegrityError(
                "tile_missing", N_("The log has no tile {path}"), path=tile.path
            )
        return data

    return read


def _check_size(session: Session, size: int) -> None:
    held = _state(session).size
    if size > held:
        raise InvalidLogData(
            "tree_size_unknown",
            N_("The log holds {held} entries, not {size}"),
            held=held,
            size=size,
        )


def _state(session: Session, lock: bool = False) -> LogState:
    """The log state; with `lock` (see `_locked_state`), as the database now holds it."""
    state = session.get(LogState, STATE_ID, populate_existing=lock)
    if state is None:
        raise RuntimeError("the log state row is missing: run `ipprotect db upgrade`")
    return state
