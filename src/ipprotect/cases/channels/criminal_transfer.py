"""Transfer of a suspected crime (移送涉嫌犯罪案件) out of a penalty case, under
行政执法机关移送涉嫌犯罪案件的规定 (State Council, 2020 revision).

- An IP case is transferred on reasonable suspicion of a crime; the prosecution threshold need
  not be proven (art. 3 para. 2; rule `criminal_transfer.reasonable_suspicion_suffices`). The
  thresholds (`criminal_transfer.*` money rules) are shown as guidance, never as a gate.
- The head of the agency approves or refuses within 3 days (art. 5;
  `criminal_transfer.head_decides`); the proposal is the head's to decide, so only the region's
  administrator takes it. An approved case goes to the police within 24 hours (art. 5;
  `criminal_transfer.transfer_to_police`, 1 day rolled forward over holidays as the rule says).
- The police decide within 3 days whether to open a case (art. 8;
  `criminal_transfer.police_review`). Accepted: the case closes here. Declined: the agency may ask
  them to reconsider within 3 days (art. 9; `criminal_transfer.reconsideration`) or take the case
  back into the penalty channel. A refused proposal goes back too.
- A penalty may not replace a transfer (art. 11; `criminal_transfer.fine_cannot_replace_transfer`):
  no penalty is decided while a transfer is pending, and once a transfer was approved, a fine only
  after the police declined (`fine_blocked_by_transfer`).
"""

import datetime as dt
from collections.abc import Sequence

from ipprotect.cases.channels.machine import Machine, State, Transition
from ipprotect.cases.channels.models import CaseStep
from ipprotect.cases.models import Channel
from ipprotect.core import rules
from ipprotect.core.auth import Role
from ipprotect.web.i18n import N_

HANDLERS = (Role.OFFICER, Role.ADMIN)
HEAD = (Role.ADMIN,)

CRIMINAL_TRANSFER = Machine(
    channel=Channel.CRIMINAL_TRANSFER,
    initial="proposed",
    entered_directly=False,
    states=(
        State(
            "proposed",
            N_("Transfer proposed: the head decides"),
            rule_id="criminal_transfer.head_decides",
        ),
        State(
            "approved",
            N_("Transfer approved: to the police"),
            rule_id="criminal_transfer.transfer_to_police",
        ),
        State(
            "transferred",
            N_("Transferred: the police review"),
            rule_id="criminal_transfer.police_review",
        ),
        State("police_accepted", N_("The police opened a criminal case"), final=True),
        State(
            "police_declined",
            N_("The police declined: reconsideration window"),
            rule_id="criminal_transfer.reconsideration",
        ),
    ),
    transitions=(
        Transition("approve", N_("Record the head's approval"), ("proposed",), HEAD, "approved"),
        Transition(
            "refuse",
            N_("Record the head's refusal"),
            ("proposed",),
            HEAD,
            to_channel=Channel.ADMIN_PENALTY,
        ),
        Transition(
            "transfer",
            N_("Record the transfer to the police"),
            ("approved",),
            HANDLERS,
            "transferred",
        ),
        Transition(
            "police_accept",
            N_("Record that the police opened a case"),
            ("transferred",),
            HANDLERS,
            "police_accepted",
        ),
        Transition(
            "police_decline",
            N_("Record that the police declined"),
            ("transferred",),
            HANDLERS,
            "police_declined",
        ),
        Transition(
            "request_reconsideration",
            N_("Record the request for reconsideration"),
            ("police_declined",),
            HANDLERS,
            "transferred",
        ),
        Transition(
            "return_to_penalty",
            N_("Take the case back into the penalty procedure"),
            ("police_declined",),
            HANDLERS,
            to_channel=Channel.ADMIN_PENALTY,
        ),
    ),
)

# Transitions that must say why: the suspicion, the refusal, the police's reasons.
REASONED = ("propose_transfer", "refuse", "police_decline")


def thresholds(on: dt.date, region: str | None) -> list[rules.Rule]:
    """The prosecution thresholds in force on the day (money rules of `criminal_transfer.*`),
    with their certainty: guidance for the officer, not a condition of a transfer."""
    return [
        r for r in rules.in_force(on, region) if r.area == "criminal_transfer" and r.kind == "money"
    ]


def fine_blocked_by_transfer(steps: Sequence[CaseStep]) -> bool:
    """Whether the case's history forbids a fine now: a transfer was approved and the police
    have not declined it since (art. 11)."""
    approved = [
        s.id for s in steps if s.channel is Channel.CRIMINAL_TRANSFER and s.step == "approved"
    ]
    declined = [
        s.id
        for s in steps
        if s.channel is Channel.CRIMINAL_TRANSFER and s.step == "police_declined"
    ]
    return bool(approved) and not any(d > max(approved) for d in declined)
