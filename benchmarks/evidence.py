"""The evidence log at scale: sequencing, proofs, receipts and deposits over HTTP.

What it measures, each beside a baseline measured in the same run:

- bulk append: `evidence.log.append` sequencing 1,000,000 hash-only deposit entries (RFC 8785
  canonical JSON made by `entries.evidence_entry`, about 300 bytes, built before the clock
  starts) in batches of 10,000, one transaction each, as the group commit does. Baseline: a
  plain `executemany` of the same rows (index, entry bytes) into a plain table of the same
  database, committed in the same batches. Batches of the two alternate, so both see the same
  machine. On SQLite, and on PostgreSQL when IPPROTECT_PG_URL is set. Then the stored root is
  checked against a root computed from the entries alone, and the start-up integrity check
  (`integrity.full_check`) is timed on the result;
- inclusion proofs: `log.inclusion_proof` for random entries of logs of 10^4, 10^6 and 10^7
  entries (each its own SQLite database, built with batches of small entries); every proof is
  verified. It must grow like log n: the time per proof is reported divided by log2 n, and
  beside the baseline, one primary-key read of a tile through the DBAPI cursor;
- receipt verification: a c2sp.org/tlog-proof@v1 receipt of the 10^6 log (`receipts.receipt_for`)
  parsed (`receipt.parse_receipt`), its checkpoint's Ed25519 signature checked
  (`checkpoint.open_checkpoint`) and the inclusion of its entry verified
  (`receipt.verify_receipt`). Baseline: a bare SHA-256 of the entry;
- durable deposits over HTTP: a real `ipprotect serve` (uvicorn, SQLite, synchronous=FULL) and
  64 concurrent clients on keep-alive connections, each POSTing hash-only deposits
  (multipart/form-data) to /api/v1/evidence/deposits with a system token: deposits/s and the
  latency percentiles, every answer a 201 and every deposit in the log afterwards. Baseline: the
  same clients asking GET /api/v1/health (one database round trip). The clients are a few lines
  of asyncio, so that they take little of the CPU the server needs.

    scripts/with-postgres.sh .venv/bin/python benchmarks/evidence.py      # the full run
    .venv/bin/python benchmarks/evidence.py --entries 100000 --proof-sizes 10000,100000 \\
        --deposits 5000 --databases sqlite                                  # a quick check

Results: tables on stdout and benchmarks/results/evidence.json.
"""

import argparse
import asyncio
import hashlib
import json
import math
import os
import platform
import random
import secrets
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, create_engine, func, make_url, select, text
from sqlalchemy.orm import Session

from ipprotect.core import audit, auth, ids, migrate
from ipprotect.core.auth import Role
from ipprotect.db import make_engine, make_sessionmaker
from ipprotect.evidence import entries, integrity, log, merkle, receipts, tiles
from ipprotect.evidence.checkpoint import open_checkpoint
from ipprotect.evidence.models import Deposit, LogState
from ipprotect.evidence.note import Ed25519Signer
from ipprotect.evidence.receipt import parse_receipt, verify_receipt
from ipprotect.settings import Settings

RESULTS = Path(__file__).parent / "results"
BENCH_DATABASE = "ipprotect_bench_evidence"
ORIGIN = "bench.ipprotect.example/log"
REGIONS = ["330106", "330102", "330105", "330108", "330110", "110105", "310115", "440305"]
MEDIA_TYPES = ["application/pdf", "image/png", "image/jpeg", "video/mp4", "text/html"]
DEPOSIT_REGION = "330106"  # the benchmark token's scope: Hangzhou, Xihu district
PROOF_BUILD_BATCH = 100_000


def machine() -> dict[str, Any]:
    memory_kib = 0
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_kib = int(line.split()[1])
    cpu = platform.processor()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "memory_gib": round(memory_kib / 2**20, 1),
        "cpu": cpu,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
    }


def percentiles(seconds: list[float], unit: float = 1000.0) -> dict[str, float]:
    """p50/p95/p99/mean/max, in milliseconds by default (`unit` 1e6 for microseconds)."""
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    return {
        "p50": round(cuts[49] * unit, 3),
        "p95": round(cuts[94] * unit, 3),
        "p99": round(cuts[98] * unit, 3),
        "mean": round(statistics.fmean(seconds) * unit, 3),
        "max": round(max(seconds) * unit, 3),
    }


# ---------------------------------------------------------------- databases


@dataclass
class Database:
    name: str  # sqlite | postgresql
    url: str
    engine: Engine
    version: str


def open_sqlite(directory: Path, name: str) -> Database:
    url = f"sqlite:///{directory / name}.sqlite3"
    engine = make_engine(Settings(database_url=url, data_dir=directory))
    with engine.begin() as connection:
        migrate.upgrade(connection)
    return Database("sqlite", url, engine, sqlite3.sqlite_version)


def open_postgresql(server_url: str) -> Database:
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{BENCH_DATABASE}"')
    admin.dispose()
    url = make_url(server_url).set(database=BENCH_DATABASE).render_as_string(hide_password=False)
    engine = make_engine(Settings(database_url=url))
    with engine.begin() as connection:
        migrate.upgrade(connection)
        version = str(connection.exec_driver_sql("SHOW server_version").scalar())
    return Database("postgresql", url, engine, version)


def drop_postgresql(server_url: str) -> None:
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')
    admin.dispose()


# ---------------------------------------------------------------- 1. bulk append


def deposit_entries(count: int, seed: int) -> list[bytes]:
    """Entries as hash-only deposits make them: a file's hash, size and media type, the
    depositor (with an enterprise's USCC for a fifth of them), a region, a title, for half of
    them the URL of the infringing page, and the time received: about 300 bytes each."""
    rng = random.Random(seed)
    start = datetime(2026, 5, 1, tzinfo=UTC)
    usccs = [ids.make_uscc("9", "1", "330106", f"{n:08d}") for n in range(200)]
    made = []
    for i in range(count):
        metadata: dict[str, str | int] = {"title": f"侵权页面截图 {i}"}
        if i % 2:
            metadata["source"] = f"https://shop.example.cn/i/{rng.randrange(10**8)}"
        made.append(
            entries.evidence_entry(
                sha256=rng.randbytes(32).hex(),
                size=rng.randrange(1_000, 50_000_000),
                media_type=rng.choice(MEDIA_TYPES),
                account=f"applicant{rng.randrange(5000)}",
                uscc=rng.choice(usccs) if i % 5 == 0 else None,
                region_code=rng.choice(REGIONS),
                metadata=metadata,
                received_at=start + timedelta(microseconds=i * 997),
            )
        )
    return made


def bulk_append(db: Database, logged: list[bytes], batch: int) -> dict[str, Any]:
    """Time `log.append` (a session and a commit per batch) against executemany of the same
    rows into a plain table (a DBAPI cursor and a commit per batch), batch by batch in turn."""
    factory = make_sessionmaker(db.engine)
    blob = "BLOB" if db.name == "sqlite" else "BYTEA"
    mark = "?" if db.name == "sqlite" else "%s"
    raw = db.engine.raw_connection()
    cursor = raw.cursor()
    cursor.execute(f"CREATE TABLE plain_entries (idx BIGINT PRIMARY KEY, entry {blob} NOT NULL)")
    raw.commit()
    insert = f"INSERT INTO plain_entries (idx, entry) VALUES ({mark}, {mark})"
    log_seconds, plain_seconds = 0.0, 0.0
    for start in range(0, len(logged), batch):
        chunk = logged[start : start + batch]
        started = time.perf_counter()
        cursor.executemany(insert, list(enumerate(chunk, start)))
        raw.commit()
        plain_seconds += time.perf_counter() - started
        started = time.perf_counter()
        with factory() as session:
            indices = log.append(session, chunk)
            session.commit()
        log_seconds += time.perf_counter() - started
        if indices[0] != start:
            raise SystemExit(f"log.append numbered from {indices[0]}, not {start}")
        if (start + batch) % 200_000 == 0:
            print(f"  [{db.name}] {start + batch:,} appended", flush=True)
    cursor.close()
    raw.close()
    started = time.perf_counter()
    expected_root = merkle.root([merkle.leaf_hash(entry) for entry in logged])
    root_seconds = time.perf_counter() - started
    verifier = Ed25519Signer(ORIGIN, Ed25519PrivateKey.generate()).verifier()
    with factory() as session:
        state = session.get(LogState, log.STATE_ID)
        assert state is not None
        if (state.size, state.root_hash) != (len(logged), expected_root):
            raise SystemExit(f"[{db.name}] the log's root is not the root of its entries")
        started = time.perf_counter()
        integrity.full_check(session, verifier)
        check_seconds = time.perf_counter() - started
    count = len(logged)
    return {
        "entries": count,
        "batch": batch,
        "log_append": {"seconds": round(log_seconds, 2), "per_second": round(count / log_seconds)},
        "executemany": {
            "seconds": round(plain_seconds, 2),
            "per_second": round(count / plain_seconds),
        },
        "ratio_to_executemany": round(plain_seconds / log_seconds, 3),
        "root_checked": True,
        "root_from_entries_seconds": round(root_seconds, 2),
        "full_integrity_check_seconds": round(check_seconds, 2),
    }


# ---------------------------------------------------------------- 2. inclusion proofs


def small_entry(index: int) -> bytes:
    return b"e" + index.to_bytes(8, "big")


def build_log(db: Database, size: int) -> float:
    """Append `size` small entries in big batches; the seconds it took."""
    factory = make_sessionmaker(db.engine)
    started = time.perf_counter()
    for start in range(0, size, PROOF_BUILD_BATCH):
        with factory() as session:
            end = min(size, start + PROOF_BUILD_BATCH)
            log.append(session, [small_entry(i) for i in range(start, end)])
            session.commit()
        if end % 1_000_000 == 0:
            print(f"  {end:,} of {size:,}", flush=True)
    return time.perf_counter() - started


def tiles_read(index: int, size: int) -> int:
    """The tiles an inclusion proof reads: those holding the subtrees of its audit path."""
    seen: set[tiles.Tile] = set()

    def read(path: str) -> bytes:
        tile = tiles.parse_path(path)
        seen.add(tile)
        return bytes(tile.width * merkle.HASH_SIZE)

    merkle.inclusion_proof(tiles.TileHashReader(read, size), index, size)
    return len(seen)


def proof_times(db: Database, size: int, count: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    indices = [rng.randrange(size) for _ in range(count)]
    factory = make_sessionmaker(db.engine)
    seconds, lengths = [], []
    with factory() as session:
        state = session.get(LogState, log.STATE_ID)
        assert state is not None
        root_hash = state.root_hash
        for index in indices:
            started = time.perf_counter()
            proof = log.inclusion_proof(session, index, size)
            seconds.append(time.perf_counter() - started)
            merkle.verify_inclusion(
                merkle.leaf_hash(small_entry(index)), index, size, proof, root_hash
            )
            lengths.append(len(proof))
    # Baseline: one tile by primary key, as a hand-written query through the DBAPI cursor.
    raw = db.engine.raw_connection()
    cursor = raw.cursor()
    tile_seconds = []
    for index in indices:
        started = time.perf_counter()
        cursor.execute(
            'SELECT width, data FROM log_tiles WHERE level = 0 AND "index" = ?',
            (index // tiles.TILE_WIDTH,),
        )
        cursor.fetchone()
        tile_seconds.append(time.perf_counter() - started)
    cursor.close()
    raw.close()
    per_proof = percentiles(seconds, 1e6)
    return {
        "size": size,
        "proofs": count,
        "proof_us": per_proof,
        "mean_hashes": round(statistics.fmean(lengths), 2),
        "mean_tiles_read": round(statistics.fmean(tiles_read(i, size) for i in indices), 2),
        "log2_n": round(math.log2(size), 2),
        "mean_us_per_log2_n": round(per_proof["mean"] / math.log2(size), 2),
        "tile_read_us": percentiles(tile_seconds, 1e6),
        "all_verified": True,
    }


# ---------------------------------------------------------------- 3. receipts


def receipt_times(db: Database, count: int, seed: int) -> dict[str, Any]:
    """Receipts of random entries against a checkpoint signed now, then verified offline."""
    signer = Ed25519Signer(ORIGIN, Ed25519PrivateKey.generate())
    verifier = signer.verifier()
    factory = make_sessionmaker(db.engine)
    with factory() as session:
        started = time.perf_counter()
        signed = log.publish(session, signer, ORIGIN)
        publish_seconds = time.perf_counter() - started
        session.commit()
        assert signed is not None
        rng = random.Random(seed)
        issued, texts = [], []
        for index in (rng.randrange(signed.size) for _ in range(count)):
            started = time.perf_counter()
            text_ = receipts.receipt_for(session, index)
            issued.append(time.perf_counter() - started)
            assert text_ is not None
            texts.append(text_)
    parse_s, signature_s, inclusion_s, whole_s, sha_s = [], [], [], [], []
    for text_ in texts:
        t0 = time.perf_counter()
        receipt = parse_receipt(text_)
        t1 = time.perf_counter()
        checkpoint, _ = open_checkpoint(receipt.note.encode(), verifier)
        t2 = time.perf_counter()
        assert receipt.extra is not None
        verify_receipt(receipt, entry=receipt.extra)
        t3 = time.perf_counter()
        assert checkpoint == receipt.checkpoint
        parse_s.append(t1 - t0)
        signature_s.append(t2 - t1)
        inclusion_s.append(t3 - t2)
        whole_s.append(t3 - t0)
        t4 = time.perf_counter()
        hashlib.sha256(receipt.extra).digest()
        sha_s.append(time.perf_counter() - t4)
    return {
        "log_size": signed.size,
        "receipts": count,
        "mean_receipt_bytes": round(statistics.fmean(len(t) for t in texts)),
        "publish_seconds": round(publish_seconds, 2),
        "issue_us": percentiles(issued, 1e6),
        "verify_us": percentiles(whole_s, 1e6),
        "parse_us": percentiles(parse_s, 1e6),
        "signature_us": percentiles(signature_s, 1e6),
        "inclusion_us": percentiles(inclusion_s, 1e6),
        "sha256_of_entry_us": percentiles(sha_s, 1e6),
    }


# ---------------------------------------------------------------- 4. deposits over HTTP


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    """A real `ipprotect serve` on its own SQLite database in `directory`."""

    directory: Path
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def env(self) -> dict[str, str]:
        # The working directory is the data directory, so a developer's .env is not read.
        return os.environ | {
            "IPPROTECT_DATA_DIR": str(self.directory),
            "IPPROTECT_DATABASE_URL": "",
            "IPPROTECT_SECRET_KEY": secrets.token_urlsafe(32),
        }

    def cli(self, *args: str) -> None:
        command = [str(Path(sys.executable).with_name("ipprotect")), *args]
        # Our own console script with fixed arguments: no outside input in the command.
        subprocess.run(command, env=self.env, cwd=self.directory, check=True)  # noqa: S603

    def token(self) -> str:
        """A system account's API token (a procurement platform's, say) for one district."""
        engine = make_engine(Settings(data_dir=self.directory, database_url=""))
        with make_sessionmaker(engine)() as session:
            _, plaintext = auth.create_token(
                session,
                audit.Actor(None, "benchmark", None),
                name="evidence benchmark",
                region_codes=[DEPOSIT_REGION],
                role=Role.SYSTEM,
            )
            session.commit()
        engine.dispose()
        return plaintext

    def start(self) -> None:
        command = [str(Path(sys.executable).with_name("ipprotect")), "serve"]
        command += ["--host", "127.0.0.1", "--port", str(self.port)]
        with (self.directory / "server.log").open("ab") as output:
            self.process = subprocess.Popen(  # noqa: S603 - as above
                command, env=self.env, cwd=self.directory, stdout=output, stderr=output
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"ipprotect serve exited with {self.process.returncode}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("ipprotect serve did not start within 60 s")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)


def deposit_request(port: int, token: str, number: int) -> bytes:
    """One hash-only deposit as multipart/form-data, ready to send."""
    boundary = "ipprotect-bench-" + secrets.token_hex(8)
    fields = {
        "title": f"侵权商品页面截图 {number}",
        "sha256": secrets.token_hex(32),
        "size": str(1_000 + number),
        "media_type": "image/png",
        "region_code": DEPOSIT_REGION,
    }
    body = (
        "".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            for name, value in fields.items()
        ).encode()
        + f"--{boundary}--\r\n".encode()
    )
    head = (
        f"POST /api/v1/evidence/deposits HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {token}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def health_request(port: int) -> bytes:
    return f"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()


@dataclass
class Answer:
    status: int
    body: bytes
    seconds: float


async def _client(port: int, requests: list[bytes], answers: list[Answer]) -> None:
    """One keep-alive connection sending its requests one after the other."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for request in requests:
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split(" ")[1])
            length = next(
                int(line.split(":", 1)[1])
                for line in lines
                if line.lower().startswith("content-length:")
            )
            body = await reader.readexactly(length)
            answers.append(Answer(status, body, time.perf_counter() - started))
    finally:
        writer.close()
        await writer.wait_closed()


def load(port: int, requests: list[bytes], clients: int) -> tuple[list[Answer], float]:
    """Send the requests from `clients` concurrent connections; the answers and the wall time."""
    answers: list[Answer] = []

    async def run() -> None:
        await asyncio.gather(
            *(_client(port, requests[k::clients], answers) for k in range(clients))
        )

    started = time.perf_counter()
    asyncio.run(run())
    return answers, time.perf_counter() - started


def summary(answers: list[Answer], wall: float, expected: int) -> dict[str, Any]:
    statuses: dict[str, int] = {}
    for answer in answers:
        statuses[str(answer.status)] = statuses.get(str(answer.status), 0) + 1
    return {
        "requests": len(answers),
        "statuses": statuses,
        "per_second": round(len(answers) / wall, 1),
        "latency_ms": percentiles([a.seconds for a in answers]),
        "all_expected": statuses == {str(expected): len(answers)},
    }


def http_deposits(directory: Path, count: int, clients: int) -> dict[str, Any]:
    server = Server(directory)
    server.cli("db", "upgrade")
    token = server.token()
    server.start()
    try:
        # Warm-up: imports, connections, the first checkpoint, the log key.
        load(server.port, [health_request(server.port)] * clients * 4, clients)
        load(
            server.port, [deposit_request(server.port, token, -n) for n in range(clients)], clients
        )
        health = [health_request(server.port)] * count
        print(f"  baseline: {count:,} GET /api/v1/health from {clients} clients", flush=True)
        health_answers, health_wall = load(server.port, health, clients)
        requests = [deposit_request(server.port, token, n) for n in range(count)]
        print(f"  {count:,} deposits from {clients} clients", flush=True)
        answers, wall = load(server.port, requests, clients)
    finally:
        server.stop()
    indices = [json.loads(a.body)["log_index"] for a in answers if a.status == 201]
    engine = make_engine(Settings(data_dir=directory, database_url=""))
    with Session(engine) as session:
        state = session.get(LogState, log.STATE_ID)
        assert state is not None
        stored = set(session.scalars(select(Deposit.log_index)))
        rows = session.scalar(select(func.count()).select_from(Deposit))
        journal = session.execute(text("PRAGMA journal_mode")).scalar()
        synchronous = session.execute(text("PRAGMA synchronous")).scalar()
    engine.dispose()
    if len(set(indices)) != len(indices) or not set(indices) <= stored:
        raise SystemExit("an acknowledged deposit is missing from the log or numbered twice")
    if stored != set(range(state.size)) or rows != state.size:
        raise SystemExit("the deposits do not fill the log's indices without gaps")
    return {
        "clients": clients,
        "deposits": summary(answers, wall, 201),
        "health": summary(health_answers, health_wall, 200),
        "log_size_after": state.size,
        "database": {"journal_mode": journal, "synchronous_default_connection": synchronous},
    }


# ---------------------------------------------------------------- the run


def tables(report: dict[str, Any]) -> Iterator[str]:
    if "append" in report:
        yield "bulk append (batches of {:,}, one commit each)".format(
            next(iter(report["append"].values()))["batch"]
        )
        yield (
            f"{'database':<11}{'entries':>11}{'log.append/s':>14}{'executemany/s':>15}{'ratio':>8}"
        )
        for name, r in report["append"].items():
            yield (
                f"{name:<11}{r['entries']:>11,}{r['log_append']['per_second']:>14,}"
                f"{r['executemany']['per_second']:>15,}{r['ratio_to_executemany']:>8.2f}"
            )
        for name, r in report["append"].items():
            yield (
                f"  {name}: root checked against the entries; full integrity check "
                f"{r['full_integrity_check_seconds']} s"
            )
        yield ""
    if "proofs" in report:
        yield "inclusion proofs (SQLite), microseconds"
        yield (
            f"{'entries':>12}{'p50':>9}{'p99':>9}{'mean':>9}{'log2 n':>8}{'mean/log2 n':>12}"
            f"{'hashes':>8}{'tiles':>7}{'tile read':>11}{'built/s':>11}"
        )
        for r in report["proofs"]["sizes"]:
            p = r["proof_us"]
            yield (
                f"{r['size']:>12,}{p['p50']:>9.1f}{p['p99']:>9.1f}{p['mean']:>9.1f}"
                f"{r['log2_n']:>8.1f}{r['mean_us_per_log2_n']:>12.2f}{r['mean_hashes']:>8.1f}"
                f"{r['mean_tiles_read']:>7.1f}{r['tile_read_us']['mean']:>11.1f}"
                f"{r['build_per_second']:>11,}"
            )
        yield ""
    if "receipts" in report:
        r = report["receipts"]
        yield f"receipt verification ({r['receipts']} receipts, log of {r['log_size']:,}), µs"
        yield f"{'step':<28}{'p50':>9}{'p99':>9}{'mean':>9}"
        for label, key in (
            ("parse + signature + inclusion", "verify_us"),
            ("  parse", "parse_us"),
            ("  signature (Ed25519)", "signature_us"),
            ("  inclusion", "inclusion_us"),
            ("baseline: sha256 of entry", "sha256_of_entry_us"),
            ("issue (receipts.receipt_for)", "issue_us"),
        ):
            v = r[key]
            yield f"{label:<28}{v['p50']:>9.1f}{v['p99']:>9.1f}{v['mean']:>9.1f}"
        yield ""
    if "http" in report:
        h = report["http"]
        yield f"over HTTP, {h['clients']} concurrent clients, ms"
        yield f"{'request':<30}{'count':>8}{'per s':>9}{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}"
        for label, key in (("POST deposit (201)", "deposits"), ("GET /api/v1/health", "health")):
            r = h[key]
            lat = r["latency_ms"]
            yield (
                f"{label:<30}{r['requests']:>8,}{r['per_second']:>9.1f}{lat['p50']:>8.1f}"
                f"{lat['p95']:>8.1f}{lat['p99']:>8.1f}{lat['max']:>8.1f}"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000, help="bulk append")
    parser.add_argument("--batch", type=int, default=10_000, help="entries per commit")
    parser.add_argument("--databases", default="sqlite,postgresql", help="for the bulk append")
    parser.add_argument("--proof-sizes", default="10000,1000000,10000000")
    parser.add_argument("--proofs", type=int, default=1000, help="per log size")
    parser.add_argument("--receipts", type=int, default=1000)
    parser.add_argument("--deposits", type=int, default=20_000, help="over HTTP")
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument(
        "--parts", default="append,proofs,receipts,http", help="which measurements to run"
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--output", type=Path, default=RESULTS / "evidence.json")
    args = parser.parse_args()
    parts = {p.strip() for p in args.parts.split(",") if p.strip()}
    databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    sizes = [int(s) for s in args.proof_sizes.split(",") if s.strip()]
    unknown = (parts - {"append", "proofs", "receipts", "http"}) | (
        set(databases) - {"sqlite", "postgresql"}
    )
    if unknown:
        parser.error(f"unknown: {', '.join(sorted(unknown))}")
    server_url = os.environ.get("IPPROTECT_PG_URL", "")
    if "append" in parts and "postgresql" in databases and not server_url:
        print(
            "evidence benchmark: PostgreSQL was asked for but IPPROTECT_PG_URL is not set; run "
            "it under scripts/with-postgres.sh or pass --databases sqlite",
            file=sys.stderr,
        )
        return 2
    if "receipts" in parts and "proofs" not in parts:
        parser.error("receipts are made from the logs of the proofs part")

    report: dict[str, Any] = {
        "benchmark": "evidence log",
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "parameters": vars(args) | {"output": str(args.output)},
    }
    m = report["machine"]
    print(
        f"machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory_gib']} GiB, Python {m['python']}, "
        f"SQLite {m['sqlite']}",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="ipprotect-bench-evidence-") as tmp:
        directory = Path(tmp)
        if "append" in parts:
            started = time.perf_counter()
            logged = deposit_entries(args.entries, args.seed)
            mean = statistics.fmean(map(len, logged))
            print(
                f"built {len(logged):,} deposit entries (mean {mean:.0f} bytes) in "
                f"{time.perf_counter() - started:.1f} s",
                flush=True,
            )
            report["append_entries"] = {
                "count": len(logged),
                "mean_bytes": round(statistics.fmean(map(len, logged)), 1),
                "min_bytes": min(map(len, logged)),
                "max_bytes": max(map(len, logged)),
                "example": logged[0].decode(),
            }
            report["append"] = {}
            for name in databases:
                db = open_sqlite(directory, "append") if name == "sqlite" else None
                try:
                    db = db or open_postgresql(server_url)
                    print(f"[{name}] bulk append of {len(logged):,} entries", flush=True)
                    report["append"][name] = bulk_append(db, logged, args.batch) | {
                        "version": db.version
                    }
                finally:
                    if db is not None:
                        db.engine.dispose()
                    if name == "postgresql":
                        drop_postgresql(server_url)
            del logged
        if "proofs" in parts:
            report["proofs"] = {"database": "sqlite", "sizes": []}
            receipt_log = min(sizes, key=lambda s: abs(math.log10(s) - 6))  # nearest 10^6
            for size in sizes:
                db = open_sqlite(directory, f"log{size}")
                print(f"[proofs] building a log of {size:,} small entries", flush=True)
                built = build_log(db, size)
                result = proof_times(db, size, args.proofs, args.seed) | {
                    "build_seconds": round(built, 1),
                    "build_per_second": round(size / built),
                }
                report["proofs"]["sizes"].append(result)
                if "receipts" in parts and size == receipt_log:
                    print(f"[receipts] {args.receipts} receipts of the log of {size:,}", flush=True)
                    report["receipts"] = receipt_times(db, args.receipts, args.seed)
                db.engine.dispose()
                for path in directory.glob(f"log{size}.sqlite3*"):
                    path.unlink()
        if "http" in parts:
            print(f"[http] ipprotect serve, {args.clients} clients", flush=True)
            served = directory / "served"
            served.mkdir()
            report["http"] = http_deposits(served, args.deposits, args.clients)
    print()
    print("\n".join(tables(report)))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print(f"results: {args.output}")
    failed = "http" in report and not (
        report["http"]["deposits"]["all_expected"] and report["http"]["health"]["all_expected"]
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
