"""Notifications to the complainant: queued with the event, sent from the outbox by SMTP (a real
SMTP server on loopback), each message once, failures counted and given up after the limit."""

import socket
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ipprotect.cases import outbox, service
from ipprotect.cases.models import (
    Case,
    CaseNotification,
    NotificationChannel,
    NotificationStatus,
    Source,
)
from ipprotect.cli import app
from ipprotect.core.audit import AuditEvent
from ipprotect.core.auth import ANONYMOUS, Role, principal_for
from ipprotect.db import utcnow
from ipprotect.settings import Settings, get_settings
from ipprotect.web.i18n import set_locale
from tests.cases.factories import make_case
from tests.factories import XIHU, make_user


class Inbox:
    """aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802
        parsed = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def _mail_settings(settings: Settings, port: int, **more: Any) -> Settings:
    return settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "smtp_from": "office@ipprotect.example",
            "smtp_timeout_seconds": 5.0,
        }
        | more
    )


def _send(db: Session, settings: Settings, **kw: Any) -> dict[str, int]:
    mailer = outbox.smtp_mailer(settings)
    assert mailer is not None
    return dict(outbox.send_outbox(db, settings, mailer, **kw))


def _outbox(db: Session, case: Case) -> list[CaseNotification]:
    stmt = select(CaseNotification).where(CaseNotification.case_id == case.id)
    return list(db.scalars(stmt.order_by(CaseNotification.id)))


def _emailed_case(db: Session, **fields: Any) -> Case:
    return make_case(db, complainant_email="zhang@example.cn", received_on="2025-01-24", **fields)


def test_receiving_a_complaint_queues_a_chinese_email_and_an_sms_with_the_tracking_code(
    db: Session,
) -> None:
    case = _emailed_case(db)
    queued = _outbox(db, case)
    assert [(n.channel, n.recipient) for n in queued] == [
        (NotificationChannel.EMAIL, "zhang@example.cn"),
        (NotificationChannel.SMS, "13812345678"),
    ]
    email = queued[0]
    assert email.status is NotificationStatus.QUEUED
    assert email.locale == "zh_CN"
    assert case.tracking_code in email.subject
    assert "投诉已收到" in email.subject
    assert case.tracking_code in email.body
    assert "2025-02-10" in email.body  # the acceptance deadline


def test_a_complaint_filed_on_the_english_form_is_answered_in_english(db: Session) -> None:
    set_locale("en")
    try:
        case = service.receive(
            db,
            ANONYMOUS,
            service.CaseDraft(
                region_code=XIHU,
                complainant_name="John Smith",
                complainant_email="john@example.com",
                respondent_name="某商店",
                facts="Counterfeit goods",
            ),
            source=Source.FORM,
        )
    finally:
        set_locale("zh_CN")
    (email,) = _outbox(db, case)
    assert email.locale == "en"
    assert email.subject == f"Your complaint is received (tracking code {case.tracking_code})"


def test_accepting_and_rejecting_are_notified_in_the_same_transaction(db: Session) -> None:
    officer = principal_for(make_user(db, Role.OFFICER, [XIHU]))
    accepted, rejected = _emailed_case(db), _emailed_case(db)
    service.accept(db, officer, accepted)
    service.reject(db, officer, rejected, "不属于知识产权纠纷")
    assert [n.event for n in _outbox(db, accepted)][-2:] == ["accepted", "accepted"]
    last = _outbox(db, rejected)[-1]
    assert last.event == "rejected"
    assert "不属于知识产权纠纷" in last.body


def test_the_outbox_sends_a_utf8_chinese_email_once(
    db: Session, settings: Settings, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    case = _emailed_case(db)
    mail = _mail_settings(settings, port)
    assert _send(db, mail)["sent"] >= 1
    ours = [m for m in inbox.messages if case.tracking_code in str(m["Subject"])]
    assert len(ours) == 1
    message = ours[0]
    assert message["From"] == "office@ipprotect.example"
    assert message["To"] == "zhang@example.cn"
    assert str(message["Subject"]) == f"您的投诉已收到（跟踪码 {case.tracking_code}）"
    assert message.get_content_charset() == "utf-8"
    body = message.get_content()
    assert case.tracking_code in body
    assert "受理机关将于2025-02-10前作出是否受理的决定" in body
    email = _outbox(db, case)[0]
    assert email.status is NotificationStatus.SENT
    assert email.attempts == 1
    assert email.sent_at is not None

    again = _send(db, mail)
    assert again.get("sent", 0) == 0
    assert len([m for m in inbox.messages if case.tracking_code in str(m["Subject"])]) == 1


def test_sms_messages_stay_queued_without_a_gateway(
    db: Session, settings: Settings, smtp: tuple[Inbox, int]
) -> None:
    case = _emailed_case(db)
    _send(db, _mail_settings(settings, smtp[1]))
    sms = _outbox(db, case)[1]
    assert sms.channel is NotificationChannel.SMS
    assert sms.status is NotificationStatus.QUEUED
    assert sms.attempts == 0


def test_a_message_claimed_by_another_sender_is_not_sent_twice(
    db: Session, settings: Settings, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    case = _emailed_case(db)
    email = _outbox(db, case)[0]
    email.claimed_at = utcnow()  # another run is sending it right now
    db.flush()
    _send(db, _mail_settings(settings, port))
    assert not [m for m in inbox.messages if case.tracking_code in str(m["Subject"])]
    db.refresh(email)
    assert email.status is NotificationStatus.QUEUED

    # A claim older than the lease belongs to a sender that died: it is taken over.
    later = utcnow() + timedelta(seconds=settings.outbox_claim_seconds + 1)
    _send(db, _mail_settings(settings, port), now=lambda: later)
    assert len([m for m in inbox.messages if case.tracking_code in str(m["Subject"])]) == 1


def test_of_two_senders_that_both_saw_a_message_only_the_first_claims_it(
    db: Session, settings: Settings
) -> None:
    email = _outbox(db, _emailed_case(db))[0]
    now = utcnow()
    assert outbox.claim(db, email.id, now, settings) is True
    assert outbox.claim(db, email.id, now, settings) is False


def test_a_refused_connection_is_a_failed_attempt_retried_later_then_given_up(
    db: Session, settings: Settings
) -> None:
    case = _emailed_case(db)
    nobody = _mail_settings(settings, _free_port(), outbox_max_attempts=2)
    first = _send(db, nobody)
    assert first["retry"] >= 1
    email = _outbox(db, case)[0]
    assert email.status is NotificationStatus.QUEUED
    assert email.attempts == 1
    assert email.last_error is not None
    assert "ConnectionRefusedError" in email.last_error

    assert _send(db, nobody).get("retry", 0) == 0  # not due again yet
    db.refresh(email)
    assert email.attempts == 1

    later = utcnow() + timedelta(seconds=settings.outbox_retry_seconds + 1)
    assert _send(db, nobody, now=lambda: later)["given_up"] >= 1
    db.refresh(email)
    assert email.status is NotificationStatus.FAILED
    assert email.attempts == 2
    assert "ConnectionRefusedError" in (email.last_error or "")
    actions = db.scalars(
        select(AuditEvent.action).where(
            AuditEvent.object_type == "case", AuditEvent.object_id == str(case.id)
        )
    )
    assert "case.notification_failed" in list(actions)


def test_without_an_smtp_host_nothing_is_sent(settings: Settings) -> None:
    assert outbox.smtp_mailer(settings.model_copy(update={"smtp_host": ""})) is None


def test_send_outbox_from_cron_sends_an_imported_tickets_email_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    monkeypatch.setenv("IPPROTECT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("IPPROTECT_DATABASE_URL", "")
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
        export = tmp_path / "12345.csv"
        export.write_bytes(
            "工单编号,受理时间,诉求人,电子邮箱,被反映对象,诉求内容\n"
            "C-001,2025/1/24,孙七,sun@example.cn,某超市,销售假冒商标的白酒\n".encode("gb18030")
        )
        imported = runner.invoke(app, ["cases", "import", str(export), "--region", XIHU])
        assert imported.exit_code == 0, imported.output

        idle = runner.invoke(app, ["cases", "send-outbox"])
        assert "no SMTP host configured" in idle.output
        assert inbox.messages == []

        monkeypatch.setenv("IPPROTECT_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("IPPROTECT_SMTP_PORT", str(port))
        get_settings.cache_clear()
        first = runner.invoke(app, ["cases", "send-outbox"])
        assert first.exit_code == 0, first.output
        assert "sent 1," in first.output
        second = runner.invoke(app, ["cases", "send-outbox"])
        assert "sent 0," in second.output
    finally:
        get_settings.cache_clear()
    assert [m["To"] for m in inbox.messages] == ["sun@example.cn"]
    assert "2025-02-10" in inbox.messages[0].get_content()
