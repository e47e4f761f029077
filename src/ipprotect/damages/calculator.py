"""The damages calculator (损害赔偿计算): from a claim and the rules in force on the decision
date, compensatory damages by the order of methods the law sets, statutory damages when no
method determines them, punitive damages, reasonable expenses and the total — every step with
its legal source. Pure: rules, reading and typified tables are passed in; no I/O.

The order of methods is the `step` of the law's `damages.<law>.methods` items: items with the
same step are alternatives (the higher known amount is used, as a claimant would elect it); a
later step applies only when every earlier one cannot be determined.
Punitive damages (SPC interpretation 法释〔2021〕4号): only when both intent (art. 3) and
serious circumstances (art. 4) are claimed, on a base that is the loss, the profit or the
licence-fee multiple, never statutory damages, and excluding reasonable expenses (art. 5);
fines already paid do not reduce them (art. 6). Reasonable expenses are added on top, never
multiplied.
"""

from collections.abc import Mapping
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal
from itertools import groupby
from typing import Any

from ipprotect.core.errors import FieldError, invalid
from ipprotect.core.rules import Item, Rule, RuleNotFound, RuleSet
from ipprotect.damages import checks, lookup
from ipprotect.damages.lookup import (
    LawRules,
    flag_of,
    int_range_of,
    item_ids,
    items_of,
    money_range_of,
)
from ipprotect.damages.model import (
    Claim,
    Money,
    Param,
    Range,
    Reading,
    ReadingApplied,
    Result,
    Source,
    Step,
    Words,
)
from ipprotect.damages.typified import Table
from ipprotect.web.i18n import N_

CENT = Decimal("0.01")
STATUTORY = "statutory"


def fen(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def words(items: tuple[Item, ...]) -> tuple[Words, ...]:
    return tuple(Words(i.zh, i.en) for i in items)


def chosen_words(rule: Rule, chosen: tuple[str, ...]) -> tuple[Words, ...]:
    """The names of the chosen items, in the order of the rule's list."""
    return words(tuple(i for i in items_of(rule) if i.id in chosen))


def calculate(
    claim: Claim, rules: RuleSet, reading: Reading, tables: Mapping[str, Table]
) -> Result:
    """The damages for `claim`; raises a 422 Problem listing every bad field."""
    errors: list[FieldError] = []
    checks.basics(claim, errors)
    if any(e.field in ("law", "region_code") for e in errors):
        raise invalid(errors)
    claim = _without_negative_zeros(claim)
    try:
        law = lookup.law_rules(rules, claim.law, claim.decided_on, claim.region_code)
    except RuleNotFound:
        errors.append(checks.no_version(claim, lookup.first_version(rules, claim.law)))
        raise invalid(errors) from None
    checks.against_rules(claim, law, errors)
    checks.typified(claim, tables, errors)
    if errors:
        raise invalid(errors)
    return _Calculation(claim, law, reading, tables).result()


def _without_negative_zeros(claim: Claim) -> Claim:
    """A "-0" amount is zero, and must not come back as ¥-0.00."""
    zeros: dict[str, Any] = {
        name: Decimal(0)
        for name in (*checks.AMOUNT_FIELDS, "licence_multiple", "punitive_multiplier")
        if (value := getattr(claim, name)) is not None and value.is_zero() and value.is_signed()
    }
    return replace(claim, **zeros) if zeros else claim


class _Calculation:
    """One run over a valid claim, collecting its steps in order."""

    def __init__(
        self, claim: Claim, law: LawRules, reading: Reading, tables: Mapping[str, Table]
    ) -> None:
        self.claim = claim
        self.law = law
        self.reading = reading
        self.tables = tables
        self.steps: list[Step] = []

    def add(
        self,
        kind: str,
        message: str,
        source: Source,
        amount: Decimal | None = None,
        /,
        **params: Param,
    ) -> None:
        self.steps.append(Step(kind, message, params, source, amount))

    def result(self) -> Result:
        method, base = self.compensatory()
        compensatory_range = estimate = None
        if method is None:
            base, compensatory_range, estimate = self.statutory()
        punitive = self.punitive(method, base)
        expenses = self.expenses()
        total, total_range = self.total(base, compensatory_range, punitive, expenses)
        reading_rule = self.law.reading
        name = next(i for i in items_of(reading_rule.rule) if i.id == self.reading.value)
        return Result(
            claim=self.claim,
            method=method.id if method is not None else None,
            compensatory=base,
            compensatory_range=compensatory_range,
            typified_estimate=estimate,
            punitive=punitive,
            reasonable_expenses=expenses,
            total=total,
            total_range=total_range,
            reading=ReadingApplied(
                self.reading,
                Words(name.zh, name.en),
                Source.of(reading_rule.rule, reading_rule.in_force),
                applied=any(s.kind == "punitive_applied" for s in self.steps),
            ),
            steps=tuple(self.steps),
        )

    # --- compensatory damages: the law's order of methods -------------------------------------

    def method_amount(self, item: Item) -> Decimal | None:
        claim = self.claim
        if item.id == "actual_loss":
            return claim.actual_loss
        if item.id in ("infringer_profit", "illegal_gains"):
            return claim.infringer_profit
        if item.id == "licence_fee_multiple" and claim.licence_fee is not None:
            return fen(claim.licence_fee * (claim.licence_multiple or Decimal(1)))
        if item.id == "royalty":
            return claim.licence_fee
        return None  # statutory, or a method this calculator cannot quantify

    def compensatory(self) -> tuple[Item | None, Decimal | None]:
        source = Source.of(self.law.methods)
        chosen: Item | None = None
        amount: Decimal | None = None
        ordered = sorted(items_of(self.law.methods), key=lambda i: i.step or 0)
        for number, grouped in groupby(ordered, key=lambda i: i.step or 0):
            group = list(grouped)
            if chosen is not None:
                self.not_used(group, source)
                continue
            if any(i.id == STATUTORY for i in group):
                return None, None
            known = [(i, a) for i in group if (a := self.method_amount(i)) is not None]
            if not known:
                message = N_("Step {step}: {methods} cannot be determined from what is known")
                self.add(
                    "method_undetermined", message, source, step=number, methods=words(tuple(group))
                )
                continue
            chosen, amount = max(known, key=lambda k: k[1])
            amount = fen(amount)
            self.explain_licence(chosen, source)
            name = Words(chosen.zh, chosen.en)
            if len(known) > 1:
                message = N_(
                    "Step {step}: {methods} are alternatives; the higher, {method}, is used: "
                    "{amount}"
                )
                methods = words(tuple(i for i, _ in known))
                self.add(
                    "method_used",
                    message,
                    source,
                    amount,
                    step=number,
                    methods=methods,
                    method=name,
                    amount=Money(amount),
                )
            else:
                message = N_("Step {step}: damages are determined by {method}: {amount}")
                self.add(
                    "method_used",
                    message,
                    source,
                    amount,
                    step=number,
                    method=name,
                    amount=Money(amount),
                )
        return chosen, amount

    def explain_licence(self, chosen: Item, source: Source) -> None:
        claim = self.claim
        if chosen.id == "licence_fee_multiple" and claim.licence_fee is not None:
            if claim.licence_multiple is None:
                message = N_(
                    "No multiple of the licence fee {fee} was given: the court sets it; 1× is "
                    "used here"
                )
                self.add("licence_multiple_assumed", message, source, fee=Money(claim.licence_fee))
            else:
                message = N_("Licence fee {fee} × {multiple} = {amount}")
                amount = fen(claim.licence_fee * claim.licence_multiple)
                self.add(
                    "licence_fee_multiple",
                    message,
                    source,
                    amount,
                    fee=Money(claim.licence_fee),
                    multiple=claim.licence_multiple,
                    amount=Money(amount),
                )
        if chosen.id == "royalty" and claim.licence_multiple is not None:
            message = N_("This law refers to the royalty itself: the multiple given is not used")
            self.add("licence_multiple_not_used", message, source)

    def not_used(self, group: list[Item], source: Source) -> None:
        """Known amounts for later methods: said, not silently dropped."""
        for item in group:
            if item.id == STATUTORY:
                if self.claim.statutory_amount is not None or self.claim.typified is not None:
                    message = N_(
                        "Not used: statutory damages apply only when no method determines the "
                        "amount"
                    )
                    self.add("statutory_not_used", message, source)
            elif self.method_amount(item) is not None:
                message = N_(
                    "Not used: {method} applies only when the earlier methods cannot be determined"
                )
                self.add("method_not_used", message, source, method=Words(item.zh, item.en))

    # --- statutory damages ----------------------------------------------------------------------

    def statutory(self) -> tuple[Decimal | None, Range | None, Range | None]:
        claim = self.claim
        allowed = self.law.statutory_conduct
        if allowed is not None and claim.conduct not in item_ids(allowed):
            message = N_(
                "No statutory damages for this conduct: the law provides them only for {kinds}"
            )
            self.add(
                "statutory_unavailable", message, Source.of(allowed), kinds=words(items_of(allowed))
            )
            return None, None, None
        low, high = money_range_of(self.law.statutory_range)
        source = Source.of(self.law.statutory_range)
        error = checks.statutory_amount(claim, low, high)
        if error is not None:
            raise invalid([error])
        asked = fen(claim.statutory_amount) if claim.statutory_amount is not None else None
        if asked is not None:
            message = N_(
                "Statutory damages: the {amount} asked is within the range the law sets; the "
                "court may award it"
            )
            self.add("statutory_asked", message, source, asked, amount=Money(asked))
        elif low == 0:
            message = N_(
                "Statutory damages: the court decides, up to {high}, considering the "
                "circumstances of the infringement"
            )
            self.add("statutory_range", message, source, high=Money(high))
        else:
            message = N_(
                "Statutory damages: the court decides, from {low} to {high}, considering the type "
                "of right and the nature and circumstances of the infringement"
            )
            self.add("statutory_range", message, source, low=Money(low), high=Money(high))
        return asked, Range(low, high), self.typified_estimate(low, high)

    def typified_estimate(self, low: Decimal, high: Decimal) -> Range | None:
        wanted = self.claim.typified
        if wanted is None:
            return None
        table = self.tables[wanted.table]
        case = table.case_type(wanted.case_type)
        if case is None:  # refused by checks.typified before the calculation starts
            return None
        found = [c for c in table.circumstances if c.id in wanted.circumstances]
        factor = max((c.multiplier for c in found), default=Decimal(1))
        source = Source(
            f"typified.{table.id}",
            Words(table.title_zh, table.title_en),
            table.source,
            table.certainty,
            Words(table.note_zh, table.note_en),
        )
        if found:
            message = N_(
                "Circumstances found: {circumstances}; the highest multiplier, {factor}, applies"
            )
            names = tuple(Words(c.zh, c.en) for c in found)
            self.add("typified_circumstances", message, source, circumstances=names, factor=factor)
        estimate_low = fen(case.base_min * wanted.units * factor)
        estimate_high = fen(case.base_max * wanted.units * factor)
        message = N_(
            "Typified table of {court}: {case_type}, {units} × {unit} at {low} to {high} each, × "
            "{factor}: {estimate_low} to {estimate_high}"
        )
        self.add(
            "typified_estimate",
            message,
            source,
            court=Words(table.court_zh, table.court_en),
            case_type=Words(case.zh, case.en),
            units=wanted.units,
            unit=Words(case.unit_zh, case.unit_en),
            low=Money(case.base_min),
            high=Money(case.base_max),
            factor=factor,
            estimate_low=Money(estimate_low),
            estimate_high=Money(estimate_high),
        )
        kept = Range(min(max(estimate_low, low), high), min(max(estimate_high, low), high))
        if (kept.low, kept.high) != (estimate_low, estimate_high):
            message = N_("Kept within the statutory range: {low} to {high}")
            self.add(
                "typified_kept_in_range",
                message,
                source,
                low=Money(kept.low),
                high=Money(kept.high),
            )
        if table.illustrative:
            message = N_(
                "The figures of this table are illustrative placeholders, not checked against the "
                "published guidance: do not rely on them"
            )
            self.add("typified_illustrative", message, source)
        return kept

    # --- punitive damages -----------------------------------------------------------------------

    def punitive(self, method: Item | None, base: Decimal | None) -> Decimal:
        claim, law = self.claim, self.law
        zero = Decimal("0.00")
        rule = law.punitive_multiplier
        if rule is None:
            if claim.intent or claim.serious_circumstances:
                message = N_("No punitive damages: this law provides none on {day}")
                self.add(
                    "punitive_unavailable", message, Source.of(law.methods), day=claim.decided_on
                )
            return zero
        source = Source.of(rule)
        if not (claim.intent and claim.serious_circumstances):
            message = N_(
                "No punitive damages: they need both intent and serious circumstances to be claimed"
            )
            self.add("punitive_not_claimed", message, source)
            return zero
        restricted = law.punitive_conduct
        if restricted is not None and claim.conduct not in item_ids(restricted):
            message = N_(
                "No punitive damages for this conduct: the law provides them only for {kinds}"
            )
            self.add(
                "punitive_unavailable",
                message,
                Source.of(restricted),
                kinds=words(items_of(restricted)),
            )
            return zero
        self.checklists()
        base_rule = law.base_methods
        if (
            method is None
            or base is None
            or (base_rule is not None and method.id not in item_ids(base_rule.rule))
        ):
            message = N_(
                "No punitive damages: their base must be the loss, the profit or the licence-fee "
                "multiple; statutory damages are not a base"
            )
            where = Source.of(base_rule.rule, base_rule.in_force) if base_rule else source
            self.add("punitive_no_base", message, where)
            return zero
        if claim.punitive_multiplier is None:
            low, high = int_range_of(rule)
            message = N_("No punitive damages computed: give a multiplier from {min} to {max}")
            self.add("punitive_no_multiplier", message, source, min=low, max=high)
            return zero
        return self.apply_punitive(method, base, claim.punitive_multiplier, source)

    def checklists(self) -> None:
        for guidance, chosen, kind, message in (
            (self.law.intent, self.claim.intent, "intent", N_("Intent claimed: {items}")),
            (
                self.law.serious,
                self.claim.serious_circumstances,
                "serious_circumstances",
                N_("Serious circumstances claimed: {items}"),
            ),
        ):
            if guidance is not None:
                source = Source.of(guidance.rule, guidance.in_force)
                self.add(kind, message, source, items=chosen_words(guidance.rule, chosen))

    def apply_punitive(
        self, method: Item, base: Decimal, multiplier: Decimal, source: Source
    ) -> Decimal:
        excludes = self.law.base_excludes_expenses
        if excludes is not None:
            message = N_(
                "Punitive base: {amount}, by {method}; reasonable expenses are not part of it"
            )
            self.add(
                "punitive_base",
                message,
                Source.of(excludes.rule, excludes.in_force),
                base,
                amount=Money(base),
                method=Words(method.zh, method.en),
            )
        if self.reading is Reading.BASE_TIMES_ONE_PLUS_M:
            punitive = fen(base * multiplier)
            message = N_("Punitive damages: {base} × {multiplier} = {amount}, on top of the base")
        else:
            punitive = fen(base * (multiplier - 1))
            message = N_(
                "Punitive damages: {base} × ({multiplier} − 1) = {amount}; the award is the base "
                "× {multiplier} in all"
            )
        self.add(
            "punitive_applied",
            message,
            source,
            punitive,
            base=Money(base),
            multiplier=multiplier,
            amount=Money(punitive),
        )
        fines = self.law.fines_do_not_reduce
        if self.claim.fines_paid and fines is not None and flag_of(fines.rule):
            message = N_("Fines of {fines} already paid do not reduce punitive damages")
            self.add(
                "fines_not_deducted",
                message,
                Source.of(fines.rule, fines.in_force),
                fines=Money(self.claim.fines_paid),
            )
        return punitive

    # --- expenses and total ---------------------------------------------------------------------

    def expenses(self) -> Decimal:
        rule = self.law.expenses_added
        expenses = self.claim.reasonable_expenses
        if expenses is None or rule is None:
            return Decimal("0.00")
        if not flag_of(rule):
            message = N_("Reasonable expenses are not added under this version of the law")
            self.add("expenses_not_added", message, Source.of(rule))
            return Decimal("0.00")
        message = N_("Reasonable expenses of {amount} are added on top; they are never multiplied")
        self.add("expenses_added", message, Source.of(rule), fen(expenses), amount=Money(expenses))
        return fen(expenses)

    def total(
        self,
        compensatory: Decimal | None,
        compensatory_range: Range | None,
        punitive: Decimal,
        expenses: Decimal,
    ) -> tuple[Decimal | None, Range | None]:
        source = Source.of(self.law.expenses_added or self.law.methods)
        if compensatory is not None:
            total = fen(compensatory + punitive + expenses)
            message = N_(
                "Total: {compensatory} + {punitive} punitive + {expenses} expenses = {total}"
            )
            self.add(
                "total",
                message,
                source,
                total,
                compensatory=Money(compensatory),
                punitive=Money(punitive),
                expenses=Money(expenses),
                total=Money(total),
            )
            return total, None
        if compensatory_range is not None:
            spread = Range(
                fen(compensatory_range.low + expenses), fen(compensatory_range.high + expenses)
            )
            message = N_(
                "Total: from {low} to {high}, at the court's discretion, expenses included"
            )
            self.add("total_range", message, source, low=Money(spread.low), high=Money(spread.high))
            return None, spread
        message = N_("No total: damages cannot be estimated from what is known")
        self.add("no_total", message, source)
        return None, None
