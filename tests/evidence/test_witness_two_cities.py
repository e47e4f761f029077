"""Two cities on loopback: city A's platform witnesses city B's log (c2sp.org/tlog-witness), and a
receipt from city B verifies with B's log key and a 1-of-1 witness policy of A's witness key.

Both are real `ipprotect serve` processes, each with its own data directory and SQLite database
(migrated here as `ipprotect db upgrade` does); they are started side by side to keep the test
quick.
City B's log is filled and published from this process, against B's database, as its own
publication would; B then asks A over HTTP.
"""

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ipprotect.core import migrate
from ipprotect.core.audit import AuditEvent
from ipprotect.db import make_engine
from ipprotect.evidence import keys, log, receipts, witness, witnessing
from ipprotect.evidence.checkpoint import open_checkpoint
from ipprotect.evidence.cosignature import WitnessPolicy
from ipprotect.evidence.models import Cosignature, LogState, SignedCheckpoint, WitnessedLog
from ipprotect.evidence.note import Ed25519Verifier
from ipprotect.evidence.receipt import parse_receipt, verify_receipt
from ipprotect.settings import Settings

IPPROTECT = Path(sys.executable).with_name("ipprotect")  # the console script of this venv
START_SECONDS = 30
ORIGIN_A = "city-a.example/log"
ORIGIN_B = "city-b.example/log"


@dataclass
class Cities:
    a_url: str
    b_url: str
    a_settings: Settings
    b_settings: Settings  # as city B runs: A is its witness
    a_engine: Engine
    b_engine: Engine

    @property
    def b_log_key(self) -> Ed25519Verifier:
        return keys.log_signer(self.b_settings).verifier()

    @property
    def policy(self) -> WitnessPolicy:
        """Trust a checkpoint of B once A has cosigned it."""
        return WitnessPolicy((witness.witness_verifier(self.a_settings),), 1)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment of one city's processes; the working directory is its data directory,
    so no developer's .env is read."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("IPPROTECT_")}
    return {
        **inherited,
        "IPPROTECT_DATA_DIR": str(settings.data_dir),
        "IPPROTECT_DATABASE_URL": "",
        "IPPROTECT_LOG_ORIGIN": settings.log_origin,
        "IPPROTECT_PUBLISH_INTERVAL_SECONDS": "0",
        **extra,
    }


def _wait_until_healthy(server: subprocess.Popen[bytes], url: str, output: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        try:
            code = server.wait(timeout=0.1)  # paces the polling and notices an early exit
        except subprocess.TimeoutExpired:
            continue
        pytest.fail(f"{url} exited with {code}:\n{output.read_text()}")
    pytest.fail(f"{url} did not answer within {START_SECONDS}s:\n{output.read_text()}")


@pytest.fixture(scope="module")
def cities(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cities]:
    a_port, b_port = _free_port(), _free_port()
    a_url, b_url = f"http://127.0.0.1:{a_port}", f"http://127.0.0.1:{b_port}"
    a = Settings(data_dir=tmp_path_factory.mktemp("city-a"), database_url="", log_origin=ORIGIN_A)
    b_alone = Settings(
        data_dir=tmp_path_factory.mktemp("city-b"), database_url="", log_origin=ORIGIN_B
    )
    # The keys each city makes on first use, read as their operators would hand them over.
    a_witness_vkey = witness.witness_verifier(a).to_text()
    b_log_vkey = keys.log_signer(b_alone).verifier().to_text()
    witnesses = [{"url": f"{a_url}/witness", "vkey": a_witness_vkey}]
    b = b_alone.model_copy(update={"witnesses": witnesses})
    envs = {
        "a": _env(a, IPPROTECT_WITNESSED_LOGS=json.dumps([b_log_vkey])),
        "b": _env(b, IPPROTECT_WITNESSES=json.dumps(witnesses)),
    }
    dirs = {"a": a.data_dir, "b": b.data_dir}
    a_engine, b_engine = make_engine(a), make_engine(b)
    for engine in (a_engine, b_engine):
        # What `ipprotect db upgrade` does, without paying for two more interpreters.
        with engine.begin() as connection:
            migrate.upgrade(connection)
    servers = []
    try:
        for city, port in (("a", a_port), ("b", b_port)):
            output = dirs[city] / "server.log"
            with output.open("wb") as sink:
                servers.append(
                    subprocess.Popen(
                        [IPPROTECT, "serve", "--host", "127.0.0.1", "--port", str(port)],
                        env=envs[city],
                        cwd=dirs[city],
                        stdout=sink,
                        stderr=subprocess.STDOUT,
                    )
                )
        for server, url, city in zip(servers, (a_url, b_url), "ab", strict=True):
            _wait_until_healthy(server, url, dirs[city] / "server.log")
        yield Cities(a_url, b_url, a, b, a_engine, b_engine)
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        a_engine.dispose()
        b_engine.dispose()


def _grow_and_publish(cities: Cities, count: int, *, witnessed: bool = True) -> SignedCheckpoint:
    """Log `count` more entries in city B, sign a checkpoint and, when `witnessed`, have A
    cosign it."""
    with Session(cities.b_engine, expire_on_commit=False) as session:
        state = session.get(LogState, log.STATE_ID)
        assert state is not None
        first = state.size
        log.append(session, [f"city B deposit {first + i}".encode() for i in range(count)])
        session.commit()
        signed = log.publish(session, keys.log_signer(cities.b_settings), ORIGIN_B)
        assert signed is not None
        session.commit()
        if witnessed:
            witnessing.collect_cosignatures(session, cities.b_settings, signed)
            session.commit()
        return signed


def _receipt(cities: Cities, index: int) -> str:
    with Session(cities.b_engine) as session:
        receipt = receipts.receipt_for(session, index)
    assert receipt is not None
    return receipt


def _meets_policy(cities: Cities, note: str) -> bool:
    _, signatures = open_checkpoint(note.encode(), cities.b_log_key, list(cities.policy.witnesses))
    return cities.policy.satisfied_by(signatures)


def test_a_receipt_of_city_b_verifies_with_its_log_key_and_city_a_as_1_of_1_witness(
    cities: Cities,
) -> None:
    signed = _grow_and_publish(cities, 5)
    receipt = parse_receipt(_receipt(cities, 3))
    assert receipt.extra == b"city B deposit 3"
    verify_receipt(receipt, entry=receipt.extra)
    assert receipt.checkpoint.size == signed.size
    assert _meets_policy(cities, receipt.note)
    # City B serves the cosigned checkpoint; city A persisted what it cosigned.
    assert _meets_policy(cities, httpx.get(f"{cities.b_url}/log/checkpoint").text)
    with Session(cities.a_engine) as session:
        state = session.get(WitnessedLog, ORIGIN_B)
        assert state is not None
        assert (state.size, state.root_hash) == (signed.size, signed.root_hash)


def test_a_receipt_whose_checkpoint_city_a_has_not_cosigned_fails_the_policy(
    cities: Cities,
) -> None:
    _grow_and_publish(cities, 2, witnessed=False)
    receipt = parse_receipt(_receipt(cities, 0))
    verify_receipt(receipt, entry=b"city B deposit 0")  # the log's own proof still holds
    assert not _meets_policy(cities, receipt.note)


def test_city_b_growth_is_cosigned_again_from_the_size_city_a_cosigned_before(
    cities: Cities,
) -> None:
    before = _grow_and_publish(cities, 3)
    after = _grow_and_publish(cities, 300)
    assert _meets_policy(cities, parse_receipt(_receipt(cities, after.size - 1)).note)
    with Session(cities.a_engine) as session:
        event = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "witness.cosign")
            .order_by(AuditEvent.id.desc())
        ).first()
    assert event is not None
    assert (event.before or {})["size"] == before.size
    assert (event.after or {})["size"] == after.size
    with Session(cities.b_engine) as session:
        cosigned = session.scalars(select(Cosignature.checkpoint_size)).all()
    assert {before.size, after.size} <= set(cosigned)
