"""Rapid protection (快速维权) at an IP protection centre: the centre handles the dispute
within a target period that depends on the rights in the case, then concludes it or hands it
to administrative penalty, adjudication or mediation.

The targets are dated rules (`rapid_protection.target_*`, tagged uncertain: no instrument was
found that sets them): 10 days for the counterfeiting of a trademark and for design patents,
one month for invention and utility-model patents, whose technical comparison takes longer.
A case with both kinds of rights gets the longer target; a case with neither (copyright, or no
right in the registry) is handled with no target period. The target counts from entry.
"""

from collections.abc import Iterable

from ipprotect.cases.channels.machine import Machine, State, Transition
from ipprotect.cases.models import Channel
from ipprotect.cases.triage import RightFacts
from ipprotect.core.auth import Role
from ipprotect.web.i18n import N_

HANDLERS = (Role.OFFICER, Role.ADMIN)
HANDLING = ("handling_technical", "handling_fast", "handling")
TECHNICAL_PATENTS = ("invention", "utility_model")


def first_state(rights: Iterable[RightFacts]) -> str:
    """The handling step whose target the case's rights call for."""
    rights = list(rights)
    if any(r.kind == "patent" and r.patent_kind in TECHNICAL_PATENTS for r in rights):
        return "handling_technical"
    if any(r.kind == "trademark" or r.patent_kind == "design" for r in rights):
        return "handling_fast"
    return "handling"


RAPID_PROTECTION = Machine(
    channel=Channel.RAPID_PROTECTION,
    initial="handling",
    entry=first_state,
    states=(
        State(
            "handling_technical",
            N_("Handling: invention or utility-model patent (one-month target)"),
            rule_id="rapid_protection.target_invention_utility_model",
        ),
        State(
            "handling_fast",
            N_("Handling: trademark counterfeiting or design (10-day target)"),
            rule_id="rapid_protection.target_counterfeiting_design",
        ),
        State("handling", N_("Handling: no target period for these rights")),
        State("concluded", N_("Concluded by the protection centre"), final=True),
    ),
    transitions=(
        Transition("conclude", N_("Record the conclusion"), HANDLING, HANDLERS, "concluded"),
        Transition(
            "move_to_penalty",
            N_("Move to administrative penalty"),
            HANDLING,
            HANDLERS,
            to_channel=Channel.ADMIN_PENALTY,
        ),
        Transition(
            "move_to_adjudication",
            N_("Move to administrative adjudication"),
            HANDLING,
            HANDLERS,
            to_channel=Channel.ADMIN_ADJUDICATION,
        ),
        Transition(
            "move_to_mediation",
            N_("Move to mediation"),
            HANDLING,
            HANDLERS,
            to_channel=Channel.MEDIATION,
        ),
    ),
)
