"""Log entries: what the transparency log records about a deposit (and later about decisions,
documents and audit events), as RFC 8785 canonical JSON.

Canonical JSON gives one entry one byte string, so anyone can re-encode what they read and get
the bytes whose RFC 6962 leaf hash is in the tree. An entry carries digests and metadata, never
the file: tlog-tiles entry bundles prefix each entry with a uint16 length (c2sp.org/tlog-tiles).
"""

import enum
import json
from datetime import UTC, datetime
from typing import Any

import rfc8785

from ipprotect.evidence.merkle import InvalidLogData
from ipprotect.web.i18n import N_

VERSION = 1
MAX_ENTRY = 64 * 1024 - 1  # the largest length a uint16 prefix can carry


class Kind(enum.StrEnum):
    EVIDENCE = "evidence"
    DECISION = "decision"
    DOCUMENT = "document"
    AUDIT = "audit"


def utc_text(moment: datetime) -> str:
    """RFC 3339 in UTC with microseconds and a `Z`, e.g. 2026-11-22T01:02:03.000004Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def evidence_entry(
    *,
    sha256: str,
    size: int,
    media_type: str,
    account: str,
    uscc: str | None,
    region_code: str,
    metadata: dict[str, str | int],
    received_at: datetime,
) -> bytes:
    """The entry of one deposit. Empty metadata values are left out, so adding an optional
    field later does not change the bytes of entries that do not use it."""
    depositor: dict[str, str] = {"account": account}
    if uscc:
        depositor["uscc"] = uscc
    return encode(
        {
            "version": VERSION,
            "kind": Kind.EVIDENCE.value,
            "sha256": sha256,
            "size": size,
            "media_type": media_type,
            "depositor": depositor,
            "region": region_code,
            "metadata": {key: value for key, value in metadata.items() if value not in ("", None)},
            "received_at": utc_text(received_at),
        }
    )


def record_entry(
    *,
    kind: Kind,
    sha256: str,
    size: int,
    media_type: str,
    account: str,
    region_code: str,
    metadata: dict[str, str | int],
    issued_at: datetime,
) -> bytes:
    """The entry of a record the platform itself issues: a decision (penalty decision, ruling) or
    another document (agreement, transfer letter), whose rendered text has `sha256`. Same shape
    as a deposit's entry, so one verifier reads both."""
    if kind not in (Kind.DECISION, Kind.DOCUMENT):
        raise ValueError(f"not a record kind: {kind}")
    return encode(
        {
            "version": VERSION,
            "kind": kind.value,
            "sha256": sha256,
            "size": size,
            "media_type": media_type,
            "depositor": {"account": account},
            "region": region_code,
            "metadata": {key: value for key, value in metadata.items() if value not in ("", None)},
            "received_at": utc_text(issued_at),
        }
    )


def encode(entry: dict[str, Any]) -> bytes:
    """RFC 8785 bytes of an entry; refuses one too large for an entry bundle."""
    data = rfc8785.dumps(entry)
    if len(data) > MAX_ENTRY:
        raise InvalidLogData(
            "entry_too_large",
            N_("A log entry is at most {limit} bytes; this one has {size}"),
            limit=MAX_ENTRY,
            size=len(data),
        )
    return data


def decode(data: bytes) -> dict[str, Any]:
    """Parse an entry and check it is canonical and of a version and kind we know. Raises
    `InvalidLogData`."""
    try:
        entry = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        # ValueError covers malformed JSON and integers past Python's digit limit;
        # RecursionError, nesting deeper than the parser goes. Entries are untrusted input.
        raise _bad_entry(N_("The entry is not JSON")) from exc
    if not isinstance(entry, dict):
        raise _bad_entry(N_("The entry is not a JSON object"))
    try:
        canonical = rfc8785.dumps(entry)
    except (rfc8785.CanonicalizationError, RecursionError) as exc:
        # Floats and integers beyond what JSON carries exactly have no canonical form.
        raise _bad_entry(N_("The entry is not in RFC 8785 canonical form")) from exc
    if canonical != data:
        raise _bad_entry(N_("The entry is not in RFC 8785 canonical form"))
    if entry.get("version") != VERSION or entry.get("kind") not in set(Kind):
        raise _bad_entry(N_("The entry has an unknown version or kind"))
    return entry


def _bad_entry(message: str) -> InvalidLogData:
    return InvalidLogData("entry_format", message)
