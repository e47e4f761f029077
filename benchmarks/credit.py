"""Credit supervision: how well and how fast names are matched against the listed entities.

Sections (pick with --sections; matching and scale by default):

- matching: precision, recall and F1 of `match`, and of `match or review`, on the labelled set
  tests/credit/data/name_pairs.csv (the one the tests pin), for
  (a) ipprotect's matcher (`credit.matching.compare`, thresholds from the default Settings),
  (b) brute-force rapidfuzz: token_sort_ratio and WRatio over the registry's folded names, the
      credit codes not looked at, with the thresholds that suit it best on this very set (the
      best F1 for `match`; for `match or review` the highest that still reviews every pair of
      one entity, which ipprotect's matcher does) — chosen on the set it is measured on, so
      flattering to the baseline,
  (c) OpenSanctions' nomenklatura matcher logic-v2, each pair as two followthemoney `Company`
      entities with the credit code as `registrationNumber`, at yente's default thresholds
      (a match from 0.7, a candidate from 0.5) and at its best F1 threshold on the set.
  nomenklatura is heavy (followthemoney, rigour, scikit-learn, DuckDB…) and no runtime
  dependency: it runs in a subprocess of the interpreter given by --nomenklatura-python (this
  one by default), which must import nomenklatura and ipprotect's dependencies; the section says
  why and skips it when it cannot;
- scale: N made-up listed names (1,000,000 by default): the time to build `NameIndex` (parsing
  every name, blocking on character and pinyin bigrams), then the p50/p99 of `NameIndex.check`
  over queries typed as people type them, beside rapidfuzz `process.extractOne` (WRatio) over
  the same folded names for a sample of the same queries; and how often each finds the entity
  the query was made from;
- http: restriction checks end to end: --listed made-up listings (1,000,000) in status `listed`
  in a fresh SQLite database, among ten times as many entities (10,000,000): the unlisted ones
  are made on the fly from their number and never stored, since a check reads credit_listings
  only. A real uvicorn serves the app, once per --workers (1 and 2 worker processes, as
  `ipprotect serve --workers`); every worker builds its index of the listed names at its first
  check, timed apart. Closed loop: 64 concurrent keep-alive clients, each sending its next
  request when answered, send --checks POST /api/v1/credit/check (procurement; 70 % with the
  credit code and the name, 30 % the name only), each answered, recorded and signed as in
  production, beside as many GET /api/v1/health: the throughput at saturation, where latency
  is clients / throughput (Little's law). Open loop: 64 connections sending at fixed offered
  rates (25, 50, 75 and 90 % of that throughput, --open-seconds each), latency counted from
  when each request was due, checks and then the health check at each rate: the latency a
  caller sees at a given load. Every listed entity must come back `restricted`;
- screening: --screen bidders (100,000; a tenth listed) screened by `screening.screen` against
  the same listings, as the job of `ipprotect credit screen` does: the index built (the names
  parsed by one worker process per CPU), then the rows searched by one worker process per CPU
  while this one reads the listings and decides; the reviews counted by confidence.

    .venv/bin/python benchmarks/credit.py                      # the full run (~6 min)
    .venv/bin/python benchmarks/credit.py --quick              # 20,000 names, a quick check
    .venv/bin/python benchmarks/credit.py --nomenklatura-python /path/to/venv/bin/python
    .venv/bin/python benchmarks/credit.py --sections http,screening [--quick]
    .venv/bin/python benchmarks/credit.py --sections http --checks 10000 --workers 2

Results: tables on stdout and benchmarks/results/credit.json (the sections run replace theirs;
the others are kept).
"""

import argparse
import csv
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from ipprotect.cli import WORKER_HEALTHCHECK_SECONDS
from ipprotect.core import ids
from ipprotect.credit.matching import Listed, NameIndex, Thresholds, compare, usable_cpus
from ipprotect.registry import search
from ipprotect.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).parent / "results"
PAIRS = ROOT / "tests" / "credit" / "data" / "name_pairs.csv"
# yente's defaults (OpenSanctions' matching API): a result from 0.7 is a match, results from
# 0.5 are returned as candidates.
YENTE_MATCH, YENTE_CANDIDATE = 0.7, 0.5


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
        "cpu": cpu,
        "memory_gib": round(memory_kib / 2**20, 1),
        "python": platform.python_version(),
    }


# ---------------------------------------------------------------- the labelled set


@dataclass(frozen=True)
class Pair:
    pattern: str
    query_name: str
    query_uscc: str
    listed_name: str
    listed_uscc: str
    same_entity: bool


def pairs() -> list[Pair]:
    with PAIRS.open(encoding="utf-8", newline="") as f:
        return [
            Pair(
                r["pattern"],
                r["query_name"],
                r["query_uscc"],
                r["listed_name"],
                r["listed_uscc"],
                r["same_entity"] == "yes",
            )
            for r in csv.DictReader(f)
        ]


def scores(said: Sequence[bool], truth: Sequence[bool]) -> dict[str, Any]:
    """Precision, recall and F1 of saying "the same entity", and the wrong matches."""
    right = sum(s and t for s, t in zip(said, truth, strict=True))
    claimed, positives = sum(said), sum(truth)
    precision = right / claimed if claimed else 1.0
    recall = right / positives if positives else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "said": claimed,
        "different_entities_said_same": claimed - right,
    }


def best_f1_threshold(values: Sequence[float], truth: Sequence[bool]) -> float:
    candidates = sorted(set(values))
    return max(candidates, key=lambda c: (scores([v >= c for v in values], truth)["f1"], c))


def full_recall_threshold(values: Sequence[float], truth: Sequence[bool]) -> float:
    return min(v for v, t in zip(values, truth, strict=True) if t)


def by_threshold(
    values: Sequence[float], truth: Sequence[bool], match: float, review: float
) -> dict[str, Any]:
    return {
        "thresholds": {"match": match, "match_or_review": review},
        "match": scores([v >= match for v in values], truth),
        "match_or_review": scores([v >= review for v in values], truth),
    }


def nomenklatura_worker() -> None:
    """Run inside the nomenklatura interpreter: score every labelled pair with logic-v2 and
    print {"version", "scores", "seconds_per_pair"} as JSON."""
    from importlib.metadata import version

    from followthemoney import model
    from nomenklatura.matching import get_algorithm
    from nomenklatura.matching.types import ScoringConfig

    algorithm = get_algorithm("logic-v2")
    if algorithm is None:
        raise SystemExit("nomenklatura has no logic-v2 matcher")
    config = ScoringConfig.defaults()
    numbered = iter(range(10**9))

    def entity(name: str, uscc: str) -> Any:
        # nomenklatura caches per entity id: every entity needs its own.
        made = model.make_entity("Company")
        made.id = f"e{next(numbered)}"
        made.add("name", name)
        if uscc:
            made.add("registrationNumber", uscc)
        return made

    found = []
    entities = [
        (entity(p.query_name, p.query_uscc), entity(p.listed_name, p.listed_uscc)) for p in pairs()
    ]
    started = time.perf_counter()
    for query, listed in entities:
        found.append(round(float(algorithm.compare(query, listed, config).score), 4))
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "version": version("nomenklatura"),
                "scores": found,
                "seconds_per_pair": seconds / max(1, len(found)),
            }
        )
    )


def nomenklatura_scores(python: str) -> dict[str, Any]:
    """Scores from the worker, or {"skipped": why}."""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    command = [python, __file__, "--nomenklatura-worker"]
    try:
        done = subprocess.run(  # noqa: S603 - our own script, on an interpreter the user named
            command, capture_output=True, text=True, env=env, timeout=1800, check=False
        )
    except OSError as problem:
        return {"skipped": f"cannot run {python}: {problem}"}
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
        return {
            "skipped": f"nomenklatura did not run under {python}: {last}. Install it beside "
            "the project's dependencies (e.g. `.tools/bin/uv pip install --python "
            ".venv/bin/python nomenklatura`, or into a venv of its own given by "
            "--nomenklatura-python)"
        }
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def matching_section(nomenklatura_python: str) -> dict[str, Any]:
    labelled = pairs()
    truth = [p.same_entity for p in labelled]
    settings = Settings()
    thresholds = Thresholds.from_settings(settings)

    started = time.perf_counter()
    decided = [
        compare(
            p.query_name,
            p.query_uscc or None,
            Listed(p.listed_name, p.listed_uscc or None),
            thresholds,
        )
        for p in labelled
    ]
    ours_seconds = (time.perf_counter() - started) / len(labelled)
    misses = Counter(
        p.pattern
        for p, m in zip(labelled, decided, strict=True)
        if p.same_entity and m.decision != "match"
    )
    wrong = Counter(
        p.pattern
        for p, m in zip(labelled, decided, strict=True)
        if not p.same_entity and m.decision == "match"
    )
    ours = {
        "thresholds": {"review_percent": settings.credit_match_review_percent},
        "match": scores([m.decision == "match" for m in decided], truth),
        "match_or_review": scores([m.decision != "none" for m in decided], truth),
        "same_entity_not_matched_by_pattern": dict(misses),
        "different_entity_matched_by_pattern": dict(wrong),
        "microseconds_per_pair": round(ours_seconds * 1e6, 1),
    }

    folded = [(search.fold(p.query_name), search.fold(p.listed_name)) for p in labelled]
    baselines: dict[str, Any] = {}
    scorers: dict[str, Callable[..., float]] = {
        "token_sort_ratio": fuzz.token_sort_ratio,
        "WRatio": fuzz.WRatio,
    }
    for name, scorer in scorers.items():
        values = [scorer(a, b) / 100 for a, b in folded]
        baselines[f"rapidfuzz {name}"] = by_threshold(
            values,
            truth,
            best_f1_threshold(values, truth),
            full_recall_threshold(values, truth),
        )

    nk = nomenklatura_scores(nomenklatura_python)
    if "skipped" in nk:
        baselines["nomenklatura logic-v2"] = {"skipped": nk["skipped"]}
    else:
        values = nk["scores"]
        baselines["nomenklatura logic-v2"] = {
            "version": nk["version"],
            "microseconds_per_pair": round(nk["seconds_per_pair"] * 1e6, 1),
            "yente defaults": by_threshold(values, truth, YENTE_MATCH, YENTE_CANDIDATE),
            "best on the set": by_threshold(
                values,
                truth,
                best_f1_threshold(values, truth),
                full_recall_threshold(values, truth),
            ),
        }
    return {
        "pairs": len(labelled),
        "same_entity_pairs": sum(truth),
        "patterns": dict(Counter(p.pattern for p in labelled)),
        "ipprotect": ours,
        "baselines": baselines,
    }


def matching_table(section: dict[str, Any]) -> str:
    head = (
        f"{'matcher':<38}{'thresholds':>14}  {'match P':>8}{'R':>7}{'F1':>7}{'wrong':>7}"
        f"  {'m|review P':>10}{'R':>7}{'F1':>7}"
    )
    lines = [
        f"labelled pairs: {section['pairs']} ({section['same_entity_pairs']} of one entity)",
        head,
        "-" * len(head),
    ]

    def row(name: str, thresholds: str, r: dict[str, Any]) -> str:
        m, mr = r["match"], r["match_or_review"]
        return (
            f"{name:<38}{thresholds:>14}  {m['precision']:>8.3f}{m['recall']:>7.3f}"
            f"{m['f1']:>7.3f}{m['different_entities_said_same']:>7}"
            f"  {mr['precision']:>10.3f}{mr['recall']:>7.3f}{mr['f1']:>7.3f}"
        )

    ours = section["ipprotect"]
    lines.append(row("ipprotect", f"review {ours['thresholds']['review_percent']}%", ours))
    for name, result in section["baselines"].items():
        if "skipped" in result:
            lines.append(f"{name:<38}skipped: {result['skipped']}")
            continue
        variants = {k: v for k, v in result.items() if isinstance(v, dict) and "thresholds" in v}
        for label, r in (variants or {"": result}).items():
            t = r["thresholds"]
            lines.append(
                row(
                    f"{name} {label}".strip(),
                    f"{t['match']:.2f}/{t['match_or_review']:.2f}",
                    r,
                )
            )
    lines.append(
        "wrong: pairs of two different entities said to be one (`match`); thresholds of the "
        "baselines: match / match-or-review"
    )
    if ours["same_entity_not_matched_by_pattern"]:
        lines.append(
            "ipprotect, pairs of one entity not matched (reviewed instead), by pattern: "
            + ", ".join(
                f"{k} {v}" for k, v in sorted(ours["same_entity_not_matched_by_pattern"].items())
            )
        )
    return "\n".join(lines)


# ---------------------------------------------------------------- at scale

BRAND_CHARS = (
    "华兴达利恒泰隆盛鑫源丰祥瑞福康宏伟新鼎昌嘉和安信诚德通汇金益富旺宝龙凯腾博远创科智联星海天润"
    "晨明阳光美佳优卓越东方中正永合众百万千家乐欣悦辉煌锦绣云峰山水林森茂春秋晟昊宸睿璟瀚泓沃禾田"
    "青蓝银玉翔航舟帆骏驰奥赛特威力普立友邦亿至尚"
)


def _words(text: str) -> list[str]:
    return text.split()


TRADES = _words(
    "科技 网络科技 信息技术 电子商务 贸易 商贸 实业 建筑工程 装饰工程 房地产开发 物业管理 "
    "餐饮管理 食品 茶业 服饰 纺织 丝绸 机械 电子 电气 新材料 生物医药 医疗器械 化工 环保科技 "
    "文化传媒 广告 教育科技 咨询 企业管理 物流 供应链管理 汽车服务 农业开发 家居用品 五金"
)
FORMS = ["有限公司"] * 6 + ["有限责任公司", "股份有限公司", "集团有限公司"]
# How the scale queries are typed (kind: share).
QUERY_MIX = {
    "exact": 0.2,  # the listed name as listed
    "variant": 0.4,  # without its place, in traditional characters, full width, in brackets
    "one_character": 0.2,  # one character of the trade name changed
    "unlisted": 0.2,  # a name made like the others, listed nowhere
}
_TRADITIONAL = str.maketrans(
    "华兴达丰龙宝东业电贸实网络饰纺织机械产开发团", "華興達豐龍寶東業電貿實網絡飾紡織機械產開發團"
)


def city_names() -> list[str]:
    provinces = ids.regions_under(ids.NATIONAL)
    found = []
    for province in provinces:
        found += [r.name_zh for r in ids.regions_under(province.code) if not r.grouping]
    return found or [p.name_zh for p in provinces]


def listed_names(n: int, seed: int) -> list[Listed]:
    """n distinct made-up names on real prefecture names (and municipalities' districts), brands
    of two or three characters of Zipf-like popularity, with valid credit codes."""
    rng = random.Random(seed)
    cities = city_names()
    pairs_ = [a + b for a in BRAND_CHARS for b in BRAND_CHARS if a != b]
    rng.shuffle(pairs_)
    triples = [p + rng.choice(BRAND_CHARS) for p in pairs_[:6000]]
    brands = pairs_[:6000] + triples
    weights = [1 / (rank + 10) for rank in range(len(brands))]
    seen: set[str] = set()
    found: list[Listed] = []
    while len(found) < n:
        chunk = rng.choices(brands, weights=weights, k=min(50_000, 2 * (n - len(found))))
        for brand in chunk:
            name = f"{rng.choice(cities)}{brand}{rng.choice(TRADES)}{rng.choice(FORMS)}"
            if name in seen:
                continue
            seen.add(name)
            body = f"{len(found):08d}"
            found.append(Listed(name, ids.make_uscc("9", "1", "440300", body)))
            if len(found) == n:
                break
    return found


@dataclass(frozen=True)
class Query:
    kind: str
    name: str
    source: int | None  # the listed entity it was made from


def scale_queries(listed: Sequence[Listed], count: int, seed: int) -> list[Query]:
    rng = random.Random(seed)
    kinds = rng.choices(list(QUERY_MIX), weights=list(QUERY_MIX.values()), k=count)
    found = []
    for kind in kinds:
        i = rng.randrange(len(listed))
        name = listed[i].name
        if kind == "variant":
            # The place the name was made with: the first leading one (a brand may be a
            # place name too, 天水).
            places = search.split_places(search.fold(name))[0]
            place = places[0] if places else ""
            how = rng.randrange(4)
            if how == 0 or not place:
                name = name[len(place) :]
            elif how == 1:
                name = name.translate(_TRADITIONAL)
            elif how == 2:
                name = name[len(place) :].replace("有限", "（" + place + "）有限", 1)
            else:
                name = " ".join(place) + "　" + name[len(place) :]
        elif kind == "one_character":
            trade = next(t for t in sorted(TRADES, key=len, reverse=True) if t in name)
            k = name.index(trade) + rng.randrange(len(trade))
            name = name[:k] + rng.choice("甲乙丙丁戊己庚辛壬癸") + name[k + 1 :]
        elif kind == "unlisted":
            brand = "".join(rng.sample("甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉", 3))
            name = f"{brand}{rng.choice(TRADES)}有限公司"
            i = -1
        found.append(Query(kind, name, i if i >= 0 else None))
    return found


def percentiles(seconds: Sequence[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in seconds)
    cuts = statistics.quantiles(ms, n=100, method="inclusive")
    return {
        "p50_ms": round(cuts[49], 3),
        "p99_ms": round(cuts[98], 3),
        "mean_ms": round(statistics.fmean(ms), 3),
    }


def max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def scale_section(n: int, count: int, brute_count: int, seed: int) -> dict[str, Any]:
    started = time.perf_counter()
    listed = listed_names(n, seed)
    generated = time.perf_counter() - started
    print(f"  {n:,} names made in {generated:.1f} s; building the index", flush=True)
    rss_before = max_rss_mib()
    started = time.perf_counter()
    index = NameIndex(listed, Thresholds.from_settings(Settings()))
    build = time.perf_counter() - started
    rss_after = max_rss_mib()
    qs = scale_queries(listed, count, seed + 1)
    print(f"  index built in {build:.1f} s; {count:,} queries", flush=True)

    timings: dict[str, list[float]] = {kind: [] for kind in QUERY_MIX}
    decisions: dict[str, Counter[str]] = {kind: Counter() for kind in QUERY_MIX}
    reasons: dict[str, Counter[str]] = {kind: Counter() for kind in QUERY_MIX}
    found_source: Counter[str] = Counter()
    wrong_match: Counter[str] = Counter()
    for q in qs:
        t0 = time.perf_counter()
        answers = index.search(q.name, limit=5)
        timings[q.kind].append(time.perf_counter() - t0)
        top = answers[0].decision if answers else "none"
        decisions[q.kind][top] += 1
        reasons[q.kind][answers[0].reason_code if answers else "no_candidate"] += 1
        if q.source is not None and any(
            a.name == listed[q.source].name and a.decision != "none" for a in answers
        ):
            found_source[q.kind] += 1
        # A match to any entity but the one the query was made from (every match of a
        # one-character change or of an unlisted name) would restrict the wrong company.
        source = (
            listed[q.source].name if q.source is not None and q.kind != "one_character" else None
        )
        wrong_match[q.kind] += sum(a.decision == "match" and a.name != source for a in answers)

    print(
        f"  brute force: process.extractOne (WRatio) over {n:,} folded names, "
        f"{brute_count} queries",
        flush=True,
    )
    started = time.perf_counter()
    folded = [search.fold(entry.name) for entry in listed]
    fold_seconds = time.perf_counter() - started
    brute_times: list[float] = []
    brute_found: Counter[str] = Counter()
    brute_asked: Counter[str] = Counter()
    for q in qs[:brute_count]:
        t0 = time.perf_counter()
        best = process.extractOne(search.fold(q.name), folded, scorer=fuzz.WRatio)
        brute_times.append(time.perf_counter() - t0)
        brute_asked[q.kind] += 1
        if q.source is not None and best is not None and best[2] == q.source:
            brute_found[q.kind] += 1

    every = [s for kind in QUERY_MIX for s in timings[kind]]
    return {
        "listed": n,
        "queries": count,
        "query_mix": QUERY_MIX,
        "generated_seconds": round(generated, 1),
        "index": {
            "build_seconds": round(build, 1),
            "microseconds_per_name": round(build / n * 1e6, 1),
            "max_rss_growth_mib": round(rss_after - rss_before),
        },
        "ipprotect": percentiles(every)
        | {
            "by_kind": {
                kind: percentiles(timings[kind])
                | {
                    "queries": len(timings[kind]),
                    "top_decision": dict(decisions[kind]),
                    "top_reason": dict(reasons[kind]),
                    "source_found": found_source[kind],
                    "wrong_matches": wrong_match[kind],
                }
                for kind in QUERY_MIX
                if timings[kind]
            }
        },
        "rapidfuzz extractOne WRatio": percentiles(brute_times)
        | {
            "queries": len(brute_times),
            "fold_seconds": round(fold_seconds, 1),
            "source_is_top_by_kind": {k: f"{brute_found[k]}/{brute_asked[k]}" for k in QUERY_MIX},
        },
    }


def scale_table(section: dict[str, Any]) -> str:
    ix = section["index"]
    lines = [
        f"{section['listed']:,} listed names: index built in {ix['build_seconds']} s "
        f"({ix['microseconds_per_name']} µs a name, parsing included), "
        f"max RSS +{ix['max_rss_growth_mib']:,} MiB",
        f"{'query path':<34}{'queries':>8}{'p50 ms':>9}{'p99 ms':>9}{'mean ms':>9}",
    ]
    ours, brute = section["ipprotect"], section["rapidfuzz extractOne WRatio"]
    lines.append(
        f"{'ipprotect NameIndex.search':<34}{section['queries']:>8}{ours['p50_ms']:>9.2f}"
        f"{ours['p99_ms']:>9.2f}{ours['mean_ms']:>9.2f}"
    )
    lines.append(
        f"{'rapidfuzz extractOne (WRatio)':<34}{brute['queries']:>8}{brute['p50_ms']:>9.2f}"
        f"{brute['p99_ms']:>9.2f}{brute['mean_ms']:>9.2f}"
    )
    lines.append("")
    lines.append(
        f"{'query kind':<15}{'queries':>8}{'p50 ms':>9}{'p99 ms':>9}  "
        f"{'source found':>12}{'wrong match':>12}  {'brute top-1':>11}  top decision (ipprotect)"
    )
    for kind, k in ours["by_kind"].items():
        found = "-" if kind == "unlisted" else f"{k['source_found']}/{k['queries']}"
        brute_found = "-" if kind == "unlisted" else brute["source_is_top_by_kind"][kind]
        decisions = ", ".join(f"{d} {c}" for d, c in sorted(k["top_decision"].items()))
        lines.append(
            f"{kind:<15}{k['queries']:>8}{k['p50_ms']:>9.2f}{k['p99_ms']:>9.2f}  "
            f"{found:>12}{k['wrong_matches']:>12}  {brute_found:>11}  {decisions}"
        )
        lines.append(
            f"{'':<15}reasons: " + ", ".join(f"{r} {c}" for r, c in sorted(k["top_reason"].items()))
        )
    lines.append(
        "source found: the entity the query was made from is among the 5 answers as match or "
        "review; wrong match: answers that match another entity (for one_character and "
        "unlisted, any match); brute top-1: the entity is extractOne's answer"
    )
    return "\n".join(lines)


# ---------------------------------------------------------------- the run


# --- restriction checks over HTTP and bulk screening (sections http, screening) -----------------

CHECK_CLIENTS = 64
# The open-loop rates, as shares of the closed-loop check throughput of the same server.
OPEN_LOOP_SHARES = (0.25, 0.5, 0.75, 0.9)
# The entities the checks ask about: listed ones are rows of credit_listings; the others are
# made on the fly from their number (a credit code with that number as its body, a name of three
# characters listed nowhere), never stored: a check reads credit_listings only, never
# market_entities, so a stored row of an unlisted entity would change nothing it measures.
UNLISTED_CHARS = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥"


def listing_database(directory: Path, listed: Sequence[Listed]) -> str:
    """A fresh SQLite database, migrated, with `listed` as listings in status `listed`, each
    with the joint-punishment measures, decided 2026-03-02 in Shenzhen."""
    from sqlalchemy import insert

    from ipprotect.core.migrate import upgrade
    from ipprotect.credit.models import CreditListing
    from ipprotect.db import make_engine

    url = f"sqlite:///{directory / 'credit.sqlite3'}"
    engine = make_engine(Settings(database_url=url, data_dir=directory))
    with engine.begin() as connection:
        upgrade(connection)
    measures = ["government_procurement", "government_investment_bidding", "land_transfer"]
    decided = date(2026, 3, 2)
    now = datetime.now(UTC)
    with engine.begin() as connection:
        for start in range(0, len(listed), 50_000):
            connection.execute(
                insert(CreditListing),
                [
                    {
                        "entity_uscc": entry.uscc,
                        "entity_name": entry.name,
                        "region_code": "440300",
                        "behaviour": "deliberate_infringement",
                        "class": "serious",
                        "status": "listed",
                        "basis": "SAMR Order No. 44",
                        "measures": measures,
                        "decided_on": decided,
                        "published_on": decided,
                        "document_no": f"深市监信〔2026〕{i}号",
                        "authority": "深圳市市场监督管理局",
                        "data": {},
                        "created_at": now,
                        "updated_at": now,
                    }
                    for i, entry in enumerate(listed[start : start + 50_000], start)
                ],
            )
    engine.dispose()
    return url


@dataclass(frozen=True)
class Check:
    kind: str  # listed_by_code, listed_by_name, unlisted_by_code, unlisted_by_name
    name: str
    uscc: str | None
    expected: str | None  # the decision a listed entity must get; None: any


def entity_checks(listed: Sequence[Listed], entities: int, count: int, seed: int) -> list[Check]:
    """Checks about entities drawn uniformly from `entities` (the listed are the first
    len(listed)); 70 % give their credit code with the name, 30 % the name only."""
    rng = random.Random(seed)
    found = []
    for _ in range(count):
        k = rng.randrange(entities)
        with_code = rng.random() < 0.7
        if k < len(listed):
            entry = listed[k]
            kind = "listed_by_code" if with_code else "listed_by_name"
            found.append(Check(kind, entry.name, entry.uscc if with_code else None, "restricted"))
            continue
        local = random.Random(k)
        name = "".join(local.sample(UNLISTED_CHARS, 3)) + local.choice(TRADES) + "有限公司"
        code = ids.make_uscc("9", "1", "440300", f"{k % 10**8:08d}") if with_code else None
        kind = "unlisted_by_code" if with_code else "unlisted_by_name"
        found.append(Check(kind, name, code, None))
    return found


class CheckServer:
    """A real uvicorn serving the app on the benchmark's database, as `ipprotect serve
    --workers N` does (one process when N is 1, else N worker processes under uvicorn's
    supervisor, sharing the port)."""

    def __init__(self, directory: Path, url: str, workers: int) -> None:
        import secrets
        import socket

        from sqlalchemy.orm import Session

        from ipprotect.core import audit
        from ipprotect.core.auth import Role, create_token
        from ipprotect.db import make_engine

        self.workers = workers
        engine = make_engine(Settings(database_url=url, data_dir=directory))
        with Session(engine) as session:
            _, self.token = create_token(
                session,
                audit.Actor(None, "benchmark", None),
                name="benchmark procurement system",
                region_codes=["000000"],
                role=Role.SYSTEM,
            )
            session.commit()
        engine.dispose()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        env = os.environ | {
            "IPPROTECT_DATABASE_URL": url,
            "IPPROTECT_DATA_DIR": str(directory),
            "IPPROTECT_SECRET_KEY": secrets.token_urlsafe(32),
            # The limit is measured by the tests; here it must not cut the load.
            "IPPROTECT_CREDIT_CHECK_RATE_PER_MINUTE": str(10**9),
        }
        command = [sys.executable, "-m", "uvicorn", "ipprotect.app:create_app", "--factory"]
        command += ["--host", "127.0.0.1", "--port", str(self.port), "--workers", str(workers)]
        command += ["--timeout-worker-healthcheck", str(WORKER_HEALTHCHECK_SECONDS)]
        command += ["--log-level", "warning", "--no-access-log"]
        # Our own interpreter running uvicorn: no outside input in the command.
        self.server = subprocess.Popen(command, env=env, cwd=directory)  # noqa: S603
        deadline = time.monotonic() + 120
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("uvicorn did not start within 120 s") from None
            try:
                # Waiting on the process both paces the polling and notices an early exit.
                code = self.server.wait(timeout=0.2)
            except subprocess.TimeoutExpired:
                continue
            raise SystemExit(f"uvicorn exited with status {code}")

    def serving_pids(self) -> list[int]:
        """The processes that answer: the server itself, or its spawned workers."""
        if self.workers == 1:
            return [self.server.pid]
        proc = Path("/proc") / str(self.server.pid) / "task" / str(self.server.pid) / "children"
        children = [int(pid) for pid in proc.read_text().split()]
        return [
            pid
            for pid in children
            if b"spawn_main" in (Path("/proc") / str(pid) / "cmdline").read_bytes()
        ]

    def rss_mib(self) -> list[float]:
        """The resident memory of each serving process (its name index is most of it)."""
        sizes = []
        for pid in self.serving_pids():
            for line in (Path("/proc") / str(pid) / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(round(int(line.split()[1]) / 1024, 1))
        return sizes

    def request(self, check: Check) -> bytes:
        body = json.dumps(
            {"purpose": "procurement", "name": check.name, "uscc": check.uscc},
            ensure_ascii=False,
        ).encode()
        head = (
            f"POST /api/v1/credit/check HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
            f"Authorization: Bearer {self.token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        return head.encode() + body

    def health(self) -> bytes:
        return f"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n\r\n".encode()

    def close(self) -> None:
        self.server.terminate()
        self.server.wait(timeout=60)


@dataclass
class Reply:
    index: int
    status: int
    body: bytes
    seconds: float


async def exchange(reader: Any, writer: Any, request: bytes) -> tuple[int, bytes]:
    """One request and its response on a keep-alive connection: (status, body)."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = next(
        int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:")
    )
    body = await reader.readexactly(length)
    return int(lines[0].split(" ")[1]), body


def load(port: int, requests: Sequence[bytes], clients: int) -> tuple[list[Reply], float]:
    """Closed loop: `clients` keep-alive connections, each sending its next request as soon as
    the last is answered (the throughput at saturation; latency = clients / throughput)."""
    import asyncio

    replies: list[Reply] = []

    async def client(numbers: range) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for i in numbers:
                started = time.perf_counter()
                status, body = await exchange(reader, writer, requests[i])
                replies.append(Reply(i, status, body, time.perf_counter() - started))
        finally:
            writer.close()
            await writer.wait_closed()

    async def run() -> None:
        await asyncio.gather(*(client(range(k, len(requests), clients)) for k in range(clients)))

    started = time.perf_counter()
    asyncio.run(run())
    return replies, time.perf_counter() - started


def offered(
    port: int, requests: Sequence[bytes], clients: int, rate: float
) -> tuple[list[Reply], float]:
    """Open loop: request i is due at i / rate seconds, sent on whichever of the `clients`
    keep-alive connections is free, its latency counted from when it was due, so time spent
    waiting for a free connection counts too (no coordinated omission)."""
    import asyncio

    replies: list[Reply] = []

    async def one(i: int, connection: Any, due: float, free: Any) -> None:
        status, body = await exchange(*connection, requests[i])
        replies.append(Reply(i, status, body, asyncio.get_running_loop().time() - due))
        free.put_nowait(connection)

    async def run() -> None:
        loop = asyncio.get_running_loop()
        connections = [await asyncio.open_connection("127.0.0.1", port) for _ in range(clients)]
        free: asyncio.Queue[Any] = asyncio.Queue()
        for connection in connections:
            free.put_nowait(connection)
        start = loop.time() + 0.05
        tasks = []
        for i in range(len(requests)):
            due = start + i / rate
            if (delay := due - loop.time()) > 0:
                await asyncio.sleep(delay)
            connection = await free.get()
            tasks.append(asyncio.create_task(one(i, connection, due, free)))
        await asyncio.gather(*tasks)
        for _reader, writer in connections:
            writer.close()
            await writer.wait_closed()

    started = time.perf_counter()
    asyncio.run(run())
    return replies, time.perf_counter() - started


def warm(server: CheckServer, check: Check) -> float:
    """Rounds of CHECK_CLIENTS one-check connections until a round is answered within a second:
    every worker has built its index of the listed names (a worker builds it at its first
    check). The seconds it took."""
    started = time.perf_counter()
    for _ in range(20):
        replies, wall = load(server.port, [server.request(check)] * CHECK_CLIENTS, CHECK_CLIENTS)
        bad = [r for r in replies if r.status != 200]
        if bad:
            raise SystemExit(f"check: {bad[0].status} {bad[0].body[:300]!r}")
        if wall < 1:
            return time.perf_counter() - started
    raise SystemExit("the server's workers did not all build their index")


def decisions_of(
    checks_: Sequence[Check], replies: Sequence[Reply]
) -> tuple[dict[str, dict[str, Any]], int]:
    """The decisions by kind of check, and how many listed entities were not restricted."""
    by_kind: dict[str, dict[str, Any]] = {}
    wrong = 0
    for reply in replies:
        check = checks_[reply.index]
        decision = json.loads(reply.body)["decision"] if reply.status == 200 else "error"
        entry = by_kind.setdefault(check.kind, {"checks": 0, "decisions": Counter()})
        entry["checks"] += 1
        entry["decisions"][decision] += 1
        if check.expected and decision != check.expected:
            wrong += 1
    return {k: {**v, "decisions": dict(v["decisions"])} for k, v in by_kind.items()}, wrong


def http_run(
    directory: Path,
    url: str,
    listed: Sequence[Listed],
    entities: int,
    count: int,
    open_seconds: float,
    workers: int,
    seed: int,
) -> dict[str, Any]:
    """One server with `workers` processes: closed loop (checks, then health), then open loop
    at OPEN_LOOP_SHARES of the closed-loop check throughput (checks, then health, per rate)."""
    checks_ = entity_checks(listed, entities, count, seed)
    # The machine is shared: the load before and after the run says what else was running.
    load_before = os.getloadavg()[0]
    server = CheckServer(directory, url, workers)
    try:
        built = warm(server, checks_[0])
        print(f"  {workers} worker(s): index of {len(listed):,} names built in {built:.1f} s")
        load(server.port, [server.health()] * CHECK_CLIENTS * 4, CHECK_CLIENTS)
        health, health_wall = load(server.port, [server.health()] * count, CHECK_CLIENTS)
        replies, wall = load(server.port, [server.request(c) for c in checks_], CHECK_CLIENTS)
        saturation = len(replies) / wall
        print(f"  closed loop: {saturation:.1f} checks/s", flush=True)
        by_kind, wrong = decisions_of(checks_, replies)
        open_loop = []
        for k, share in enumerate(OPEN_LOOP_SHARES, 1):
            rate = max(1, round(saturation * share))
            n = max(CHECK_CLIENTS, int(rate * open_seconds))
            at_rate = entity_checks(listed, entities, n, seed + k)
            answered, answered_wall = offered(
                server.port, [server.request(c) for c in at_rate], CHECK_CLIENTS, rate
            )
            _kinds, missed = decisions_of(at_rate, answered)
            wrong += missed
            healthy, healthy_wall = offered(server.port, [server.health()] * n, CHECK_CLIENTS, rate)
            open_loop.append(
                {
                    "offered_per_second": rate,
                    "requests": n,
                    "checks": {
                        "per_second": round(n / answered_wall, 1),
                        "statuses": dict(Counter(str(r.status) for r in answered)),
                        "latency_ms": percentiles([r.seconds for r in answered]),
                    },
                    "health": {
                        "per_second": round(n / healthy_wall, 1),
                        "latency_ms": percentiles([r.seconds for r in healthy]),
                    },
                }
            )
            print(f"  open loop at {rate}/s done", flush=True)
        rss = server.rss_mib()
    finally:
        server.close()
    return {
        "workers": workers,
        "load_average_1min": [round(load_before, 1), round(os.getloadavg()[0], 1)],
        "index_build_seconds": round(built, 1),
        "rss_mib": rss,
        "checks": {
            "requests": len(replies),
            "statuses": dict(Counter(str(r.status) for r in replies)),
            "per_second": round(saturation, 1),
            "latency_ms": percentiles([r.seconds for r in replies]),
            "by_kind": by_kind,
        },
        "listed_not_restricted": wrong,
        "health": {
            "requests": len(health),
            "per_second": round(len(health) / health_wall, 1),
            "latency_ms": percentiles([r.seconds for r in health]),
        },
        "open_loop": open_loop,
    }


def http_section(
    directory: Path,
    url: str,
    listed: Sequence[Listed],
    entities: int,
    count: int,
    open_seconds: float,
    workers: Sequence[int],
    seed: int,
) -> dict[str, Any]:
    return {
        "listed": len(listed),
        "entities": entities,
        "clients": CHECK_CLIENTS,
        "open_loop_seconds": open_seconds,
        "runs": [
            http_run(directory, url, listed, entities, count, open_seconds, n, seed)
            for n in workers
        ],
    }


def http_table(section: dict[str, Any]) -> str:
    lines = [
        f"restriction checks over HTTP: {section['listed']:,} listings among "
        f"{section['entities']:,} entities, {section['clients']} connections"
    ]
    for run in section["runs"]:
        checks_, health = run["checks"], run["health"]
        lines += [
            f"{run['workers']} uvicorn worker process(es): index built in "
            f"{run['index_build_seconds']} s (every worker, at its first check); resident "
            f"memory per worker {run['rss_mib']} MiB; load average (1 min) before and after "
            f"the run {run['load_average_1min']}",
            f"  closed loop ({section['clients']} clients, each sending as soon as answered):",
            f"  {'':28} {'per s':>9} {'p50 ms':>9} {'p99 ms':>9}",
            f"  {'POST /api/v1/credit/check':28} {checks_['per_second']:>9} "
            f"{checks_['latency_ms']['p50_ms']:>9} {checks_['latency_ms']['p99_ms']:>9}",
            f"  {'GET /api/v1/health':28} {health['per_second']:>9} "
            f"{health['latency_ms']['p50_ms']:>9} {health['latency_ms']['p99_ms']:>9}",
            "  open loop (fixed offered rates; latency from when each request was due):",
            f"  {'offered/s':>9} {'requests':>9} | {'check/s':>8} {'p50 ms':>8} {'p99 ms':>8}"
            f" | {'health/s':>8} {'p50 ms':>8} {'p99 ms':>8}",
        ]
        for point in run["open_loop"]:
            c, h = point["checks"], point["health"]
            lines.append(
                f"  {point['offered_per_second']:>9} {point['requests']:>9} | "
                f"{c['per_second']:>8} {c['latency_ms']['p50_ms']:>8} "
                f"{c['latency_ms']['p99_ms']:>8} | {h['per_second']:>8} "
                f"{h['latency_ms']['p50_ms']:>8} {h['latency_ms']['p99_ms']:>8}"
            )
        statuses = Counter(checks_["statuses"])
        for point in run["open_loop"]:
            statuses.update(point["checks"]["statuses"])
        lines.append(
            f"  statuses {dict(statuses)}; listed entities not restricted: "
            f"{run['listed_not_restricted']}"
        )
        for kind, entry in sorted(checks_["by_kind"].items()):
            lines.append(f"  {kind:18} {entry['checks']:>7} checks: {entry['decisions']}")
    return "\n".join(lines)


def screening_section(
    directory: Path, url: str, listed: Sequence[Listed], names: int, seed: int
) -> dict[str, Any]:
    """`screening.screen` in this process over `names` bidders (a tenth of them listed, drawn as
    the HTTP checks are) against the database's listings."""
    from sqlalchemy.orm import Session

    from ipprotect.core.scope import Scope
    from ipprotect.core.tabular import Row, Table
    from ipprotect.credit import checks, screening
    from ipprotect.credit.models import CheckPurpose
    from ipprotect.db import make_engine

    bidders_ = entity_checks(listed, 10 * len(listed), names, seed + 1)
    table = Table(
        ["name", "uscc"],
        [Row(i + 2, {"name": b.name, "uscc": b.uscc or ""}) for i, b in enumerate(bidders_)],
        "utf-8",
    )
    bidders = screening.Bidders(table, "name", "uscc")
    engine = make_engine(Settings(database_url=url, data_dir=directory))
    index = checks.ListingIndex(Thresholds.from_settings(Settings()), refresh_seconds=3600)
    decisions: Counter[str] = Counter()
    reviews: Counter[str] = Counter()
    with Session(engine) as session:
        started = time.perf_counter()
        built = index.current(session)
        build = time.perf_counter() - started
        processes = usable_cpus()
        print(
            f"  index of {len(listed):,} names built in {build:.1f} s; screening with "
            f"{processes} worker processes",
            flush=True,
        )
        started = time.perf_counter()
        rows = 0
        for decision, cells in screening.screen(
            session,
            built,
            bidders,
            CheckPurpose.PROCUREMENT,
            Scope.of(["000000"]),
            date(2026, 12, 7),
            str,
            processes,
        ):
            decisions[decision.value] += 1
            if decision.value == "review" and cells[-2]:
                reviews[_confidence_band(float(cells[-2]))] += 1
            rows += 1
        screen = time.perf_counter() - started
    engine.dispose()
    return {
        "names": names,
        "listed": len(listed),
        "worker_processes": processes,
        "index_build_seconds": round(build, 1),
        "screen_seconds": round(screen, 1),
        "total_seconds": round(build + screen, 1),
        "names_per_second": round(rows / screen, 1),
        "decisions": dict(decisions),
        "listed_among_names": sum(1 for b in bidders_ if b.expected),
        # Every review here is of an unlisted name (the listed come back restricted): how
        # alike they are says how far ranking the reviews by confidence helps.
        "reviews_by_confidence": {band: reviews[band] for band in CONFIDENCE_BANDS},
    }


CONFIDENCE_BANDS = ("1.00", "0.90-0.99", "0.85-0.89", "0.80-0.84", "below 0.80")


def _confidence_band(confidence: float) -> str:
    if confidence >= 1.0:
        return CONFIDENCE_BANDS[0]
    if confidence >= 0.9:
        return CONFIDENCE_BANDS[1]
    if confidence >= 0.85:
        return CONFIDENCE_BANDS[2]
    return CONFIDENCE_BANDS[3] if confidence >= 0.8 else CONFIDENCE_BANDS[4]


def screening_table(section: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"bulk screening: {section['names']:,} names against {section['listed']:,} listings,"
            f" {section.get('worker_processes', 1)} worker processes searching the index",
            f"  index {section['index_build_seconds']} s + screening {section['screen_seconds']} s"
            f" = {section['total_seconds']} s ({section['names_per_second']} names/s)",
            f"  decisions {section['decisions']} ({section['listed_among_names']} names listed)",
            "  reviews by confidence: "
            + ", ".join(f"{b} {c}" for b, c in section.get("reviews_by_confidence", {}).items()),
        ]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sections", default="matching,scale", help="comma-separated")
    parser.add_argument("--listed", type=int, default=1_000_000, help="names for 'scale'")
    parser.add_argument("--queries", type=int, default=2000, help="queries for 'scale'")
    parser.add_argument(
        "--brute-queries", type=int, default=100, help="of those, how many brute force answers"
    )
    parser.add_argument("--quick", action="store_true", help="20,000 names, 500 queries")
    parser.add_argument("--checks", type=int, default=20_000, help="restriction checks for 'http'")
    parser.add_argument(
        "--open-seconds", type=float, default=15, help="'http': seconds at each open-loop rate"
    )
    parser.add_argument(
        "--workers", default="1,2", help="'http': uvicorn worker processes, one run each"
    )
    parser.add_argument("--screen", type=int, default=100_000, help="names for 'screening'")
    parser.add_argument(
        "--nomenklatura-python",
        default=sys.executable,
        help="an interpreter with nomenklatura and ipprotect's dependencies installed",
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--output", type=Path, default=RESULTS / "credit.json")
    parser.add_argument("--nomenklatura-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.nomenklatura_worker:
        nomenklatura_worker()
        return 0
    if args.quick:
        args.listed, args.queries, args.checks, args.screen = 20_000, 500, 2000, 2000
        args.open_seconds = 4
    wanted = [s.strip() for s in args.sections.split(",") if s.strip()]
    workers = [int(n) for n in args.workers.split(",") if n.strip()]
    unknown = set(wanted) - {"matching", "scale", "http", "screening"}
    if unknown or not wanted:
        parser.error(f"unknown sections: {', '.join(sorted(unknown)) or '(none)'}")

    report: dict[str, Any] = {
        "benchmark": "credit",
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "parameters": {"seed": args.seed},
        "sections": {},
    }
    m = report["machine"]
    print(f"machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory_gib']} GiB, Python {m['python']}")
    if "matching" in wanted:
        print("matching: the labelled set", flush=True)
        report["sections"]["matching"] = matching_section(args.nomenklatura_python)
        print(matching_table(report["sections"]["matching"]), flush=True)
        print()
    if "scale" in wanted:
        print(f"scale: {args.listed:,} listed names", flush=True)
        report["sections"]["scale"] = scale_section(
            args.listed, args.queries, min(args.brute_queries, args.queries), args.seed
        )
        print(scale_table(report["sections"]["scale"]))
    if {"http", "screening"} & set(wanted):
        import tempfile

        with tempfile.TemporaryDirectory(prefix="credit-bench-") as temporary:
            directory = Path(temporary)
            print(f"listings: {args.listed:,} made-up listed entities", flush=True)
            started = time.perf_counter()
            listed = listed_names(args.listed, args.seed)
            url = listing_database(directory, listed)
            print(f"  made and stored in {time.perf_counter() - started:.1f} s", flush=True)
            if "http" in wanted:
                report["sections"]["http"] = http_section(
                    directory,
                    url,
                    listed,
                    10 * args.listed,
                    args.checks,
                    args.open_seconds,
                    workers,
                    args.seed,
                )
                print(http_table(report["sections"]["http"]), flush=True)
            if "screening" in wanted:
                report["sections"]["screening"] = screening_section(
                    directory, url, listed, args.screen, args.seed
                )
                print(screening_table(report["sections"]["screening"]), flush=True)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    if args.output.exists():
        # Keep the sections of earlier runs that this one did not repeat, each with its run.
        earlier = json.loads(args.output.read_text())
        for name, section in earlier.get("sections", {}).items():
            if name not in report["sections"]:
                run = {k: earlier.get(k) for k in ("started_at", "machine", "parameters")}
                report["sections"][name] = {"run": section.get("run", run), **section}
    args.output.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print(f"results: {args.output}")
    wrong = report["sections"].get("matching", {}).get("ipprotect", {}).get("match", {})
    if wrong.get("different_entities_said_same"):
        print("ipprotect matched two different entities (see the JSON)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
