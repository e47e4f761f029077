"""Helpers of the import tests: queue a job, run an import through the API and read its job;
inject a fault into a write to prove that a failure leaves nothing half-written."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from ipprotect.core import audit, jobs
from ipprotect.core.tabular import Table, read_table
from ipprotect.registry import access, imports
from tests.factories import XIHU


def queued(db: Session, importer: imports.Importer[Any, Any], csv: bytes) -> tuple[jobs.Job, Table]:
    """A job importing `csv` into Xihu, queued by the platform (so holding Xihu's lock) and not
    run, with the table it would import."""
    table = read_table(csv, "a.csv")
    job = imports.start(
        db,
        importer,
        access.PLATFORM,
        table,
        filename="a.csv",
        default_region=XIHU,
        on_duplicate=imports.OnDuplicate.SKIP,
    )
    return job, table


def run_import(
    client: TestClient, url: str, headers: dict[str, str], data: bytes, name: str, **form: str
) -> Any:
    """Upload `data` as the file `name`; the finished job as the API shows it."""
    response = client.post(url, files={"file": (name, data)}, data=form, headers=headers)
    assert response.status_code == 202, response.text
    job = client.get(response.json()["url"], headers=headers)
    assert job.status_code == 200
    return job.json()


def fail_audit_of(monkeypatch: pytest.MonkeyPatch, field: str, value: str) -> None:
    """Make the audit event of the record whose `field` becomes `value` fail like a full disk:
    the record itself is already flushed when its event is written."""
    record = audit.record

    def failing(session: Session, actor: audit.Actor, action: str, *args: Any, **kw: Any) -> Any:
        if (kw.get("after") or {}).get(field) == value:
            raise OperationalError("INSERT INTO audit_events", {}, Exception("disk I/O error"))
        return record(session, actor, action, *args, **kw)

    monkeypatch.setattr(audit, "record", failing)
