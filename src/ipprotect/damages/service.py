"""The calculator as other domains call it (a case's damages estimate, the API, the page): the
configured rules, the reading chosen in Settings and the shipped typified tables."""

from ipprotect.core import rules
from ipprotect.damages import typified
from ipprotect.damages.calculator import calculate
from ipprotect.damages.model import Claim, Reading, Result
from ipprotect.settings import Settings


def estimate(claim: Claim, settings: Settings) -> Result:
    """Raises a 422 Problem (core.errors.invalid) listing every bad field of the claim."""
    reading = Reading(settings.damages_punitive_reading)
    return calculate(claim, rules.ruleset(settings.rules_dir), reading, typified.tables())
