"""Search in the registry of market entities at scale: 1,000,000 entities by default.

What it measures, on SQLite and PostgreSQL, for an officer whose scope is one city (Hangzhou,
330100), page 1 of 50 rows with the total the pager shows:

- by name: `registry.repository.list_entities`, the function behind the entity list page and
  `GET /api/v1/registry/entities`, on name fragments people type (a brand word, brand and trade,
  the start of the full name, a whole name, a place name alone, and words that match nothing);
- by USCC: the same function on credit codes, exact or typed in lower case with spaces;
- the baseline for each: hand-written SQL for the same answer (COUNT for the pager, then the page
  of rows; on a miss, the substring search the service falls back to) sent through the DBAPI
  cursor, the same queries in the same order. Every answer of the service is checked against it;
- the HTTP API end to end (skip it with --no-http): a real uvicorn on 127.0.0.1 and a bearer
  token of an officer of the same city, the same queries through the API.

The entities are made up like the demo city's (place + brand + trade + legal form) from word lists,
with brand words of Zipf-like popularity so that prefix searches return the result counts of a
real registry. 30 % are in Hangzhou, 40 % elsewhere in Zhejiang and 30 % in the rest of the country,
on real GB/T 2260 codes, with valid USCCs (`ids.make_uscc`). `name_folded` and `name_core` are
computed by `registry.search.fold` and `registry.search.core`, as the service computes them; the
rows are then bulk-loaded (executemany on SQLite, COPY on PostgreSQL) into a schema made by the
real migrations.

    scripts/with-postgres.sh .venv/bin/python benchmarks/registry.py            # the full run
    .venv/bin/python benchmarks/registry.py --entities 20000 --databases sqlite  # a quick check

PostgreSQL is reached through IPPROTECT_PG_URL (scripts/with-postgres.sh starts a server and sets
it); the benchmark works in a database of its own on that server, created and dropped here.
Results: a table on stdout and benchmarks/results/registry.json.
"""

import argparse
import bisect
import http.client
import json
import os
import platform
import random
import re
import secrets
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, insert, make_url, select
from sqlalchemy.orm import Session, sessionmaker

from ipprotect.core import audit, auth, ids, migrate
from ipprotect.core.auth import Principal, Role
from ipprotect.core.scope import Scope, prefix_of
from ipprotect.db import make_engine, make_sessionmaker
from ipprotect.registry import repository, search
from ipprotect.registry.models import EntityKind, MarketEntity
from ipprotect.settings import Settings

RESULTS = Path(__file__).parent / "results"
PAGE_SIZE = 50
CITY = "330100"  # Hangzhou: the officer's scope
PROVINCE = "330000"  # Zhejiang
SHARE_CITY, SHARE_PROVINCE = 0.30, 0.40  # the rest: the other provinces
CHUNK = 10_000  # rows per insert batch and transaction
BENCH_DATABASE = "ipprotect_bench_registry"


def _words(text: str) -> list[str]:
    return text.split()


# Characters of trade names (字号); brands are pairs and triples of them.
BRAND_CHARS = (
    "华兴达利恒泰隆盛鑫源丰祥瑞福康宏伟新鼎昌嘉和安信诚德通汇金益富旺宝龙凯腾博远创科智联星海天润"
    "晨明阳光美佳优卓越东方中正永合众百万千家乐欣悦辉煌锦绣云峰山水林森茂春秋晟昊宸睿璟瀚泓沃禾田"
    "青蓝银玉翔航舟帆骏驰奥赛特威力普立友邦亿至尚"
)
TRADES = _words(
    "科技 网络科技 信息技术 电子商务 贸易 商贸 实业 建筑工程 装饰工程 房地产开发 物业管理 "
    "餐饮管理 食品 茶业 服饰 纺织 丝绸 机械 电子 电气 新材料 生物医药 医疗器械 化工 环保科技 "
    "文化传媒 广告 教育科技 咨询 企业管理 物流 供应链管理 汽车服务 农业开发 家居用品 五金 "
    "包装 印刷 智能装备 数字技术 软件 旅游开发 酒店管理 人力资源"
)
FORMS = ["有限公司"] * 6 + ["有限责任公司", "股份有限公司", "集团有限公司"]
SHOP_TRADES = _words(
    "茶叶 服装 餐饮 五金 便利 水果 美容美发 日用品 烟酒 文具 汽车维修 电器 建材 花卉"
)
SHOP_FORMS = _words("店 店 经营部 商行 工作室")
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红梅婷浩宇鑫"
STREETS = _words("人民路 解放路 中山路 建设路 文化路 新华路 长江路 工业路 科技大道")
# Shares of the name queries by the way they are typed (the rest are misses).
NAME_QUERY_MIX = {
    "brand": 0.50,  # 华兴
    "brand_trade": 0.15,  # 华兴科技
    "name_start": 0.15,  # 杭州华兴
    "full_name": 0.05,  # 杭州华兴科技有限公司
    "place_only": 0.02,  # 杭州: every entity of the city matches
}


# ---------------------------------------------------------------- the machine


def machine() -> dict[str, Any]:
    meminfo = Path("/proc/meminfo")
    memory_kib = 0
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_kib = int(line.split()[1])
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "memory_gib": round(memory_kib / 2**20, 1),
        "cpu": _cpu_model(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
    }


def _cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor()


# ---------------------------------------------------------------- the made-up registry


@dataclass(frozen=True)
class Place:
    """A county-level region and the ways a company name may start with its places."""

    code: str
    province: str  # 浙江省
    city: str  # 杭州市
    county: str  # 西湖区

    @property
    def city_short(self) -> str:
        return _short(self.city)

    @property
    def province_short(self) -> str:
        return _short(self.province)


def _short(name: str) -> str:
    """杭州市 → 杭州, 浙江省 → 浙江; other names (自治州, 地区…) are used in full."""
    return name[:-1] if name[-1] in "省市" and len(name) >= 3 else name


def _leaves(code: str) -> list[ids.Region]:
    """The county-level regions under `code` (and cities without districts, like 东莞市)."""
    children = ids.regions_under(code)
    if not children:
        return [r] if (r := ids.region(code)) is not None else []
    return [leaf for child in children for leaf in _leaves(child.code)]


def _place(region: ids.Region) -> Place:
    path = ids.region_path(region.code)
    province = path[0].name_zh
    city = path[1].name_zh if len(path) > 2 else province  # municipalities: the province
    return Place(region.code, province, city, region.name_zh)


def places() -> tuple[list[Place], list[Place], list[Place]]:
    """The counties of the city, of the rest of its province, and of the rest of the country."""
    city = [_place(r) for r in _leaves(CITY)]
    province = [_place(r) for r in _leaves(PROVINCE) if not r.code.startswith(prefix_of(CITY))]
    country = [
        _place(r)
        for p in ids.regions_under(ids.NATIONAL)
        if p.code != PROVINCE
        for r in _leaves(p.code)
    ]
    return city, province, country


@dataclass(frozen=True)
class Brands:
    words: list[str]
    cum_weights: list[float]
    unused: list[str]  # built like brands but given to nobody: what a miss is typed as

    def pick(self, rng: random.Random) -> str:
        return self.words[bisect.bisect(self.cum_weights, rng.random() * self.cum_weights[-1])]


def brands(rng: random.Random) -> Brands:
    """About 12,000 trade names, the n-th most common used about n^-0.7 as often as the first
    (a few thousand entities for the commonest in a million, tens for most)."""
    pairs = [a + b for a in BRAND_CHARS for b in BRAND_CHARS if a != b]
    rng.shuffle(pairs)
    triples = {"".join(rng.sample(BRAND_CHARS, 3)) for _ in range(3000)}
    words = pairs[:10_000] + sorted(triples)[:2000]
    rng.shuffle(words)
    cum, total = [], 0.0
    for rank in range(1, len(words) + 1):
        total += rank**-0.7
        cum.append(total)
    return Brands(words, cum, pairs[10_000:])


@dataclass(frozen=True)
class Sample:
    """What the query generator keeps of an entity of the city."""

    name: str
    uscc: str
    brand: str
    trade: str
    start: str  # the name up to the end of the brand


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice([1, 2])))


def _org_body(serial: int) -> str:
    """An 8-character organisation code body, distinct for every serial below 31^8."""
    n = (serial * 2654435761 + 12345) % 31**8  # a bijection: 2654435761 is coprime to 31
    chars = []
    for _ in range(8):
        n, r = divmod(n, 31)
        chars.append(ids.USCC_CHARSET[r])
    return "".join(chars)


def _company_name(rng: random.Random, place: Place, brand: str, trade: str) -> tuple[str, str]:
    """The name and its start up to the brand, in the shapes of 企业名称登记管理规定 art. 6."""
    form = rng.choice(FORMS)
    roll = rng.random()
    if roll < 0.10:  # 华兴科技（杭州）有限公司: the place in brackets after the trade name
        return f"{brand}{trade}（{place.city_short}）{form}", brand
    if roll < 0.50:
        start = place.city_short
    elif roll < 0.65:
        start = place.city
    elif roll < 0.85:
        start = place.province_short
    elif roll < 0.95:
        start = place.city_short + _short(place.county)  # 杭州西湖: the district stays in core
    else:
        start = place.city + place.county
    return f"{start}{brand}{trade}{form}", start + brand


def entities(
    n: int, seed: int, every: int
) -> Iterator[tuple[list[dict[str, Any]], list[Sample], list[str]]]:
    """Chunks of rows (the columns of `market_entities`) and, of every `every`-th entity, a
    sample when it is in the city and its USCC when it is elsewhere: material for the queries."""
    rng = random.Random(seed)
    words = brands(rng)
    city, province, country = places()
    now = datetime.now(UTC).replace(microsecond=0)
    names: set[str] = set()
    rows: list[dict[str, Any]] = []
    samples: list[Sample] = []
    others: list[str] = []
    serial = 0
    while serial < n:
        roll = rng.random()
        if roll < SHARE_CITY:
            place = rng.choice(city)
        elif roll < SHARE_CITY + SHARE_PROVINCE:
            place = rng.choice(province)
        else:
            place = rng.choice(country)
        brand = words.pick(rng)
        if rng.random() < 0.10:  # 个体工商户: 杭州市西湖区华兴茶叶店
            kind, category = EntityKind.INDIVIDUAL_BUSINESS, "2"
            trade = rng.choice(SHOP_TRADES)
            start = place.city + place.county
            name = f"{start}{brand}{trade}{rng.choice(SHOP_FORMS)}"
            start += brand
        else:
            kind, category = EntityKind.COMPANY, "1"
            trade = rng.choice(TRADES)
            name, start = _company_name(rng, place, brand, trade)
        if name in names:
            continue
        names.add(name)
        uscc = ids.make_uscc("9", category, place.code, _org_body(serial))
        created = now - timedelta(seconds=rng.randrange(10 * 365 * 86400))
        rows.append(
            {
                "name": name,
                "name_folded": search.fold(name)[:200],
                "name_core": search.core(name)[:200],
                "uscc": uscc,
                "kind": kind.value,
                "region_code": place.code,
                "legal_representative": _person(rng),
                "address": f"{place.province}{place.city}{place.county}"
                f"{rng.choice(STREETS)}{rng.randrange(1, 999)}号",
                "phone": f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
                "email": None,
                "resident_id": None,
                "created_at": created,
                "updated_at": created,
                "created_by": None,
            }
        )
        if serial % every == 0:
            if place.code.startswith(prefix_of(CITY)):
                samples.append(Sample(name, uscc, brand, trade, start))
            else:
                others.append(uscc)
        serial += 1
        if len(rows) == CHUNK:
            yield rows, samples, others
            rows, samples, others = [], [], []
    if rows:
        yield rows, samples, others


# ---------------------------------------------------------------- the queries


@dataclass(frozen=True)
class Query:
    lookup: str  # name | uscc
    kind: str  # how it was typed (see NAME_QUERY_MIX) or what it is (uscc_exact…)
    q: str


def _typed_code(code: str) -> str:
    """A code as people type it from paper: lower case, in groups of four."""
    return " ".join(code[i : i + 4] for i in range(0, 18, 4)).lower()


def queries(
    seed: int, count: int, samples: list[Sample], others: list[str], unused: list[str]
) -> list[Query]:
    rng = random.Random(seed)
    found: list[Query] = []
    for _ in range(count):
        s = rng.choice(samples)
        roll, kind = rng.random(), "miss"
        for candidate, share in NAME_QUERY_MIX.items():
            if roll < share:
                kind = candidate
                break
            roll -= share
        text = {
            "brand": s.brand,
            "brand_trade": s.brand + s.trade,
            "name_start": s.start,
            "full_name": s.name,
            "place_only": _short(ids.region_name(CITY, "zh_CN")),
            "miss": rng.choice(unused),
        }[kind]
        found.append(Query("name", kind, text))
    for _ in range(count):
        roll = rng.random()
        if roll < 0.55:
            found.append(Query("uscc", "uscc_exact", rng.choice(samples).uscc))
        elif roll < 0.80:
            found.append(Query("uscc", "uscc_typed", _typed_code(rng.choice(samples).uscc)))
        elif roll < 0.90:  # a real code of another city: out of scope, so found by nobody
            found.append(Query("uscc", "uscc_out_of_scope", rng.choice(others)))
        else:
            body = "".join(rng.choice(ids.USCC_CHARSET) for _ in range(8))
            found.append(Query("uscc", "uscc_unknown", ids.make_uscc("9", "1", CITY, body)))
    return found


# ---------------------------------------------------------------- loading


@dataclass
class Database:
    name: str  # sqlite | postgresql
    url: str
    engine: Engine
    version: str = ""
    load_seconds: float = 0.0
    loaded_by: str = ""
    after_load: str = ""
    after_load_seconds: float = 0.0
    size_bytes: int = 0
    table_bytes: dict[str, int] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)


COLUMNS = [c.name for c in MarketEntity.__table__.columns if c.name != "id"]


def open_sqlite(directory: Path) -> Database:
    path = directory / "registry.sqlite3"
    url = f"sqlite:///{path}"
    engine = make_engine(Settings(database_url=url, data_dir=directory))
    with engine.begin() as connection:
        migrate.upgrade(connection)
    return Database(
        "sqlite",
        url,
        engine,
        version=sqlite3.sqlite_version,
        loaded_by=(
            "executemany through SQLAlchemy Core (the ORM's column types), "
            f"{CHUNK:,} rows per transaction, indexes in place, cache_size 256 MiB while loading"
        ),
    )


def open_postgresql(server_url: str) -> Database:
    url = fresh_postgres_database(server_url, BENCH_DATABASE)
    engine = make_engine(Settings(database_url=url))
    with engine.begin() as connection:
        migrate.upgrade(connection)
        version = str(connection.exec_driver_sql("SHOW server_version").scalar())
        settings = {
            name: str(connection.exec_driver_sql(f"SHOW {name}").scalar())
            for name in (
                "shared_buffers",
                "effective_cache_size",
                "work_mem",
                "maintenance_work_mem",
                "random_page_cost",
                "max_parallel_workers_per_gather",
                "fsync",
                "synchronous_commit",
                "lc_collate",
            )
        }
    return Database(
        "postgresql",
        url,
        engine,
        version=version,
        settings=settings,
        loaded_by=f"COPY FROM STDIN (psycopg), {CHUNK:,} rows per COPY, indexes in place",
    )


def fresh_postgres_database(server_url: str, name: str) -> str:
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(server_url: str, name: str) -> None:
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


class Loader:
    """Inserts chunks of rows into one database, timing only the database's share of the work."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.connection = db.engine.connect()
        if db.name == "sqlite":
            self.connection.exec_driver_sql("PRAGMA cache_size=-262144")
            self.connection.commit()
        self.insert = insert(MarketEntity)
        columns = ", ".join(COLUMNS)
        self.copy_sql = f"COPY market_entities ({columns}) FROM STDIN"

    def load(self, rows: list[dict[str, Any]]) -> None:
        started = time.perf_counter()
        if self.db.name == "sqlite":
            with self.connection.begin():
                self.connection.execute(self.insert, rows)
        else:
            raw: Any = self.connection.connection.driver_connection  # psycopg's own connection
            with raw.cursor() as cursor, cursor.copy(self.copy_sql) as copy:
                for row in rows:
                    copy.write_row([row[c] for c in COLUMNS])
            raw.commit()
        self.db.load_seconds += time.perf_counter() - started

    def finish(self) -> None:
        """What an operator does after a bulk load, then the sizes."""
        db = self.db
        started = time.perf_counter()
        if db.name == "sqlite":
            self.connection.exec_driver_sql("ANALYZE")
            self.connection.commit()
            self.connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            db.after_load = "ANALYZE, then a WAL checkpoint"
        else:
            self.connection.commit()
            self.connection.execution_options(isolation_level="AUTOCOMMIT")
            # ANALYZE for the planner's statistics; VACUUM sets the hint bits and the visibility
            # map, as autovacuum soon would, so that the first queries do not do it.
            self.connection.exec_driver_sql("VACUUM (ANALYZE) market_entities")
            db.after_load = "VACUUM (ANALYZE) market_entities"
        db.after_load_seconds = time.perf_counter() - started
        self.connection.close()
        # The queries get new connections, set up as the platform's (no loading cache size).
        db.engine.dispose()
        db.size_bytes, db.table_bytes = _sizes(db)


def _sizes(db: Database) -> tuple[int, dict[str, int]]:
    with db.engine.connect() as connection:
        if db.name == "sqlite":
            path = Path(make_url(db.url).database or "")
            total = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
            return total, {}
        row = connection.exec_driver_sql(
            "SELECT pg_database_size(current_database()),"
            " pg_total_relation_size('market_entities'), pg_relation_size('market_entities'),"
            " pg_indexes_size('market_entities')"
        ).one()
        return int(row[0]), {
            "market_entities_total": int(row[1]),
            "market_entities_heap": int(row[2]),
            "market_entities_indexes": int(row[3]),
        }


# ---------------------------------------------------------------- the two paths to an answer

OFFICER = Principal(1, "officer", Role.OFFICER, Scope.of([CITY]))


@dataclass(frozen=True)
class Answer:
    total: int
    ids: tuple[int, ...]


def by_service(factory: sessionmaker[Session], query: Query) -> Answer:
    """One request's worth of work: a session, the page with its total, the session closed."""
    with factory() as session:
        page = repository.list_entities(
            session, OFFICER, repository.EntityFilters(q=query.q), 1, PAGE_SIZE
        )
        answer = Answer(page.total, tuple(e.id for e in page.items))
        session.rollback()
    return answer


# As the service: a typed fragment with a digit may be the start of a credit code.
CODE_PREFIX = re.compile(r"(?=.*[0-9])[0-9A-Z]{6,17}")


def _escape_like(text: str) -> str:
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


class RawSql:
    """The same lookups written by hand and sent through the DBAPI cursor: the pager's COUNT and
    the page of rows; on no prefix match, the substring search the service falls back to. A
    prefix search is, as the service sends it, a UNION ALL of disjoint index ranges."""

    def __init__(self, db: Database) -> None:
        self.connection = db.engine.raw_connection()
        self.mark = "?" if db.name == "sqlite" else "%s"
        self.columns = ", ".join(["id", *COLUMNS])
        self.scope = f"region_code LIKE {self.mark} ESCAPE '/'"
        self.scope_param = _escape_like(prefix_of(CITY)) + "%"

    def _range(self, column: str, prefix: str) -> tuple[str, list[str]]:
        return f"{column} >= {self.mark} AND {column} < {self.mark}", [
            prefix,
            search.successor(prefix),
        ]

    def _alternatives(self, q: str, contains: bool) -> list[tuple[str, list[str]]]:
        code = search.looks_like_uscc(q)
        if code is not None:
            return [(f"uscc = {self.mark}", [code])]
        folded = search.fold(q)
        if contains:
            like = "%" + _escape_like(folded) + "%"
            return [(f"name_folded LIKE {self.mark} ESCAPE '/'", [like])]
        found = [self._range("name_folded", folded), self._range("name_core", search.core(q))]
        partial = search.normalise_code(q)
        if CODE_PREFIX.fullmatch(partial):
            found.append(self._range("uscc", partial))
        return found

    def _union(self, alternatives: list[tuple[str, list[str]]], columns: str) -> str:
        """One SELECT per alternative, without the rows of the alternatives before it."""
        branches = []
        for i, (condition, _) in enumerate(alternatives):
            earlier = "".join(f" AND NOT ({c})" for c, _ in alternatives[:i])
            where = f"{self.scope} AND ({condition}){earlier}"
            branches.append(f"SELECT {columns} FROM market_entities WHERE {where}")
        return " UNION ALL ".join(branches)

    def _params(self, alternatives: list[tuple[str, list[str]]]) -> list[str]:
        params: list[str] = []
        for i, (_, values) in enumerate(alternatives):
            params += [self.scope_param, *values]
            for _, earlier in alternatives[:i]:
                params += earlier
        return params

    def _answer(self, alternatives: list[tuple[str, list[str]]]) -> Answer:
        params = self._params(alternatives)
        cursor = self.connection.cursor()
        try:
            cursor.execute(f"SELECT COUNT(*) FROM ({self._union(alternatives, 'id')}) AS m", params)
            (total,) = cursor.fetchone() or (0,)
            rows: Sequence[Any] = []
            if total:
                page = f"SELECT * FROM ({self._union(alternatives, self.columns)}) AS m"
                cursor.execute(f"{page} ORDER BY name_folded, id LIMIT {PAGE_SIZE}", params)
                rows = cursor.fetchall()
        finally:
            cursor.close()
        return Answer(int(total), tuple(int(r[0]) for r in rows))

    def __call__(self, query: Query) -> Answer:
        q = query.q.strip()
        answer = self._answer(self._alternatives(q, contains=False))
        if answer.total == 0 and search.looks_like_uscc(q) is None:
            answer = self._answer(self._alternatives(q, contains=True))
        self.connection.rollback()
        return answer

    def close(self) -> None:
        self.connection.close()


# ---------------------------------------------------------------- HTTP, end to end


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Api:
    """A real uvicorn serving the app on the benchmark's database, and an officer's API token."""

    def __init__(self, db: Database, directory: Path) -> None:
        with make_sessionmaker(db.engine)() as session:
            _, self.token = auth.create_token(
                session,
                audit.Actor(None, "benchmark", None),
                name="registry benchmark",
                region_codes=[CITY],
                role=Role.OFFICER,
            )
            session.commit()
        self.port = _free_port()
        env = os.environ | {
            "IPPROTECT_DATABASE_URL": db.url,
            "IPPROTECT_DATA_DIR": str(directory),
            "IPPROTECT_SECRET_KEY": secrets.token_urlsafe(32),
        }
        command = [sys.executable, "-m", "uvicorn", "ipprotect.app:create_app", "--factory"]
        command += ["--host", "127.0.0.1", "--port", str(self.port)]
        command += ["--log-level", "warning", "--no-access-log"]
        # Our own interpreter running uvicorn: no outside input in the command.
        self.server = subprocess.Popen(command, env=env, cwd=directory)  # noqa: S603
        self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise SystemExit(f"uvicorn exited with status {self.server.returncode}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("uvicorn did not start within 60 s")

    def __call__(self, query: Query) -> Answer:
        path = "/api/v1/registry/entities?" + urllib.parse.urlencode(
            {"q": query.q, "size": PAGE_SIZE}
        )
        self.connection.request("GET", path, headers={"Authorization": f"Bearer {self.token}"})
        response = self.connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"GET {path}: {response.status} {body[:300]!r}")
        page = json.loads(body)
        return Answer(page["total"], tuple(item["id"] for item in page["items"]))

    def close(self) -> None:
        self.connection.close()
        self.server.terminate()
        self.server.wait(timeout=30)


# ---------------------------------------------------------------- timing


@dataclass
class Timed:
    path: str
    lookup: str
    seconds: list[float]
    answers: list[Answer]
    kinds: list[str]


def run(path: str, lookup: str, qs: list[Query], ask: Callable[[Query], Answer]) -> Timed:
    seconds, answers = [], []
    for query in qs:
        started = time.perf_counter()
        answer = ask(query)
        seconds.append(time.perf_counter() - started)
        answers.append(answer)
    return Timed(path, lookup, seconds, answers, [q.kind for q in qs])


def _percentiles(seconds: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(seconds, n=100, method="inclusive") if len(seconds) > 1 else []
    ms = [c * 1000 for c in cuts] or [seconds[0] * 1000] * 99
    return {
        "p50_ms": round(ms[49], 3),
        "p95_ms": round(ms[94], 3),
        "p99_ms": round(ms[98], 3),
        "mean_ms": round(statistics.fmean(seconds) * 1000, 3),
        "max_ms": round(max(seconds) * 1000, 3),
    }


def summary(t: Timed) -> dict[str, Any]:
    by_kind: dict[str, Any] = {}
    for kind in dict.fromkeys(t.kinds):
        picked = [i for i, k in enumerate(t.kinds) if k == kind]
        by_kind[kind] = {
            "queries": len(picked),
            **_percentiles([t.seconds[i] for i in picked]),
            "mean_total": round(statistics.fmean(t.answers[i].total for i in picked), 1),
        }
    return {
        "path": t.path,
        "lookup": t.lookup,
        "queries": len(t.seconds),
        **_percentiles(t.seconds),
        "queries_per_second": round(len(t.seconds) / sum(t.seconds), 1),
        "mean_rows": round(statistics.fmean(len(a.ids) for a in t.answers), 1),
        "mean_total": round(statistics.fmean(a.total for a in t.answers), 1),
        "max_total": max(a.total for a in t.answers),
        "empty_answers": sum(1 for a in t.answers if a.total == 0),
        "by_kind": by_kind,
    }


def mismatches(reference: Timed, other: Timed, qs: list[Query]) -> list[dict[str, Any]]:
    return [
        {"q": q.q, "kind": q.kind, "path": other.path, "expected": asdict(a), "got": asdict(b)}
        for q, a, b in zip(qs, reference.answers, other.answers, strict=True)
        if a != b
    ]


# ---------------------------------------------------------------- query plans


def plans(db: Database, qs: list[Query]) -> dict[str, list[str]]:
    """The plans of the statements the service sends for one query of each kind."""
    factory = make_sessionmaker(db.engine)
    found: dict[str, list[str]] = {}
    sent: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.append((statement, parameters))

    for query in {q.kind: q for q in qs}.values():
        sent.clear()
        event.listen(db.engine, "before_cursor_execute", capture)
        try:
            by_service(factory, query)
        finally:
            event.remove(db.engine, "before_cursor_execute", capture)
        lines = [f"q = {query.q!r}"]
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            for statement, parameters in sent:
                if not statement.lstrip().upper().startswith("SELECT"):
                    continue
                explain = "EXPLAIN QUERY PLAN " if db.name == "sqlite" else "EXPLAIN ANALYZE "
                cursor.execute(explain + statement, parameters)
                lines.append(" ".join(statement.split()))
                lines += ["    " + " | ".join(str(c) for c in row) for row in cursor.fetchall()]
            cursor.close()
            raw.rollback()
        finally:
            raw.close()
        found[query.kind] = lines
    return found


# ---------------------------------------------------------------- the run


def measure(
    db: Database, qs: list[Query], http: bool, directory: Path, explain: bool
) -> dict[str, Any]:
    factory = make_sessionmaker(db.engine)
    raw = RawSql(db)
    print(f"[{db.name}] warm-up: every query once through the raw SQL", flush=True)
    for query in qs:
        raw(query)
    timed: list[Timed] = []
    for lookup in ("name", "uscc"):
        picked = [q for q in qs if q.lookup == lookup]
        print(f"[{db.name}] {lookup}: {len(picked)} queries, service then raw SQL", flush=True)
        service_run = run("service", lookup, picked, lambda q: by_service(factory, q))
        raw_run = run("raw SQL", lookup, picked, raw)
        timed += [service_run, raw_run]
    raw.close()
    if http:
        print(f"[{db.name}] HTTP API: starting uvicorn", flush=True)
        api = Api(db, directory)
        try:
            for lookup in ("name", "uscc"):
                picked = [q for q in qs if q.lookup == lookup]
                api(picked[0])  # the first request pays for imports and connections
                timed.append(run("HTTP API", lookup, picked, api))
        finally:
            api.close()
    wrong: list[dict[str, Any]] = []
    for lookup in ("name", "uscc"):
        picked = [q for q in qs if q.lookup == lookup]
        runs = [t for t in timed if t.lookup == lookup]
        for other in runs[1:]:
            wrong += mismatches(runs[0], other, picked)
    explained = plans(db, qs)
    if explain:
        for kind, lines in explained.items():
            print(f"--- {db.name} plan, {kind}")
            print("\n".join(lines))
    return {
        "version": db.version,
        "url": make_url(db.url).render_as_string(hide_password=True),
        "settings": db.settings,
        "load": {
            "rows": 0,
            "seconds": round(db.load_seconds, 2),
            "loaded_by": db.loaded_by,
            "after_load": db.after_load,
            "after_load_seconds": round(db.after_load_seconds, 2),
        },
        "size_bytes": db.size_bytes,
        "table_bytes": db.table_bytes,
        "results": [summary(t) for t in timed],
        "mismatches": wrong,
        "plans": explained,
    }


def table(report: dict[str, Any]) -> str:
    head = (
        f"{'database':<11}{'lookup':<7}{'path':<10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"{'q/s':>9}{'rows':>7}{'total':>10}{'empty':>7}"
    )
    lines = [head, "-" * len(head)]
    for name, db in report["databases"].items():
        for r in db["results"]:
            lines.append(
                f"{name:<11}{r['lookup']:<7}{r['path']:<10}{r['p50_ms']:>9.2f}{r['p95_ms']:>9.2f}"
                f"{r['p99_ms']:>9.2f}{r['queries_per_second']:>9.1f}{r['mean_rows']:>7.1f}"
                f"{r['mean_total']:>10.1f}{r['empty_answers']:>7}"
            )
    lines.append(
        "rows, total: mean rows on page 1 and mean total for the pager; empty: answers with none"
    )
    lines.append("")
    lines.append(
        f"{'database':<11}{'name kind':<13}{'queries':>8}{'service p50':>12}{'p95':>9}"
        f"{'raw p50':>9}{'p95':>9}{'total':>10}"
    )
    for name, db in report["databases"].items():
        results = {(r["lookup"], r["path"]): r for r in db["results"]}
        svc, raw = results[("name", "service")], results[("name", "raw SQL")]
        for kind, k in svc["by_kind"].items():
            b = raw["by_kind"][kind]
            lines.append(
                f"{name:<11}{kind:<13}{k['queries']:>8}{k['p50_ms']:>12.2f}{k['p95_ms']:>9.2f}"
                f"{b['p50_ms']:>9.2f}{b['p95_ms']:>9.2f}{k['mean_total']:>10.1f}"
            )
    return "\n".join(lines)


@dataclass
class Loaded:
    rows: int
    generation_seconds: float
    in_scope: int
    samples: list[Sample]
    others: list[str]


def load(dbs: list[Database], n: int, seed: int) -> Loaded:
    """Generate the entities once and load each chunk into every database."""
    loaders = [Loader(db) for db in dbs]
    every = max(1, n // 60_000)  # about 18,000 entities of the city kept for the queries
    samples: list[Sample] = []
    others: list[str] = []
    rows_loaded = 0
    started = time.perf_counter()
    for rows, kept, other in entities(n, seed, every):
        for loader in loaders:
            loader.load(rows)
        samples += kept
        others += other
        rows_loaded += len(rows)
        if rows_loaded % 100_000 == 0:
            print(f"  {rows_loaded:,} in {time.perf_counter() - started:.0f} s", flush=True)
    generation = time.perf_counter() - started - sum(db.load_seconds for db in dbs)
    for loader in loaders:
        loader.finish()
    visible = OFFICER.scope.clause(MarketEntity.region_code)
    with dbs[0].engine.connect() as connection:
        in_scope = connection.scalar(select(func.count()).select_from(MarketEntity).where(visible))
    return Loaded(rows_loaded, generation, int(in_scope or 0), samples, others)


def footer(report: dict[str, Any]) -> str:
    data = report["dataset"]
    lines = [
        f"entities: {data['rows']:,}, {data['in_scope']:,} of them in the officer's scope "
        f"({CITY}); generated in {data['generation_seconds']} s ({data['generated_by']}), "
        "not counted in the load times"
    ]
    for name, db in report["databases"].items():
        load = db["load"]
        lines.append(
            f"{name} {db['version']}: loaded in {load['seconds']} s "
            f"({load['rows_per_second']:,} rows/s) by {load['loaded_by']}; then "
            f"{load['after_load']} in {load['after_load_seconds']} s; "
            f"database {db['size_bytes'] / 2**20:,.0f} MiB"
        )
        if db["settings"]:
            lines.append("  settings: " + ", ".join(f"{k}={v}" for k, v in db["settings"].items()))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entities", type=int, default=1_000_000, help="how many to load")
    parser.add_argument("--databases", default="sqlite,postgresql", help="comma-separated")
    parser.add_argument("--queries", type=int, default=500, help="per lookup (name, USCC)")
    parser.add_argument("--no-http", dest="http", action="store_false", help="skip the HTTP API")
    parser.add_argument("--explain", action="store_true", help="print the query plans too")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--output", type=Path, default=RESULTS / "registry.json")
    args = parser.parse_args()
    wanted = [d.strip() for d in args.databases.split(",") if d.strip()]
    unknown = set(wanted) - {"sqlite", "postgresql"}
    if unknown or not wanted:
        parser.error(f"unknown databases: {', '.join(sorted(unknown)) or '(none)'}")
    server_url = os.environ.get("IPPROTECT_PG_URL", "")
    if "postgresql" in wanted and not server_url:
        print(
            "registry benchmark: PostgreSQL was asked for but IPPROTECT_PG_URL is not set; run it "
            "under scripts/with-postgres.sh or pass --databases sqlite",
            file=sys.stderr,
        )
        return 2

    report: dict[str, Any] = {
        "benchmark": "registry search",
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "parameters": {
            "entities": args.entities,
            "queries_per_lookup": args.queries,
            "page_size": PAGE_SIZE,
            "officer_scope": CITY,
            "seed": args.seed,
            "name_query_mix": NAME_QUERY_MIX | {"miss": round(1 - sum(NAME_QUERY_MIX.values()), 2)},
            "regions": {"city": SHARE_CITY, "rest_of_province": SHARE_PROVINCE},
        },
        "databases": {},
    }
    m = report["machine"]
    print(
        f"machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory_gib']} GiB, Python {m['python']}, "
        f"SQLite {m['sqlite']}",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="ipprotect-bench-") as tmp:
        directory = Path(tmp)
        dbs = []
        try:
            if "sqlite" in wanted:
                dbs.append(open_sqlite(directory))
            if "postgresql" in wanted:
                dbs.append(open_postgresql(server_url))
            print(f"generating and loading {args.entities:,} entities", flush=True)
            loaded = load(dbs, args.entities, args.seed)
            report["dataset"] = {
                "rows": loaded.rows,
                "in_scope": loaded.in_scope,
                "generation_seconds": round(loaded.generation_seconds, 1),
                "generated_by": "word lists; fold, core and make_uscc of the registry per row",
            }
            unused = brands(random.Random(args.seed)).unused
            qs = queries(args.seed + 1, args.queries, loaded.samples, loaded.others, unused)
            for db in dbs:
                result = measure(db, qs, args.http, directory, args.explain)
                result["load"]["rows"] = loaded.rows
                result["load"]["rows_per_second"] = round(loaded.rows / db.load_seconds)
                report["databases"][db.name] = result
        finally:
            for db in dbs:
                db.engine.dispose()
            if "postgresql" in wanted:
                drop_postgres_database(server_url, BENCH_DATABASE)
    print()
    print(table(report))
    print()
    print(footer(report))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print(f"results: {args.output}")
    wrong = sum(len(db["mismatches"]) for db in report["databases"].values())
    if wrong:
        print(
            f"{wrong} answers differ from the service's (see 'mismatches' in the JSON)",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
