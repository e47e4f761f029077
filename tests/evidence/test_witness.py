"""This instance as a witness of another city's log: `POST /witness/add-checkpoint` answers as
c2sp.org/tlog-witness says, and cosigns only checkpoints that extend what it cosigned before."""

import base64
import hashlib
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ipprotect.cli import app as cli
from ipprotect.core.audit import AuditEvent
from ipprotect.evidence import checkpoint, cosignature, merkle, note, witness
from ipprotect.evidence.checkpoint import Checkpoint
from ipprotect.evidence.models import WitnessedLog
from ipprotect.evidence.note import Ed25519Signer
from ipprotect.settings import Settings, get_settings

ORIGIN = "city-b.example/log"
CITY_B = Ed25519Signer(ORIGIN, Ed25519PrivateKey.generate())
LEAVES = [merkle.leaf_hash(f"deposit {i}".encode()) for i in range(40)]
URL = "/witness/add-checkpoint"


def _subtree(level: int, index: int) -> bytes:
    return merkle.root(LEAVES[index << level : (index + 1) << level])


def _root(size: int) -> bytes:
    return merkle.root(LEAVES[:size])


def _signed(size: int, root: bytes | None = None, signer: Ed25519Signer = CITY_B) -> bytes:
    body = Checkpoint(signer.name, size, _root(size) if root is None else root).to_text()
    return note.sign(body, [signer])


def _request(old: int, size: int, proof: list[bytes] | None = None, signed: bytes = b"") -> bytes:
    hashes = merkle.consistency_proof(_subtree, old, size) if proof is None else proof
    lines = "".join(f"{base64.b64encode(h).decode()}\n" for h in hashes)
    return f"old {old}\n{lines}\n".encode() + (signed or _signed(size))


@pytest.fixture
def witness_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"witnessed_logs": [CITY_B.verifier().to_text()]})


@pytest.fixture
def witness_client(app: FastAPI, witness_settings: Settings) -> Iterator[TestClient]:
    app.state.settings = witness_settings
    with TestClient(app) as client:
        yield client


def _state(db: Session) -> tuple[int, bytes] | None:
    db.expire_all()
    row = db.get(WitnessedLog, ORIGIN)
    return None if row is None else (row.size, row.root_hash)


def _cosigned(response_text: str, size: int, settings: Settings) -> list[note.Signature]:
    """The witness's verified signatures on the checkpoint of `size` (the answer appended to
    it, as tlog-witness suggests clients do)."""
    whole = _signed(size) + response_text.encode()
    _, signatures = checkpoint.open_checkpoint(
        whole, CITY_B.verifier(), [witness.witness_verifier(settings)]
    )
    return [s for s in signatures if s.name == settings.effective_witness_name]


def test_the_first_checkpoint_is_cosigned_from_old_size_0_with_an_empty_proof(
    witness_client: TestClient, witness_settings: Settings, db: Session
) -> None:
    before = int(time.time())
    response = witness_client.post(URL, content=_request(0, 7))
    assert response.status_code == 200, response.text
    assert response.text.startswith("— ")
    assert response.text.endswith("\n")
    [cosig] = _cosigned(response.text, 7, witness_settings)
    assert before <= cosignature.timestamp_of(cosig) <= int(time.time())
    assert _state(db) == (7, _root(7))


def test_growth_proved_consistent_is_cosigned_and_recorded_with_an_audit_event(
    witness_client: TestClient, witness_settings: Settings, db: Session
) -> None:
    assert witness_client.post(URL, content=_request(0, 5)).status_code == 200
    response = witness_client.post(URL, content=_request(5, 13))
    assert response.status_code == 200, response.text
    assert _cosigned(response.text, 13, witness_settings)
    assert _state(db) == (13, _root(13))
    events = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "witness.cosign").order_by(AuditEvent.id)
    ).all()
    assert [(e.before or {}).get("size") for e in events] == [0, 5]
    assert [(e.after or {}).get("size") for e in events] == [5, 13]
    assert events[-1].object_id == hashlib.sha256(ORIGIN.encode()).hexdigest()


def test_the_same_checkpoint_sent_again_is_cosigned_again(
    witness_client: TestClient, witness_settings: Settings, db: Session
) -> None:
    assert witness_client.post(URL, content=_request(0, 9)).status_code == 200
    again = witness_client.post(URL, content=_request(9, 9))
    assert again.status_code == 200, again.text
    assert _cosigned(again.text, 9, witness_settings)
    assert _state(db) == (9, _root(9))


@pytest.mark.parametrize("stale", [0, 5, 9])
def test_an_old_size_that_is_not_the_witness_size_gets_409_with_that_size(
    witness_client: TestClient, db: Session, stale: int
) -> None:
    assert witness_client.post(URL, content=_request(0, 8)).status_code == 200
    response = witness_client.post(URL, content=_request(stale, 12))
    assert response.status_code == 409
    assert response.headers["content-type"] == "text/x.tlog.size"
    assert response.text == "8\n"
    assert _state(db) == (8, _root(8))


def test_a_log_never_seen_has_size_0_for_the_witness(witness_client: TestClient) -> None:
    response = witness_client.post(URL, content=_request(3, 6))
    assert response.status_code == 409
    assert response.text == "0\n"


def test_the_witness_never_rolls_a_log_back(witness_client: TestClient, db: Session) -> None:
    """An old size above the checkpoint's size is a bad request (§add-checkpoint)."""
    assert witness_client.post(URL, content=_request(0, 20)).status_code == 200
    body = b"old 20\n\n" + _signed(10)
    response = witness_client.post(URL, content=body)
    assert response.status_code == 400
    assert response.json()["code"] == "witness_request_malformed"
    assert _state(db) == (20, _root(20))


def test_another_root_for_the_size_already_cosigned_is_a_conflict(
    witness_client: TestClient, db: Session
) -> None:
    """A log that signs two trees of one size shows a split view: refused, not cosigned."""
    assert witness_client.post(URL, content=_request(0, 8)).status_code == 200
    forked = _signed(8, root=hashlib.sha256(b"another tree").digest())
    response = witness_client.post(URL, content=_request(8, 8, signed=forked))
    assert response.status_code == 409
    assert response.json()["code"] == "checkpoint_root_conflict"
    assert _state(db) == (8, _root(8))


def _tampered(proof: list[bytes]) -> list[bytes]:
    return [bytes([proof[0][0] ^ 1]) + proof[0][1:], *proof[1:]]


@pytest.mark.parametrize(
    ("old", "proof"),
    [
        (6, _tampered(merkle.consistency_proof(_subtree, 6, 13))),
        (6, merkle.consistency_proof(_subtree, 6, 13)[:-1]),  # one hash short
        (6, merkle.consistency_proof(_subtree, 5, 13)),  # the proof of another size
        (0, [merkle.leaf_hash(b"x")]),  # an old size of 0 takes an empty proof
    ],
    ids=["tampered", "short", "other-size", "not-empty-from-0"],
)
def test_a_consistency_proof_that_does_not_verify_gets_422_and_changes_nothing(
    witness_client: TestClient, db: Session, old: int, proof: list[bytes]
) -> None:
    if old:
        assert witness_client.post(URL, content=_request(0, old)).status_code == 200
    response = witness_client.post(URL, content=_request(old, 13, proof=proof))
    assert response.status_code == 422
    assert response.json()["code"] == "consistency_proof_invalid"
    assert _state(db) == ((old, _root(old)) if old else None)


def test_a_checkpoint_of_a_log_it_does_not_witness_gets_404(
    witness_client: TestClient, db: Session
) -> None:
    stranger = Ed25519Signer("stranger.example/log", Ed25519PrivateKey.generate())
    response = witness_client.post(URL, content=_request(0, 4, signed=_signed(4, signer=stranger)))
    assert response.status_code == 404
    assert db.get(WitnessedLog, "stranger.example/log") is None


def test_a_checkpoint_not_signed_by_the_log_key_gets_403(witness_client: TestClient) -> None:
    impostor = Ed25519Signer(ORIGIN, Ed25519PrivateKey.generate())
    response = witness_client.post(URL, content=_request(0, 4, signed=_signed(4, signer=impostor)))
    assert response.status_code == 403
    assert response.json()["code"] == "checkpoint_signature_invalid"


def test_a_broken_signature_by_the_log_key_gets_403(
    witness_client: TestClient, db: Session
) -> None:
    text = Checkpoint(ORIGIN, 4, _root(4)).to_text()
    good = note.signature_for(text, CITY_B)
    broken = note.Signature(good.name, good.key_id, bytes(64))
    response = witness_client.post(
        URL, content=_request(0, 4, signed=f"{text}\n{broken.line()}".encode())
    )
    assert response.status_code == 403
    assert _state(db) is None


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"old 0\n",  # no empty line, no checkpoint
        b"old 01\n\n" + _signed(4),  # a leading zero
        b"old -1\n\n" + _signed(4),
        b"old  0\n\n" + _signed(4),
        b"Old 0\n\n" + _signed(4),
        f"old {2**64}\n\n".encode() + _signed(4),
        b"old 2\nnot base64!\n\n" + _signed(4),
        b"old 2\n" + base64.b64encode(b"short") + b"\n\n" + _signed(4),  # not 32 bytes
        b"old 2\n"
        + b"".join(base64.b64encode(LEAVES[0]) + b"\n" for _ in range(64))
        + b"\n"
        + _signed(4),  # more than 63 proof lines
        "old 0\u00e9\n\n".encode() + _signed(4),
        b"old 0\n\n" + Checkpoint(ORIGIN, 4, _root(4)).to_text().encode(),  # no signatures
        b"old 0\n\n" + note.sign(f"{ORIGIN}\nfour\n", [CITY_B]),  # signed, not a checkpoint
        b"old 0\n\n\xff\xfe\n",
        b"old 0\n\n" + ORIGIN.encode(),  # no newline after the origin
        b"old 0\n\n" + _signed(2**63, root=bytes(32)),  # a size no database column holds
    ],
)
def test_a_malformed_request_gets_400(witness_client: TestClient, db: Session, body: bytes) -> None:
    response = witness_client.post(URL, content=body)
    assert response.status_code == 400, response.text
    assert _state(db) is None


def test_a_request_larger_than_any_add_checkpoint_gets_413(witness_client: TestClient) -> None:
    body = _request(0, 4) + b"x" * witness.MAX_BODY_SIZE
    assert witness_client.post(URL, content=body).status_code == 413


def test_the_witness_key_is_made_once_readable_only_by_its_owner(settings: Settings) -> None:
    first = witness.witness_verifier(settings).to_text()
    assert witness.witness_verifier(settings).to_text() == first
    path = witness.key_path(settings)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    parsed = cosignature.parse_witness_key(first)
    assert parsed.name == settings.effective_witness_name


def test_the_witness_name_defaults_to_the_log_host_and_a_renamed_key_is_refused(
    settings: Settings,
) -> None:
    assert settings.model_copy(
        update={"log_origin": "ip.hz.gov.cn/log"}
    ).effective_witness_name == ("ip.hz.gov.cn/witness")
    witness.witness_verifier(settings)  # made under the default name
    renamed = settings.model_copy(update={"witness_name": "renamed.example/witness"})
    with pytest.raises(witness.WitnessKeyError):
        witness.witness_verifier(renamed)


def test_witness_vkey_prints_the_key_that_checks_the_cosignatures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IPPROTECT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("IPPROTECT_LOG_ORIGIN", "ip.sz.gov.cn/log")
    get_settings.cache_clear()
    try:
        printed = CliRunner().invoke(cli, ["evidence", "witness-vkey"])
        assert printed.exit_code == 0, printed.output
        key = cosignature.parse_witness_key(printed.output.strip())
        assert key.name == "ip.sz.gov.cn/witness"
        signer = witness.witness_signer(get_settings(), 1_700_000_000)
        text = Checkpoint(ORIGIN, 4, _root(4)).to_text()
        assert key.verify(text.encode(), signer.sign(text.encode()))

        monkeypatch.setenv("IPPROTECT_WITNESS_NAME", "other.example/witness")
        get_settings.cache_clear()
        refused = CliRunner().invoke(cli, ["evidence", "witness-vkey"])
        assert refused.exit_code == 1
        assert "IPPROTECT_WITNESS_NAME" in refused.output
    finally:
        get_settings.cache_clear()
