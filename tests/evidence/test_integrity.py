"""The full integrity check and its alarm: one changed hash, entry or tile anywhere in the stored
log is found, publication stops, and it resumes only after the data is restored and a check
passes. The start-up check of a real server raises the alarm on the admin page."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ipprotect.app import create_app
from ipprotect.core import migrate
from ipprotect.core.audit import AuditEvent
from ipprotect.core.auth import Role
from ipprotect.db import make_engine, make_sessionmaker
from ipprotect.evidence import (
    integrity,
    keys,
    log,
    merkle,
    note,
    publication,
    receipts,
    tiles,
    verify,
)
from ipprotect.evidence.log import LogIntegrityError
from ipprotect.evidence.models import ENTRIES, IntegrityAlarm, LogState, LogTile
from ipprotect.settings import Settings
from tests import factories
from tests.conftest import login
from tests.evidence.verify_receipts import evidence_entry

ENTRIES_LOGGED = [evidence_entry(f"evidence file {i}".encode()) for i in range(600)]


@pytest.fixture
def logged(app: FastAPI, db: Session, settings: Settings) -> None:
    log.append(db, ENTRIES_LOGGED)
    assert publication.publish(settings, app.state.sessionmaker) is not None


def _verifier(settings: Settings) -> note.Ed25519Verifier:
    return keys.log_signer(settings).verifier()


def _tamper(db: Session, level: int, index: int, offset: int) -> bytes:
    """Flip one byte of a stored tile; returns the original data."""
    row = db.get(LogTile, (level, index))
    assert row is not None
    original = row.data
    changed = bytearray(original)
    changed[offset] ^= 0x01
    db.execute(
        update(LogTile)
        .where(LogTile.level == level, LogTile.index == index)
        .values(data=bytes(changed))
    )
    db.expire_all()
    return original


def test_an_intact_log_passes_the_full_check(db: Session, settings: Settings, logged: None) -> None:
    integrity.full_check(db, _verifier(settings))
    assert integrity.check(db, _verifier(settings)) is None
    assert integrity.open_alarms(db) == []


@pytest.mark.parametrize(
    ("what", "level", "index", "offset", "code"),
    [
        ("a stored leaf hash", 0, 1, 5 * 32, "tile_mismatch"),
        ("a stored entry", ENTRIES, 0, 2 + 3, "tile_mismatch"),
        ("the partial right-edge tile", 0, 2, 0, "tile_mismatch"),
    ],
)
def test_one_changed_byte_is_found_and_stops_publication(
    app: FastAPI,
    db: Session,
    settings: Settings,
    logged: None,
    what: str,
    level: int,
    index: int,
    offset: int,
    code: str,
) -> None:
    log.append(db, [b"one more"])
    original = _tamper(db, level, index, offset)
    failure = integrity.check(db, _verifier(settings))
    assert failure is not None, what
    assert failure.code == code
    assert [a.code for a in integrity.open_alarms(db)] == [code]
    with pytest.raises(LogIntegrityError) as refused:
        publication.publish(settings, app.state.sessionmaker)
    assert refused.value.code == "alarm_open"
    assert log.latest_checkpoint(db).size == len(ENTRIES_LOGGED)  # type: ignore[union-attr]

    db.execute(
        update(LogTile).where(LogTile.level == level, LogTile.index == index).values(data=original)
    )
    db.expire_all()
    assert integrity.check(db, _verifier(settings)) is None
    assert integrity.open_alarms(db) == []
    signed = publication.publish(settings, app.state.sessionmaker)
    assert signed is not None
    assert signed.size == len(ENTRIES_LOGGED) + 1
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.action.like("log.%"))).all()
    assert {"log.alarm", "log.alarm_cleared", "log.checkpoint"} <= set(actions)


def test_a_rewritten_history_with_consistent_tiles_contradicts_the_signed_checkpoint(
    db: Session, settings: Settings, logged: None
) -> None:
    """An attacker who changes an entry and recomputes every tile and the root still cannot
    match the root the log signed."""
    forged = [*ENTRIES_LOGGED]
    forged[7] = b"a forged deposit"
    hashes = [merkle.leaf_hash(e) for e in forged]
    for index in range(3):
        chunk = forged[index * 256 : (index + 1) * 256]
        db.execute(
            update(LogTile)
            .where(LogTile.level == ENTRIES, LogTile.index == index)
            .values(data=tiles.encode_bundle(chunk))
        )
        db.execute(
            update(LogTile)
            .where(LogTile.level == 0, LogTile.index == index)
            .values(data=b"".join(hashes[index * 256 : (index + 1) * 256]))
        )
    level_one = merkle.root(hashes[:256]) + merkle.root(hashes[256:512])
    db.execute(update(LogTile).where(LogTile.level == 1, LogTile.index == 0).values(data=level_one))
    db.execute(update(LogState).values(root_hash=merkle.root(hashes)))
    db.expire_all()
    failure = integrity.check(db, _verifier(settings))
    assert failure is not None
    assert failure.code == "checkpoint_mismatch"


def test_a_changed_recorded_root_is_found(db: Session, settings: Settings, logged: None) -> None:
    db.execute(update(LogState).values(root_hash=bytes(32)))
    db.expire_all()
    failure = integrity.check(db, _verifier(settings))
    assert failure is not None
    assert failure.code == "root_mismatch"


def test_publication_that_finds_damage_raises_the_alarm_itself(
    app: FastAPI, db: Session, settings: Settings, logged: None
) -> None:
    log.append(db, [b"later deposit"])
    _tamper(db, ENTRIES, 2, 2)  # a tile the next checkpoint would cover
    with pytest.raises(LogIntegrityError):
        publication.publish(settings, app.state.sessionmaker)
    assert [a.code for a in integrity.open_alarms(db)] == ["tile_mismatch"]


@pytest.fixture
def own_database(tmp_path: Path) -> Iterator[Settings]:
    """A database of its own: the start-up check runs in the server's own thread and commits."""
    settings = Settings(
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'own.sqlite3'}",
        secret_key="k",
        publish_interval_seconds=0,
        startup_check=True,
    )
    engine = make_engine(settings)
    with engine.begin() as connection:
        migrate.upgrade(connection)
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        factories.make_user(session, Role.ADMIN, username="keeper")
        log.append(session, ENTRIES_LOGGED)
        session.commit()
    publication.publish(settings, sessions)
    with sessions() as session:
        session.execute(
            update(LogTile).where(LogTile.level == 0, LogTile.index == 0).values(data=bytes(8192))
        )
        session.commit()
    yield settings
    engine.dispose()


def test_the_server_checks_the_log_at_start_up_and_alarms_the_admin_page(
    own_database: Settings,
) -> None:
    app = create_app(own_database)
    with TestClient(app) as client:
        assert app.state.keeper.checked.wait(timeout=30)
        login(client, "keeper", factories.PASSWORD)
        page = client.get("/admin/log")
        assert page.status_code == 200
        assert "完整性告警：已停止发布" in page.text
        assert "tile_mismatch" in page.text
        assert "完整性告警" in client.get("/dashboard").text
    with make_sessionmaker(app.state.engine)() as session:
        assert session.scalars(select(IntegrityAlarm.code)).all() == ["tile_mismatch"]
    app.state.engine.dispose()


@pytest.mark.parametrize(
    ("what", "level", "offset", "failed"),
    [
        (
            "its stored entry",
            ENTRIES,
            sum(2 + len(e) for e in ENTRIES_LOGGED[:8]) + 20,
            "inclusion",
        ),
        ("a stored hash on its audit path", 0, 32 * 9, "inclusion"),
    ],
)
def test_a_receipt_served_from_a_tampered_log_fails_the_offline_verifier(
    db: Session, settings: Settings, logged: None, what: str, level: int, offset: int, failed: str
) -> None:
    """Receipts made after the damage carry the damage: the offline verifier refuses them
    against the checkpoint the log signed before."""
    vkey = _verifier(settings).to_text()
    intact = receipts.receipt_for(db, 8)
    assert intact is not None
    assert verify.verify_receipt_text(intact, vkey=vkey).ok
    _tamper(db, level, 0, offset)
    served = receipts.receipt_for(db, 8)
    assert served is not None
    report = verify.verify_receipt_text(served, vkey=vkey)
    assert not report.ok, what
    assert report.check(failed).status is verify.Status.FAILED
