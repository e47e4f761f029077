"""JSON input and output of the damages API. Amounts are yuan: decimal strings or JSON numbers in,
decimal strings out (never floats); the calculator checks signs, fen precision and ranges."""

from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from ipprotect.damages.laws import Law
from ipprotect.damages.model import Claim, Typified

ItemId = Annotated[str, Field(max_length=64)]
Amount = Annotated[
    Decimal | None, Field(description='yuan, e.g. "12000.50"; omit when it cannot be determined')
]


class TypifiedIn(BaseModel):
    table: str = Field(max_length=64, description="e.g. beijing_high_court_2020")
    case_type: str = Field(max_length=64, description="e.g. photograph")
    units: int = Field(1, ge=1, le=1_000_000, description="works, photographs or cases")
    circumstances: list[ItemId] = Field(default_factory=list, max_length=20)


class DamagesIn(BaseModel):
    # A misspelt field (say `serious` for `serious_circumstances`) would otherwise be dropped
    # silently and the result computed without it.
    model_config = ConfigDict(extra="forbid")

    law: Law
    decided_on: date = Field(description="the decision date: it picks the version of the law")
    region_code: str | None = Field(
        None, max_length=6, description="GB/T 2260; picks a region's version of a rule"
    )
    actual_loss: Amount = None
    infringer_profit: Amount = Field(None, description="illegal gains under the Copyright Law")
    licence_fee: Amount = Field(None, description="the royalty under the Copyright Law")
    licence_multiple: Amount = None
    punitive_multiplier: Amount = Field(None, description="from 1 to 5 under the current laws")
    reasonable_expenses: Amount = None
    fines_paid: Amount = Field(None, description="fines already paid: they do not reduce damages")
    statutory_amount: Amount = Field(
        None, description="the statutory damages asked, within the law's range"
    )
    intent: list[ItemId] = Field(
        default_factory=list,
        max_length=20,
        description="items of rule damages.punitive.intent_presumed (SPC 2021 art. 3)",
    )
    serious_circumstances: list[ItemId] = Field(
        default_factory=list,
        max_length=20,
        description="items of rule damages.punitive.serious_circumstances (SPC 2021 art. 4)",
    )
    conduct: str | None = Field(
        None, max_length=64, description="unfair competition: items of its conduct rule"
    )
    typified: TypifiedIn | None = None

    def claim(self) -> Claim:
        typified = self.typified
        return Claim(
            law=self.law.value,
            decided_on=self.decided_on,
            region_code=self.region_code,
            actual_loss=self.actual_loss,
            infringer_profit=self.infringer_profit,
            licence_fee=self.licence_fee,
            licence_multiple=self.licence_multiple,
            punitive_multiplier=self.punitive_multiplier,
            reasonable_expenses=self.reasonable_expenses,
            fines_paid=self.fines_paid,
            statutory_amount=self.statutory_amount,
            intent=tuple(dict.fromkeys(self.intent)),
            serious_circumstances=tuple(dict.fromkeys(self.serious_circumstances)),
            conduct=self.conduct,
            typified=Typified(
                typified.table,
                typified.case_type,
                typified.units,
                tuple(dict.fromkeys(typified.circumstances)),
            )
            if typified is not None
            else None,
        )


class RangeOut(BaseModel):
    min: str
    max: str


class SourceOut(BaseModel):
    rule_id: str = Field(description="a rule id, or typified.<table> for a typified table")
    title_zh: str
    title_en: str
    source: str
    certainty: str = Field(description="verified, secondary or uncertain")
    in_force: bool = Field(description="false: applied as guidance before it came into force")
    note_zh: str
    note_en: str


class StepOut(BaseModel):
    kind: str
    text_zh: str
    text_en: str
    amount: str | None
    source: SourceOut


class ReadingOut(BaseModel):
    id: str
    name_zh: str
    name_en: str
    applied: bool = Field(description="whether punitive damages were computed with it")
    setting: str = "damages_punitive_reading"
    source: SourceOut


class DamagesOut(BaseModel):
    law: str
    decided_on: date
    region_code: str | None
    method: str | None = Field(description="the method that determined compensatory damages")
    compensatory: str | None = Field(description="null when only a range can be stated")
    compensatory_range: RangeOut | None = Field(description="statutory damages: the law's range")
    typified_estimate: RangeOut | None
    punitive: str
    reasonable_expenses: str
    total: str | None
    total_range: RangeOut | None
    reading: ReadingOut
    uncertain: bool = Field(description="the result relies on a rule or table tagged uncertain")
    steps: list[StepOut]
