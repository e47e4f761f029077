"""Integrity of the stored log, checked in full: at server start-up and by `ipprotect evidence
check`. Anything wrong raises an alarm, and while an alarm is open the log signs nothing, so the
platform never vouches for a tree it cannot reproduce (c2sp.org/tlog-checkpoint: a log must never
sign two inconsistent checkpoints).

The full check recomputes every tile from the entries up, the root from the tiles, and the root
of the last signed checkpoint from the same tiles, and verifies that checkpoint's signature.
"""

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ipprotect.core import audit
from ipprotect.db import utcnow
from ipprotect.evidence import log, merkle, note, tiles
from ipprotect.evidence.checkpoint import open_checkpoint
from ipprotect.evidence.log import LogIntegrityError
from ipprotect.evidence.merkle import InvalidLogData
from ipprotect.evidence.models import IntegrityAlarm
from ipprotect.evidence.note import Verifier
from ipprotect.web.i18n import N_


def full_check(session: Session, verifier: Verifier) -> None:
    """Raise `LogIntegrityError` unless the stored tiles reproduce every tile above the entries,
    the recorded root, and the root the last signed checkpoint committed to."""
    state = log._state(session)
    try:
        log._check_tiles_since(session, 0, state.size)
        read = tiles.TileHashReader(log.read_tile(session), state.size)
        if merkle.tree_root(read, state.size) != state.root_hash:
            raise LogIntegrityError(
                "root_mismatch", N_("The stored tiles do not reproduce the recorded root hash")
            )
        last = log.latest_checkpoint(session)
        if last is None:
            return
        if last.size > state.size:
            raise LogIntegrityError(
                "log_shrunk",
                N_("The log holds {size} entries but signed a checkpoint of {signed}"),
                size=state.size,
                signed=last.size,
            )
        signed, _signatures = open_checkpoint(last.note.encode(), verifier)
        at_size = tiles.TileHashReader(log.read_tile(session), last.size)
        if (signed.size, signed.root_hash) != (last.size, last.root_hash) or merkle.tree_root(
            at_size, last.size
        ) != signed.root_hash:
            raise LogIntegrityError(
                "checkpoint_mismatch",
                N_("The stored tiles do not reproduce the last signed checkpoint ({size})"),
                size=last.size,
            )
    except (InvalidLogData, note.NoteError) as exc:
        raise LogIntegrityError(exc.code, exc.message, **getattr(exc, "params", {})) from exc


def open_alarms(session: Session) -> list[IntegrityAlarm]:
    return list(
        session.scalars(
            select(IntegrityAlarm)
            .where(IntegrityAlarm.cleared_at.is_(None))
            .order_by(IntegrityAlarm.id)
        )
    )


def raise_alarm(session: Session, error: LogIntegrityError) -> IntegrityAlarm:
    """Record the failure (once per kind while open) and audit it. Flushes; the caller commits."""
    for alarm in open_alarms(session):
        if alarm.code == error.code and alarm.params == _plain(error.params):
            return alarm
    alarm = IntegrityAlarm(code=error.code, message=error.message, params=_plain(error.params))
    session.add(alarm)
    session.flush()
    audit.record(
        session, audit.SYSTEM, "log.alarm", "log_alarm", alarm.id, after={"code": error.code}
    )
    return alarm


def check(session: Session, verifier: Verifier) -> LogIntegrityError | None:
    """Run the full check; raise an alarm on failure, clear the open ones on success. Flushes;
    the caller commits. Returns the failure, if any."""
    try:
        full_check(session, verifier)
    except LogIntegrityError as exc:
        raise_alarm(session, exc)
        return exc
    cleared = session.execute(
        update(IntegrityAlarm)
        .where(IntegrityAlarm.cleared_at.is_(None))
        .values(cleared_at=utcnow())
        .returning(IntegrityAlarm.id)
    ).scalars()
    for alarm_id in cleared:
        audit.record(session, audit.SYSTEM, "log.alarm_cleared", "log_alarm", alarm_id)
    return None


def _plain(params: dict[str, object]) -> dict[str, object]:
    """Parameters as JSON keeps them (bytes as hex)."""
    return {k: v.hex() if isinstance(v, bytes) else v for k, v in params.items()}
