"""Deposits of evidence: the only writer of `evidence_deposits`.

A deposit is validated and turned into a `Pending` (its row and its canonical log entry) outside
any transaction; `commit` then writes rows, entries and audit events of a whole batch and the
caller commits once. A deposit is acknowledged only after that commit, so every deposit a
depositor was told about is in the log. `GroupCommit` batches concurrent deposits into one commit.

Idempotency (the API's `Idempotency-Key` header, draft-ietf-httpapi-idempotency-key-header):
the key is remembered with a hash of the request; the same key and request give back the first
deposit, the same key with another request is refused.
"""

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ipprotect.core import audit, ids
from ipprotect.core.auth import Principal, Role
from ipprotect.core.errors import FieldError, Problem, forbidden, invalid
from ipprotect.core.scope import NATIONAL
from ipprotect.db import MAX_ID
from ipprotect.evidence import entries, log
from ipprotect.evidence.blobs import SHA256_HEX, Blob
from ipprotect.evidence.merkle import InvalidLogData
from ipprotect.evidence.models import Deposit
from ipprotect.registry.fields import check_length
from ipprotect.registry.repository import entity_by_uscc
from ipprotect.web.i18n import N_

MAX_IDEMPOTENCY_KEY = 255
_MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,62}/[a-z0-9][a-z0-9!#$&^_.+-]{0,62}")
# Roles that hold evidence of their own or of their cases; evaluators and the public do not.
DEPOSITORS = {Role.APPLICANT, Role.OFFICER, Role.MEDIATOR, Role.ADMIN, Role.SYSTEM}


@dataclass
class DepositDraft:
    """A deposit as typed in the form, the API or the CLI; empty means none. A file is given as
    its stored `Blob`; without one, `sha256` and `size` describe a file kept elsewhere."""

    title: str = ""
    description: str = ""
    source: str = ""
    capture_method: str = ""
    custody_notes: str = ""
    case_id: str = ""
    region_code: str = ""
    sha256: str = ""
    size: str = ""
    media_type: str = ""
    filename: str = ""


@dataclass(frozen=True)
class Pending:
    """A validated deposit waiting to be sequenced: its row's values and its log entry."""

    values: dict[str, object]
    entry: bytes
    actor: audit.Actor


def prepare(
    session: Session,
    principal: Principal,
    draft: DepositDraft,
    blob: Blob | None,
    received_at: datetime,
    idempotency_key: str | None = None,
    request_id: str | None = None,
) -> Pending:
    """Validate a deposit (every field at once) and build its entry. Raises a 422 problem."""
    if principal.role not in DEPOSITORS:
        raise forbidden()
    errors: list[FieldError] = []
    title = draft.title.strip()
    if not title:
        errors.append(FieldError("title", "required", N_("This field is required")))
    for name, limit in (
        ("title", 200),
        ("source", 2000),
        ("capture_method", 500),
        ("description", 10_000),
        ("custody_notes", 10_000),
        ("filename", 255),
    ):
        check_length(errors, name, getattr(draft, name).strip(), limit)
    sha256, size, media_type = _file(errors, draft, blob)
    region_code = _region(errors, session, principal, draft.region_code.strip())
    case_id = _case_id(errors, draft.case_id.strip())
    if idempotency_key is not None and not 0 < len(idempotency_key) <= MAX_IDEMPOTENCY_KEY:
        errors.append(
            FieldError(
                "Idempotency-Key",
                "too_long",
                N_("Use at most {limit} characters"),
                {"limit": MAX_IDEMPOTENCY_KEY},
            )
        )
    if errors:
        raise invalid(errors)
    values: dict[str, object] = {
        "sha256": sha256,
        "size": size,
        "media_type": media_type,
        "stored": blob is not None,
        "filename": draft.filename.strip() or None,
        "title": title,
        "description": draft.description.strip(),
        "source": draft.source.strip(),
        "capture_method": draft.capture_method.strip(),
        "custody_notes": draft.custody_notes.strip(),
        "case_id": case_id,
        "depositor_id": principal.user_id,
        "depositor_name": principal.name,
        "depositor_uscc": principal.entity_uscc,
        "depositor_key": depositor_key(principal),
        "region_code": region_code,
        "received_at": received_at,
        "idempotency_key": idempotency_key,
        "request_hash": request_hash(draft, blob) if idempotency_key else None,
    }
    metadata: dict[str, str | int] = {
        name: str(values[name] or "")
        for name in ("title", "description", "source", "capture_method", "custody_notes")
    }
    metadata["filename"] = str(values["filename"] or "")
    if case_id is not None:
        metadata["case_id"] = case_id
    try:
        entry = entries.evidence_entry(
            sha256=sha256,
            size=size,
            media_type=media_type,
            account=principal.name,
            uscc=principal.entity_uscc,
            region_code=region_code,
            metadata=metadata,
            received_at=received_at,
        )
    except InvalidLogData as exc:
        raise invalid([exc.field_error("description")]) from exc
    return Pending(values, entry, principal.actor(request_id))


def commit(session: Session, batch: list[Pending]) -> list[Deposit]:
    """Sequence a batch: the rows, their log entries and audit events. Flushes; the caller
    commits once for the whole batch."""
    indices = log.append(session, [pending.entry for pending in batch])
    deposits = [
        Deposit(log_index=index, **pending.values)
        for index, pending in zip(indices, batch, strict=True)
    ]
    session.add_all(deposits)
    session.flush()
    for deposit, pending in zip(deposits, batch, strict=True):
        audit.record(
            session,
            pending.actor,
            "evidence.deposit",
            "deposit",
            deposit.id,
            region_code=deposit.region_code,
            after={
                "log_index": deposit.log_index,
                "sha256": deposit.sha256,
                "title": deposit.title,
            },
        )
    return deposits


def replay(
    session: Session, principal: Principal, key: str, draft: DepositDraft, blob: Blob | None
) -> Deposit | None:
    """The deposit an earlier request with this Idempotency-Key made, if any. Raises a 422 problem
    when the key was used for another request."""
    earlier = session.scalar(
        select(Deposit).where(
            Deposit.depositor_key == depositor_key(principal), Deposit.idempotency_key == key
        )
    )
    if earlier is not None and earlier.request_hash != request_hash(draft, blob):
        raise Problem(
            422,
            "idempotency_key_reused",
            N_("This Idempotency-Key was already used for another request"),
        )
    return earlier


def depositor_key(principal: Principal) -> str:
    return f"token:{principal.token_id}" if principal.token_id else f"user:{principal.user_id}"


def request_hash(draft: DepositDraft, blob: Blob | None) -> str:
    """What a request asked for, so a reused Idempotency-Key can be told from a retry."""
    asked = asdict(draft) | {"blob": blob.sha256 if blob else None}
    return hashlib.sha256(json.dumps(asked, sort_keys=True).encode()).hexdigest()


def _file(errors: list[FieldError], draft: DepositDraft, blob: Blob | None) -> tuple[str, int, str]:
    """The file's hash, size and media type: from the stored blob, or as declared when only the
    hash is deposited."""
    if blob is not None:
        if draft.sha256.strip() and draft.sha256.strip().lower() != blob.sha256:
            errors.append(
                FieldError("sha256", "mismatch", N_("The file does not have this SHA-256"))
            )
        return blob.sha256, blob.size, blob.media_type
    sha256 = draft.sha256.strip().lower()
    if not sha256:
        errors.append(FieldError("sha256", "required", N_("Upload a file or give its SHA-256")))
    elif not SHA256_HEX.fullmatch(sha256):
        errors.append(FieldError("sha256", "invalid", N_("A SHA-256 is 64 hexadecimal characters")))
    size = -1
    if not draft.size.strip().isdigit() or not draft.size.isascii():
        errors.append(
            FieldError("size", "invalid", N_("Give the file's size in bytes, a whole number"))
        )
    else:
        size = int(draft.size.strip())
    media_type = draft.media_type.strip().lower() or "application/octet-stream"
    if not _MEDIA_TYPE.fullmatch(media_type):
        errors.append(
            FieldError("media_type", "invalid", N_("Give a media type such as application/pdf"))
        )
    return sha256, size, media_type


def _region(errors: list[FieldError], session: Session, principal: Principal, code: str) -> str:
    """The region the evidence belongs to: as given (inside the depositor's scope), else the
    depositor's one region or their enterprise's."""
    if not code:
        code = _default_region(session, principal)
        if not code:
            errors.append(
                FieldError(
                    "region_code", "required", N_("Choose the region this evidence belongs to")
                )
            )
            return ""
    if code == NATIONAL or not ids.is_region_code(code):
        errors.append(
            FieldError(
                "region_code", "unknown_region", N_("Unknown region code {code}"), {"code": code}
            )
        )
    elif not principal.scope.covers(code):
        errors.append(
            FieldError("region_code", "out_of_scope", N_("This region is outside your scope"))
        )
    return code


def _default_region(session: Session, principal: Principal) -> str:
    if principal.entity_uscc:
        entity = entity_by_uscc(session, principal.entity_uscc)
        if entity is not None:
            return entity.region_code
    # An account of one region (a district, or a whole city or province) deposits there; the
    # region is its scope's prefix padded back to a GB/T 2260 code (3301 -> 330100).
    prefixes = sorted(principal.scope.prefixes)
    if len(prefixes) == 1 and prefixes[0]:
        return prefixes[0].ljust(6, "0")
    return ""


def _case_id(errors: list[FieldError], text: str) -> int | None:
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_ID:
        errors.append(FieldError("case_id", "invalid", N_("Give the case's number")))
        return None
    return int(text)
