"""JSON API of restriction checks: `POST /api/v1/credit/check` for the procurement, bidding,
subsidy, land and award systems, `GET /api/v1/credit/check-key`, the key that signs the
answers (see checks.py and signing.py), and bulk screening of a list of bidders as a job
(`POST /api/v1/credit/screen`, see screening.py)."""

import gc
import threading
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Depends, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from ipprotect.core import ids, jobs, tabular
from ipprotect.core.auth import Principal, Role
from ipprotect.core.deps import RecordId, get_session, get_settings, require
from ipprotect.core.errors import FieldError, Problem, conflict, forbidden, invalid, not_found
from ipprotect.core.group_commit import GroupCommit
from ipprotect.core.regions import is_region_code
from ipprotect.core.scope import prefix_of
from ipprotect.core.text import search_text
from ipprotect.credit import checks, screening
from ipprotect.credit.models import CheckPurpose
from ipprotect.credit.signing import AnswerSigner, answer_signer
from ipprotect.db import utcnow
from ipprotect.settings import Settings
from ipprotect.web.i18n import N_, catalog, get_locale

router = APIRouter(prefix="/api/v1/credit", tags=["credit checks"])

# The calling systems' tokens, and the officers who check by hand.
CHECK_ROLES = (Role.SYSTEM, Role.OFFICER, Role.CREDIT_OFFICER, Role.ADMIN)
checker = require(*CHECK_ROLES)

_state_lock = threading.Lock()


class CheckIn(BaseModel):
    purpose: CheckPurpose = Field(description="what the calling system is about to award")
    uscc: str | None = Field(None, max_length=40, description="unified social credit code")
    name: str = Field("", max_length=200, description="the entity's name as the bidder gave it")
    region: str | None = Field(None, max_length=6, description="only listings of this region")


class CheckKey(BaseModel):
    algorithm: str
    key_id: str
    public_key: str
    verifier_key: str
    canonicalization: str


def _service(request: Request, settings: Settings) -> tuple[checks.ListingIndex, AnswerSigner]:
    """The app's name index, rate limiter, signer and group commit of the checks' records,
    made on first use."""
    state = request.app.state
    with _state_lock:
        if getattr(state, "credit_check_index", None) is None:
            state.credit_check_index = checks.ListingIndex.from_settings(settings)
            state.credit_check_limiter = checks.RateLimiter(settings.credit_check_rate_per_minute)
            signer = answer_signer(settings)
            state.credit_check_signer = signer
            # Sessions looked up per batch, like the deposits': tests point them at their
            # transaction.
            state.credit_check_records = GroupCommit(
                lambda: state.sessionmaker(),
                lambda session, batch: [a for _row, a in checks.write(session, signer, batch)],
            )
    return state.credit_check_index, state.credit_check_signer


def _out_of_collection(state: Any, built: checks.Built) -> None:
    """Keep the name index out of the garbage collector's full passes (`gc.freeze`), once per
    build. At a million listings the index is some five million objects that live as long as
    the process, and every full pass walked them all with every thread of the worker stopped
    (0.26 s at 200,000 names, measured; nothing once frozen): the checks' p99 was 1.8 s.
    When a new build replaces the index, the old one is let go first: everything is unfrozen
    and collected once (one such pause per build, beside a build of half a minute or more),
    then frozen again."""
    if getattr(state, "credit_check_frozen", None) is built:
        return
    with _state_lock:
        if getattr(state, "credit_check_frozen", None) is built:
            return
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        state.credit_check_frozen = built


def _query(body: CheckIn, who: Principal) -> checks.Query:
    errors: list[FieldError] = []
    uscc = None
    if body.uscc and body.uscc.strip():
        try:
            uscc = ids.parse_uscc(body.uscc).code
        except ids.InvalidIdentifier as problem:
            errors.append(problem.field_error("uscc"))
    name = " ".join(search_text(body.name).split())
    if not name and not (body.uscc and body.uscc.strip()):
        errors.append(
            FieldError("name", "required", N_("Give the credit code or the name of the entity"))
        )
    region = body.region.strip() if body.region else None
    if region and not is_region_code(region):
        errors.append(
            FieldError("region", "invalid_region", N_("Not a region code (GB/T 2260, 6 digits)"))
        )
    if errors:
        raise invalid(errors)
    if (
        region
        and not who.scope.national
        and not any(
            region.startswith(prefix) or prefix.startswith(prefix_of(region))
            for prefix in who.scope.prefixes
        )
    ):
        raise forbidden(f"region {region} is outside the caller's scope")
    return checks.Query(body.purpose, uscc, name, region)


@router.post("/check")
def check(
    body: CheckIn,
    request: Request,
    who: Principal = Depends(checker),
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
) -> JSONResponse:
    """Is this entity restricted from this purpose? The answer is signed and recorded."""
    index, _signer = _service(request, settings)
    key = f"token:{who.token_id}" if who.token_id is not None else f"user:{who.user_id}"
    wait = request.app.state.credit_check_limiter.acquire(key)
    if wait is not None:
        seconds = max(1, int(wait + 0.999))
        raise Problem(
            429,
            "rate_limited",
            N_("Too many checks; try again later"),
            f"{settings.credit_check_rate_per_minute} checks a minute; retry after {seconds} s",
            headers={"Retry-After": str(seconds)},
        )
    query = _query(body, who)
    now = utcnow()
    on = _legal_day(now)
    built = index.current(session, wait=False)
    _out_of_collection(request.app.state, built)
    decision, found = checks.decide(session, built, query, who.scope, on)
    # The checks waiting for their record share one transaction and one disk sync (group
    # commit): one at a time, each paying its own sync, a process answered ~135 checks a second
    # on SQLite and 64 concurrent callers waited half a second each. The answer goes out once
    # its record is committed. The request's session ends first (it only read): a request
    # waiting for the group's leader holds no connection, so the leader always finds one in
    # the pool even with every thread of the server waiting on it.
    session.commit()
    records: GroupCommit[checks.Unsigned, dict[str, Any]] = request.app.state.credit_check_records
    answer = records.submit(checks.unsigned(who, query, on, decision, found, now))
    return JSONResponse(answer)


@router.get("/check-key", response_model=CheckKey)
def check_key(request: Request, settings: Settings = Depends(get_settings)) -> dict[str, Any]:
    """The public key that signs check answers (public: anyone may verify an answer)."""
    _index, signer = _service(request, settings)
    return signer.published()


def _legal_day(now: datetime) -> date:
    return now.astimezone(ids.SHANGHAI).date()


# --- bulk screening ----------------------------------------------------------------------------


class ScreenAccepted(BaseModel):
    job_id: int
    status: jobs.JobStatus
    url: str


class ScreenJob(BaseModel):
    job_id: int
    status: jobs.JobStatus
    purpose: str
    filename: str
    total: int
    done: int
    percent: int
    counts: dict[str, int]
    log: str
    result_url: str | None


def translator() -> Callable[[str], str]:
    """The request's language, fixed now: the job runs after the request has ended."""
    messages = catalog(get_locale())
    return lambda msgid: messages.get(msgid, msgid)


def start_screening(
    request: Request,
    background: BackgroundTasks,
    session: Session,
    settings: Settings,
    who: Principal,
    data: bytes,
    filename: str,
    purpose: CheckPurpose,
    fmt: str,
) -> jobs.Job:
    """Read the upload (422 when it cannot be screened), queue the job, run it after the
    response. Shared by the API and the page."""
    bidders = screening.read_bidders(data, filename, settings.max_import_rows)
    index, _signer = _service(request, settings)
    job, work = screening.queue(
        session,
        settings,
        caller=screening.caller_of(who.token_id, who.user_id),
        user_id=who.user_id,
        scope=who.scope,
        bidders=bidders,
        filename=filename,
        purpose=purpose,
        fmt="xlsx" if fmt == "xlsx" else "csv",
        on=_legal_day(utcnow()),
        translate=translator(),
        index=index,
    )
    background.add_task(jobs.run, request.app.state.sessionmaker, job.id, work)
    return job


def screening_job(session: Session, who: Principal, job_id: int) -> jobs.Job:
    """A screening job of this caller (another caller's is not found: bidder lists are theirs)."""
    job = session.get(jobs.Job, job_id)
    if (
        job is None
        or job.kind != screening.JOB_KIND
        or job.params.get("caller") != screening.caller_of(who.token_id, who.user_id)
    ):
        raise not_found("Screening")
    return job


@router.post("/screen", response_model=ScreenAccepted, status_code=202)
def screen(
    request: Request,
    background: BackgroundTasks,
    file: UploadFile = File(description="CSV (UTF-8 or GB18030) or XLSX: name, optional uscc"),
    purpose: CheckPurpose = Form(),
    format: str = Form("", description="csv or xlsx; empty: as the upload"),
    who: Principal = Depends(checker),
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
) -> ScreenAccepted:
    """Screen a list of bidders; follow the job at the returned url."""
    filename = file.filename or "bidders.csv"
    if format not in ("", "csv", "xlsx"):
        raise invalid([FieldError("format", "invalid_format", N_("Choose CSV or XLSX"))])
    job = start_screening(
        request,
        background,
        session,
        settings,
        who,
        file.file.read(),
        filename,
        purpose,
        format or screening.output_format(filename),
    )
    return ScreenAccepted(job_id=job.id, status=job.status, url=f"{router.prefix}/screen/{job.id}")


@router.get("/screen/{job_id}", response_model=ScreenJob)
def screen_status(
    job_id: RecordId, who: Principal = Depends(checker), session: Session = Depends(get_session)
) -> ScreenJob:
    job = screening_job(session, who, job_id)
    done = job.status is jobs.JobStatus.SUCCEEDED
    return ScreenJob(
        job_id=job.id,
        status=job.status,
        purpose=job.params["purpose"],
        filename=job.params["filename"],
        total=job.total,
        done=job.done,
        percent=job.percent,
        counts=job.counts,
        log=job.log,
        result_url=f"{router.prefix}/screen/{job.id}/result" if done else None,
    )


@router.get("/screen/{job_id}/result")
def screen_result(
    job_id: RecordId,
    who: Principal = Depends(checker),
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
) -> FileResponse:
    job = screening_job(session, who, job_id)
    path = screening.result_path(settings, job)
    if job.status is not jobs.JobStatus.SUCCEEDED or not path.exists():
        raise conflict("not_ready", N_("The screening has not finished"))
    stem = Path(job.params["filename"]).stem
    fmt = job.params["format"]
    return FileResponse(
        path, media_type=tabular.MEDIA_TYPES[fmt], filename=f"{stem}-screened.{fmt}"
    )
