"""Publication of the log: sign a checkpoint when the log grew, then have it time-stamped
(RFC 3161) and cosigned by the configured witnesses (c2sp.org/tlog-witness).

The same pipeline runs in the server (`Keeper`, every `publish_interval_seconds`) and as
`ipprotect evidence publish` (cron). The log state row is locked while signing, so concurrent
runs sign at most once. While an integrity alarm is open nothing is signed; a failure found while
signing raises one.
"""

import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager

from sqlalchemy.orm import Session

from ipprotect.core import audit
from ipprotect.evidence import integrity, keys, log, timestamps, witnessing
from ipprotect.evidence.log import LogIntegrityError
from ipprotect.evidence.models import SignedCheckpoint
from ipprotect.settings import Settings
from ipprotect.web.i18n import N_

logger = logging.getLogger(__name__)

Sessions = Callable[[], AbstractContextManager[Session]]


def publish(settings: Settings, sessions: Sessions) -> SignedCheckpoint | None:
    """Sign a checkpoint if the log grew (None when there was nothing new), then have the latest
    checkpoint time-stamped and cosigned where that is still missing. Raises
    `LogIntegrityError` (and records an alarm) when the log does not hold together, or when an
    alarm is already open."""
    signer = keys.log_signer(settings)
    with sessions() as session:
        alarms = integrity.open_alarms(session)
        if alarms:
            raise LogIntegrityError(
                "alarm_open",
                N_("An integrity alarm is open ({alarm}): nothing is signed until it is cleared"),
                alarm=alarms[0].code,
            )
        try:
            signed = log.publish(session, signer, settings.log_origin)
        except LogIntegrityError as exc:
            session.rollback()
            integrity.raise_alarm(session, exc)
            session.commit()
            raise
        if signed is None:
            session.rollback()
        else:
            _audit(session, signed)
            session.commit()
        # Also for a checkpoint signed earlier: a TSA or witness that failed then is asked again.
        latest = log.latest_checkpoint(session)
        if latest is not None:
            _attest(session, settings, latest)
        return signed


def _audit(session: Session, signed: SignedCheckpoint) -> None:
    audit.record(
        session,
        audit.SYSTEM,
        "log.checkpoint",
        "checkpoint",
        signed.size,
        after={"size": signed.size, "root_hash": signed.root_hash.hex()},
    )


def _attest(session: Session, settings: Settings, checkpoint: SignedCheckpoint) -> None:
    """Time-stamp the checkpoint (RFC 3161) and have the witnesses cosign it. Neither holds
    publication back: an external TSA or a witness that fails is logged and asked again next
    time; the built-in TSA always answers."""
    try:
        timestamps.stamp_checkpoint(session, settings, checkpoint)
    except timestamps.ExternalTimestampError as exc:
        logger.warning("external TSA did not time-stamp checkpoint %d: %s", checkpoint.size, exc)
    session.commit()
    witnessing.collect_cosignatures(session, settings, checkpoint)
    session.commit()


class Keeper:
    """The server's background keeper of the log: the full integrity check at start-up (an
    alarm instead of signing over a damaged log), then publication every interval."""

    def __init__(self, settings: Settings, sessions: Sessions) -> None:
        self._settings = settings
        self._sessions = sessions
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="log-keeper", daemon=True)
        self.checked = threading.Event()  # the start-up check has finished

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        try:
            self.start_up_check()
        finally:
            self.checked.set()
        interval = self._settings.publish_interval_seconds
        while interval > 0 and not self._stop.wait(interval):
            try:
                publish(self._settings, self._sessions)
            except LogIntegrityError as exc:
                logger.error("log publication refused: %s", exc)
            except Exception:
                # The keeper must outlive a passing database error; the next round retries.
                logger.exception("log publication failed")

    def start_up_check(self) -> None:
        verifier = keys.log_signer(self._settings).verifier()
        with self._sessions() as session:
            failure = integrity.check(session, verifier)
            session.commit()
        if failure is not None:
            logger.error("log integrity check failed at start-up: %s", failure)
