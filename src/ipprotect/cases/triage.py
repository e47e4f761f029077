"""Simple / complex triage (繁简分流) by the rule set in rules/triage.toml.

A case is complex when any complex factor is present (`triage.complex_factors`), simple
otherwise; the reasons are the factors found, or the simple features found for a simple case.
Some factors follow from the case's data (the kinds of rights, the amount claimed); the others
are declared at intake or by the officer (`flags`). Pure logic: the rules are passed in.
"""

from dataclasses import dataclass
from decimal import Decimal

from ipprotect.core.rules import Item

COMPLEX_PATENT_KINDS = frozenset({"invention", "utility_model"})


@dataclass(frozen=True)
class RightFacts:
    kind: str  # registry RightKind value
    patent_kind: str | None
    registered: bool  # granted or registered: a certificate exists


@dataclass(frozen=True)
class Facts:
    rights: tuple[RightFacts, ...]
    amount_claimed: Decimal | None
    flags: frozenset[str]  # factor ids declared by the complainant or the officer


@dataclass(frozen=True)
class Outcome:
    track: str  # "simple" or "complex"
    reasons: tuple[Item, ...]


def derived_factors(facts: Facts, threshold: Decimal) -> set[str]:
    """The factor ids the case's own data establish."""
    found: set[str] = set()
    if any(r.kind == "patent" and r.patent_kind in COMPLEX_PATENT_KINDS for r in facts.rights):
        found.add("invention_or_utility_model_patent")
    if any(r.kind == "plant_variety" for r in facts.rights):
        found.add("plant_variety")
    if facts.amount_claimed is not None and facts.amount_claimed > threshold:
        found.add("amount_above_threshold")
    if facts.rights and all(
        r.kind in ("copyright", "trademark") and r.registered for r in facts.rights
    ):
        found.add("copyright_or_trademark_with_certificate")
    return found


def triage(
    facts: Facts,
    complex_factors: tuple[Item, ...],
    simple_factors: tuple[Item, ...],
    threshold: Decimal,
) -> Outcome:
    present = derived_factors(facts, threshold) | facts.flags
    complex_found = tuple(i for i in complex_factors if i.id in present)
    if complex_found:
        return Outcome("complex", complex_found)
    return Outcome("simple", tuple(i for i in simple_factors if i.id in present))
