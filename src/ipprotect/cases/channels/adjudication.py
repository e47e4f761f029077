"""Administrative adjudication (行政裁决) of patent infringement disputes by the patent
administration department (Patent Law 2020 art. 65), from the request to the ruling taking
effect or the party suing in court.

- The request is docketed within `adjudication.patent.docket`, or refused (不予立案).
- From docketing the case must be closed within `adjudication.patent.close_period` (3 months),
  extendable once with the head's approval (`adjudication.patent.close_extension`, 1 month).
  That one period runs across every step from docketing to the ruling (`continues`): serving
  the request, waiting for the answer and examining do not restart it.
- The copy of the request is served on the respondent within `adjudication.patent.serve_request`
  of docketing; the respondent answers within `adjudication.patent.answer` of receiving it. The
  case goes on without an answer only once that time has run out. Both the answer period and
  the time to sue below count from the day the officer records (`on`): the day of service is
  to be recorded as the day the party received the document.
- The oral hearing (口头审理) does not stop the clock: the 2015 Patent Administrative Enforcement
  Measures leave out of the period only public notice, appraisal and suspension (公告、鉴定、
  中止), which the officer records as a pause. The hearing is an act of the examining step.
- At a party's request the department may mediate the amount of damages
  (`adjudication.patent.damages_mediation`, Patent Law 2020 art. 65); an act of the same step.
- The ruling (`rule`) states whether infringement was found, whether the infringer is ordered
  to stop, the reasons and the legal basis (`check_ruling`). A party may sue within
  `adjudication.patent.sue_after_decision` (15 days from receipt, art. 65): the case moves to a
  court referral; once that time has run out without a suit the ruling takes effect and the
  case closes.
"""

from collections.abc import Mapping
from typing import Any

from ipprotect.cases.channels.machine import Machine, State, Transition
from ipprotect.cases.models import Channel
from ipprotect.core.auth import Role
from ipprotect.core.errors import FieldError, invalid
from ipprotect.web.i18n import N_

HANDLERS = (Role.OFFICER, Role.ADMIN)

CLOSE = "adjudication.patent.close_period"
CLOSE_EXTENSION = "adjudication.patent.close_extension"

ADJUDICATION = Machine(
    channel=Channel.ADMIN_ADJUDICATION,
    initial="filed",
    states=(
        State("filed", N_("Request filed: to be docketed"), rule_id="adjudication.patent.docket"),
        State("not_docketed", N_("Request not docketed"), final=True),
        State(
            "docketed",
            N_("Docketed: the request to be served on the respondent"),
            rule_id=CLOSE,
            extension_rule_id=CLOSE_EXTENSION,
            limit_rule_id="adjudication.patent.serve_request",
        ),
        State(
            "served",
            N_("Request served: awaiting the respondent's answer"),
            rule_id=CLOSE,
            extension_rule_id=CLOSE_EXTENSION,
            continues=True,
            limit_rule_id="adjudication.patent.answer",
        ),
        State(
            "examining",
            N_("Examining: to be ruled"),
            rule_id=CLOSE,
            extension_rule_id=CLOSE_EXTENSION,
            continues=True,
        ),
        State(
            "ruled",
            N_("Ruled: time for a party to sue"),
            rule_id="adjudication.patent.sue_after_decision",
        ),
        State("ruling_effective", N_("Ruling in effect"), final=True),
    ),
    transitions=(
        Transition("docket", N_("Docket the request"), ("filed",), HANDLERS, "docketed"),
        Transition(
            "refuse_docketing", N_("Refuse to docket"), ("filed",), HANDLERS, "not_docketed"
        ),
        Transition(
            "serve", N_("Record service on the respondent"), ("docketed",), HANDLERS, "served"
        ),
        Transition("record_answer", N_("Record the answer"), ("served",), HANDLERS, "examining"),
        Transition(
            "proceed_without_answer",
            N_("Go on without an answer"),
            ("served",),
            HANDLERS,
            "examining",
        ),
        Transition("hold_hearing", N_("Record the oral hearing"), ("examining",), HANDLERS),
        Transition(
            "mediate_damages",
            N_("Record the mediation of damages"),
            ("examining",),
            HANDLERS,
        ),
        Transition("rule", N_("Record the ruling"), ("examining",), HANDLERS, "ruled"),
        Transition(
            "take_effect",
            N_("Record that no party sued: the ruling takes effect"),
            ("ruled",),
            HANDLERS,
            "ruling_effective",
        ),
        Transition(
            "move_to_court",
            N_("A party sued: move to court referral"),
            ("ruled",),
            HANDLERS,
            to_channel=Channel.COURT,
        ),
    ),
)

REASONS_MAX = 10_000
BASIS_MAX = 2_000


def check_ruling(raw: Mapping[str, Any] | None) -> dict[str, Any]:
    """The ruling as stored in the `ruled` step's `data["ruling"]`, or 422 naming each bad field
    (`ruling.<name>`). Only a finding of infringement supports an order to stop it
    (Patent Law 2020 art. 65: 认定侵权行为成立的，可以责令侵权人立即停止侵权行为)."""
    raw = raw or {}
    errors: list[FieldError] = []
    flags: dict[str, bool] = {}
    for name in ("infringement_found", "order_to_stop"):
        value = raw.get(name)
        if not isinstance(value, bool):
            errors.append(FieldError(f"ruling.{name}", "required", N_("Choose yes or no")))
        else:
            flags[name] = value
    texts: dict[str, str] = {}
    for name, longest in (("reasons", REASONS_MAX), ("legal_basis", BASIS_MAX)):
        value = raw.get(name)
        text = value.strip() if isinstance(value, str) else ""
        if not text:
            errors.append(FieldError(f"ruling.{name}", "required", N_("This field is required")))
        elif len(text) > longest:
            errors.append(
                FieldError(
                    f"ruling.{name}",
                    "too_long",
                    N_("At most {max} characters, please"),
                    {"max": longest},
                )
            )
        texts[name] = text
    if flags.get("order_to_stop") and flags.get("infringement_found") is False:
        errors.append(
            FieldError(
                "ruling.order_to_stop",
                "no_infringement_found",
                N_("Only a ruling that finds infringement can order it to stop"),
            )
        )
    if errors:
        raise invalid(errors)
    return {
        "infringement_found": flags["infringement_found"],
        "order_to_stop": flags["order_to_stop"],
        "reasons": texts["reasons"],
        "legal_basis": texts["legal_basis"],
    }
