"""Deposit pages: the list with filters and exports, the deposit form (a file, or only its hash),
a deposit's detail page (its logged entry, checkpoints, receipt and history) and its printable
deposit certificate (存证证书) with a QR code to the public verification page.

A deposit made here is committed to the log before the page answers, like one made by the API.
"""

from datetime import date
from typing import Any
from urllib.parse import urlencode

import segno
from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from ipprotect.core import ids
from ipprotect.core.auth import Principal
from ipprotect.core.deps import RecordId, get_session, get_settings, require
from ipprotect.core.errors import FieldError, Problem
from ipprotect.evidence import deposit_reads, keys, log
from ipprotect.evidence.deposit_api import PREFIX, UploadRoute, receive
from ipprotect.evidence.deposits import DEPOSITORS, DepositDraft
from ipprotect.evidence.models import Deposit
from ipprotect.registry.pages import region_options
from ipprotect.settings import Settings
from ipprotect.web.i18n import N_, get_locale, gettext
from ipprotect.web.templating import field_errors, render

router = APIRouter(include_in_schema=False, route_class=UploadRoute)
depositor = require(*DEPOSITORS)
reader = require(*deposit_reads.READERS)

TEXT_FIELDS = (
    "title",
    "description",
    "source",
    "capture_method",
    "custody_notes",
    "case_id",
    "region_code",
)
HASH_FIELDS = ("sha256", "size", "media_type", "filename")
FILE, HASH = "file", "hash"  # the form's two ways to deposit
LABELS = {
    "field_labels": {
        "title": N_("Title"),
        "sha256": N_("SHA-256"),
        "log_index": N_("Log index"),
    },
    "action_labels": {"evidence.deposit": N_("Evidence deposited")},
}


def human_size(size: int) -> str:
    """Bytes in binary units (e.g. 4.0 GiB) for people; the exact count is shown beside it."""
    if size < 1024:
        return f"{size} B"
    value, unit = size / 1024, "KiB"
    for bigger in ("MiB", "GiB", "TiB"):
        if value < 1024:
            break
        value, unit = value / 1024, bigger
    return f"{value:.1f} {unit}"


def _region_name(code: str) -> str:
    return ids.region_name(code, get_locale())


def _render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    return render(
        request,
        name,
        status_code,
        human_size=human_size,
        region_name=_region_name,
        **LABELS,
        **context,
    )


def _date(text: str) -> date | None:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        return None
    return day if date(1970, 1, 1) <= day <= date(9999, 12, 30) else None


@router.get("/evidence", response_class=HTMLResponse)
def deposit_list(
    request: Request,
    q: str = Query("", max_length=200),
    sha256: str = Query("", max_length=64),
    region: str = Query("", max_length=6),
    depositor: str = Query("", max_length=100),
    received_from: str = Query("", max_length=10),
    received_to: str = Query("", max_length=10),
    page: int = Query(1, ge=1),
    who: Principal = Depends(reader),
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
) -> Response:
    hex_digits = sha256.strip().lower()
    filters = deposit_reads.DepositFilters(
        q=q,
        sha256=hex_digits if all(c in "0123456789abcdef" for c in hex_digits) else "",
        region=region if ids.is_region_code(region) else "",
        depositor=depositor,
        received_from=_date(received_from),
        received_to=_date(received_to),
    )
    result = deposit_reads.list_deposits(session, who, filters, page, settings.page_size)
    kept = {
        "q": filters.q,
        "sha256": filters.sha256,
        "region": filters.region,
        "depositor": filters.depositor,
        "received_from": filters.received_from.isoformat() if filters.received_from else "",
        "received_to": filters.received_to.isoformat() if filters.received_to else "",
    }
    kept = {key: value for key, value in kept.items() if value}
    return _render(
        request,
        "evidence/list.html",
        page=result,
        filters=filters,
        region_options=[("", gettext("All regions")), *region_options(who)],
        export_urls={
            fmt: f"{PREFIX}?{urlencode({'format': fmt, **kept})}" for fmt in ("csv", "xlsx")
        },
        signed_size=deposit_reads.signed_size(session),
        may_deposit=who.role in DEPOSITORS,
    )


def _form(
    request: Request,
    who: Principal,
    settings: Settings,
    values: dict[str, str],
    errors: list[FieldError],
    status_code: int = 200,
) -> Response:
    return _render(
        request,
        "evidence/new.html",
        status_code=status_code,
        values=values,
        errors=field_errors(errors),
        region_options=[("", gettext("My region")), *region_options(who)],
        max_size=settings.blob_max_size,
    )


@router.get("/evidence/new", response_class=HTMLResponse)
def deposit_new(
    request: Request,
    who: Principal = Depends(depositor),
    settings: Settings = Depends(get_settings),
) -> Response:
    return _form(request, who, settings, {"mode": FILE}, [])


@router.post("/evidence/new", response_class=HTMLResponse)
def deposit_create(
    request: Request,
    file: UploadFile | None = File(None),
    mode: str = Form(FILE),
    title: str = Form(""),
    description: str = Form(""),
    source: str = Form(""),
    capture_method: str = Form(""),
    custody_notes: str = Form(""),
    case_id: str = Form(""),
    region_code: str = Form(""),
    sha256: str = Form(""),
    size: str = Form(""),
    media_type: str = Form(""),
    filename: str = Form(""),
    who: Principal = Depends(depositor),
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
) -> Response:
    values = {
        "mode": HASH if mode == HASH else FILE,
        "title": title,
        "description": description,
        "source": source,
        "capture_method": capture_method,
        "custody_notes": custody_notes,
        "case_id": case_id,
        "region_code": region_code,
        "sha256": sha256,
        "size": size,
        "media_type": media_type,
        "filename": filename,
    }
    by_hash = values["mode"] == HASH
    draft = DepositDraft(
        **{name: values[name] for name in TEXT_FIELDS},
        **{name: values[name] if by_hash else "" for name in HASH_FIELDS},
    )
    upload = None if by_hash or file is None or not file.filename else file
    try:
        received = receive(request, session, who, draft, upload)
    except Problem as problem:
        if problem.status not in (413, 422):
            raise
        errors = problem.errors
        if not by_hash and upload is None:
            # Without a file the service asks for a hash; in this mode the file is missing.
            errors = [e for e in errors if e.field not in HASH_FIELDS]
            errors.append(FieldError("file", "required", N_("Choose the file to deposit")))
        return _form(request, who, settings, values, errors, problem.status)
    request.session["flash"] = gettext(
        "The evidence was deposited as entry %(index)s of the log."
    ) % {"index": received.deposit.log_index}
    return RedirectResponse(f"/evidence/{received.deposit.id}", status_code=303)


def _checkpoints(session: Session, deposit: Deposit) -> dict[str, Any]:
    covering = deposit_reads.first_covering(session, deposit.log_index)
    return {
        "covering": deposit_reads.checkpoint_view(session, covering) if covering else None,
        "receipt_ready": covering is not None,
    }


@router.get("/evidence/{deposit_id}", response_class=HTMLResponse)
def deposit_detail(
    request: Request,
    deposit_id: RecordId,
    who: Principal = Depends(reader),
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
) -> Response:
    deposit = deposit_reads.get_deposit(session, who, deposit_id)
    latest = log.latest_checkpoint(session)
    return _render(
        request,
        "evidence/detail.html",
        deposit=deposit,
        entry=deposit_reads.logged_entry(session, deposit),
        latest=deposit_reads.checkpoint_view(session, latest) if latest else None,
        history=deposit_reads.history(session, deposit),
        receipt_url=f"{PREFIX}/{deposit.id}/receipt",
        file_url=f"{PREFIX}/{deposit.id}/file" if deposit.stored else None,
        vkey=_vkey(settings),
        flash=request.session.pop("flash", None),
        **_checkpoints(session, deposit),
    )


def _vkey(settings: Settings) -> str:
    """The log's verifier key, or nothing while the key does not match the configured origin
    (publication reports that; the deposit's pages still show)."""
    try:
        return keys.log_signer(settings).verifier().to_text()
    except keys.LogKeyError:
        return ""


def verify_url(request: Request, deposit: Deposit) -> str:
    """Where the QR code leads: the public verification page, with the entry's index and the
    file's hash filled in."""
    base = str(request.base_url).rstrip("/")
    return f"{base}/verify?{urlencode({'index': deposit.log_index, 'sha256': deposit.sha256})}"


def qr_svg(text: str) -> Markup:
    """A QR code as inline SVG (no image request, prints sharp). Error correction level M
    (ISO/IEC 18004: about 15% of the code may be soiled) suits a printed page."""
    svg = segno.make(text, error="m").svg_inline(scale=4, border=4, title=text)
    return Markup(svg)  # noqa: S704 - made by segno from our own URL, with the URL escaped


@router.get("/evidence/{deposit_id}/certificate", response_class=HTMLResponse)
def deposit_certificate(
    request: Request,
    deposit_id: RecordId,
    who: Principal = Depends(reader),
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
) -> Response:
    deposit = deposit_reads.get_deposit(session, who, deposit_id)
    url = verify_url(request, deposit)
    return _render(
        request,
        "evidence/certificate.html",
        deposit=deposit,
        verify_url=url,
        qr=qr_svg(url),
        vkey=_vkey(settings),
        **_checkpoints(session, deposit),
    )
