"""JSON proofs: an inclusion proof of an entry and a consistency proof between two signed trees,
each checked here with the pure verifiers against the signed checkpoint's root."""

import base64

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ipprotect.evidence import log, merkle, publication
from ipprotect.settings import Settings

FIRST = [f"entry {i}".encode() for i in range(300)]
LATER = [f"entry {i}".encode() for i in range(300, 1000)]


def _hashes(values: list[str]) -> list[bytes]:
    return [base64.b64decode(v) for v in values]


@pytest.fixture
def two_checkpoints(app: FastAPI, db: Session, settings: Settings) -> tuple[bytes, bytes]:
    log.append(db, FIRST)
    first = publication.publish(settings, app.state.sessionmaker)
    log.append(db, LATER)
    second = publication.publish(settings, app.state.sessionmaker)
    assert first is not None
    assert second is not None
    return first.root_hash, second.root_hash


def test_an_inclusion_proof_verifies_against_the_latest_signed_root(
    client: TestClient, two_checkpoints: tuple[bytes, bytes]
) -> None:
    _, root = two_checkpoints
    body = client.get("/api/v1/evidence/proofs/inclusion", params={"index": 777}).json()
    assert body["tree_size"] == 1000
    assert base64.b64decode(body["root_hash"]) == root
    assert base64.b64decode(body["leaf_hash"]) == merkle.leaf_hash(b"entry 777")
    merkle.verify_inclusion(merkle.leaf_hash(b"entry 777"), 777, 1000, _hashes(body["proof"]), root)


def test_an_inclusion_proof_in_an_older_signed_tree(
    client: TestClient, two_checkpoints: tuple[bytes, bytes]
) -> None:
    root, _ = two_checkpoints
    body = client.get(
        "/api/v1/evidence/proofs/inclusion", params={"index": 5, "tree_size": 300}
    ).json()
    merkle.verify_inclusion(merkle.leaf_hash(b"entry 5"), 5, 300, _hashes(body["proof"]), root)


def test_a_consistency_proof_links_the_two_signed_trees(
    client: TestClient, two_checkpoints: tuple[bytes, bytes]
) -> None:
    old, new = two_checkpoints
    body = client.get("/api/v1/evidence/proofs/consistency", params={"size1": 300}).json()
    assert (body["size1"], body["size2"]) == (300, 1000)
    assert base64.b64decode(body["root1"]) == old
    merkle.verify_consistency(300, 1000, _hashes(body["proof"]), old, new)


@pytest.mark.parametrize(
    ("path", "params", "field", "code"),
    [
        ("inclusion", {"index": 1000}, "index", "index_out_of_range"),
        ("inclusion", {"index": 1, "tree_size": 1001}, "tree_size", "tree_size_unsigned"),
        ("consistency", {"size1": 1001}, "size1", "size_order"),
        ("consistency", {"size1": 2, "size2": 5000}, "size2", "tree_size_unsigned"),
    ],
)
def test_sizes_beyond_what_the_log_signed_are_refused_with_the_field(
    client: TestClient,
    two_checkpoints: tuple[bytes, bytes],
    path: str,
    params: dict[str, int],
    field: str,
    code: str,
) -> None:
    response = client.get(f"/api/v1/evidence/proofs/{path}", params=params)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field
    assert response.json()["errors"][0]["code"] == code


def test_before_the_first_checkpoint_there_is_nothing_to_prove(client: TestClient) -> None:
    response = client.get("/api/v1/evidence/proofs/inclusion", params={"index": 0})
    assert response.status_code == 404
    assert response.json()["code"] == "no_checkpoint"
