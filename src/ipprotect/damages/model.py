"""What the calculator reads and answers: a claim, the steps it took with their legal sources,
and the result. Plain frozen data, Decimal yuan, no I/O.

A step's text is an English template (a msgid, translated by the catalogs) filled from its
params, so one result reads in Chinese and in English (damages/text.py renders it).
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from ipprotect.core.rules import Rule


class Reading(StrEnum):
    """How "one to five times the amount determined" is read (reference/LEGAL.md "Damages" [U]);
    the setting `damages_punitive_reading` chooses, every result states it."""

    BASE_TIMES_ONE_PLUS_M = "base_times_one_plus_m"  # punitive = base × m, on top of the base
    BASE_TIMES_M = "base_times_m"  # award = base × m in all, punitive = base × (m − 1)


@dataclass(frozen=True)
class Words:
    """A name in both languages, e.g. a method's name from a list rule."""

    zh: str
    en: str


@dataclass(frozen=True)
class Money:
    """A step parameter that is an amount of yuan (shown as ¥1,234.00)."""

    amount: Decimal


Param = str | int | Decimal | date | Money | Words | tuple[Words, ...]


@dataclass(frozen=True)
class Source:
    """Where a step comes from: a rule (or a typified table) with its certainty. `in_force` is
    false when a rule is applied as guidance on a date before it came into force."""

    rule_id: str
    title: Words
    text: str
    certainty: str
    note: Words
    in_force: bool = True

    @classmethod
    def of(cls, rule: Rule, in_force: bool = True) -> "Source":
        return cls(
            rule.id,
            Words(rule.title_zh, rule.title_en),
            rule.source,
            rule.certainty,
            Words(rule.note_zh, rule.note_en),
            in_force,
        )


@dataclass(frozen=True)
class Step:
    kind: str  # a stable id, e.g. "method_used", "punitive_applied"
    message: str  # English template with {params}
    params: dict[str, Param]
    source: Source
    amount: Decimal | None = None


@dataclass(frozen=True)
class Typified:
    """The typified table to estimate statutory damages with: the case type, the number of
    units (works, photographs, cases) and the aggravating circumstances found."""

    table: str
    case_type: str
    units: int = 1
    circumstances: tuple[str, ...] = ()


@dataclass(frozen=True)
class Claim:
    """What is known, in yuan. None means unknown (cannot be determined), which is not zero."""

    law: str
    decided_on: date
    region_code: str | None = None
    actual_loss: Decimal | None = None
    infringer_profit: Decimal | None = None  # illegal gains (违法所得) under the Copyright Law
    licence_fee: Decimal | None = None  # the royalty (权利使用费) under the Copyright Law
    licence_multiple: Decimal | None = None
    punitive_multiplier: Decimal | None = None
    reasonable_expenses: Decimal | None = None
    fines_paid: Decimal | None = None
    statutory_amount: Decimal | None = None  # the statutory damages asked for
    intent: tuple[str, ...] = ()  # SPC 2021 interpretation art. 3 items
    serious_circumstances: tuple[str, ...] = ()  # art. 4 items
    conduct: str | None = None  # only where the law distinguishes conduct
    typified: Typified | None = None


@dataclass(frozen=True)
class Range:
    low: Decimal
    high: Decimal


@dataclass(frozen=True)
class ReadingApplied:
    reading: Reading
    name: Words
    source: Source
    applied: bool  # whether punitive damages were computed with it


@dataclass(frozen=True)
class Result:
    claim: Claim
    method: str | None  # the method that determined compensatory damages
    compensatory: Decimal | None  # None: only a range can be stated
    compensatory_range: Range | None
    typified_estimate: Range | None
    punitive: Decimal
    reasonable_expenses: Decimal
    total: Decimal | None
    total_range: Range | None
    reading: ReadingApplied
    steps: tuple[Step, ...] = field(default_factory=tuple)

    @property
    def uncertain(self) -> bool:
        """A rule or table the result relies on is tagged uncertain: say so next to it."""
        sources = [s.source for s in self.steps]
        if self.reading.applied:
            sources.append(self.reading.source)
        return any(s.certainty == "uncertain" for s in sources)
