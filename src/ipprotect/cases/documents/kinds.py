"""The kinds of case documents and the steps at which each may be issued, declared as data.

A document belongs to a step of a channel: the penalty decision (行政处罚决定书) to the penalty
channel's `decided` step, the ruling (行政裁决书) to adjudication's `ruled`, the mediation
agreement (调解协议书) to mediation's `agreed` or `agreed_on_ownership`, the transfer letter
(涉嫌犯罪案件移送书) to the criminal transfer's `approved`. Channels are named by their value so
that a channel being built elsewhere needs no import here. Each kind names what the officer types
(`inputs`, with their length limits); the penalty decision and the ruling also read the step's
data (`data["decision"]`, `data["ruling"]`).
"""

import enum
from dataclasses import dataclass

from ipprotect.cases.models import Channel
from ipprotect.evidence.entries import Kind as EntryKind
from ipprotect.web.i18n import N_


class DocumentKind(enum.StrEnum):
    PENALTY_DECISION = "penalty_decision"  # 行政处罚决定书
    RULING = "ruling"  # 行政裁决书
    MEDIATION_AGREEMENT = "mediation_agreement"  # 调解协议书
    TRANSFER_LETTER = "transfer_letter"  # 涉嫌犯罪案件移送书


@dataclass(frozen=True)
class Input:
    name: str
    label: str  # msgid
    limit: int  # every input is required


@dataclass(frozen=True)
class Spec:
    kind: DocumentKind
    label: str  # msgid
    title: str  # the document's name in Chinese, as printed
    template: str  # in cases/documents/templates/
    entry_kind: EntryKind  # what the evidence log calls it
    inputs: tuple[Input, ...]


FACTS = Input("facts", N_("Facts found"), 20_000)
EVIDENCE = Input("evidence", N_("Evidence relied on"), 20_000)

SPECS: dict[DocumentKind, Spec] = {
    spec.kind: spec
    for spec in (
        Spec(
            DocumentKind.PENALTY_DECISION,
            N_("Administrative penalty decision"),
            "行政处罚决定书",
            "penalty_decision.html",
            EntryKind.DECISION,
            (FACTS, EVIDENCE),
        ),
        Spec(
            DocumentKind.RULING,
            N_("Administrative ruling"),
            "行政裁决书",
            "ruling.html",
            EntryKind.DECISION,
            (Input("requests", N_("What the requester asked for"), 5_000), FACTS, EVIDENCE),
        ),
        Spec(
            DocumentKind.MEDIATION_AGREEMENT,
            N_("Mediation agreement"),
            "调解协议书",
            "mediation_agreement.html",
            EntryKind.DOCUMENT,
            (
                Input("dispute", N_("The dispute"), 10_000),
                Input("terms", N_("Terms agreed"), 20_000),
            ),
        ),
        Spec(
            DocumentKind.TRANSFER_LETTER,
            N_("Transfer letter of a suspected crime"),
            "涉嫌犯罪案件移送书",
            "transfer_letter.html",
            EntryKind.DOCUMENT,
            (
                Input("police", N_("Public security organ receiving the case"), 100),
                Input("suspected_crime", N_("Crime suspected"), 200),
                FACTS,
                Input("materials", N_("Materials transferred"), 10_000),
            ),
        ),
    )
}

# (channel value, step) -> the kinds that may be issued while the case is at that step.
ALLOWED: dict[tuple[str, str], tuple[DocumentKind, ...]] = {
    (Channel.ADMIN_PENALTY.value, "decided"): (DocumentKind.PENALTY_DECISION,),
    (Channel.ADMIN_ADJUDICATION.value, "ruled"): (DocumentKind.RULING,),
    (Channel.MEDIATION.value, "agreed"): (DocumentKind.MEDIATION_AGREEMENT,),
    (Channel.MEDIATION.value, "agreed_on_ownership"): (DocumentKind.MEDIATION_AGREEMENT,),
    ("criminal_transfer", "approved"): (DocumentKind.TRANSFER_LETTER,),
}
