"""Court referral (诉讼): the suit is filed with a named people's court, the court dockets it
(or rules not to accept it) and chooses the procedure, whose time limit then runs, and the
judgment, a conciliation statement or a withdrawal ends the case.

- The court dockets a suit that meets the conditions within `courts.docketing` (7 days, Civil
  Procedure Law 2023 art. 126), or rules within the same time not to accept it.
- The procedure decides the time limit from docketing, each with its extension approved by the
  court president: ordinary (`courts.ordinary_first_instance`, 6 months + 6, art. 152), simple
  (`courts.simple_procedure`, 3 months + 1, art. 164), small claims (`courts.small_claims`,
  2 months + 1, art. 168). A change of procedure during the trial is not modelled.
- A suit the court does not accept can go to mediation or administrative adjudication.
"""

from ipprotect.cases.channels.machine import Machine, State, Transition
from ipprotect.cases.models import Channel
from ipprotect.core.auth import Role
from ipprotect.web.i18n import N_

HANDLERS = (Role.OFFICER, Role.ADMIN)
TRIAL = ("ordinary", "simple", "small_claims")

COURT = Machine(
    channel=Channel.COURT,
    initial="referring",
    states=(
        State("referring", N_("Suit to be filed with a court")),
        State(
            "suit_filed",
            N_("Suit filed: the court decides on docketing"),
            rule_id="courts.docketing",
        ),
        State("not_accepted", N_("The court did not accept the suit")),
        State(
            "ordinary",
            N_("Docketed: ordinary procedure"),
            rule_id="courts.ordinary_first_instance",
            extension_rule_id="courts.ordinary_first_instance_extension",
        ),
        State(
            "simple",
            N_("Docketed: simple procedure"),
            rule_id="courts.simple_procedure",
            extension_rule_id="courts.simple_procedure_extension",
        ),
        State(
            "small_claims",
            N_("Docketed: small claims procedure"),
            rule_id="courts.small_claims",
            extension_rule_id="courts.small_claims_extension",
        ),
        State("judged", N_("Judgment given"), final=True),
        State("conciliated", N_("Conciliation statement made"), final=True),
        State("withdrawn", N_("Suit withdrawn"), final=True),
    ),
    transitions=(
        Transition(
            "file_suit", N_("Record the filing of the suit"), ("referring",), HANDLERS, "suit_filed"
        ),
        Transition(
            "docket_ordinary",
            N_("Docketed: ordinary procedure"),
            ("suit_filed",),
            HANDLERS,
            "ordinary",
        ),
        Transition(
            "docket_simple",
            N_("Docketed: simple procedure"),
            ("suit_filed",),
            HANDLERS,
            "simple",
        ),
        Transition(
            "docket_small_claims",
            N_("Docketed: small claims procedure"),
            ("suit_filed",),
            HANDLERS,
            "small_claims",
        ),
        Transition(
            "record_not_accepted",
            N_("Record the ruling not to accept"),
            ("suit_filed",),
            HANDLERS,
            "not_accepted",
        ),
        Transition("record_judgment", N_("Record the judgment"), TRIAL, HANDLERS, "judged"),
        Transition(
            "record_conciliation",
            N_("Record the conciliation statement"),
            TRIAL,
            HANDLERS,
            "conciliated",
        ),
        Transition("record_withdrawal", N_("Record the withdrawal"), TRIAL, HANDLERS, "withdrawn"),
        Transition(
            "move_to_mediation",
            N_("Move to mediation"),
            ("not_accepted",),
            HANDLERS,
            to_channel=Channel.MEDIATION,
        ),
        Transition(
            "move_to_adjudication",
            N_("Move to administrative adjudication"),
            ("not_accepted",),
            HANDLERS,
            to_channel=Channel.ADMIN_ADJUDICATION,
        ),
    ),
)
