"""JSON API of restriction checks: `POST /api/v1/credit/check` for the procurement, bidding,
subsidy, land and award systems, and `GET /api/v1/credit/check-key`, the key that signs the
answers (see checks.py and signing.py)."""

import threading
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from ipprotect.core import ids
from ipprotect.core.auth import Principal, Role
from ipprotect.core.deps import get_session, get_settings, require
from ipprotect.core.errors import FieldError, Problem, forbidden, invalid
from ipprotect.core.regions import is_region_code
from ipprotect.core.scope import prefix_of
from ipprotect.credit import checks
from ipprotect.credit.models import CheckPurpose
from ipprotect.credit.signing import AnswerSigner, answer_signer
from ipprotect.db import utcnow
from ipprotect.settings import Settings
from ipprotect.web.i18n import N_

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
    """The app's name index, rate limiter and signer, made on first use."""
    state = request.app.state
    with _state_lock:
        if getattr(state, "credit_check_index", None) is None:
            state.credit_check_index = checks.ListingIndex.from_settings(settings)
            state.credit_check_limiter = checks.RateLimiter(settings.credit_check_rate_per_minute)
            state.credit_check_signer = answer_signer(settings)
    return state.credit_check_index, state.credit_check_signer


def _query(body: CheckIn, who: Principal) -> checks.Query:
    errors: list[FieldError] = []
    uscc = None
    if body.uscc and body.uscc.strip():
        try:
            uscc = ids.parse_uscc(body.uscc).code
        except ids.InvalidIdentifier as problem:
            errors.append(problem.field_error("uscc"))
    name = " ".join(body.name.split())
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
    index, signer = _service(request, settings)
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
    _row, answer = checks.check(session, index, signer, who, query, on=_legal_day(now), now=now)
    session.commit()
    return JSONResponse(answer)


@router.get("/check-key", response_model=CheckKey)
def check_key(request: Request, settings: Settings = Depends(get_settings)) -> dict[str, Any]:
    """The public key that signs check answers (public: anyone may verify an answer)."""
    _index, signer = _service(request, settings)
    return signer.published()


def _legal_day(now: datetime) -> Any:
    return now.astimezone(ids.SHANGHAI).date()
