"""Jobs as rows: progress, outcome, and a lock that stops overlapping runs but not for ever."""

from typing import Any

import pytest
from sqlalchemy.orm import Session

from ipprotect.core import jobs
from ipprotect.core.errors import Problem
from ipprotect.core.jobs import STALE_AFTER, Job, JobStatus, Progress
from ipprotect.db import utcnow


class _Factory:
    """Hands the test's session to `jobs.run`, which opens 'its own' session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def __call__(self) -> "_Factory":
        return self

    def __enter__(self) -> Session:
        return self.session

    def __exit__(self, *exc: object) -> None:
        return None


def test_a_job_reports_progress_counts_and_its_result(db: Session) -> None:
    job = jobs.create(db, "test.count", lock="test:a", created_by=None)

    def work(session: Session, progress: Progress) -> dict[str, Any]:
        progress.set_total(3)
        for _ in range(3):
            progress.count("imported")
            progress.advance()
        progress.log("all rows read")
        return {"rows": 3}

    done = jobs.run(_Factory(db), job.id, work)  # type: ignore[arg-type]
    assert done.status is JobStatus.SUCCEEDED
    assert (done.done, done.total, done.percent) == (3, 3, 100)
    assert done.counts == {"imported": 3}
    assert done.result == {"rows": 3}
    assert "all rows read" in done.log
    assert done.active_lock is None


def test_a_second_run_with_the_same_lock_is_refused_while_the_first_runs(db: Session) -> None:
    jobs.create(db, "test.import", lock="registry.import:330106", created_by=None)
    with pytest.raises(Problem) as refused:
        jobs.create(db, "test.import", lock="registry.import:330106", created_by=None)
    assert refused.value.status == 409
    assert refused.value.code == "job_running"
    # Another region's import is not blocked.
    assert jobs.create(db, "test.import", lock="registry.import:330108", created_by=None).id


def test_a_failed_job_records_the_error_and_releases_its_lock(db: Session) -> None:
    job = jobs.create(db, "test.fail", lock="test:fail", created_by=None)

    def work(session: Session, progress: Progress) -> dict[str, Any]:
        raise ValueError("row 7 could not be read")

    done = jobs.run(_Factory(db), job.id, work)  # type: ignore[arg-type]
    assert done.status is JobStatus.FAILED
    assert "row 7 could not be read" in done.log
    assert jobs.create(db, "test.fail", lock="test:fail", created_by=None).id


def test_a_lock_held_by_a_job_that_died_is_taken_back(db: Session) -> None:
    dead = jobs.create(db, "test.import", lock="registry.import:330100", created_by=None)
    dead.status = JobStatus.RUNNING
    dead.started_at = dead.heartbeat_at = utcnow() - STALE_AFTER * 2
    db.commit()

    fresh = jobs.create(db, "test.import", lock="registry.import:330100", created_by=None)

    db.refresh(dead)
    assert fresh.active_lock == "registry.import:330100"
    assert dead.status is JobStatus.FAILED
    assert dead.active_lock is None
    assert "interrupted" in dead.log


def test_a_lock_of_a_job_that_is_alive_is_kept(db: Session) -> None:
    alive = jobs.create(db, "test.import", lock="registry.import:330102", created_by=None)
    alive.status = JobStatus.RUNNING
    alive.started_at = alive.heartbeat_at = utcnow() - STALE_AFTER / 2
    db.commit()
    with pytest.raises(Problem):
        jobs.create(db, "test.import", lock="registry.import:330102", created_by=None)
    assert db.get(Job, alive.id).status is JobStatus.RUNNING  # type: ignore[union-attr]
