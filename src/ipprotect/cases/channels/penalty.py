"""Administrative penalty (行政处罚) as a channel: the case is filed and investigated (立案调查),
the party is told of the proposed penalty (告知拟处罚) and may state its case or ask for a
hearing (听证), and the agency decides (处罚决定) and serves the decision (送达); or it decides
not to punish (不予处罚 / 撤销案件), or it proposes to transfer a suspected crime to the police.

- The decision is due 90 days after filing (Administrative Penalty Law 2021 art. 60; rule
  `penalties.decision_period`), +30 days with the head's approval (`penalties.decision_extension`).
  The period runs from filing across investigation, notice and hearing: those states continue one
  deadline. A hearing does not count (`penalties.clock_pauses`): the state stops the clock.
- Told of the proposed penalty, the party has 5 working days to ask for a hearing (art. 64(1);
  `penalties.hearing_request`). No decision before that window closes unless the party waives it.
- The parties are notified at least 7 working days before the hearing (art. 64(2);
  `penalties.hearing_notice`).
- A decision is handed over on the spot to a party present; otherwise it is served within
  7 working days (art. 61; `penalties.decision_service`).
- A violation suspected to be a crime must be transferred (arts. 27, 57(4)): see
  `criminal_transfer`.

`parse_decision` checks the decision a `decide` carries (pure, no I/O).
"""

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ipprotect.cases.channels.machine import Machine, State, Transition
from ipprotect.cases.models import Channel
from ipprotect.core.auth import Role
from ipprotect.core.errors import FieldError
from ipprotect.web.i18n import N_

HANDLERS = (Role.OFFICER, Role.ADMIN)
CLOCK = "penalties.decision_period"
CLOCK_EXTENSION = "penalties.decision_extension"
# Where the case may be before its decision: a transfer or a decision not to punish leaves from
# any of them.
BEFORE_DECISION = ("investigating", "notified", "hearing")

PENALTY = Machine(
    channel=Channel.ADMIN_PENALTY,
    initial="investigating",
    states=(
        # `continues` on the first state too: a case the police send back carries on its clock.
        State(
            "investigating",
            N_("Filed and under investigation"),
            rule_id=CLOCK,
            extension_rule_id=CLOCK_EXTENSION,
            continues=True,
        ),
        State(
            "notified",
            N_("Told of the proposed penalty: statement or hearing request"),
            rule_id=CLOCK,
            extension_rule_id=CLOCK_EXTENSION,
            continues=True,
            limit_rule_id="penalties.hearing_request",
        ),
        State(
            "hearing",
            N_("Hearing"),
            rule_id=CLOCK,
            extension_rule_id=CLOCK_EXTENSION,
            continues=True,
            pauses_clock=True,
        ),
        State(
            "decided",
            N_("Penalty decided: to be served"),
            rule_id="penalties.decision_service",
            no_deadline_if="decision.party_present",
        ),
        State("served", N_("Penalty decision served"), final=True),
        State("closed_no_penalty", N_("Closed without a penalty"), final=True),
    ),
    transitions=(
        Transition(
            "notify",
            N_("Record the notice of the proposed penalty"),
            ("investigating",),
            HANDLERS,
            "notified",
        ),
        Transition(
            "record_waiver",
            N_("Record that the party waives statement and hearing"),
            ("notified",),
            HANDLERS,
        ),
        Transition(
            "request_hearing",
            N_("Record the party's request for a hearing"),
            ("notified",),
            HANDLERS,
            "hearing",
        ),
        Transition("notify_hearing", N_("Notify the hearing"), ("hearing",), HANDLERS),
        Transition(
            "decide",
            N_("Record the penalty decision"),
            ("notified", "hearing"),
            HANDLERS,
            "decided",
        ),
        Transition(
            "serve", N_("Record the service of the decision"), ("decided",), HANDLERS, "served"
        ),
        Transition(
            "close_without_penalty",
            N_("Close without a penalty"),
            BEFORE_DECISION,
            HANDLERS,
            "closed_no_penalty",
        ),
        Transition(
            "propose_transfer",
            N_("Propose a transfer to the police"),
            BEFORE_DECISION,
            HANDLERS,
            to_channel=Channel.CRIMINAL_TRANSFER,
        ),
    ),
)


# ---------------------------------------------------------------- the decision

# Administrative Penalty Law 2021 art. 9 (kinds of penalty) and Trademark Law 2019 art. 60(2)
# (confiscating and destroying infringing goods; fines by illegal business volume); an order to
# stop the infringement (责令停止侵权) goes with them.
MEASURES: dict[str, str] = {
    "warning": N_("Warning"),  # 警告
    "fine": N_("Fine"),  # 罚款
    "confiscate_gains": N_("Confiscation of illegal gains"),  # 没收违法所得
    "confiscate_goods": N_("Confiscation of infringing goods"),  # 没收侵权商品和工具
    "order_to_stop": N_("Order to stop the infringement"),  # 责令停止侵权行为
}

_YUAN = re.compile(r"\d{1,13}(\.\d{1,2})?")  # at most fen precision
MAX_TEXT = 2000


def _fen(errors: list[FieldError], field: str, text: str, needed: bool) -> int | None:
    """A positive amount in yuan, as integer fen; required exactly when its measure is taken."""
    compact = text.strip().replace(",", "").replace("，", "")
    if not compact:
        if needed:
            errors.append(FieldError(field, "required", N_("This field is required")))
        return None
    if not needed:
        errors.append(
            FieldError(field, "without_measure", N_("Give this amount only with its measure"))
        )
        return None
    if not _YUAN.fullmatch(compact) or Decimal(compact) <= 0:
        errors.append(
            FieldError(
                field, "invalid_amount", N_("Write the amount in yuan, e.g. 12000 or 12000.50")
            )
        )
        return None
    return int(Decimal(compact) * 100)


def _text(errors: list[FieldError], field: str, value: Any, needed: bool) -> str:
    text = " ".join(str(value or "").split())
    if needed and not text:
        errors.append(FieldError(field, "required", N_("This field is required")))
    if len(text) > MAX_TEXT:
        errors.append(
            FieldError(field, "too_long", N_("At most {max} characters, please"), {"max": MAX_TEXT})
        )
    return text


def parse_decision(raw: Mapping[str, Any] | None) -> tuple[dict[str, Any], list[FieldError]]:
    """The decision as stored in the `decided` step's `data["decision"]`, or the errors, each
    with its field path (`decision.fine`). Amounts come in yuan ("12000.50") and are kept in
    integer fen; a fine or illegal gains only with their measure, and required with it."""
    raw = raw or {}
    errors: list[FieldError] = []
    given = raw.get("measures") or []
    measures = [m for m in MEASURES if m in given]  # the statute's order, each once
    unknown = [m for m in given if m not in MEASURES]
    if unknown:
        errors.append(
            FieldError(
                "decision.measures",
                "invalid_choice",
                N_("Unknown measure {value}"),
                {"value": str(unknown[0])},
            )
        )
    elif not measures:
        errors.append(
            FieldError("decision.measures", "required", N_("Choose at least one measure"))
        )
    fine = _fen(errors, "decision.fine", str(raw.get("fine") or ""), "fine" in measures)
    gains = _fen(
        errors,
        "decision.illegal_gains",
        str(raw.get("illegal_gains") or ""),
        "confiscate_gains" in measures,
    )
    goods = _text(
        errors,
        "decision.confiscated_goods",
        raw.get("confiscated_goods"),
        "confiscate_goods" in measures,
    )
    basis = _text(errors, "decision.legal_basis", raw.get("legal_basis"), True)
    present = raw.get("party_present")
    if not isinstance(present, bool):
        errors.append(
            FieldError(
                "decision.party_present",
                "required",
                N_("Say whether the party was present"),
            )
        )
    decision = {
        "measures": measures,
        "fine_fen": fine,
        "illegal_gains_fen": gains,
        "confiscated_goods": goods,
        "legal_basis": basis,
        "party_present": present is True,
    }
    return decision, errors


def yuan(fen: int | None) -> str:
    """Integer fen as yuan for reading: 1234567 -> "12,345.67"."""
    if fen is None:
        return ""
    whole, cents = divmod(fen, 100)
    return f"{whole:,}.{cents:02d}"
