"""The offline verifier of receipts (c2sp.org/tlog-proof@v1): what a court, a notary or a
sceptical defendant runs on a receipt, with keys they trust, without asking the platform.

Pure: no database, no network. Each check is reported as passed, failed or skipped with a
translatable message, and the report carries the facts the receipt states, to show them. A
receipt, its entry, a file or a token that is malformed makes a check fail; it never raises.
"""

import enum
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

from ipprotect.evidence import entries, note, timestamps
from ipprotect.evidence.checkpoint import open_checkpoint
from ipprotect.evidence.cosignature import WitnessPolicy, parse_witness_key, timestamp_of
from ipprotect.evidence.merkle import InvalidLogData
from ipprotect.evidence.note import NoteError
from ipprotect.evidence.receipt import Receipt, parse_receipt, verify_receipt
from ipprotect.evidence.timestamps import TimestampError
from ipprotect.web.i18n import N_

CHUNK = 1024 * 1024  # files are hashed a chunk at a time, never read whole
MAX_RECEIPT = 1024 * 1024  # a receipt holds an entry (< 64 KiB), 64 hashes and a note
# datetime cannot go past 9999-12-31T23:59:59Z; a cosignature may state any uint63 time.
_LAST_DATETIME = 253402300799
SHANGHAI = ZoneInfo("Asia/Shanghai")


class Status(enum.StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"


# The checks, in the order they are reported, with the labels people read.
FORMAT = "format"
SIGNATURE = "signature"
INCLUSION = "inclusion"
FILE = "file"
WITNESSES = "witnesses"
TIME = "time"
LABELS = {
    FORMAT: N_("Receipt format"),
    SIGNATURE: N_("Log signature"),
    INCLUSION: N_("Inclusion in the log"),
    FILE: N_("File"),
    WITNESSES: N_("Witnesses"),
    TIME: N_("Trusted time"),
}


@dataclass(frozen=True)
class Check:
    """One check's outcome. `code` is stable (empty unless it failed); `message` is the English
    msgid template filled from `params`, like `FieldError`."""

    name: str
    status: Status
    message: str
    params: dict[str, Any] = field(default_factory=dict)
    code: str = ""

    @property
    def label(self) -> str:
        return LABELS[self.name]

    def text(self, translate: Callable[[str], str] = str) -> str:
        return translate(self.message).format(**self.params)


@dataclass(frozen=True)
class Cosigned:
    """A witness that cosigned the checkpoint, and the time its cosignature states."""

    name: str
    at: datetime | None


@dataclass
class Facts:
    """What the receipt, its entry, the file and the token state. Shown beside the checks; they
    are proven only as far as the checks passed."""

    origin: str | None = None
    tree_size: int | None = None
    index: int | None = None
    root: str | None = None  # base64, as the checkpoint writes it
    kind: str | None = None
    sha256: str | None = None
    size: int | None = None
    media_type: str | None = None
    account: str | None = None
    uscc: str | None = None
    region: str | None = None
    title: str | None = None
    received_at: datetime | None = None
    file_sha256: str | None = None
    file_size: int | None = None
    witnesses: tuple[Cosigned, ...] = ()
    time: datetime | None = None
    tsa: str | None = None


@dataclass(frozen=True)
class Report:
    checks: tuple[Check, ...]
    facts: Facts

    @property
    def ok(self) -> bool:
        return not any(check.status is Status.FAILED for check in self.checks)

    def check(self, name: str) -> Check:
        return next(check for check in self.checks if check.name == name)


def verify_receipt_text(
    receipt: str | bytes,
    *,
    vkey: str,
    file: BinaryIO | None = None,
    witness_keys: Sequence[str] = (),
    quorum: int | None = None,
    tsr: bytes | None = None,
    tsa_chain: bytes | None = None,
) -> Report:
    """Verify a receipt against the log's verifier key `vkey`, and optionally a file, witness
    keys (`quorum` of them must have cosigned; all by default) and an RFC 3161 token `tsr`
    over the checkpoint, checked against the TSA's certificate chain `tsa_chain` (PEM)."""
    facts = Facts()
    format_check, parsed = _format(receipt)
    if parsed is None:
        unread = N_("Not checked: the receipt could not be read")
        rest = (SIGNATURE, INCLUSION, FILE, WITNESSES, TIME)
        return Report((format_check, *(_skipped(name, unread) for name in rest)), facts)
    tree = parsed.checkpoint
    facts.origin, facts.tree_size, facts.index = tree.origin, tree.size, parsed.index
    facts.root = note.b64encode(tree.root_hash)
    inclusion_check, entry = _inclusion(parsed, facts)
    checks = (
        format_check,
        _signature(parsed, vkey),
        inclusion_check,
        _file(file, entry, facts),
        _witnesses(parsed, witness_keys, quorum, facts),
        _time(parsed, tsr, tsa_chain, facts),
    )
    return Report(checks, facts)


def _passed(name: str, message: str, /, **params: Any) -> Check:
    return Check(name, Status.PASSED, message, params)


def _skipped(name: str, message: str) -> Check:
    return Check(name, Status.SKIPPED, message)


def _failed(name: str, code: str, message: str, /, **params: Any) -> Check:
    return Check(name, Status.FAILED, message, params, code)


def _failure(name: str, error: InvalidLogData | NoteError | TimestampError) -> Check:
    params = error.params if isinstance(error, InvalidLogData | TimestampError) else {}
    return _failed(name, error.code, error.message, **params)


def _format(receipt: str | bytes) -> tuple[Check, Receipt | None]:
    try:
        data = receipt if isinstance(receipt, bytes) else receipt.encode()
        text = data.decode()
    except UnicodeError:
        return _failed(FORMAT, "receipt_encoding", N_("The receipt is not UTF-8 text")), None
    if len(data) > MAX_RECEIPT:
        message = N_("A receipt is at most {limit} bytes; this one has {size}")
        too_large = _failed(FORMAT, "receipt_too_large", message, limit=MAX_RECEIPT, size=len(data))
        return too_large, None
    try:
        parsed = parse_receipt(text)
    except (InvalidLogData, NoteError) as exc:
        return _failure(FORMAT, exc), None
    return _passed(FORMAT, N_("The receipt is a well-formed c2sp.org/tlog-proof@v1")), parsed


def _signature(parsed: Receipt, vkey: str) -> Check:
    try:
        verifier = note.parse_verifier_key(vkey.strip())
        tree, _ = open_checkpoint(parsed.note.encode(), verifier)
    except NoteError as exc:
        return _failure(SIGNATURE, exc)
    # c2sp.org/tlog-checkpoint: a log's key is named after its origin, so a checkpoint of
    # another log signed with the same key does not pass for this one.
    if tree.origin != verifier.name:
        message = N_("The checkpoint's origin {origin} is not the log key's name {key}")
        names = {"origin": tree.origin, "key": verifier.name}
        return _failed(SIGNATURE, "origin_mismatch", message, **names)
    message = N_("The checkpoint is signed by the log {origin}")
    return _passed(SIGNATURE, message, origin=tree.origin)


def _inclusion(parsed: Receipt, facts: Facts) -> tuple[Check, dict[str, Any] | None]:
    if parsed.extra is None:
        message = N_("The receipt does not carry its entry on an extra line")
        return _failed(INCLUSION, "entry_missing", message), None
    try:
        entry = entries.decode(parsed.extra)
    except InvalidLogData as exc:
        return _failure(INCLUSION, exc), None
    except (ValueError, RecursionError):
        # The JSON parser refuses huge integers (ValueError) and deep nesting (RecursionError);
        # rfc8785 refuses floats and integers JSON cannot carry exactly (ValueError).
        return _failed(INCLUSION, "entry_format", N_("The entry is not JSON")), None
    _entry_facts(entry, facts)
    try:
        verify_receipt(parsed, entry=parsed.extra)
    except InvalidLogData as exc:
        return _failure(INCLUSION, exc), entry
    message = N_("Entry {index} is in the tree of {size} entries the checkpoint commits to")
    return _passed(INCLUSION, message, index=parsed.index, size=parsed.checkpoint.size), entry


def _entry_facts(entry: dict[str, Any], facts: Facts) -> None:
    """Take what an entry states, when it has the type entries.py writes; kinds other than
    evidence may leave out the file and the depositor."""
    depositor = entry.get("depositor")
    depositor = depositor if isinstance(depositor, dict) else {}
    metadata = entry.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    facts.kind = _text(entry.get("kind"))
    facts.sha256 = _text(entry.get("sha256"))
    facts.size = _number(entry.get("size"))
    facts.media_type = _text(entry.get("media_type"))
    facts.account = _text(depositor.get("account"))
    facts.uscc = _text(depositor.get("uscc"))
    facts.region = _text(entry.get("region"))
    facts.title = _text(metadata.get("title"))
    facts.received_at = _utc_time(_text(entry.get("received_at")))


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _utc_time(text: str | None) -> datetime | None:
    """An RFC 3339 time with its offset (entries.utc_text writes a `Z`), else nothing."""
    try:
        moment = datetime.fromisoformat(text) if text else None
    except ValueError:
        return None
    return moment if moment and moment.tzinfo else None


def _number(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _file(file: BinaryIO | None, entry: dict[str, Any] | None, facts: Facts) -> Check:
    if file is None:
        return _skipped(FILE, N_("No file was given"))
    if entry is None:
        return _skipped(FILE, N_("Not checked: the receipt carries no readable entry"))
    expected_sha256, expected_size = facts.sha256, facts.size
    if expected_sha256 is None or expected_size is None:
        return _failed(FILE, "entry_without_file", N_("The entry does not record a file"))
    digest = hashlib.sha256()
    size = 0
    try:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    except OSError as exc:
        message = N_("The file could not be read: {reason}")
        return _failed(FILE, "file_unreadable", message, reason=exc.strerror or str(exc))
    facts.file_sha256, facts.file_size = digest.hexdigest(), size
    if facts.file_sha256 != expected_sha256:
        message = N_("The file's SHA-256 is {actual}, not the entry's {expected}")
        return _failed(
            FILE, "file_hash_mismatch", message, actual=facts.file_sha256, expected=expected_sha256
        )
    if size != expected_size:
        message = N_("The file has {actual} bytes; the entry records {expected}")
        return _failed(FILE, "file_size_mismatch", message, actual=size, expected=expected_size)
    message = N_("The file's SHA-256 and size ({size} bytes) match the entry")
    return _passed(FILE, message, size=size)


def _witnesses(parsed: Receipt, keys: Sequence[str], quorum: int | None, facts: Facts) -> Check:
    if not keys:
        return _skipped(WITNESSES, N_("No witness keys were given"))
    try:
        witnesses = tuple(parse_witness_key(key.strip()) for key in keys)
        policy = WitnessPolicy(witnesses, len(witnesses) if quorum is None else quorum)
    except NoteError as exc:
        return _failure(WITNESSES, exc)
    try:
        _, signatures = note.open(parsed.note.encode(), witnesses)
    except NoteError as exc:
        if exc.code != "note_unverified":
            return _failure(WITNESSES, exc)
        signatures = []  # no trusted witness cosigned: the policy decides below
    facts.witnesses = tuple(Cosigned(s.name, _moment(timestamp_of(s))) for s in signatures)
    params = {"count": len(signatures), "total": len(witnesses), "quorum": policy.threshold}
    if not policy.satisfied_by(signatures):
        message = N_("Only {count} of {total} witnesses cosigned the checkpoint; {quorum} required")
        return _failed(WITNESSES, "witness_quorum_unmet", message, **params)
    message = N_("{count} of {total} witnesses cosigned the checkpoint ({quorum} required)")
    return _passed(WITNESSES, message, **params)


def _moment(seconds: int) -> datetime | None:
    return datetime.fromtimestamp(seconds, UTC) if seconds <= _LAST_DATETIME else None


def _time(parsed: Receipt, tsr: bytes | None, tsa_chain: bytes | None, facts: Facts) -> Check:
    if tsr is None:
        return _skipped(TIME, N_("No time-stamp token was given"))
    if tsa_chain is None:
        message = N_("No certificate chain of the time-stamping authority was given")
        return _failed(TIME, "tsa_chain_missing", message)
    # The platform's TSA stamps the checkpoint's note text, the body its signatures sign.
    body = parsed.checkpoint.to_text().encode()
    try:
        stamp = timestamps.verify_token(tsr, body, tsa_chain)
    except TimestampError as exc:
        return _failure(TIME, exc)
    except ValueError:
        # A certificate inside the token that does not parse, for one.
        message = N_("The time-stamp response is malformed")
        return _failed(TIME, "timestamp_malformed", message)
    facts.time, facts.tsa = stamp.gen_time, stamp.tsa_name
    return _passed(TIME, N_("The time-stamp token covers this checkpoint's exact bytes"))


def fact_rows(facts: Facts) -> list[tuple[str, str]]:
    """The facts worth showing, as (label msgid, value) pairs; times in Asia/Shanghai, where
    the platform's users read them."""
    witnesses = ", ".join(f"{w.name} ({_shown(w.at)})" if w.at else w.name for w in facts.witnesses)
    rows = [
        (N_("Log"), facts.origin),
        (N_("Tree size"), facts.tree_size),
        (N_("Entry index"), facts.index),
        (N_("Root hash"), facts.root),
        (N_("Entry kind"), facts.kind),
        (N_("Evidence title"), facts.title),
        (N_("SHA-256 in the entry"), facts.sha256),
        (N_("Size in the entry (bytes)"), facts.size),
        (N_("Media type"), facts.media_type),
        (N_("Depositor account"), facts.account),
        (N_("Depositor's unified social credit code"), facts.uscc),
        (N_("Region code"), facts.region),
        (N_("Received by the platform"), _shown(facts.received_at)),
        (N_("SHA-256 of the file"), facts.file_sha256),
        (N_("Size of the file (bytes)"), facts.file_size),
        (N_("Cosigned by"), witnesses),
        (N_("Time-stamped at"), _shown(facts.time)),
        (N_("Time-stamp authority"), facts.tsa),
    ]
    return [(label, str(value)) for label, value in rows if value not in (None, "")]


def _shown(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S (UTC%z)")
