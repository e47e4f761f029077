"""Name matching for restriction checks and bulk screening: is this name (and perhaps this
credit code) one of the listed entities? Pure logic: no database, no I/O.

A unified social credit code (USCC, GB 32100) identifies a legal entity for life, through
renamings, so a valid code decides: the same code is the same entity, another code is another
entity however alike the names. Without a code on both sides the names are compared:

- normalised by the registry's `fold` and `core` (full/half width, brackets, traditional →
  simplified, spaces and punctuation; the leading places and the trailing organisational form
  set aside), so "臺灣電子科技股份有限公司" and "台湾电子科技有限公司" share the core "电子科技";
- the same core name is a `match`, unless something the core sets aside tells two legal entities
  apart: a branch office (分公司: registered apart with a credit code of its own, though without
  legal personality, Company Law 2023 art. 13; restrictions name the one listed), a group
  (集团) against one company, another kind of organisation (a partnership, a sole proprietorship),
  or another place — a trade name is exclusive only within the registering authority's area
  (企业名称登记管理规定 2020 art. 4, 17), so 北京华兴科技 and 深圳华兴科技 may be two companies.
  Those go to `review`;
- different core names never `match`: a shared brand word, a one-character difference or the
  same sound (华为 / 华伟) goes to `review` when the names are alike enough, else `none`.

So a company that is merely similar is never restricted automatically: at most a person reviews
it. `NameIndex` finds the candidates among up to millions of listed names by blocking on
character and pinyin bigrams of the core names, then scores only those.
"""

import gc
import multiprocessing
import os
import re
import threading
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from multiprocessing.pool import Pool
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from pypinyin import Style, pinyin
from rapidfuzz.distance import Levenshtein
from rapidfuzz.fuzz import ratio

from ipprotect.core import ids
from ipprotect.core.scope import prefix_of
from ipprotect.registry import search
from ipprotect.settings import Settings
from ipprotect.web.i18n import N_

Decision = Literal["match", "review", "none"]
_RANK: dict[Decision, int] = {"match": 2, "review": 1, "none": 0}

# The reasons, by code: English msgids (translated in web/locale/zh_CN/credit.po) with
# {placeholders} filled from Match.params.
REASONS = {
    "uscc_equal": N_("The same unified social credit code {uscc}"),
    "uscc_differs": N_(
        "The same name but the credit codes differ ({given} / {listed}): another legal entity, "
        "unless a code is written wrong"
    ),
    "other_entity": N_(
        "Another credit code ({given} / {listed}) and another name: another legal entity"
    ),
    "uscc_invalid": N_(
        "The same name, but the credit code given is not valid ({problem}): check the code"
    ),
    "same_name": N_("The same name once written alike"),
    "same_core_name": N_("The same name once places and organisational forms are set aside"),
    "branch_office": N_(
        "A branch office is registered apart, with a credit code of its own ({query} / {listed})"
    ),
    "group_differs": N_(
        "A group and a company of the same trade name are different legal entities "
        "({query} / {listed})"
    ),
    "form_differs": N_("The same trade name in another kind of organisation ({query} / {listed})"),
    "place_differs": N_(
        "The same trade name registered in another place ({query} / {listed}): "
        "a trade name is exclusive only within one registering authority's area"
    ),
    "same_sound": N_("The names sound the same ({pinyin}) but are written differently"),
    "one_character": N_("The names differ in one character ({query} / {listed})"),
    "similar_name": N_("Similar names ({percent}% alike), not the same name"),
    "different_name": N_("Different names"),
    "ambiguous": N_(
        "The name fits {count} listed entities: which one is meant needs its credit code "
        "or a person's review"
    ),
}


@dataclass(frozen=True)
class Thresholds:
    """What turns a score into a decision (from Settings, see `from_settings`)."""

    # Names with different cores go to review from this similarity (0..1) up.
    review: float

    @classmethod
    def from_settings(cls, settings: Settings) -> "Thresholds":
        return cls(review=settings.credit_match_review_percent / 100)


@dataclass(frozen=True)
class Listed:
    """An entity on a list: its name and, when known, its credit code."""

    name: str
    uscc: str | None = None


@dataclass(frozen=True)
class Match:
    """The answer for one listed entity. `confidence` is how alike the names are (0..1; 1.0 for
    the same credit code or the same core name), `reason` a msgid of REASONS with `params`."""

    decision: Decision
    uscc: str | None
    name: str
    confidence: float
    reason_code: str
    params: Mapping[str, str] = field(default_factory=dict)

    @property
    def reason(self) -> str:
        return REASONS[self.reason_code]


# --- the parts of a name ----------------------------------------------------------------------

# Organisational forms (企业名称登记管理规定 2020 art. 6) by the kind of organisation they name.
_FORM_KINDS = {
    "股份有限公司": "company",
    "有限责任公司": "company",
    "有限公司": "company",
    "股份公司": "company",
    "总公司": "company",
    "公司": "company",
    "特殊普通合伙": "partnership",
    "普通合伙": "partnership",
    "有限合伙": "partnership",
    "合伙企业": "partnership",
    "个人独资企业": "sole_proprietorship",
}
_GROUP_FORMS = ("集团", "集团公司")
# What ends the name of a branch (分支机构): 分公司 of companies, 分店 of shops, 分行/支行 of
# banks, 分所 of law and accounting firms, 办事处 and 营业部 of either.
_BRANCH = re.compile(r"(分公司|分店|分厂|分行|支行|分所|办事处|营业部)$")
_BRACKETED = re.compile(r"\(([^()]*)\)")
_AMPERSAND = re.compile(r"\s*&\s*")


@dataclass(frozen=True, slots=True)
class Name:
    """A name taken apart for comparison."""

    text: str
    folded: str
    core: str
    places: tuple[str, ...]  # folded place names written in it (leading or in brackets)
    kind: str | None  # of _FORM_KINDS; None when it names no organisational form
    group: bool
    branch: str | None  # "北京分公司" for a branch office, else None
    syllables: tuple[str, ...]  # pinyin of the core, one per character (Latin letters as they are)
    sound: str  # the syllables joined by spaces, as `similarity` compares them


@lru_cache(maxsize=65536)
def _syllable(char: str) -> str:
    if "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf":
        return str(pinyin(char, style=Style.NORMAL, heteronym=False)[0][0])
    return char


def parse(text: str) -> Name:
    """Take a name apart: its folded form, core, places, organisational form and branch."""
    # 华兴科技（深圳）有限公司: a place in brackets is a place, not a part of the trade name.
    bracketed: list[str] = []

    def _place(match: re.Match[str]) -> str:
        inner = search.fold(match.group(1))
        if _BRANCH.fullmatch(search.fold(match.string[match.end() :])):
            return match.group(1)  # 某某有限公司（东莞）分公司: the branch's own place
        if inner in search.place_codes():
            bracketed.append(inner)
            return ""
        return match.group(0)

    cleaned = _BRACKETED.sub(_place, unicodedata.normalize("NFKC", text))
    cleaned = _AMPERSAND.sub(" and ", cleaned)  # Smith & Sons, Smith and Sons
    parent, branch = search.fold(cleaned), None
    found = _BRANCH.search(parent)
    if found and found.start() > 0:
        # "华为技术有限公司北京分公司": the company is what ends with the last form before it.
        head = parent[: found.start()]
        ends = [head.rfind(form) + len(form) for form in _FORM_KINDS if form in head]
        cut = max(ends, default=len(head))
        parent, branch = head[:cut], head[cut:] + found.group(1)
        core = search.core(parent)
    else:
        core = search.core(cleaned)  # on the text: English forms are cut at word boundaries
    places, rest = search.split_places(parent)
    leading = _place_chain(places, tuple(bracketed))
    if len(leading) < len(places) and core != parent:
        # 朝阳市天水房地产开发: 天水 is no place in 朝阳 but the trade name (字号).
        core = "".join(places[len(leading) :]) + core
    forms = search.split_forms(rest)[1]
    kinds = [_FORM_KINDS[f] for f in forms if f in _FORM_KINDS]
    syllables = tuple(_syllable(c) for c in core)
    return Name(
        text=text,
        folded=search.fold(text),
        core=core,
        places=leading + tuple(bracketed),
        kind=kinds[-1] if kinds else None,
        group=any(f in _GROUP_FORMS for f in forms),
        branch=branch,
        syllables=syllables,
        sound=" ".join(syllables),
    )


def usable_cpus() -> int:
    """The CPUs this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


# What forked workers work on (`fork_workers`), as it was in this process when they forked.
_SHARED: Any = None
_FORKING = threading.Lock()


def fork_workers(processes: int, shared: Any) -> Pool | None:
    """`processes` worker processes forked now, which find `shared` in `forked()`: they share
    this process's memory copy-on-write, so a built index reaches them without a copy. Their
    work must be pure (no database connection, no lock of this process's threads). None when
    no process can be forked (a limit on processes or memory): the caller works alone."""
    global _SHARED
    with _FORKING:
        _SHARED = shared
        try:
            # No garbage collection in the workers: a full pass would touch, and so copy, the
            # pages of an index's million objects in each. (Not gc.freeze here: unfreezing
            # after the fork would thaw what the check server keeps frozen, check_api.py.)
            return multiprocessing.get_context("fork").Pool(processes, initializer=gc.disable)
        except OSError:
            return None
        finally:
            _SHARED = None


def forked() -> Any:
    """In a worker of `fork_workers`: what it shares."""
    return _SHARED


# A list this long is parsed by worker processes (`parse_all`): forking and sending the parts
# back costs about a second, parsing a name some 30 µs.
PARSE_APART_FROM = 100_000


def _parse_slice(bounds: tuple[int, int]) -> list[tuple[object, ...]]:
    # Tuples, not Names: a frozen dataclass with slots pickles field by field, far slower.
    return [
        tuple(getattr(name, f) for f in Name.__slots__)
        for name in map(parse, forked()[bounds[0] : bounds[1]])
    ]


def parse_all(texts: Sequence[str], processes: int = 1) -> list[Name]:
    """Every text parsed, in order; a long list by `processes` forked workers (parsing is pure:
    the workers read nothing but the texts, and return the parts)."""
    pool = (
        fork_workers(processes, texts) if processes > 1 and len(texts) >= PARSE_APART_FROM else None
    )
    if pool is None:
        return [parse(text) for text in texts]
    step = -(-len(texts) // (4 * processes))  # a few parts each: the workers finish together
    with pool:
        parts = pool.map(_parse_slice, [(i, i + step) for i in range(0, len(texts), step)])
    return [Name(*fields) for part in parts for fields in part]  # type: ignore[arg-type]


def _within(inner: str, outer: str) -> bool:
    codes = search.place_codes()
    return any(
        prefix_of(i).startswith(prefix_of(o))
        for i in codes.get(inner, ())
        for o in codes.get(outer, ())
    )


def _place_chain(places: tuple[str, ...], bracketed: tuple[str, ...]) -> tuple[str, ...]:
    """The leading places that name one place, each inside the one before (广东省深圳市) and
    agreeing with a place in brackets; the first that does not (朝阳市天水: 天水 is in Gansu;
    天水咨询（丽江市）) starts the trade name."""
    codes = search.place_codes()
    chain: list[str] = []
    for place in places:
        named = [p for p in chain if p in codes]  # 中国 names no region: it never breaks a chain
        if place in codes and named and not _within(place, named[-1]):
            break
        if place in codes and any(not (_within(place, b) or _within(b, place)) for b in bracketed):
            break
        chain.append(place)
    return tuple(chain)


def _deepest_place(name: Name) -> frozenset[str]:
    """The codes of the most specific place the name gives (深圳 of 广东省深圳市; several
    codes for a name several places bear, such as 朝阳), empty when it gives none."""
    codes = search.place_codes()
    found = [codes[p] for p in name.places if p in codes]  # 中国 names no region of its own
    return max(found, key=lambda c: max(len(prefix_of(x)) for x in c), default=frozenset())


def _places_agree(a: Name, b: Name) -> bool:
    """The same most specific place, or a place on one side only. 广东 and 深圳 do not agree: a
    name registered with a province's name and one with a city's are two registrations."""
    ours, theirs = _deepest_place(a), _deepest_place(b)
    return not ours or not theirs or bool(ours & theirs)


def similarity(a: Name, b: Name) -> float:
    """How alike two core names are, 0..1: the better of the characters and the sounds."""
    chars = ratio(a.core, b.core) / 100
    sounds = ratio(a.sound, b.sound) / 100
    return max(chars, sounds)


def _given_uscc(raw: str | None) -> tuple[str | None, str | None]:
    """The credit code given with a name: (the code, None) when valid, (None, the problem) when
    not, (None, None) when none was given."""
    if not raw or not raw.strip():
        return None, None
    try:
        return ids.parse_uscc(raw).code, None
    except ids.InvalidIdentifier as problem:
        return None, problem.code


def _by_name(query: Name, listed: Name, uscc: str | None, thresholds: Thresholds) -> Match:
    def answer(decision: Decision, confidence: float, code: str, **params: str) -> Match:
        return Match(decision, uscc, listed.text, round(confidence, 4), code, params)

    if query.core == listed.core:
        if query.branch != listed.branch:
            return answer(
                "review",
                1.0,
                "branch_office",
                query=query.branch or query.text,
                listed=listed.branch or listed.text,
            )
        if query.group != listed.group:
            return answer("review", 1.0, "group_differs", query=query.text, listed=listed.text)
        if query.kind and listed.kind and query.kind != listed.kind:
            return answer("review", 1.0, "form_differs", query=query.text, listed=listed.text)
        if not _places_agree(query, listed):
            return answer(
                "review",
                1.0,
                "place_differs",
                query="".join(query.places),
                listed="".join(listed.places),
            )
        if query.folded == listed.folded:
            return answer("match", 1.0, "same_name")
        return answer("match", 1.0, "same_core_name", core=listed.core)
    score = similarity(query, listed)
    if query.syllables == listed.syllables:
        return answer("review", score, "same_sound", pinyin=listed.sound)
    if min(len(query.core), len(listed.core)) >= 3 and (
        Levenshtein.distance(query.core, listed.core) == 1
    ):
        return answer("review", score, "one_character", query=query.core, listed=listed.core)
    if score >= thresholds.review:
        return answer("review", score, "similar_name", percent=str(round(score * 100)))
    return answer("none", score, "different_name")


def compare(
    name: str | Name,
    uscc: str | None,
    listed: Listed,
    thresholds: Thresholds,
    listed_name: Name | None = None,
) -> Match:
    """Is (name, uscc) the listed entity? (`listed_name`: its parse, when the caller has it.)"""
    return _compare(
        name if isinstance(name, Name) else parse(name),
        _given_uscc(uscc),
        listed_name or parse(listed.name),
        ids.normalise_uscc(listed.uscc) if listed.uscc else None,
        thresholds,
    )


def _compare(
    query: Name,
    code: tuple[str | None, str | None],
    other: Name,
    listed_code: str | None,
    thresholds: Thresholds,
) -> Match:
    """`compare` with the query's code read (`_given_uscc`) and the listed code normalised: the
    index reads them once for all its candidates."""
    given, problem = code
    if given and listed_code:
        if given == listed_code:
            return Match("match", listed_code, other.text, 1.0, "uscc_equal", {"uscc": given})
        by_name = _by_name(query, other, listed_code, thresholds)
        codes = {"given": given, "listed": listed_code}
        if by_name.decision == "match":
            # The same name under two valid codes: two legal entities (GB 32100: one code for
            # life), unless one code was written wrong and still passed its check character
            # (1 in 31): a person looks.
            return Match(
                "review", listed_code, other.text, by_name.confidence, "uscc_differs", codes
            )
        if by_name.reason_code == "branch_office":
            return by_name  # a branch has a code of its own: reviewed as a branch
        # A name only alike under another valid code is another company: nothing to review.
        # At a million listings nearly every name has such a neighbour (benchmarks/README.md).
        return Match("none", listed_code, other.text, by_name.confidence, "other_entity", codes)
    by_name = _by_name(query, other, listed_code, thresholds)
    if problem and by_name.decision == "match":
        # A code was given and cannot be read: the name alone does not restrict anyone.
        return Match(
            "review",
            listed_code,
            other.text,
            by_name.confidence,
            "uscc_invalid",
            {"problem": problem},
        )
    return by_name


def _settle(answers: list[Match]) -> list[Match]:
    """A name that matches several listed entities names none of them for sure: 华兴科技有限公司
    without its place fits 北京市 and 深圳市华兴科技有限公司 alike. Only the one entity of the
    query's credit code, or else the one whose whole name is the query's, stays a match; the
    other matches by name go to review, saying how many entities the name fits."""
    matches = [m for m in answers if m.decision == "match"]
    entities = {m.uscc or m.name for m in matches}
    if len(entities) < 2:
        return answers
    by_code = [m for m in matches if m.reason_code == "uscc_equal"]
    exact = [m for m in matches if m.reason_code == "same_name"]
    if by_code:
        kept = {id(m) for m in by_code}
    elif len({m.uscc or m.name for m in exact}) == 1:
        kept = {id(m) for m in exact}
    else:
        kept = set()
    settled = [
        m
        if m.decision != "match" or id(m) in kept
        else replace(
            m, decision="review", reason_code="ambiguous", params={"count": str(len(entities))}
        )
        for m in answers
    ]
    settled.sort(key=lambda m: _RANK[m.decision], reverse=True)  # stable: keeps the order within
    return settled


# --- the index --------------------------------------------------------------------------------


def _tokens(name: Name) -> set[str]:
    """Blocking keys: character bigrams of the core and pinyin syllable bigrams (so that 华为科技
    and 华伟科技, sharing only the common 科技 in characters, share every bigram in sound)."""
    core, sounds = name.core, name.syllables
    if len(core) < 2:
        return {"c" + core, "p" + "".join(sounds)}
    grams = {"c" + core[i : i + 2] for i in range(len(core) - 1)}
    grams |= {"p" + sounds[i] + " " + sounds[i + 1] for i in range(len(sounds) - 1)}
    return grams


class NameIndex:
    """Listed names, searchable by credit code, core name and bigram blocking.

    A bigram found in more than `common_share` of the names (and more than `common_floor`
    names: 科技, 网络…) blocks nothing and is left out of a query unless the query has nothing
    rarer; of the names that share the query's remaining bigrams the `candidates` sharing most
    are scored, with every name of the same code or the same core name."""

    def __init__(
        self,
        listed: Sequence[Listed],
        thresholds: Thresholds,
        *,
        candidates: int = 64,
        common_share: float = 0.01,
        common_floor: int = 1000,
        processes: int = 1,
    ) -> None:
        self.listed = list(listed)
        self.thresholds = thresholds
        self.candidates = candidates
        self.names = parse_all([entry.name for entry in self.listed], processes)
        # The listed credit codes normalised once, not for every candidate of every query.
        self._codes = [ids.normalise_uscc(e.uscc) if e.uscc else None for e in self.listed]
        self._by_uscc: dict[str, list[int]] = {}
        self._by_core: dict[str, list[int]] = {}
        token_ids: dict[str, int] = {}
        rows: list[int] = []
        owners: list[int] = []
        for i, (code, name) in enumerate(zip(self._codes, self.names, strict=True)):
            if code:
                self._by_uscc.setdefault(code, []).append(i)
            self._by_core.setdefault(name.core, []).append(i)
            for token in _tokens(name):
                rows.append(token_ids.setdefault(token, len(token_ids)))
                owners.append(i)
        # Postings as one array of name numbers grouped by token: token t owns
        # postings[starts[t]:starts[t + 1]].
        token_of = np.asarray(rows, dtype=np.int64)
        order = np.argsort(token_of, kind="stable")
        self._postings: npt.NDArray[np.int32] = np.asarray(owners, dtype=np.int32)[order]
        counts = np.bincount(token_of, minlength=len(token_ids))
        self._starts = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
        self._token_ids = token_ids
        self._common = max(common_floor, int(common_share * len(self.listed)))

    def __len__(self) -> int:
        return len(self.listed)

    def _blocked(self, name: Name) -> list[int]:
        spans = []
        for token in _tokens(name):
            t = self._token_ids.get(token)
            if t is not None:
                spans.append((int(self._starts[t + 1] - self._starts[t]), t))
        if not spans:
            return []
        spans.sort()
        rare = [s for s in spans if s[0] <= self._common] or spans[:1]
        hits = np.concatenate(
            [self._postings[self._starts[t] : self._starts[t + 1]] for _, t in rare]
        )
        found, shared = np.unique(hits, return_counts=True)
        if len(found) > self.candidates:
            top = np.argpartition(-shared, self.candidates - 1)[: self.candidates]
            found = found[top]
        return [int(i) for i in found]

    def search(self, name: str, uscc: str | None = None, limit: int = 5) -> list[Match]:
        """The `limit` strongest answers among the candidates: match before review before
        none, then the most alike."""
        query = parse(name)
        seen: set[int] = set()
        code = ids.normalise_uscc(uscc) if uscc else ""
        for i in self._by_uscc.get(code, []) + self._by_core.get(query.core, []):
            seen.add(i)
        seen.update(self._blocked(query))
        given = _given_uscc(uscc)
        scored = [
            (_compare(query, given, self.names[i], self._codes[i], self.thresholds), i)
            for i in seen
        ]
        # Equally alike cores: the name written more like the query's first (its place).
        scored.sort(
            key=lambda s: (
                _RANK[s[0].decision],
                s[0].confidence,
                ratio(query.folded, self.names[s[1]].folded),
            ),
            reverse=True,
        )
        return _settle([m for m, _ in scored])[:limit]

    def check(self, name: str, uscc: str | None = None) -> Match:
        """The one answer for a name: the strongest, or `none` when no listed name is near."""
        found = self.search(name, uscc, limit=1)
        if found:
            return found[0]
        return Match("none", None, "", 0.0, "different_name")
