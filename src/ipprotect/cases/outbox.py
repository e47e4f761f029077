"""Sending the case notification outbox by SMTP: `ipprotect cases send-outbox`, safe to run from
cron every minute, several at once.

Each message is claimed before it is sent (a conditional UPDATE committed on its own), so two
senders never send the same message; a claim older than `outbox_claim_seconds` is taken to
belong to a sender that died and may be taken over. A failed attempt is counted, its error kept,
and the message tried again after `outbox_retry_seconds`; after `outbox_max_attempts` it is
given up (status failed, audited). Only e-mail is sent: no SMS gateway is connected, so SMS
messages stay queued. With no SMTP host configured nothing is sent.
"""

import smtplib
import ssl
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from ipprotect.cases.models import (
    Case,
    CaseNotification,
    NotificationChannel,
    NotificationStatus,
)
from ipprotect.core import audit
from ipprotect.db import utcnow
from ipprotect.settings import Settings

Mailer = Callable[[EmailMessage], None]
ERROR_MAX = 2000  # characters of an error kept on the message


def smtp_mailer(settings: Settings) -> Mailer | None:
    """Sends one message per connection through the configured SMTP server; None when no host
    is configured."""
    if not settings.smtp_host:
        return None

    def send(message: EmailMessage) -> None:
        with smtplib.SMTP(
            settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds
        ) as smtp:
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_username:
                smtp.login(settings.smtp_username, settings.smtp_password)
            smtp.send_message(message)

    return send


def email_of(notification: CaseNotification, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = notification.recipient
    message["Subject"] = notification.subject
    message["Date"] = format_datetime(notification.created_at)
    # One id per outbox row: a receiving system can tell a resend from a new message.
    message["Message-ID"] = make_msgid(f"case-notification-{notification.id}")
    message.set_content(notification.body)  # UTF-8 when not ASCII
    return message


def _due(session: Session, now: datetime, settings: Settings, limit: int) -> list[int]:
    stale = now - timedelta(seconds=settings.outbox_claim_seconds)
    stmt = (
        select(CaseNotification.id)
        .where(
            CaseNotification.status == NotificationStatus.QUEUED,
            CaseNotification.channel == NotificationChannel.EMAIL,
            CaseNotification.next_attempt_at <= now,
            or_(CaseNotification.claimed_at.is_(None), CaseNotification.claimed_at < stale),
        )
        .order_by(CaseNotification.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def claim(session: Session, notification_id: int, now: datetime, settings: Settings) -> bool:
    """Take the message for this sender; False when another sender holds it or sent it."""
    stale = now - timedelta(seconds=settings.outbox_claim_seconds)
    result = session.connection().execute(
        update(CaseNotification)
        .where(
            CaseNotification.id == notification_id,
            CaseNotification.status == NotificationStatus.QUEUED,
            or_(CaseNotification.claimed_at.is_(None), CaseNotification.claimed_at < stale),
        )
        .values(claimed_at=now)
    )
    session.commit()
    return result.rowcount == 1


def _outcome(
    session: Session,
    notification: CaseNotification,
    error: str | None,
    now: datetime,
    settings: Settings,
) -> str:
    """Record the attempt; returns "sent", "retry" or "given_up"."""
    notification.attempts += 1
    notification.claimed_at = None
    if error is None:
        notification.status = NotificationStatus.SENT
        notification.sent_at = now
        notification.last_error = None
        outcome = "sent"
    else:
        notification.last_error = error[:ERROR_MAX]
        if notification.attempts >= settings.outbox_max_attempts:
            notification.status = NotificationStatus.FAILED
            outcome = "given_up"
        else:
            retry = timedelta(seconds=settings.outbox_retry_seconds)
            notification.next_attempt_at = now + retry
            outcome = "retry"
    if outcome != "retry":
        case = session.get(Case, notification.case_id)
        audit.record(
            session,
            audit.Actor(None, "system", None),
            f"case.notification_{'sent' if outcome == 'sent' else 'failed'}",
            "case",
            notification.case_id,
            region_code=case.region_code if case else None,
            after={
                "notification_id": notification.id,
                "event": notification.event,
                "attempts": notification.attempts,
                "error": notification.last_error,
            },
        )
    session.commit()
    return outcome


def send_outbox(
    session: Session,
    settings: Settings,
    mailer: Mailer,
    *,
    now: Callable[[], datetime] = utcnow,
    limit: int = 1000,
) -> Counter[str]:
    """Send the e-mails that are due; counts of "sent", "retry" (failed, tried again later) and
    "given_up". Commits after each claim and each outcome."""
    counts: Counter[str] = Counter()
    for notification_id in _due(session, now(), settings, limit):
        if not claim(session, notification_id, now(), settings):
            continue
        notification = session.get(CaseNotification, notification_id)
        assert notification is not None
        session.refresh(notification)  # sessions keep objects across commits: reload it
        try:
            mailer(email_of(notification, settings.smtp_from))
        except (smtplib.SMTPException, OSError) as exc:
            error: str | None = f"{type(exc).__name__}: {exc}"
        else:
            error = None
        counts[_outcome(session, notification, error, now(), settings)] += 1
    return counts
