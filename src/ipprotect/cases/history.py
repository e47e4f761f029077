"""What the case page's history says for each audited action: a readable label (msgid) in place
of the audit code, which stays visible beside it for those who search the audit log."""

from ipprotect.cases.channels.registry import MACHINES
from ipprotect.web.i18n import N_

LABELS = {
    "case.receive": N_("Complaint received"),
    "case.accept": N_("Accepted"),
    "case.reject": N_("Not accepted"),
    "case.override_track": N_("Track changed by an officer"),
    "case.notification_sent": N_("Message sent to the complainant"),
    "case.notification_failed": N_("Message to the complainant could not be sent"),
    "case.damages_assessed": N_("Damages recorded"),
    "case.channel.enter": N_("Routed to a channel"),
    "case.channel.pause": N_("Pause the clock"),
    "case.channel.resume": N_("Restart the clock"),
    "case.channel.extend": N_("Record an approved extension"),
    # Issued by cases.documents.service ("case.document.<kind>").
    "case.document.penalty_decision": N_("Penalty decision issued"),
    "case.document.ruling": N_("Ruling issued"),
    "case.document.mediation_agreement": N_("Mediation agreement issued"),
    "case.document.transfer_letter": N_("Transfer letter issued"),
}


def label(action: str) -> str | None:
    """The msgid for an audited action of a case, or None when there is none (the code shows)."""
    if action in LABELS:
        return LABELS[action]
    name = action.removeprefix("case.channel.")
    for machine in MACHINES.values():
        transition = machine.transition(name)
        if transition is not None:
            return transition.label
    return None
