"""Document numbers (文号): who issues a case's documents, and the next number of a kind.

The authorities and the words of each kind are data (`authorities.toml` beside this module, and
a city's own file named by the setting `document_authorities`, whose entries replace or add to
the shipped ones). A number counts per authority, kind and year: the counter row is incremented
in the issuing transaction, so two officers issuing at once get consecutive numbers, never the
same one, and a rolled-back issue leaves no gap. The year is the year of the issue day
(Asia/Shanghai), so numbering restarts at 1 every year.
"""

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ipprotect.cases.documents.kinds import DocumentKind
from ipprotect.cases.documents.models import DocumentCounter
from ipprotect.core import ids
from ipprotect.core.scope import prefix_of
from ipprotect.settings import Settings, get_settings

SHIPPED = Path(__file__).with_name("authorities.toml")
FIELDS = ("{code}", "{word}", "{year}", "{n}")


@dataclass(frozen=True)
class Authority:
    region: str  # GB/T 2260; covers the regions under it
    name: str  # 发文机关, as printed
    code: str  # 机关代字


@dataclass(frozen=True)
class Numbering:
    format: str
    words: dict[str, str]  # DocumentKind value -> 种类代字
    authorities: tuple[Authority, ...]

    def authority_for(self, region_code: str) -> Authority | None:
        """The authority whose region covers `region_code` most closely."""
        covering = [a for a in self.authorities if region_code.startswith(prefix_of(a.region))]
        return max(covering, key=lambda a: len(prefix_of(a.region)), default=None)

    def number(self, authority: Authority, kind: DocumentKind, year: int, n: int) -> str:
        return self.format.format(code=authority.code, word=self.words[kind], year=year, n=n)


class NumberingFileError(ValueError):
    """A broken authorities file: refused whole, naming the file and the entry."""


def _parse(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise NumberingFileError(f"{path}: {exc}") from exc


def _authorities(path: Path, raw: Any) -> list[Authority]:
    if not isinstance(raw, list):
        raise NumberingFileError(f"{path}: [[authority]] must be a list of tables")
    found = []
    for number, entry in enumerate(raw, 1):
        where = f"{path}: authority {number}"
        if not isinstance(entry, dict) or set(entry) != {"region", "name", "code"}:
            raise NumberingFileError(f"{where}: give exactly region, name and code")
        region, name, code = entry["region"], entry["name"], entry["code"]
        if not isinstance(region, str) or not ids.is_region_code(region):
            raise NumberingFileError(f"{where}: unknown region code {region!r}")
        if not isinstance(name, str) or not 0 < len(name.strip()) <= 100:
            raise NumberingFileError(f"{where}: name must have 1 to 100 characters")
        if not isinstance(code, str) or not 0 < len(code.strip()) <= 40:
            raise NumberingFileError(f"{where}: code must have 1 to 40 characters")
        found.append(Authority(region, name.strip(), code.strip()))
    return found


def load(shipped: Path = SHIPPED, city: Path | None = None) -> Numbering:
    """The shipped numbering with a city's file applied: its format and words replace the
    shipped ones, its authorities replace those of the same region and add the others."""
    data = _parse(shipped)
    fmt: Any = data.get("format")
    words: dict[str, Any] = dict(data.get("words", {}))
    by_region = {a.region: a for a in _authorities(shipped, data.get("authority", []))}
    source = shipped
    if city is not None:
        extra = _parse(city)
        source = city
        fmt = extra.get("format", fmt)
        words |= extra.get("words", {})
        by_region |= {a.region: a for a in _authorities(city, extra.get("authority", []))}
    if not isinstance(fmt, str) or any(fmt.count(field) != 1 for field in FIELDS):
        raise NumberingFileError(f"{source}: format must hold each of {', '.join(FIELDS)} once")
    missing = [k.value for k in DocumentKind if not isinstance(words.get(k.value), str)]
    if missing:
        raise NumberingFileError(f"{source}: no word for {', '.join(missing)}")
    return Numbering(fmt, {k: str(v) for k, v in words.items()}, tuple(by_region.values()))


@lru_cache
def _loaded(city: Path | None) -> Numbering:
    return load(SHIPPED, city)


def configured() -> Numbering:
    return _loaded(get_settings().document_authorities)


def check(settings: Settings) -> None:
    """Called by the app factory: a broken authorities file refuses to start the platform
    (raising `NumberingFileError`), instead of failing the first officer who issues."""
    _loaded(settings.document_authorities)


def next_sequence(session: Session, authority: str, kind: DocumentKind, year: int) -> int:
    """The next number of `kind` by `authority` in `year`, taken in the caller's transaction.

    The UPDATE locks the counter row (PostgreSQL) or the database (SQLite) until the caller
    commits, so a concurrent issuer waits and then reads the incremented value. The first number
    of a year inserts the row; when two issuers race to insert it, the loser increments."""
    bump = (
        update(DocumentCounter)
        .where(
            DocumentCounter.authority == authority,
            DocumentCounter.kind == kind.value,
            DocumentCounter.year == year,
        )
        .values(last=DocumentCounter.last + 1)
        .returning(DocumentCounter.last)
        .execution_options(synchronize_session=False)
    )
    n = session.execute(bump).scalar_one_or_none()
    if n is not None:
        return int(n)
    try:
        with session.begin_nested():
            session.add(DocumentCounter(authority=authority, kind=kind.value, year=year, last=1))
        return 1
    except IntegrityError:
        return int(session.execute(bump).scalar_one())
