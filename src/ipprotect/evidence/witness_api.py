"""The witness over HTTP: `POST /witness/add-checkpoint` (c2sp.org/tlog-witness), so the
submission prefix other logs configure is `<this platform's URL>/witness`.

No login: logs call witnesses, and the log's signature on the checkpoint is the only
authentication the protocol has; only the configured logs are accepted.
"""

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse, Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ipprotect.core import audit
from ipprotect.core.deps import get_session, get_settings, request_id
from ipprotect.core.errors import Problem
from ipprotect.evidence import witness
from ipprotect.settings import Settings
from ipprotect.web.i18n import N_

router = APIRouter(tags=["witness"])

# tlog-witness §add-checkpoint: the 409 body is the witness's size, with exactly this type.
SIZE_MEDIA_TYPE = "text/x.tlog.size"

_REQUEST_BODY = {
    "required": True,
    "content": {"text/plain": {"schema": {"type": "string", "maxLength": witness.MAX_BODY_SIZE}}},
}
_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"description": "The witness's cosignature lines", "content": {"text/plain": {}}},
    400: {"description": "Malformed request, or an old size above the checkpoint's size"},
    403: {"description": "No valid signature by the log's key"},
    404: {"description": "A log this witness does not witness"},
    409: {
        "description": "The old size is not the witness's size (the body), or the same size "
        "with another root hash",
        "content": {SIZE_MEDIA_TYPE: {}},
    },
    413: {"description": "The request body is too large"},
    422: {"description": "The consistency proof does not verify"},
}


async def _body(request: Request) -> bytes:
    """The request body, refused once it grows beyond what an add-checkpoint can need."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > witness.MAX_BODY_SIZE:
            raise Problem(413, "request_too_large", N_("The request is too large"))
    return bytes(body)


@router.post(
    "/witness/add-checkpoint",
    response_class=PlainTextResponse,
    openapi_extra={"requestBody": _REQUEST_BODY},
    responses=_RESPONSES,
)
def add_checkpoint(
    request: Request,
    body: bytes = Depends(_body),
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
) -> Response:
    """Cosign a checkpoint of a witnessed log that extends the last one cosigned for it
    (c2sp.org/tlog-witness add-checkpoint)."""
    submission = witness.parse_submission(body)
    actor = audit.Actor(None, "witness", request_id(request))
    try:
        try:
            lines = witness.add_checkpoint(session, settings, submission, actor)
        except IntegrityError:
            # The log's first checkpoint raced another request: there was no row to lock
            # yet. There is one now, so the second attempt is checked against it.
            session.rollback()
            lines = witness.add_checkpoint(session, settings, submission, actor)
    except witness.OldSizeMismatch as exc:
        return Response(f"{exc.size}\n", 409, headers={"Content-Type": SIZE_MEDIA_TYPE})
    session.commit()  # persisted before the cosignature leaves (§add-checkpoint)
    return PlainTextResponse(lines)
