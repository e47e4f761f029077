"""Mediation (调解) as a channel: a mediator is assigned, sessions are held, and it ends in an
agreement, a failure, or termination when the time limit runs out without agreement.

- Mediation of a complaint ends if no agreement is reached within 45 working days of its start
  (市场监督管理投诉举报处理暂行办法 2022; rule `complaints.mediation_limit`).
- An agreement opens the window in which both parties jointly apply for judicial confirmation
  (司法确认): 30 days from the agreement taking effect (Civil Procedure Law 2023 art. 205; rule
  `mediation.judicial_confirmation_window`); the court decides within 30 days (art. 187;
  `mediation.judicial_confirmation_decision`).
- An agreement deciding who owns an IP right cannot be confirmed (CPL Interpretation 2022
  art. 355(5); rule `mediation.ip_ownership_excluded`): it goes to its own state with no window.
- An agreement not brought to the court within the window stands as a contract between the
  parties (People's Mediation Law art. 31): once the window has passed, its performance is
  recorded and the case closes (`agreement_performed`).
- A failed or terminated mediation can move to administrative adjudication (行政裁决).
"""

from ipprotect.cases.channels.machine import Machine, State, Transition
from ipprotect.cases.models import Channel
from ipprotect.core.auth import Role
from ipprotect.web.i18n import N_

HANDLERS = (Role.OFFICER, Role.ADMIN)
# The assigned mediator acts on the sessions and the outcome; the service checks "assigned".
MEDIATING = (*HANDLERS, Role.MEDIATOR)

MEDIATION = Machine(
    channel=Channel.MEDIATION,
    initial="mediating",
    states=(
        State("mediating", N_("Mediating"), rule_id="complaints.mediation_limit"),
        State(
            "agreed",
            N_("Agreement reached: judicial confirmation window"),
            rule_id="mediation.judicial_confirmation_window",
        ),
        State(
            "agreed_on_ownership",
            N_("Agreement on ownership: no judicial confirmation"),
            final=True,
        ),
        State(
            "confirmation_applied",
            N_("Judicial confirmation applied for"),
            rule_id="mediation.judicial_confirmation_decision",
        ),
        State("confirmed", N_("Agreement judicially confirmed"), final=True),
        State(
            "agreement_performed",
            N_("Agreement performed without judicial confirmation"),
            final=True,
        ),
        State("failed", N_("Mediation failed")),
        State("terminated", N_("Mediation terminated: time limit passed")),
    ),
    transitions=(
        Transition("assign_mediator", N_("Assign the mediator"), ("mediating",), HANDLERS),
        Transition("record_session", N_("Record a session"), ("mediating",), MEDIATING),
        Transition("agree", N_("Record the agreement"), ("mediating",), MEDIATING, "agreed"),
        Transition(
            "agree_on_ownership",
            N_("Record the agreement"),
            ("mediating",),
            MEDIATING,
            "agreed_on_ownership",
        ),
        Transition("fail", N_("Record the failure"), ("mediating",), MEDIATING, "failed"),
        Transition("terminate", N_("Terminate"), ("mediating",), HANDLERS, "terminated"),
        Transition(
            "apply_confirmation",
            N_("Record the joint application for judicial confirmation"),
            ("agreed",),
            MEDIATING,
            "confirmation_applied",
        ),
        Transition(
            "record_performance",
            N_("Record the agreement's performance"),
            ("agreed",),
            MEDIATING,
            "agreement_performed",
        ),
        Transition(
            "record_confirmation",
            N_("Record the court's confirmation"),
            ("confirmation_applied",),
            MEDIATING,
            "confirmed",
        ),
        Transition(
            "move_to_adjudication",
            N_("Move to administrative adjudication"),
            ("failed", "terminated"),
            HANDLERS,
            to_channel=Channel.ADMIN_ADJUDICATION,
        ),
    ),
)
