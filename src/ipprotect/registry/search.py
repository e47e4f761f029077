"""Search keys for names and codes: pure functions without a database (credit matching reuses them).

`fold(name)` is what a name is compared by: NFKC (full-width → half-width), traditional →
simplified (OpenCC t2s), lower case, and without spaces, brackets and punctuation, so
"杭州西湖龍井茶業（有限）公司" and "杭州西湖龙井茶业(有限)公司" fold to the same key.

`core(name)` is the part of the name a person remembers: the folded name without the leading
place (浙江, 杭州市, 西湖区…) and the trailing legal form (有限公司, 集团…), so that typing
"西湖龙井" finds "杭州西湖龙井茶业有限公司" by a prefix search on an index.
"""

import re
import unicodedata
from functools import lru_cache

from opencc import OpenCC

from ipprotect.core import ids

_T2S = OpenCC("t2s")


def _t2s_tables() -> tuple[re.Pattern[str], dict[int, str]] | None:
    """What makes `_simplified` fast: OpenCC's phrases (any one found sends the text through
    OpenCC itself) and its single characters as a translation table. None when the library's
    dictionaries are not the one group of phrases and characters they were when this was
    written: then every text goes through OpenCC."""
    _T2S.convert("")  # loads the dictionaries
    chain = getattr(_T2S, "_dict_chain_data", None)
    if not (isinstance(chain, list) and len(chain) == 1 and len(chain[0]) == 2):
        return None
    (_, _, phrases), (longest, _, characters) = chain[0]
    if longest != 1 or not phrases:
        return None
    table = {
        ord(key): value.split(" ")[0]  # as OpenCC: the first of several simplified forms
        for key, value in characters.items()
        if not _T2S.split_chars_re.fullmatch(key)  # OpenCC never converts its separators
    }
    found = re.compile("|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True)))
    return found, table


_T2S_FAST = _t2s_tables()


def _simplified(text: str) -> str:
    """OpenCC t2s, the same result at a fraction of the cost: a text without any of OpenCC's
    phrases (nearly every name) is converted character by character, as OpenCC converts it;
    any other text goes through OpenCC. (Parsing a million listed names spent more than half
    its time in OpenCC's pure-Python phrase search.)"""
    if _T2S_FAST is None or _T2S_FAST[0].search(text):
        return str(_T2S.convert(text))
    return text.translate(_T2S_FAST[1])


# Enterprise name rules (企业名称登记管理规定 2020 art. 6): administrative division + trade name
# + industry + organisational form. The forms below are the organisational forms in use.
LEGAL_FORMS = (
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "股份公司",
    "集团公司",
    "总公司",
    "分公司",
    "公司",
    "集团",
    "特殊普通合伙",
    "普通合伙",
    "有限合伙",
    "合伙企业",
    "个人独资企业",
)
# English forms are cut before spaces are dropped, at a word boundary: "Costco" keeps its "co".
_ENGLISH_FORM = re.compile(
    r"[\s,.]*\b(co\.?,?\s*ltd\.?|company\s+limited|limited|ltd\.?|inc\.?|incorporated|corp\.?|"
    r"corporation|llc|gmbh|plc|company)\s*$"
)
_BRACKETED = re.compile(r"\(([^()]*)\)")
# Names of the country that precede trade names like the names of places do.
COUNTRY_NAMES = ("中华人民共和国", "中国")
# Places are also called without their suffix (浙江省 → 浙江, 杭州市 → 杭州), but only provinces
# and prefecture-level cities: bare names of districts, prefectures and leagues are common trade
# words (西湖, 滨江, 朝阳; 阿里 of 阿里地区 would cut 阿里巴巴).
_SHORTENED_SUFFIXES = {
    1: ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市"),
    2: ("市",),
}


def _normal(text: str) -> str:
    return _simplified(unicodedata.normalize("NFKC", text)).lower()


def _ignorable(ch: str) -> bool:
    # Punctuation (brackets, dots, dashes, quotes), separators (spaces), control and format
    # characters. Unassigned and private-use code points stay: rare characters in names live
    # there (newer CJK extensions, GB18030's private-use mappings).
    category = unicodedata.category(ch)
    return category[0] in "PZ" or category in ("Cc", "Cf")


class _Dropped(dict[int, int | None]):
    """str.translate's table, filled as characters are met: an ignorable character maps to
    None (dropped), any other to itself (kept)."""

    def __missing__(self, code: int) -> int | None:
        kept = None if _ignorable(chr(code)) else code
        self[code] = kept
        return kept


_DROPPED = _Dropped()


def _drop_ignorable(text: str) -> str:
    return text.translate(_DROPPED)


def fold(text: str) -> str:
    """The search key of a name (see the module docstring)."""
    return _drop_ignorable(_normal(text))


def _all_regions() -> list[ids.Region]:
    found: list[ids.Region] = []
    pending = [ids.NATIONAL]
    while pending:
        children = ids.regions_under(pending.pop())
        found += children
        pending += [r.code for r in children]
    return found


@lru_cache(maxsize=1)
def place_codes() -> dict[str, frozenset[str]]:
    """Every region's name (GB/T 2260) folded, plus short names of provinces and prefectures,
    with the codes of the regions so called (朝阳 is a district of Beijing and a city of
    Liaoning). Credit matching compares the places of two names through these codes."""
    codes: dict[str, set[str]] = {}
    for region in _all_regions():
        if region.grouping:  # 市辖区, 县: rows that only group counties, no place of their own
            continue
        name = fold(region.name_zh)
        codes.setdefault(name, set()).add(region.code)
        suffixes = _SHORTENED_SUFFIXES.get(region.level, ())
        for suffix in suffixes:
            if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                codes.setdefault(name[: -len(suffix)], set()).add(region.code)
                break
    return {name: frozenset(found) for name, found in codes.items()}


@lru_cache(maxsize=1)
def place_names() -> frozenset[str]:
    """Every region's name (GB/T 2260) folded, plus short names of provinces and prefectures."""
    return frozenset({fold(n) for n in COUNTRY_NAMES} | set(place_codes()))


@lru_cache(maxsize=1)
def _longest_place_name() -> int:
    return max(len(n) for n in place_names())


_FORMS = frozenset(LEGAL_FORMS)
_LONGEST_FORM = max(len(f) for f in LEGAL_FORMS)


def split_places(text: str) -> tuple[tuple[str, ...], str]:
    """The leading places of a folded name, longest first, and the rest: "浙江杭州西湖龙井茶业"
    → (("浙江", "杭州"), "西湖龙井茶业"). Something is always left of the name."""
    names = place_names()
    longest = _longest_place_name()
    places: list[str] = []
    stripped = True
    while stripped:
        stripped = False
        for k in range(min(longest, len(text) - 1), 1, -1):
            if text[:k] in names:
                places.append(text[:k])
                text = text[k:]
                stripped = True
                break
    return tuple(places), text


def split_forms(text: str) -> tuple[str, tuple[str, ...]]:
    """A folded name without its trailing organisational forms, and the forms as written:
    "华兴集团有限公司" → ("华兴", ("集团", "有限公司")). Something is always left of the name."""
    forms: list[str] = []
    stripped = True
    while stripped:
        stripped = False
        for k in range(min(_LONGEST_FORM, len(text) - 1), 1, -1):
            if text[-k:] in _FORMS:
                forms.insert(0, text[-k:])
                text = text[:-k]
                stripped = True
                break
    return text, tuple(forms)


def _strip_places(text: str) -> str:
    return split_places(text)[1]


def _strip_forms(text: str) -> str:
    return split_forms(text)[0]


def core(text: str) -> str:
    """The memorable part of a name, folded; the whole folded name when nothing would be left."""
    normal = _ENGLISH_FORM.sub("", _normal(text).strip())
    places = place_names()

    def _bracket(match: re.Match[str]) -> str:
        # 滨江科技（杭州）有限公司, 某某律师事务所（特殊普通合伙）: a place or a form in brackets.
        inner = _drop_ignorable(match.group(1))
        return "" if inner in places or inner in _FORMS else match.group(1)

    key = _strip_forms(_strip_places(_drop_ignorable(_BRACKETED.sub(_bracket, normal))))
    return key or fold(text)


def successor(prefix: str) -> str:
    """The least string greater than every string that starts with `prefix` (code-point order),
    so `prefix <= s < successor(prefix)` is a prefix match an index can serve as a range.
    (A prefix made only of U+10FFFF, a noncharacter, has none and raises ValueError.)"""
    if not prefix:
        raise ValueError("empty prefix")
    last = ord(prefix[-1]) + 1
    if 0xD800 <= last <= 0xDFFF:  # surrogates cannot be stored; skip to the next real character
        last = 0xE000
    if last > 0x10FFFF:  # the last code point has no successor: bound by the shorter prefix
        return successor(prefix[:-1])
    return prefix[:-1] + chr(last)


_CODE_SEPARATORS = re.compile(r"[\s\-_/.]+")
USCC_SHAPE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{18}")


def normalise_code(text: str) -> str:
    """How a typed code is compared: half-width, upper case, without spaces and separators."""
    return _CODE_SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).upper()


def looks_like_uscc(text: str) -> str | None:
    """The normalised code when the text has the shape of a USCC (GB 32100: 18 characters from
    the code's alphabet, which omits I, O, S, V, Z), else None."""
    code = normalise_code(text)
    return code if USCC_SHAPE.fullmatch(code) else None
