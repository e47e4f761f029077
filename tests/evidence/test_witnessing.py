"""This log asking its witnesses to cosign its checkpoints (c2sp.org/tlog-witness, client side).

The witness here is this same platform, witnessing its own log through the test client: the
protocol is the same, and the two-city test (test_witness_two_cities.py) runs it between two
real servers.
"""

import logging
import socket
from collections.abc import Iterator

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ipprotect.evidence import keys, log, witness, witnessing
from ipprotect.evidence.checkpoint import open_checkpoint
from ipprotect.evidence.cosignature import CosignatureSigner, WitnessPolicy
from ipprotect.evidence.models import Cosignature, SignedCheckpoint, WitnessedLog
from ipprotect.settings import Settings

WITNESS_URL = "http://testserver/witness"


@pytest.fixture
def city(settings: Settings) -> Settings:
    """A city whose log is witnessed by its own witness."""
    return settings.model_copy(
        update={
            "witnessed_logs": [keys.log_signer(settings).verifier().to_text()],
            "witnesses": [
                {"url": WITNESS_URL, "vkey": witness.witness_verifier(settings).to_text()}
            ],
        }
    )


@pytest.fixture
def http(app: FastAPI, city: Settings) -> Iterator[TestClient]:
    app.state.settings = city
    with TestClient(app) as client:
        yield client


def _publish(db: Session, city: Settings, entries: int) -> SignedCheckpoint:
    log.append(db, [f"entry {i}".encode() for i in range(entries)])
    signed = log.publish(db, keys.log_signer(city), city.log_origin)
    assert signed is not None
    return signed


def _policy(city: Settings) -> WitnessPolicy:
    return WitnessPolicy((witness.witness_verifier(city),), 1)


def _satisfied(published: bytes, city: Settings) -> bool:
    log_key = keys.log_signer(city).verifier()
    _, signatures = open_checkpoint(published, log_key, [witness.witness_verifier(city)])
    return _policy(city).satisfied_by(signatures)


def test_a_published_checkpoint_is_cosigned_and_served_with_the_cosignature(
    db: Session, city: Settings, http: TestClient
) -> None:
    signed = _publish(db, city, 5)
    assert _satisfied(http.get("/log/checkpoint").content, city) is False
    [row] = witnessing.collect_cosignatures(db, city, signed, http)
    assert row.checkpoint_size == signed.size
    assert row.witness == city.effective_witness_name
    served = http.get("/log/checkpoint").content
    assert served.startswith(signed.note.encode())
    assert served.decode().endswith(f"{row.signature_line}\n")
    assert _satisfied(served, city)


def test_the_next_checkpoint_is_sent_with_a_proof_from_the_size_the_witness_cosigned(
    db: Session, city: Settings, http: TestClient
) -> None:
    first = _publish(db, city, 3)
    assert witnessing.collect_cosignatures(db, city, first, http)
    second = _publish(db, city, 300)
    [row] = witnessing.collect_cosignatures(db, city, second, http)
    assert row.checkpoint_size == second.size
    # The witness only moves on from size 3 with a proof that verifies (else 409 or 422).
    state = db.get(WitnessedLog, city.log_origin)
    assert state is not None
    assert (state.size, state.root_hash) == (second.size, second.root_hash)


def test_a_witness_holding_one_of_our_sizes_is_asked_again_from_it(
    db: Session, city: Settings, http: TestClient
) -> None:
    """Our record of its cosignatures is lost: we send old 0, it answers 409 with the size it
    holds, a size we signed, so we ask once more from there."""
    first = _publish(db, city, 4)
    assert witnessing.collect_cosignatures(db, city, first, http)
    db.execute(delete(Cosignature))
    second = _publish(db, city, 6)
    [row] = witnessing.collect_cosignatures(db, city, second, http)
    assert row.checkpoint_size == second.size
    assert _satisfied(http.get("/log/checkpoint").content, city)


def test_a_witness_holding_a_size_we_never_signed_is_skipped_and_logged(
    db: Session, city: Settings, http: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    signed = _publish(db, city, 4)
    db.add(WitnessedLog(origin=city.log_origin, size=3, root_hash=bytes(32)))
    db.flush()
    with caplog.at_level(logging.WARNING, logger=witnessing.__name__):
        assert witnessing.collect_cosignatures(db, city, signed, http) == []
    assert "holds size 3" in caplog.text
    assert db.scalars(select(Cosignature)).all() == []


@pytest.mark.parametrize("name", ["same-name", "other-name"])
def test_a_cosignature_that_the_configured_key_does_not_verify_is_not_kept(
    db: Session, city: Settings, http: TestClient, name: str
) -> None:
    other = CosignatureSigner(
        city.effective_witness_name if name == "same-name" else "elsewhere.example/witness",
        Ed25519PrivateKey.generate(),
        0,
    )
    wrong_key = city.model_copy(
        update={"witnesses": [{"url": WITNESS_URL, "vkey": other.verifier().to_text()}]}
    )
    signed = _publish(db, city, 4)
    assert witnessing.collect_cosignatures(db, wrong_key, signed, http) == []
    assert db.scalars(select(Cosignature)).all() == []


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_a_failing_or_misconfigured_witness_never_blocks_the_others(
    db: Session, city: Settings, http: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    good = city.witnesses[0]
    broken = [
        {"url": "http://testserver/nowhere", "vkey": good["vkey"]},  # answers 404
        {"url": WITNESS_URL},
        {"url": WITNESS_URL, "vkey": "not a key"},
    ]
    many = city.model_copy(update={"witnesses": [*broken, good, good]})
    signed = _publish(db, city, 4)
    with caplog.at_level(logging.WARNING, logger=witnessing.__name__):
        rows = witnessing.collect_cosignatures(db, many, signed, http)
    assert [r.witness for r in rows] == [city.effective_witness_name]
    assert caplog.text.count("did not cosign") == len(broken)


def test_the_default_client_reports_a_refused_connection_as_a_skipped_witness(
    db: Session, city: Settings
) -> None:
    down = city.model_copy(
        update={
            "witnesses": [
                {"url": f"http://127.0.0.1:{_closed_port()}", "vkey": city.witnesses[0]["vkey"]}
            ]
        }
    )
    assert witnessing.collect_cosignatures(db, down, _publish(db, city, 2)) == []


def test_a_witness_that_already_cosigned_the_checkpoint_is_not_asked_again(
    db: Session, city: Settings, http: TestClient
) -> None:
    signed = _publish(db, city, 4)
    assert witnessing.collect_cosignatures(db, city, signed, http)

    def refuse(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"asked {request.url} again")

    with httpx.Client(transport=httpx.MockTransport(refuse)) as never:
        assert witnessing.collect_cosignatures(db, city, signed, never) == []
