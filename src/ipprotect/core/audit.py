"""Append-only audit events: who did what to which object, with before and after.

Services call `record(...)` in the same transaction as the change, so a change without its
audit event cannot be committed. The evidence vault later appends these events to its log too.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from ipprotect.db import Base, UTCDateTime, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor_name: Mapped[str] = mapped_column(String(100))  # kept even if the account is removed
    request_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)  # e.g. "entity.create"
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str] = mapped_column(String(64), index=True)
    region_code: Mapped[str | None] = mapped_column(String(6), index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _append_only(*_args: Any) -> None:
    raise RuntimeError("audit events are append-only")


class Actor:
    """Who is acting: a user, an API token's system, or the platform itself (sweeps, imports)."""

    def __init__(self, user_id: int | None, name: str, request_id: str | None = None) -> None:
        self.user_id = user_id
        self.name = name
        self.request_id = request_id


SYSTEM = Actor(None, "system")


def record(
    session: Session,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: object,
    *,
    region_code: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    audit = AuditEvent(
        actor_id=actor.user_id,
        actor_name=actor.name,
        request_id=actor.request_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        region_code=region_code,
        before=before,
        after=after,
    )
    session.add(audit)
    return audit


def changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that changed, so an audit row says what an edit did."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}
