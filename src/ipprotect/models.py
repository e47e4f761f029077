"""Every table, imported in one place so Alembic and the drift test see the whole schema."""

from ipprotect.cases.channels.models import CaseStep
from ipprotect.cases.documents.models import CaseDocument, DocumentCounter
from ipprotect.cases.models import Case, CaseEvent, CaseEvidence, CaseNotification, CaseRight
from ipprotect.core.audit import AuditEvent
from ipprotect.core.auth import ApiToken, LoginAttempt, User
from ipprotect.core.calendar_overrides import CalendarOverride
from ipprotect.core.jobs import Job
from ipprotect.credit.models import (
    CreditCheck,
    CreditListing,
    CreditPublication,
    CreditRecord,
    CreditRepair,
)
from ipprotect.db import Base
from ipprotect.evidence.models import (
    CheckpointTimestamp,
    Cosignature,
    Deposit,
    IntegrityAlarm,
    LogState,
    LogTile,
    SignedCheckpoint,
    WitnessedLog,
)
from ipprotect.registry.models import IpRight, MarketEntity, TrademarkClass

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Base",
    "CalendarOverride",
    "Case",
    "CaseDocument",
    "CaseEvent",
    "CaseEvidence",
    "CaseNotification",
    "CaseRight",
    "CaseStep",
    "CheckpointTimestamp",
    "Cosignature",
    "CreditCheck",
    "CreditListing",
    "CreditPublication",
    "CreditRecord",
    "CreditRepair",
    "Deposit",
    "DocumentCounter",
    "IntegrityAlarm",
    "IpRight",
    "Job",
    "LogState",
    "LogTile",
    "LoginAttempt",
    "MarketEntity",
    "SignedCheckpoint",
    "TrademarkClass",
    "User",
    "WitnessedLog",
]
