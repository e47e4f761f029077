"""The rules one calculation reads, looked up once by law, decision date and region.

The law's own rules (methods, statutory range, punitive multiplier) pick the version in force
on the decision date. The SPC interpretation on punitive damages (法释〔2021〕4号, in force
2021-03-03) came after the Trademark Law 2019 and the Anti-Unfair Competition Law 2019 had
punitive damages; for decisions before it, its checklists are applied as guidance and each step
says so (Source.in_force is false).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from ipprotect.core.rules import Item, Rule, RuleKindError, RuleNotFound, RuleSet
from ipprotect.damages.laws import rule_id


@dataclass(frozen=True)
class Guidance:
    rule: Rule
    in_force: bool


@dataclass(frozen=True)
class LawRules:
    methods: Rule
    statutory_range: Rule
    punitive_multiplier: Rule | None  # None: the law version has no punitive damages
    expenses_added: Rule | None
    conduct: Rule | None  # only laws whose statutory and punitive damages depend on conduct
    statutory_conduct: Rule | None
    punitive_conduct: Rule | None
    intent: Guidance | None
    serious: Guidance | None
    base_methods: Guidance | None
    base_excludes_expenses: Guidance | None
    fines_do_not_reduce: Guidance | None
    reading: Guidance


def optional(rules: RuleSet, rid: str, on: date, region: str | None) -> Rule | None:
    try:
        return rules.get(rid, on, region)
    except RuleNotFound:
        return None


def guidance(rules: RuleSet, rid: str, on: date, region: str | None) -> Guidance | None:
    """The version in force on `on`, else the first national version after it (as guidance)."""
    rule = optional(rules, rid, on, region)
    if rule is not None:
        return Guidance(rule, in_force=True)
    try:
        later = [r for r in rules.history(rid) if r.region is None and r.effective_from > on]
    except RuleNotFound:
        return None
    return Guidance(min(later, key=lambda r: r.effective_from), in_force=False) if later else None


def first_version(rules: RuleSet, law: str) -> date | None:
    try:
        return min(r.effective_from for r in rules.history(rule_id(law, "methods")))
    except RuleNotFound:
        return None


def law_rules(rules: RuleSet, law: str, on: date, region: str | None) -> LawRules:
    """Raises RuleNotFound when the law has no damages rules in force on `on`."""
    return LawRules(
        methods=rules.get(rule_id(law, "methods"), on, region),
        statutory_range=rules.get(rule_id(law, "statutory_range"), on, region),
        punitive_multiplier=optional(rules, rule_id(law, "punitive_multiplier"), on, region),
        expenses_added=optional(rules, "damages.reasonable_expenses_added", on, region),
        conduct=optional(rules, rule_id(law, "conduct"), on, region),
        statutory_conduct=optional(rules, rule_id(law, "statutory_conduct"), on, region),
        punitive_conduct=optional(rules, rule_id(law, "punitive_conduct"), on, region),
        intent=guidance(rules, "damages.punitive.intent_presumed", on, region),
        serious=guidance(rules, "damages.punitive.serious_circumstances", on, region),
        base_methods=guidance(rules, "damages.punitive.base_methods", on, region),
        base_excludes_expenses=guidance(
            rules, "damages.punitive.base_excludes_expenses", on, region
        ),
        fines_do_not_reduce=guidance(rules, "damages.punitive.fines_do_not_reduce", on, region),
        reading=_required(guidance(rules, "damages.punitive.reading", on, region)),
    )


def _required(found: Guidance | None) -> Guidance:
    if found is None:
        raise RuleNotFound("no version of rule damages.punitive.reading")
    return found


def _value(rule: Rule, kind: str) -> Any:
    if rule.kind != kind:
        raise RuleKindError(f"rule {rule.id} is a {rule.kind}, not a {kind}")
    return rule.value


def items_of(rule: Rule) -> tuple[Item, ...]:
    return tuple(_value(rule, "list"))


def item_ids(rule: Rule | None) -> list[str]:
    return [item.id for item in items_of(rule)] if rule is not None else []


def int_range_of(rule: Rule) -> tuple[int, int]:
    low, high = _value(rule, "integer_range")
    return int(low), int(high)


def money_range_of(rule: Rule) -> tuple[Decimal, Decimal]:
    low, high = _value(rule, "money_range")
    return Decimal(low), Decimal(high)


def flag_of(rule: Rule) -> bool:
    return bool(_value(rule, "boolean"))
