"""Helpers for the deposit tests: callers with their credentials, and deposits over the API."""

import hashlib
import io
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ipprotect.core import audit
from ipprotect.core.auth import Role, create_token
from ipprotect.evidence import keys, log
from ipprotect.evidence.models import SignedCheckpoint
from ipprotect.settings import Settings
from tests.factories import XIHU

DEPOSITS = "/api/v1/evidence/deposits"
PDF = b"%PDF-1.7\n" + b"infringing page capture\n" * 40


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def token_headers(db: Session, role: Role = Role.OFFICER, region: str = XIHU) -> dict[str, str]:
    """An API token of `role` scoped to `region`, as request headers."""
    _, plaintext = create_token(
        db, audit.SYSTEM, name=f"{role.value} system", region_codes=[region], role=role
    )
    return {"Authorization": f"Bearer {plaintext}"}


def deposit_file(
    client: TestClient,
    headers: dict[str, str],
    data: bytes = PDF,
    filename: str = "capture.pdf",
    **fields: Any,
) -> httpx.Response:
    form = {"title": "侵权页面截图", **fields}
    files = {"file": (filename, io.BytesIO(data), "application/octet-stream")}
    return client.post(DEPOSITS, data=form, files=files, headers=headers)


def deposit_hash(
    client: TestClient, headers: dict[str, str], data: bytes = PDF, **fields: Any
) -> httpx.Response:
    """A hash-only deposit of `data` (as multipart, like a browser or curl -F sends it)."""
    form = {"title": "外部保存的录像", "sha256": sha256_of(data), "size": str(len(data)), **fields}
    return client.post(
        DEPOSITS, files={k: (None, str(v)) for k, v in form.items()}, headers=headers
    )


def publish(db: Session, settings: Settings) -> SignedCheckpoint:
    signed = log.publish(db, keys.log_signer(settings), settings.log_origin)
    assert signed is not None
    return signed
