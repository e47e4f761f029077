"""Deposits of the platform's own records: decisions and documents other domains issue (a penalty
decision, a ruling, a mediation agreement, a transfer letter).

The caller has stored the record's rendered bytes in the blob store; `prepare` turns it into a
`deposits.Pending` whose log entry is of kind `decision` or `document` (not `evidence`), and
`deposits.commit` sequences it in the caller's transaction, so the record, its number and its
deposit are committed together or not at all.
"""

from datetime import datetime

from ipprotect.core.auth import Principal
from ipprotect.evidence import entries
from ipprotect.evidence.blobs import Blob
from ipprotect.evidence.deposits import Pending, depositor_key


def prepare(
    principal: Principal,
    blob: Blob,
    *,
    kind: entries.Kind,
    title: str,
    filename: str,
    case_id: int | None,
    region_code: str,
    metadata: dict[str, str | int],
    issued_at: datetime,
    request_id: str | None = None,
) -> Pending:
    """A record deposit by the officer who issued it. `title` is at most 200 characters (the
    document's name and number are far shorter). `case_id` is None for a record issued outside
    a case (a credit listing decision)."""
    values: dict[str, object] = {
        "sha256": blob.sha256,
        "size": blob.size,
        "media_type": blob.media_type,
        "stored": True,
        "filename": filename,
        "title": title[:200],
        "description": "",
        "source": "",
        "capture_method": "",
        "custody_notes": "",
        "case_id": case_id,
        "depositor_id": principal.user_id,
        "depositor_name": principal.name,
        "depositor_uscc": None,
        "depositor_key": depositor_key(principal),
        "region_code": region_code,
        "received_at": issued_at,
        "idempotency_key": None,
        "request_hash": None,
    }
    entry = entries.record_entry(
        kind=kind,
        sha256=blob.sha256,
        size=blob.size,
        media_type=blob.media_type,
        account=principal.name,
        region_code=region_code,
        metadata={
            "title": title,
            **({"case_id": case_id} if case_id is not None else {}),
            **metadata,
        },
        issued_at=issued_at,
    )
    return Pending(values, entry, principal.actor(request_id))
