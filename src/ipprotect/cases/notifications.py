"""Messages to the complainant about their case: what each event says, in the complainant's
language, queued in the outbox (`CaseNotification`) in the same transaction as the event.

A complaint filed on the public form keeps the language of the form; tickets and API filings are
answered in Chinese (zh_CN, the default). Later messages follow the language of the first one.
An e-mail address gets an e-mail, a phone number an SMS (recorded only: no SMS gateway is
connected, so SMS messages stay queued). Sending is `cases.outbox`.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from ipprotect.cases.models import (
    Case,
    CaseNotification,
    NotificationChannel,
    NotificationStatus,
    Source,
)
from ipprotect.web.i18n import DEFAULT_LOCALE, N_, catalog, get_locale

# (subject, body) msgids by case event; the placeholders are filled after translation.
MESSAGES = {
    "received": (
        N_("Your complaint is received (tracking code {code})"),
        N_(
            "Your complaint against {respondent} was received on {received_on}. Its tracking "
            "code is {code}: enter it on the tracking page of the platform to follow the case. "
            "The office decides whether to accept it by {due}."
        ),
    ),
    "accepted": (
        N_("Your complaint is accepted (tracking code {code})"),
        N_(
            "Your complaint against {respondent} (tracking code {code}) was accepted on "
            "{decided_on}. The office will tell you how it is handled."
        ),
    ),
    "rejected": (
        N_("Your complaint is not accepted (tracking code {code})"),
        N_(
            "Your complaint against {respondent} (tracking code {code}) was not accepted on "
            "{decided_on}. Reason: {reason}"
        ),
    ),
}


def _translate(locale: str, msgid: str) -> str:
    return catalog(locale).get(msgid, msgid)


def _locale(session: Session, case: Case) -> str:
    first = session.scalar(
        select(CaseNotification.locale)
        .where(CaseNotification.case_id == case.id)
        .order_by(CaseNotification.id)
        .limit(1)
    )
    if first is not None:
        return first
    return get_locale() if case.source is Source.FORM else DEFAULT_LOCALE


def _params(case: Case) -> dict[str, str]:
    return {
        "code": case.tracking_code,
        "respondent": case.respondent_name,
        "received_on": case.received_on.isoformat(),
        "due": case.acceptance_due.isoformat(),
        "decided_on": case.decided_on.isoformat() if case.decided_on else "",
        "reason": case.decision_reason or "",
    }


def queue(session: Session, case: Case, event: str) -> list[CaseNotification]:
    """Queue the message `event` ("received", "accepted", "rejected") to every address the
    complainant gave; the caller's transaction commits it with the event."""
    locale = _locale(session, case)
    subject_id, body_id = MESSAGES[event]
    params = _params(case)
    subject = _translate(locale, subject_id).format(**params)
    body = _translate(locale, body_id).format(**params)
    recipients = [
        (NotificationChannel.EMAIL, case.complainant_email),
        (NotificationChannel.SMS, case.complainant_phone),
    ]
    queued = [
        CaseNotification(
            case_id=case.id,
            event=event,
            channel=channel,
            recipient=recipient,
            locale=locale,
            subject=subject,
            body=body,
            status=NotificationStatus.QUEUED,
            attempts=0,
        )
        for channel, recipient in recipients
        if recipient
    ]
    session.add_all(queued)
    return queued
