"""Administrative adjudication (行政裁决) of patent infringement disputes, as far as its entry:
the request is filed and must be docketed within the rule's period
(`adjudication.patent.docket`); once docketed the case must be closed within the closing
period (`adjudication.patent.close_period`), extendable once with approval
(`adjudication.patent.close_extension`). The ruling and its documents come with part 5.
"""

from ipprotect.cases.channels.machine import Machine, State, Transition
from ipprotect.cases.models import Channel
from ipprotect.core.auth import Role
from ipprotect.web.i18n import N_

HANDLERS = (Role.OFFICER, Role.ADMIN)

ADJUDICATION = Machine(
    channel=Channel.ADMIN_ADJUDICATION,
    initial="filed",
    states=(
        State("filed", N_("Request filed: to be docketed"), rule_id="adjudication.patent.docket"),
        State(
            "docketed",
            N_("Docketed: to be closed"),
            rule_id="adjudication.patent.close_period",
            extension_rule_id="adjudication.patent.close_extension",
        ),
    ),
    transitions=(Transition("docket", N_("Docket the request"), ("filed",), HANDLERS, "docketed"),),
)
