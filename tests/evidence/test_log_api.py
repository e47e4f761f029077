"""The log over HTTP, as an outside auditor sees it: only /log/checkpoint, /log/tile/... and the
verifier key, and from them a verified checkpoint and inclusion proofs it builds itself."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ipprotect.evidence import keys, log, merkle, note, tiles
from ipprotect.evidence.checkpoint import open_checkpoint
from ipprotect.settings import Settings

LOGGED = [f"decision {i}".encode() for i in range(600)]


@pytest.fixture
def published(db: Session, settings: Settings) -> None:
    log.append(db, LOGGED[:300])
    log.append(db, LOGGED[300:])
    assert log.publish(db, keys.log_signer(settings), settings.log_origin) is not None


def test_an_auditor_verifies_the_checkpoint_and_an_inclusion_proof_from_the_served_tiles(
    client: TestClient, published: None
) -> None:
    verifier = note.parse_verifier_key(client.get("/api/v1/evidence/vkey").text.strip())
    checkpoint, _ = open_checkpoint(client.get("/log/checkpoint").content, verifier)
    assert checkpoint.size == len(LOGGED)

    def fetch(path: str) -> bytes:
        response = client.get(f"/log/{path}")
        assert response.status_code == 200, path
        return response.content

    reader = tiles.TileHashReader(fetch, checkpoint.size)
    assert merkle.tree_root(reader, checkpoint.size) == checkpoint.root_hash
    for index in (0, 255, 256, 599):
        bundle = tiles.tile_for(0, index, checkpoint.size)
        served = fetch(tiles.Tile(None, bundle.index, bundle.width).path)
        entry = tiles.decode_bundle(served, bundle.width)[index % 256]
        assert entry == LOGGED[index]
        proof = merkle.inclusion_proof(reader, index, checkpoint.size)
        merkle.verify_inclusion(
            merkle.leaf_hash(entry), index, checkpoint.size, proof, checkpoint.root_hash
        )


def test_full_tiles_are_cached_forever_partial_tiles_and_the_checkpoint_briefly(
    client: TestClient, published: None
) -> None:
    full = client.get("/log/tile/0/000")
    assert full.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert full.headers["content-type"] == "application/octet-stream"
    assert len(full.content) == 256 * 32
    partial = client.get("/log/tile/entries/002.p/88")
    assert partial.headers["cache-control"] == "public, max-age=60"
    assert tiles.decode_bundle(partial.content, 88) == LOGGED[512:]
    checkpoint = client.get("/log/checkpoint")
    assert checkpoint.headers["cache-control"] == "no-cache"
    assert checkpoint.headers["content-type"].startswith("text/plain")


def test_a_narrower_partial_tile_than_the_stored_one_is_its_prefix(
    client: TestClient, published: None
) -> None:
    """Tiles of older tree sizes stay available, so older checkpoints stay auditable."""
    hashes = client.get("/log/tile/0/002.p/3")
    assert hashes.content == tiles.leaf_tile(LOGGED[512:515])
    bundle = client.get("/log/tile/entries/001.p/1")
    assert tiles.decode_bundle(bundle.content, 1) == [LOGGED[256]]


@pytest.mark.parametrize(
    "path",
    [
        "0/003",  # beyond the tree
        "0/002",  # full, but the tree has only 88 hashes there
        "0/002.p/89",  # wider than the tree
        "0/x000/002.p/88",  # not the canonical spelling
        "0/002.p/256",
        "2/000",
        "entries/000.p/0",
        "64/000",
        "0/abc",
    ],
)
def test_tiles_the_log_does_not_have_are_not_found(
    client: TestClient, published: None, path: str
) -> None:
    assert client.get(f"/log/tile/{path}").status_code == 404


def test_an_empty_log_has_no_checkpoint_yet(client: TestClient) -> None:
    response = client.get("/log/checkpoint")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
