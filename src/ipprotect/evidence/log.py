"""The transparency log service: sequencing entries into the stored tiles, publishing signed
checkpoints, and proofs read from the stored tiles.

`append` numbers a batch of entries in one transaction (the caller commits: an entry is
acknowledged only once that commit is done) and writes every tile the batch changes, at every
level, as c2sp.org/tlog-tiles lays them out. `publish` signs a checkpoint (c2sp.org/
tlog-checkpoint) only after checking, from the stored tiles alone, that the tree it is about to
sign follows from its entries and extends the last tree it signed: a log must never sign two
inconsistent checkpoints.
"""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ipprotect.core.errors import invalid
from ipprotect.db import utcnow
from ipprotect.evidence import merkle, note, tiles
from ipprotect.evidence.checkpoint import Checkpoint
from ipprotect.evidence.merkle import HASH_SIZE, InvalidLogData
from ipprotect.evidence.models import ENTRIES, LogState, LogTile, SignedCheckpoint
from ipprotect.evidence.note import Signer
from ipprotect.evidence.tiles import TILE_HEIGHT, TILE_WIDTH, Tile
from ipprotect.web.i18n import N_

STATE_ID = 1  # the one row of log_state, created by migration 0003


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
    hash tiles. Returns the indices. Flushes; the caller commits the batch as one transaction."""
    items: list[bytes] = []
    errors = []
    for position, entry in enumerate(entries):
        try:
            items.append(tiles.encode_bundle([entry]))  # one length-prefixed entry
        except InvalidLogData as exc:
            errors.append(exc.field_error(f"entries.{position}"))
    if errors:
        raise invalid(errors)
    if not entries:
        return []
    state = _locked_state(session)
    first = state.size
    _extend(session, ENTRIES, first, items)
    hashes = [merkle.leaf_hash(entry) for entry in entries]
    level, start = 0, first
    while hashes:
        full = _extend(session, level, start, hashes)
        # tlog-tiles: each full tile contributes its root to the level above; partial never.
        hashes = [merkle.root(tiles.tile_hashes(data, TILE_WIDTH)) for data in full]
        level, start = level + 1, start >> TILE_HEIGHT
    state.size = first + len(entries)
    session.flush()
    state.root_hash = merkle.tree_root(
        tiles.TileHashReader(read_tile(session), state.size), state.size
    )
    session.flush()
    return list(range(first, state.size))


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
    row = session.get(LogTile, (ENTRIES if tile.level is None else tile.level, tile.index))
    if row is None or row.width < tile.width:
        return None
    if row.width == tile.width:
        return row.data
    if tile.level is None:
        return tiles.encode_bundle(tiles.decode_bundle(row.data, row.width)[: tile.width])
    return row.data[: tile.width * HASH_SIZE]


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
    at a time (SQLite has one writer anyway)."""
    return _state(session, lock=True)


def _extend(session: Session, level: int, start: int, items: Sequence[bytes]) -> list[bytes]:
    """Append `items` (hashes, or length-prefixed entries when `level` is ENTRIES) at positions
    `start`... of a level, growing the partial tile in place. Returns the tiles it filled."""
    full: list[bytes] = []
    index, offset = divmod(start, TILE_WIDTH)
    position = 0
    while position < len(items):
        taken = items[position : position + TILE_WIDTH - offset]
        row = session.get(LogTile, (level, index)) if offset else None
        if row is None:
            if offset:
                raise LogIntegrityError(
                    "tile_missing", N_("The log has no tile {path}"), path=f"{level}/{index}"
                )
            row = LogTile(level=level, index=index, width=0, data=b"")
            session.add(row)
        elif row.width != offset:
            raise LogIntegrityError(
                "tile_width_mismatch",
                N_("Tile {path} holds {width} items, not {expected}"),
                path=f"{level}/{index}",
                width=row.width,
                expected=offset,
            )
        row.width += len(taken)
        row.data += b"".join(taken)
        if row.width == TILE_WIDTH:
            full.append(row.data)
        position += len(taken)
        index, offset = index + 1, 0
    return full


def _check_tiles_since(session: Session, old_size: int, size: int) -> None:
    """Every tile holding something the last checkpoint did not cover must follow from what is
    below it: entry bundles hash to the level-0 tiles, full tiles give the hashes a level up.
    Tiles the last checkpoint covers were checked before it was signed; the consistency proof
    ties them to it."""
    read = read_tile(session)
    level = 0
    while count := size >> (TILE_HEIGHT * level):
        first = (old_size >> (TILE_HEIGHT * level)) // TILE_WIDTH
        for index in range(first, -(-count // TILE_WIDTH)):
            tile = tiles.tile_for(level, index * TILE_WIDTH, size)
            if level == 0:
                bundle = read(Tile(None, index, tile.width).path)
                expected = tiles.leaf_tile(tiles.decode_bundle(bundle, tile.width))
            else:
                first_below = index * TILE_WIDTH
                below = [read(Tile(level - 1, first_below + k).path) for k in range(tile.width)]
                expected = tiles.tile_from_below(below)
            if read(tile.path) != expected:
                raise LogIntegrityError(
                    "tile_mismatch",
                    N_("Tile {path} does not follow from the entries below it"),
                    path=tile.path,
                )
        level += 1


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
    state = session.get(LogState, STATE_ID, with_for_update=lock, populate_existing=lock)
    if state is None:
        raise RuntimeError("the log state row is missing: run `ipprotect db upgrade`")
    return state
