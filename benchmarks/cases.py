"""The officer's work queue and the case search at 1,000,000 cases.

What it measures, on SQLite and PostgreSQL, page 1 of 50 rows with the total the pager shows:

- **queue, district / city**: `cases.channels.queue.work_queue`, the function behind the work
  queue page and `GET /api/v1/cases/queue`, for an officer of Xihu district (330106) and one of
  Hangzhou (330100): complaints awaiting the acceptance decision and open channel steps, the
  binding date first, each flagged overdue or due soon, with the reminders raised;
- **search, city**: `cases.reads.list_cases`, the function behind the case list and
  `GET /api/v1/cases`, for the city's officer, on what people type: a tracking code (30 %), a
  word of a respondent's name (50 %), a name that is nobody's (20 %);
- the baseline for each: the same page written by hand in SQL (COUNT for the pager, then the
  rows; for the queue each source's first page in queue order, then the page's tracking codes,
  as the service does) sent through the DBAPI cursor. Every answer of the service is checked
  against it.

The cases are made up: 70 % in Hangzhou's districts, 30 % elsewhere in Zhejiang; received over
2025; 10 % still awaiting the acceptance decision, 60 % accepted and in mediation (an open step
with its deadline, 5 % of them extended, 3 % paused), 30 % closed (the step done). The rows are
bulk-loaded (SQLAlchemy Core executemany on SQLite, COPY on PostgreSQL) into a schema made by the
real migrations; then `ANALYZE` (SQLite) or `VACUUM (ANALYZE)` (PostgreSQL).

    scripts/with-postgres.sh .venv/bin/python benchmarks/cases.py           # the full run
    .venv/bin/python benchmarks/cases.py --cases 20000 --databases sqlite   # a quick check

PostgreSQL is reached through IPPROTECT_PG_URL (scripts/with-postgres.sh starts a server and sets
it); the benchmark works in a database of its own on that server, created and dropped here.
Results: a table on stdout and benchmarks/results/cases.json.
"""

import argparse
import datetime as dt
import json
import os
import platform
import random
import sqlite3
import statistics
import string
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, insert, make_url
from sqlalchemy.orm import Session, sessionmaker

from ipprotect.cases import reads
from ipprotect.cases.channels import queue
from ipprotect.cases.channels.models import CaseStep
from ipprotect.cases.models import Case
from ipprotect.core import ids, migrate
from ipprotect.core.auth import Principal, Role
from ipprotect.core.scope import Scope, prefix_of
from ipprotect.db import make_engine, make_sessionmaker
from ipprotect.settings import Settings

RESULTS = Path(__file__).parent / "results"
PAGE_SIZE = 50
DISTRICT, CITY = "330106", "330100"  # Xihu district, Hangzhou
SHARE_CITY = 0.70
CHUNK = 10_000
BENCH_DATABASE = "ipprotect_bench_cases"
TODAY = dt.date(2025, 12, 1)  # the queue's "today": deadlines before it are overdue
SOON_DAYS = 3
SEARCH_MIX = {"tracking_code": 0.30, "name_word": 0.50}  # the rest: a name nobody has

BRANDS = list("华兴达利恒泰隆盛鑫源丰祥瑞福康宏伟新鼎昌嘉和安信诚德通汇金益富旺宝龙凯腾博远创科")
TRADES = [
    *("科技", "贸易", "商贸", "食品", "茶业", "服饰"),
    *("电子", "文化传媒", "餐饮管理", "五金", "日用品", "家居用品"),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红梅婷浩宇鑫"
CODE_CHARS = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # the tracking code alphabet (cases.tracking)


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
        cpu = next(
            (
                line.split(":", 1)[1].strip()
                for line in cpuinfo.read_text().splitlines()
                if line.startswith("model name")
            ),
            cpu,
        )
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "memory_gib": round(memory_kib / 2**20, 1),
        "cpu": cpu,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }


# ---------------------------------------------------------------- the made-up cases


def _leaves(code: str) -> list[str]:
    children = ids.regions_under(code)
    return [leaf for c in children for leaf in _leaves(c.code)] if children else [code]


@dataclass
class Made:
    cases: list[dict[str, Any]]
    steps: list[dict[str, Any]]


@dataclass
class Samples:
    tracking_codes: list[str] = field(default_factory=list)


def generate(n: int, seed: int, samples: Samples) -> Iterator[Made]:
    """Chunks of cases and their steps, ids assigned here so both tables load in one pass."""
    rng = random.Random(seed)
    city = _leaves(CITY)
    province = [c for c in _leaves("330000") if not c.startswith(prefix_of(CITY))]
    now = datetime(2025, 12, 1, tzinfo=UTC)
    step_id = 0
    codes: set[str] = set()
    for start in range(0, n, CHUNK):
        made = Made([], [])
        for case_id in range(start + 1, min(n, start + CHUNK) + 1):
            region = rng.choice(city) if rng.random() < SHARE_CITY else rng.choice(province)
            received = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(334))
            code = "".join(rng.choice(CODE_CHARS) for _ in range(12))
            while code in codes:
                code = "".join(rng.choice(CODE_CHARS) for _ in range(12))
            codes.add(code)
            if rng.random() < 0.001:
                samples.tracking_codes.append(code)
            roll = rng.random()
            status = "received" if roll < 0.10 else "accepted" if roll < 0.70 else "closed"
            decided = None if status == "received" else received + dt.timedelta(days=3)
            started = decided
            closed = started + dt.timedelta(days=rng.randrange(10, 60)) if started else None
            made.cases.append(
                {
                    "id": case_id,
                    "tracking_code": code,
                    "region_code": region,
                    "status": status,
                    "source": "form",
                    "received_on": received,
                    # 7 working days are 9 to 11 calendar days; the queue only compares dates.
                    "acceptance_due": received + dt.timedelta(days=9),
                    "acceptance_due_provisional": False,
                    "complainant_name": rng.choice(SURNAMES) + rng.choice(GIVEN),
                    "respondent_name": "杭州"
                    + rng.choice(BRANDS)
                    + rng.choice(BRANDS)
                    + rng.choice(TRADES)
                    + "有限公司",
                    "respondent_description": "",
                    "facts": "销售假冒注册商标的商品",
                    "track": "simple" if rng.random() < 0.8 else "complex",
                    "triage_flags": [],
                    "triage_reasons": [],
                    "track_overridden": False,
                    "channel": None if started is None else "mediation",
                    "decided_on": decided,
                    "closed_on": closed if status == "closed" else None,
                    "closed_as": "mediation.confirmed" if status == "closed" else None,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            if started is None:
                continue
            step_id += 1
            due = started + dt.timedelta(days=63)  # 45 working days
            is_open = status == "accepted"
            made.steps.append(
                {
                    "id": step_id,
                    "case_id": case_id,
                    "region_code": region,
                    "channel": "mediation",
                    "step": "mediating",
                    "assignee_id": None,
                    "started_on": started,
                    "rule_id": "complaints.mediation_limit",
                    "due_on": due,
                    "due_provisional": False,
                    "pauses": [],
                    "paused_days": 0,
                    "paused_since": started + dt.timedelta(days=5)
                    if is_open and rng.random() < 0.03
                    else None,
                    "extended_to": due + dt.timedelta(days=21)
                    if is_open and rng.random() < 0.05
                    else None,
                    "done_on": None if is_open else closed,
                    "outcome": None if is_open else "agree",
                    "data": {},
                    "created_at": now,
                }
            )
        yield made


# ---------------------------------------------------------------- databases


@dataclass
class Database:
    name: str
    url: str
    engine: Engine
    version: str = ""
    load_seconds: float = 0.0
    size_bytes: int = 0


def open_sqlite(directory: Path) -> Database:
    url = f"sqlite:///{directory / 'cases.sqlite3'}"
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
    url = make_url(server_url).set(database=BENCH_DATABASE).render_as_string(False)
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


def _copy(raw: Any, table: str, rows: list[dict[str, Any]]) -> None:
    columns = list(rows[0])
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as c,
    ):
        for row in rows:
            c.write_row([json.dumps(v) if isinstance(v, list | dict) else v for v in row.values()])


def load(dbs: list[Database], n: int, seed: int) -> Samples:
    samples = Samples()
    connections = {db.name: db.engine.connect() for db in dbs}
    loaded = 0
    for made in generate(n, seed, samples):
        for db in dbs:
            connection = connections[db.name]
            started = time.perf_counter()
            if db.name == "sqlite":
                with connection.begin():
                    connection.execute(insert(Case), made.cases)
                    if made.steps:
                        connection.execute(insert(CaseStep), made.steps)
            else:
                raw: Any = connection.connection.driver_connection
                _copy(raw, "cases", made.cases)
                if made.steps:
                    _copy(raw, "case_steps", made.steps)
                raw.commit()
            db.load_seconds += time.perf_counter() - started
        loaded += len(made.cases)
        if loaded % 100_000 == 0:
            print(f"  {loaded:,} cases loaded", flush=True)
    for db in dbs:
        connection = connections[db.name]
        if db.name == "sqlite":
            connection.exec_driver_sql("ANALYZE")
            connection.commit()
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            connection.commit()
            connection.execution_options(isolation_level="AUTOCOMMIT")
            connection.exec_driver_sql("SELECT setval('cases_id_seq', (SELECT max(id) FROM cases))")
            connection.exec_driver_sql("VACUUM (ANALYZE) cases, case_steps")
        connection.close()
        db.engine.dispose()
        if db.name == "sqlite":
            path = Path(make_url(db.url).database or "")
            db.size_bytes = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
        else:
            with db.engine.connect() as connection:
                db.size_bytes = int(
                    connection.exec_driver_sql(
                        "SELECT pg_database_size(current_database())"
                    ).scalar_one()
                )
    return samples


# ---------------------------------------------------------------- the two paths to an answer

Answer = tuple[int, tuple[Any, ...]]  # the pager's total, the rows' keys in order


def officer(region: str) -> Principal:
    return Principal(1, "officer", Role.OFFICER, Scope.of([region]))


def service_queue(factory: sessionmaker[Session], region: str) -> Answer:
    with factory() as session:
        page = queue.work_queue(
            session, officer(region), queue.QueueFilters(), TODAY, SOON_DAYS, 1, PAGE_SIZE
        )
        return page.total, tuple((i.case_id, i.step_id) for i in page.items)


def service_search(factory: sessionmaker[Session], q: str) -> Answer:
    with factory() as session:
        page = reads.list_cases(session, officer(CITY), reads.CaseFilters(q=q), 1, PAGE_SIZE)
        return page.total, tuple(c.id for c in page.items)


ACCEPTANCE_SQL = """
SELECT 'acceptance' AS source, id AS case_id, CAST(NULL AS INTEGER) AS step_id, region_code,
       CAST(NULL AS VARCHAR(32)) AS channel, 'acceptance' AS step,
       CAST(NULL AS INTEGER) AS assignee_id, acceptance_due AS due_on,
       acceptance_due_provisional AS provisional, CAST(NULL AS DATE) AS paused_since
  FROM cases
 WHERE status = 'received' AND region_code >= ? AND region_code < ?
"""
STEPS_SQL = """
SELECT 'step', case_id, id, region_code, channel, step, assignee_id,
       COALESCE(extended_to, due_on), due_provisional, paused_since
  FROM case_steps
 WHERE done_on IS NULL AND due_on IS NOT NULL AND region_code >= ? AND region_code < ?
"""
SOURCES_SQL = (ACCEPTANCE_SQL, STEPS_SQL)


class RawSql:
    """The same pages written by hand, through the DBAPI cursor of one connection."""

    def __init__(self, db: Database) -> None:
        self.connection = db.engine.raw_connection()
        self.mark = "?" if db.name == "sqlite" else "%s"

    def _run(self, sql: str, params: list[Any]) -> list[Any]:
        cursor = self.connection.cursor()
        cursor.execute(sql.replace("?", self.mark), params)
        rows = list(cursor.fetchall())
        cursor.close()
        return rows

    def queue(self, region: str) -> Answer:
        """The pager's count, each source's first page in queue order, then the tracking
        codes and tracks of the page's cases."""
        p = prefix_of(region)
        scope = [p, p[:-1] + chr(ord(p[-1]) + 1)]
        counted = [sql.replace(sql.split("FROM")[0], "SELECT 1 ") for sql in SOURCES_SQL]
        total = self._run(
            f"SELECT count(*) FROM ({counted[0]} UNION ALL {counted[1]}) q", scope * 2
        )[0][0]
        first = f" ORDER BY 8, 2, 3 LIMIT {PAGE_SIZE}"
        rows = self._run(
            f"SELECT * FROM (SELECT * FROM ({ACCEPTANCE_SQL}{first}) a"
            f" UNION ALL SELECT * FROM ({STEPS_SQL}{first}) s) q"
            f" ORDER BY due_on, case_id, step_id LIMIT {PAGE_SIZE}",
            scope * 2,
        )
        ids = sorted({r[1] for r in rows})
        marks = ", ".join("?" * len(ids))
        cases = (
            {
                r[0]: r
                for r in self._run(
                    f"SELECT id, tracking_code, track FROM cases WHERE id IN ({marks})", ids
                )
            }
            if ids
            else {}
        )
        self.connection.commit()
        assert all(r[1] in cases for r in rows)
        return int(total), tuple((r[1], r[2]) for r in rows)

    def search(self, q: str) -> Answer:
        like = prefix_of(CITY) + "%"
        text = "%" + q.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"
        where = (
            "region_code LIKE ? AND (tracking_code = ?"
            " OR complainant_name LIKE ? ESCAPE '/' OR respondent_name LIKE ? ESCAPE '/')"
        )
        params = [like, q.strip().upper(), text, text]
        total = self._run(f"SELECT count(*) FROM cases WHERE {where}", params)[0][0]
        rows = (
            self._run(
                f"SELECT id FROM cases WHERE {where} ORDER BY acceptance_due, id LIMIT {PAGE_SIZE}",
                params,
            )
            if total
            else []
        )
        self.connection.commit()
        return int(total), tuple(r[0] for r in rows)

    def close(self) -> None:
        self.connection.close()


# ---------------------------------------------------------------- timing


def _percentiles(seconds: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in seconds)
    cut = statistics.quantiles(ms, n=100, method="inclusive") if len(ms) > 1 else ms * 99
    return {
        "p50": round(cut[49], 2),
        "p95": round(cut[94], 2),
        "mean": round(statistics.fmean(ms), 2),
    }


def timed(
    items: list[Any], service: Callable[[Any], Answer], raw: Callable[[Any], Answer]
) -> dict[str, Any]:
    """Service and baseline in turn on each item; every answer compared."""
    spent: dict[str, list[float]] = {"service": [], "raw SQL": []}
    mismatches = []
    totals = []
    for item in items:
        started = time.perf_counter()
        answer = service(item)
        spent["service"].append(time.perf_counter() - started)
        started = time.perf_counter()
        expected = raw(item)
        spent["raw SQL"].append(time.perf_counter() - started)
        totals.append(expected[0])
        if answer != expected:
            mismatches.append({"item": str(item), "service": answer[0], "raw": expected[0]})
    return {
        "runs": len(items),
        "mean_total": round(statistics.fmean(totals), 1) if totals else 0,
        "service": _percentiles(spent["service"]),
        "raw SQL": _percentiles(spent["raw SQL"]),
        "mismatches": mismatches,
    }


def search_texts(seed: int, count: int, samples: Samples) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        roll = rng.random()
        if roll < SEARCH_MIX["tracking_code"] and samples.tracking_codes:
            texts.append(rng.choice(samples.tracking_codes))
        elif roll < SEARCH_MIX["tracking_code"] + SEARCH_MIX["name_word"]:
            texts.append(rng.choice(BRANDS) + rng.choice(BRANDS))
        else:
            texts.append("".join(rng.choice(string.ascii_lowercase) for _ in range(6)))
    return texts


def measure(db: Database, runs: int, texts: list[str]) -> dict[str, Any]:
    factory = make_sessionmaker(db.engine)
    raw = RawSql(db)
    try:
        # Warm the caches (and the calendar) once before the clock runs.
        service_queue(factory, CITY)
        raw.queue(CITY)
        return {
            "queue, district": timed(
                [DISTRICT] * runs, lambda r: service_queue(factory, r), raw.queue
            ),
            "queue, city": timed([CITY] * runs, lambda r: service_queue(factory, r), raw.queue),
            "search, city": timed(texts, lambda q: service_search(factory, q), raw.search),
        }
    finally:
        raw.close()


def table(report: dict[str, Any]) -> str:
    lines = [
        f"{'database':<11}{'page':<17}{'path':<9}{'p50 ms':>9}{'p95 ms':>9}{'mean ms':>9}"
        f"{'runs':>6}{'total':>11}",
        "-" * 81,
    ]
    for name, db in report["databases"].items():
        for page, result in db["pages"].items():
            for path in ("service", "raw SQL"):
                p = result[path]
                lines.append(
                    f"{name:<11}{page:<17}{path:<9}{p['p50']:>9.2f}{p['p95']:>9.2f}"
                    f"{p['mean']:>9.2f}{result['runs']:>6}{result['mean_total']:>11,.1f}"
                )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000, help="how many to load")
    parser.add_argument("--databases", default="sqlite,postgresql", help="comma-separated")
    parser.add_argument("--runs", type=int, default=100, help="queue pages per officer")
    parser.add_argument("--searches", type=int, default=200, help="case searches")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--output", type=Path, default=RESULTS / "cases.json")
    args = parser.parse_args()
    wanted = [d.strip() for d in args.databases.split(",") if d.strip()]
    if not wanted or set(wanted) - {"sqlite", "postgresql"}:
        parser.error("--databases: sqlite, postgresql or both")
    server_url = os.environ.get("IPPROTECT_PG_URL", "")
    if "postgresql" in wanted and not server_url:
        print(
            "cases benchmark: PostgreSQL was asked for but IPPROTECT_PG_URL is not set; run it "
            "under scripts/with-postgres.sh or pass --databases sqlite",
            file=sys.stderr,
        )
        return 2
    report: dict[str, Any] = {
        "benchmark": "cases: work queue and search",
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "parameters": {
            "cases": args.cases,
            "runs": args.runs,
            "searches": args.searches,
            "page_size": PAGE_SIZE,
            "today": TODAY.isoformat(),
            "seed": args.seed,
            "search_mix": SEARCH_MIX,
        },
        "databases": {},
    }
    m = report["machine"]
    print(f"machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory_gib']} GiB, SQLite {m['sqlite']}")
    with tempfile.TemporaryDirectory(prefix="ipprotect-bench-") as tmp:
        dbs: list[Database] = []
        try:
            if "sqlite" in wanted:
                dbs.append(open_sqlite(Path(tmp)))
            if "postgresql" in wanted:
                dbs.append(open_postgresql(server_url))
            print(f"generating and loading {args.cases:,} cases", flush=True)
            samples = load(dbs, args.cases, args.seed)
            texts = search_texts(args.seed + 1, args.searches, samples)
            for db in dbs:
                print(f"measuring {db.name}", flush=True)
                report["databases"][db.name] = {
                    "version": db.version,
                    "load_seconds": round(db.load_seconds, 1),
                    "size_bytes": db.size_bytes,
                    "pages": measure(db, args.runs, texts),
                }
        finally:
            for db in dbs:
                db.engine.dispose()
            if "postgresql" in wanted:
                drop_postgresql(server_url)
    print()
    print(table(report))
    for name, db in report["databases"].items():
        print(
            f"{name} {db['version']}: {args.cases:,} cases loaded in {db['load_seconds']} s, "
            f"database {db['size_bytes'] / 2**20:,.0f} MiB"
        )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print(f"results: {args.output}")
    wrong = sum(
        len(p["mismatches"]) for db in report["databases"].values() for p in db["pages"].values()
    )
    if wrong:
        print(f"{wrong} answers differ from the baseline (see the JSON)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
