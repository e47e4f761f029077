"""Batch work as rows: every import, screening or scoring run is a Job with status, progress,
counts and a log, so a page can show its progress and an operator can read what happened.

A job holds `active_lock` while it runs; the column is unique, so a second run with the same
lock (e.g. two imports into one region's registry) is refused instead of interleaving. A running
job beats `heartbeat_at` whenever it commits progress; a job whose heartbeat is older than
`STALE_AFTER` died with its process (a crash, a restart), so its lock is taken back rather than
blocking that region's imports for ever.
"""

import enum
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Integer, String, Text, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from ipprotect.core.errors import conflict, not_found
from ipprotect.db import Base, UTCDateTime, utcnow
from ipprotect.web.i18n import N_


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Job(Base):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64), index=True)  # e.g. "registry.import_entities"
    status: Mapped[JobStatus] = mapped_column(
        Enum(
            JobStatus, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]
        )
    )
    active_lock: Mapped[str | None] = mapped_column(String(128), unique=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    region_code: Mapped[str | None] = mapped_column(String(6), index=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    log: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def percent(self) -> int:
        return (
            100 if self.total == 0 and self.finished_at else (100 * self.done // max(self.total, 1))
        )


def create(
    session: Session,
    kind: str,
    *,
    lock: str | None,
    created_by: int | None,
    region_code: str | None = None,
    params: dict[str, Any] | None = None,
) -> Job:
    """Queue a job, taking its lock. Commits, so the lock is visible to other runs at once."""
    if lock is not None:
        release_stale_lock(session, lock)
    job = Job(
        kind=kind,
        status=JobStatus.QUEUED,
        active_lock=lock,
        created_by=created_by,
        region_code=region_code,
        params=params or {},
        counts={},
        result={},
    )
    session.add(job)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise conflict(
            "job_running", N_("A run of this job is already in progress"), lock or ""
        ) from None
    return job


# Long enough for any single unit of work between two progress commits (one imported row,
# one screened batch); short enough that an operator is not kept waiting after a crash.
STALE_AFTER = timedelta(minutes=10)


def release_stale_lock(session: Session, lock: str) -> None:
    """Fail the job that holds `lock` if it has shown no sign of life for STALE_AFTER."""
    cutoff = utcnow() - STALE_AFTER
    stale = session.scalar(select(Job).where(Job.active_lock == lock))
    if stale is None:
        return
    last_sign = stale.heartbeat_at or stale.started_at or stale.created_at
    if last_sign >= cutoff:
        return
    session.execute(
        update(Job)
        .where(Job.id == stale.id, Job.active_lock == lock)
        .values(
            status=JobStatus.FAILED,
            active_lock=None,
            finished_at=utcnow(),
            log=stale.log + f"interrupted: no progress since {last_sign.isoformat()}\n",
        )
    )
    session.commit()


class Progress:
    """Handed to the work function: it reports progress and log lines.

    `advance` commits every `every` units, together with the domain rows written so far, so
    the work must call it only between whole units (a whole imported row, never half of one).
    """

    def __init__(self, session: Session, job: Job, every: int = 200) -> None:
        self._session = session
        self.job = job
        self._every = every

    def set_total(self, total: int) -> None:
        self.job.total = total
        self._session.commit()

    def advance(self, n: int = 1) -> None:
        self.job.done += n
        if self.job.done % self._every < n:
            self.job.heartbeat_at = utcnow()
            self._session.commit()

    def count(self, key: str, n: int = 1) -> None:
        self.job.counts = {**self.job.counts, key: self.job.counts.get(key, 0) + n}

    def log(self, line: str) -> None:
        self.job.log += line.rstrip("\n") + "\n"


def run(
    factory: sessionmaker[Session], job_id: int, work: Callable[[Session, Progress], dict[str, Any]]
) -> Job:
    """Run `work` for a queued job in its own session; record the outcome and release the lock.

    `work` writes its domain rows in the session it is given and returns the job's result.
    Rows are committed with the progress (see `Progress`); on failure what was not yet committed
    is rolled back and the job records the error.
    """
    with factory() as session:
        job = session.get(Job, job_id)
        if job is None:
            raise not_found("Job")
        job.status = JobStatus.RUNNING
        job.started_at = job.heartbeat_at = utcnow()
        session.commit()
        progress = Progress(session, job)
        try:
            job.result = work(session, progress)
            job.status = JobStatus.SUCCEEDED
        except Exception as exc:  # the job row must record any failure, whatever raised it
            session.rollback()
            job = session.get(Job, job_id)
            assert job is not None
            job.status = JobStatus.FAILED
            job.log += f"failed: {type(exc).__name__}: {exc}\n"
        job.finished_at = utcnow()
        job.active_lock = None
        session.commit()
        return job


def recent(session: Session, kind_prefix: str, limit: int = 20) -> list[Job]:
    stmt = select(Job).where(Job.kind.startswith(kind_prefix)).order_by(Job.id.desc()).limit(limit)
    return list(session.scalars(stmt))
