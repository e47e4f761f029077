"""Arbitration referral (仲裁): the parties' arbitration agreement is recorded, the case is
referred to a named arbitration commission, the commission accepts or declines it, and the
award (or a conciliation statement) ends the case.

- Arbitration needs the parties' written agreement (Arbitration Law art. 4, 16); without one
  the case moves to another channel.
- The commission decides on acceptance within `arbitration.acceptance` (5 days of receiving the
  application, art. 24). The platform counts from the day the referral was recorded, which is
  the day the application reached the commission when it was filed in person or online.
- A declined referral moves to court, mediation or administrative adjudication.
- The award is final (art. 9) and the conciliation statement has the same effect (art. 51):
  either closes the case.
"""

from ipprotect.cases.channels.machine import Machine, State, Transition
from ipprotect.cases.models import Channel
from ipprotect.core.auth import Role
from ipprotect.web.i18n import N_

HANDLERS = (Role.OFFICER, Role.ADMIN)
LEAVING = ("agreement_pending", "declined")

ARBITRATION = Machine(
    channel=Channel.ARBITRATION,
    initial="agreement_pending",
    states=(
        State("agreement_pending", N_("Arbitration agreement to be recorded")),
        State("agreement_recorded", N_("Agreement recorded: to be referred to a commission")),
        State(
            "referred",
            N_("Referred: the commission decides on acceptance"),
            rule_id="arbitration.acceptance",
        ),
        State("accepted", N_("Accepted by the arbitration commission")),
        State("declined", N_("Not accepted by the arbitration commission")),
        State("awarded", N_("Arbitral award made"), final=True),
        State("conciliated", N_("Conciliation statement made"), final=True),
    ),
    transitions=(
        Transition(
            "record_agreement",
            N_("Record the arbitration agreement"),
            ("agreement_pending",),
            HANDLERS,
            "agreement_recorded",
        ),
        Transition(
            "refer_to_commission",
            N_("Refer to the arbitration commission"),
            ("agreement_recorded",),
            HANDLERS,
            "referred",
        ),
        Transition(
            "accept", N_("Record the commission's acceptance"), ("referred",), HANDLERS, "accepted"
        ),
        Transition(
            "decline", N_("Record the commission's refusal"), ("referred",), HANDLERS, "declined"
        ),
        Transition("record_award", N_("Record the award"), ("accepted",), HANDLERS, "awarded"),
        Transition(
            "record_conciliation",
            N_("Record the conciliation statement"),
            ("accepted",),
            HANDLERS,
            "conciliated",
        ),
        Transition(
            "move_to_court",
            N_("Move to court referral"),
            LEAVING,
            HANDLERS,
            to_channel=Channel.COURT,
        ),
        Transition(
            "move_to_mediation",
            N_("Move to mediation"),
            LEAVING,
            HANDLERS,
            to_channel=Channel.MEDIATION,
        ),
        Transition(
            "move_to_adjudication",
            N_("Move to administrative adjudication"),
            LEAVING,
            HANDLERS,
            to_channel=Channel.ADMIN_ADJUDICATION,
        ),
    ),
)
