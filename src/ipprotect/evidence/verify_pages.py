"""The public verification page, /verify (no login): anyone checks a receipt, and optionally
the file and a time-stamp token, exactly as `ipprotect evidence verify` does, against this
platform's keys by default or keys they paste in the advanced section. Nothing uploaded is kept.

`GET /verify?index=N&sha256=H` is where the QR code of a deposit certificate (存证证书) points:
it verifies the receipt of entry N from this platform's log and says whether the entry carries
hash H, then invites the visitor to upload the file to compare it too.
"""

import re
from dataclasses import dataclass
from typing import Any, BinaryIO

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from ipprotect.core.deps import get_session, get_settings
from ipprotect.core.errors import FieldError
from ipprotect.evidence import keys, receipts, timestamps, tsa, verify
from ipprotect.evidence.receipt import MAX_SIZE, parse_receipt
from ipprotect.settings import Settings
from ipprotect.web.i18n import N_, gettext
from ipprotect.web.templating import field_errors, render

router = APIRouter(include_in_schema=False)
TEMPLATE = "evidence/verify.html"
MAX_TOKEN = verify.MAX_RECEIPT  # an RFC 3161 token with its chain is a few kilobytes
_SHA256 = re.compile(r"[0-9a-f]{64}")
# Per status: the mark, its words, and the class of web/static/app.css that colours it
# (green for passed, red for failed, grey for skipped).
LOOKS = {
    verify.Status.PASSED: ("✓", N_("Passed"), "tag verified"),
    verify.Status.FAILED: ("✗", N_("Failed"), "error"),
    verify.Status.SKIPPED: ("–", N_("Not checked"), "hint"),
}


@dataclass(frozen=True)
class Row:
    """One check as the page shows it, translated."""

    name: str
    status: str
    mark: str
    status_text: str
    css: str
    label: str
    text: str

    @classmethod
    def of(cls, check: verify.Check) -> "Row":
        mark, words, css = LOOKS[check.status]
        label, text = gettext(check.label), check.text(gettext)
        return cls(check.name, check.status.value, mark, gettext(words), css, label, text)


@dataclass(frozen=True)
class Keys:
    """What a receipt is checked against: this platform's keys unless the visitor pastes others.
    The built-in TSA's chain is read only when there is a token to check."""

    vkey: str
    witness_keys: tuple[str, ...]
    tsa_chain: bytes | None = None


def platform_keys(settings: Settings) -> Keys:
    return Keys(
        vkey=keys.log_signer(settings).verifier().to_text(),
        witness_keys=tuple(witness["vkey"] for witness in settings.witnesses),
    )


@dataclass(frozen=True)
class Logged:
    """The receipt of an entry of this platform's log, with the built-in TSA's token over its
    checkpoint when there is one yet."""

    receipt: str
    token: bytes | None


def logged(session: Session, index: int) -> Logged | None:
    receipt = receipts.receipt_for(session, index)
    if receipt is None:
        return None
    size = parse_receipt(receipt).checkpoint.size
    stamps = timestamps.timestamps_of(session, size)
    token = next((t.response for t in stamps if t.tsa == timestamps.BUILTIN), None)
    return Logged(receipt, token)


@router.get("/verify", response_class=HTMLResponse)
def verify_page(
    request: Request,
    index: str = Query("", max_length=40),
    sha256: str = Query("", max_length=200),
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
) -> Response:
    own = platform_keys(settings)
    if not index:
        return _page(request, own)
    number = _index(index)
    if number is None:
        wrong = gettext(N_("{index} is not the index of a log entry")).format(index=index)
        return _page(request, own, status_code=422, lookup_error=wrong)
    entry = logged(session, number)
    if entry is None:
        missing = gettext(N_("This platform's log has no entry {index} yet")).format(index=index)
        return _page(request, own, status_code=404, lookup_error=missing)
    wanted = sha256.strip().lower()
    return _page(
        request,
        own,
        report=_verify(entry.receipt, own, settings, tsr=entry.token),
        index=number,
        sha256=wanted,
        sha256_valid=bool(_SHA256.fullmatch(wanted)),
        values={"index": str(number)},
    )


@router.post("/verify", response_class=HTMLResponse)
def verify_upload(
    request: Request,
    receipt: UploadFile | None = File(None),
    file: UploadFile | None = File(None),
    tsr: UploadFile | None = File(None),
    index: str = Form(""),
    vkey: str = Form(""),
    witness_keys: str = Form(""),
    quorum: str = Form(""),
    tsa_chain: str = Form(""),
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
) -> Response:
    own = platform_keys(settings)
    values = {
        "index": index,
        "vkey": vkey,
        "witness_keys": witness_keys,
        "quorum": quorum,
        "tsa_chain": tsa_chain,
    }
    errors: list[FieldError] = []
    token = _small_upload(tsr, "tsr", errors)
    receipt_data, own_token = _receipt(receipt, index, session, errors)
    evidence = file if file is not None and file.filename else None
    if evidence is not None and (evidence.size or 0) > settings.blob_max_size:
        message = N_("The file is larger than {limit} bytes; verify it with the command line")
        errors.append(FieldError("file", "too_large", message, {"limit": settings.blob_max_size}))
    wanted_quorum = _quorum(quorum, errors)
    if errors or receipt_data is None:
        status = 413 if any(e.code == "too_large" for e in errors) else 422
        return _page(request, own, status_code=status, errors=errors, values=values)
    pasted = tuple(line.strip() for line in witness_keys.splitlines() if line.strip())
    chosen = Keys(
        vkey=vkey.strip() or own.vkey,
        witness_keys=pasted or own.witness_keys,
        tsa_chain=tsa_chain.strip().encode() or None,
    )
    report = _verify(
        receipt_data,
        chosen,
        settings,
        file=evidence.file if evidence is not None else None,
        quorum=wanted_quorum,
        tsr=token or own_token,
    )
    return _page(request, own, report=report, values=values)


def _receipt(
    upload: UploadFile | None, index: str, session: Session, errors: list[FieldError]
) -> tuple[bytes | str | None, bytes | None]:
    """The uploaded receipt, or else the one of entry `index` of this platform's log with its
    time-stamp token (the QR page's form sends the index: the visitor need only add the file)."""
    if upload is not None and upload.filename:
        return _small_upload(upload, "receipt", errors), None
    number = _index(index)
    if number is not None:
        entry = logged(session, number)
        if entry is not None:
            return entry.receipt, entry.token
        message = N_("This platform's log has no entry {index} yet")
        errors.append(FieldError("receipt", "not_found", message, {"index": index}))
        return None, None
    errors.append(FieldError("receipt", "required", N_("Choose a receipt file (.tlog-proof)")))
    return None, None


def _index(text: str) -> int | None:
    """An entry index as tlog-proof writes it: ASCII decimal, a uint64."""
    if not (text.isascii() and text.isdigit() and len(text) <= 20) or int(text) >= MAX_SIZE:
        return None
    return int(text)


def _small_upload(upload: UploadFile | None, field: str, errors: list[FieldError]) -> bytes | None:
    if upload is None or not upload.filename:
        return None
    data = upload.file.read(MAX_TOKEN + 1)
    if len(data) > MAX_TOKEN:
        message = N_("This file is larger than {limit} bytes: it cannot be a receipt or a token")
        errors.append(FieldError(field, "too_large", message, {"limit": MAX_TOKEN}))
        return None
    return data


def _quorum(text: str, errors: list[FieldError]) -> int | None:
    text = text.strip()
    if not text:
        return None
    # More witnesses than a note may carry signatures (100) is as wrong as none.
    if not (text.isascii() and text.isdigit() and len(text) <= 3) or int(text) < 1:
        message = N_("Give the number of witnesses that must have cosigned, at least 1")
        errors.append(FieldError("quorum", "invalid", message))
        return None
    return int(text)


def _verify(
    receipt: bytes | str,
    chosen: Keys,
    settings: Settings,
    *,
    file: BinaryIO | None = None,
    quorum: int | None = None,
    tsr: bytes | None = None,
) -> verify.Report:
    tsa_chain = chosen.tsa_chain
    if tsr is not None and tsa_chain is None:
        tsa_chain = tsa.authority(settings).chain_pem()
    return verify.verify_receipt_text(
        receipt,
        vkey=chosen.vkey,
        file=file,
        witness_keys=chosen.witness_keys,
        quorum=quorum,
        tsr=tsr,
        tsa_chain=tsa_chain,
    )


def _page(
    request: Request,
    own: Keys,
    *,
    status_code: int = 200,
    report: verify.Report | None = None,
    errors: list[FieldError] | None = None,
    values: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    checks = [Row.of(check) for check in report.checks] if report else []
    rows = verify.fact_rows(report.facts) if report else []
    facts = [(gettext(label), value) for label, value in rows]
    return render(
        request,
        TEMPLATE,
        status_code=status_code,
        own=own,
        report=report,
        checks=checks,
        facts=facts,
        errors=field_errors(errors or []),
        values=values or {},
        **context,
    )
