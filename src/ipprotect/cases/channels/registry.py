"""The channels a case can enter, by channel: the one lookup the service and pages use."""

from ipprotect.cases.channels.adjudication import ADJUDICATION
from ipprotect.cases.channels.arbitration import ARBITRATION
from ipprotect.cases.channels.court import COURT
from ipprotect.cases.channels.criminal_transfer import CRIMINAL_TRANSFER
from ipprotect.cases.channels.machine import Machine
from ipprotect.cases.channels.mediation import MEDIATION
from ipprotect.cases.channels.penalty import PENALTY
from ipprotect.cases.channels.rapid_protection import RAPID_PROTECTION
from ipprotect.cases.models import Channel

MACHINES: dict[Channel, Machine] = {
    m.channel: m
    for m in (
        MEDIATION,
        ADJUDICATION,
        PENALTY,
        CRIMINAL_TRANSFER,
        ARBITRATION,
        COURT,
        RAPID_PROTECTION,
    )
}
