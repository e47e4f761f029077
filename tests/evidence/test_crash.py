"""A crash in the middle of a bulk deposit: the real server (`ipprotect serve`, SQLite) is killed
with SIGKILL (`kill -9`) while clients are depositing concurrently, then started again.

A deposit is acknowledged (201) only after the transaction that logged it is committed, so after
the restart every acknowledged deposit must be there with the log index it was given, the
indices must run without a gap, and the log must hold together: the integrity check passes,
`ipprotect evidence publish` signs, and the checkpoint it serves is reproduced by the tiles it
serves, which prove the acknowledged entries included.
"""

import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import select

from ipprotect.core import audit, auth
from ipprotect.core.auth import Role
from ipprotect.db import make_engine, make_sessionmaker
from ipprotect.evidence import entries, integrity, log, merkle, note, receipts, tiles
from ipprotect.evidence.checkpoint import open_checkpoint
from ipprotect.evidence.models import Deposit, LogState
from ipprotect.settings import Settings
from tests.factories import XIHU

IPPROTECT = Path(sys.executable).with_name("ipprotect")  # the console script of this venv
CLIENTS = 16
ACKNOWLEDGED_BEFORE_KILL = 150
START_SECONDS = 30


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _env(data_dir: Path) -> dict[str, str]:
    # The working directory is the data directory, so a developer's .env is not read.
    return {**os.environ, "IPPROTECT_DATA_DIR": str(data_dir), "IPPROTECT_DATABASE_URL": ""}


def _ipprotect(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [IPPROTECT, *args], env=_env(data_dir), cwd=data_dir, capture_output=True, text=True
    )


@contextmanager
def serving(data_dir: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`ipprotect serve` on a free loopback port, once it answers /api/v1/health."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with (data_dir / "server.log").open("ab") as output:
        server = subprocess.Popen(
            [IPPROTECT, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=_env(data_dir),
            cwd=data_dir,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        for _ in range(START_SECONDS * 10):
            try:
                with urllib.request.urlopen(f"{url}/api/v1/health", timeout=1) as response:  # noqa: S310 - our own http://127.0.0.1 URL
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError):
                pass
            try:
                # Waiting on the process both paces the polling and notices an early exit.
                code = server.wait(timeout=0.1)
            except subprocess.TimeoutExpired:
                continue
            raise AssertionError(f"the server exited with {code}")
        else:
            raise AssertionError(f"the server did not answer within {START_SECONDS} s")
        yield url, server
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(timeout=30)


class Depositors:
    """Clients depositing hashes concurrently, each remembering what the server acknowledged."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self.token = token
        self.acknowledged: dict[str, dict[str, int]] = {}  # sha256 -> {"id", "log_index"}
        self.unanswered = 0  # requests cut off by the crash
        self.errors: list[str] = []
        self.enough = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, args=(n,)) for n in range(CLIENTS)]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def join(self) -> None:
        for thread in self._threads:
            thread.join()

    def _run(self, client: int) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.url, headers=headers, timeout=30) as http:
            for number in range(10_000):
                sha256 = secrets.token_hex(32)
                # Multipart like a browser's form, without a file: a hash-only deposit.
                fields = {
                    "title": (None, f"崩溃测试 {client}-{number}"),
                    "sha256": (None, sha256),
                    "size": (None, str(number + 1)),
                    "media_type": (None, "image/png"),
                    "region_code": (None, XIHU),
                }
                try:
                    response = http.post("/api/v1/evidence/deposits", files=fields)
                except httpx.TransportError:
                    with self._lock:
                        self.unanswered += 1
                    return
                with self._lock:
                    if response.status_code != 201:
                        self.errors.append(f"{response.status_code} {response.text[:300]}")
                        self.enough.set()
                        return
                    body = response.json()
                    self.acknowledged[sha256] = {"id": body["id"], "log_index": body["log_index"]}
                    if len(self.acknowledged) >= ACKNOWLEDGED_BEFORE_KILL:
                        self.enough.set()


def test_after_a_kill_9_during_a_bulk_deposit_every_acknowledged_deposit_is_in_a_sound_log(
    tmp_path: Path,
) -> None:
    assert _ipprotect(tmp_path, "db", "upgrade").returncode == 0
    settings = Settings(data_dir=tmp_path, database_url="")
    engine = make_engine(settings)
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        _, token = auth.create_token(
            session,
            audit.Actor(None, "crash test", None),
            name="bulk depositor",
            region_codes=[XIHU],
            role=Role.SYSTEM,
        )
        session.commit()

    with serving(tmp_path) as (url, server):
        depositors = Depositors(url, token)
        depositors.start()
        assert depositors.enough.wait(timeout=60), "too few deposits were acknowledged"
        server.send_signal(signal.SIGKILL)  # kill -9: no shutdown, no flush, mid-request
        server.wait(timeout=30)
        depositors.join()
    assert depositors.errors == []
    assert len(depositors.acknowledged) >= ACKNOWLEDGED_BEFORE_KILL
    assert depositors.unanswered > 0  # the kill cut requests off in flight

    with serving(tmp_path) as (url, _server):
        published = _ipprotect(tmp_path, "evidence", "publish")
        assert published.returncode == 0, published.stdout + published.stderr
        checked = _ipprotect(tmp_path, "evidence", "check")
        assert checked.returncode == 0, checked.stdout + checked.stderr

        with sessions() as session:
            state = session.get(LogState, log.STATE_ID)
            assert state is not None
            size = state.size
            stored = {d.sha256: d for d in session.scalars(select(Deposit))}
            assert integrity.open_alarms(session) == []  # the start-up check found the log sound
            for sha256, answer in depositors.acknowledged.items():
                assert sha256 in stored, f"acknowledged deposit {answer} is missing"
                deposit = stored[sha256]
                assert (deposit.id, deposit.log_index) == (answer["id"], answer["log_index"])
                entry = entries.decode(receipts.entry_at(session, deposit.log_index, size))
                assert entry["sha256"] == sha256
            # Every index taken by exactly one deposit, none skipped, none beyond the tree.
            assert sorted(d.log_index for d in stored.values()) == list(range(size))

        with httpx.Client(base_url=url, timeout=30) as http:
            vkey = note.parse_verifier_key(http.get("/api/v1/evidence/vkey").text.strip())
            checkpoint, _ = open_checkpoint(http.get("/log/checkpoint").content, vkey)
            assert checkpoint.size == size

            def served(path: str) -> bytes:
                response = http.get(f"/log/{path}")
                assert response.status_code == 200, path
                return response.content

            reader = tiles.TileHashReader(served, size)
            assert merkle.tree_root(reader, size) == checkpoint.root_hash
            acknowledged = list(depositors.acknowledged.values())
            for answer in acknowledged[:: max(1, len(acknowledged) // 20)]:
                index = answer["log_index"]
                bundle = tiles.tile_for(0, index, size)
                entry = tiles.decode_bundle(
                    served(tiles.Tile(None, bundle.index, bundle.width).path), bundle.width
                )[index % tiles.TILE_WIDTH]
                proof = merkle.inclusion_proof(reader, index, size)
                merkle.verify_inclusion(
                    merkle.leaf_hash(entry), index, size, proof, checkpoint.root_hash
                )
    engine.dispose()
