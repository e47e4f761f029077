"""The public damages API: `POST /api/v1/damages/calculate`. Rights holders estimate a claim
without an account, so it needs no login; it changes nothing, so it writes no audit event.
Bad input answers 422 problem+json with each field's path and a stable code."""

from decimal import Decimal

from fastapi import APIRouter, Depends

from ipprotect.core.deps import get_settings
from ipprotect.damages import service, text
from ipprotect.damages.model import Range, Result, Source
from ipprotect.damages.schemas import (
    DamagesIn,
    DamagesOut,
    RangeOut,
    ReadingOut,
    SourceOut,
    StepOut,
)
from ipprotect.settings import Settings

router = APIRouter(prefix="/api/v1/damages", tags=["damages"])


def yuan(amount: Decimal) -> str:
    return f"{amount:.2f}"


def range_out(spread: Range | None) -> RangeOut | None:
    return RangeOut(min=yuan(spread.low), max=yuan(spread.high)) if spread else None


def source_out(source: Source) -> SourceOut:
    return SourceOut(
        rule_id=source.rule_id,
        title_zh=source.title.zh,
        title_en=source.title.en,
        source=source.text,
        certainty=source.certainty,
        in_force=source.in_force,
        note_zh=source.note.zh,
        note_en=source.note.en,
    )


def result_out(result: Result) -> DamagesOut:
    claim = result.claim
    return DamagesOut(
        law=claim.law,
        decided_on=claim.decided_on,
        region_code=claim.region_code,
        method=result.method,
        compensatory=yuan(result.compensatory) if result.compensatory is not None else None,
        compensatory_range=range_out(result.compensatory_range),
        typified_estimate=range_out(result.typified_estimate),
        punitive=yuan(result.punitive),
        reasonable_expenses=yuan(result.reasonable_expenses),
        total=yuan(result.total) if result.total is not None else None,
        total_range=range_out(result.total_range),
        reading=ReadingOut(
            id=result.reading.reading.value,
            name_zh=result.reading.name.zh,
            name_en=result.reading.name.en,
            applied=result.reading.applied,
            source=source_out(result.reading.source),
        ),
        uncertain=result.uncertain,
        steps=[
            StepOut(
                kind=step.kind,
                text_zh=text.step_text(step, "zh_CN"),
                text_en=text.step_text(step, "en"),
                amount=yuan(step.amount) if step.amount is not None else None,
                source=source_out(step.source),
            )
            for step in result.steps
        ],
    )


@router.post("/calculate", response_model=DamagesOut)
def calculate(body: DamagesIn, settings: Settings = Depends(get_settings)) -> DamagesOut:
    """Compensatory, punitive and total damages for a claim under the law in force on
    `decided_on`, with every step and its legal source (rule id, source text, certainty) in
    Chinese and English, and the reading of the punitive formula applied. Checklist and
    conduct item ids are those of the rules under `/api/v1/rules/damages.*`."""
    return result_out(service.estimate(body.claim(), settings))
