"""Trusted time over HTTP: the built-in TSA's certificate chain, the time-stamp tokens over each
checkpoint with the exact bytes they stamp (public, like the log: anyone checks them with
`openssl ts -verify`), and the TSA itself (RFC 3161 3.4, time-stamp protocol over HTTP) for
accounts and API tokens only, so the platform is not a free public TSA."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from ipprotect.core import audit
from ipprotect.core.auth import Principal
from ipprotect.core.deps import RecordId, get_session, get_settings, request_id, require
from ipprotect.core.errors import Problem, not_found
from ipprotect.evidence import timestamps, tsa
from ipprotect.evidence.models import CheckpointTimestamp, SignedCheckpoint
from ipprotect.evidence.timestamps import QUERY_MEDIA_TYPE, REPLY_MEDIA_TYPE
from ipprotect.settings import Settings
from ipprotect.web.i18n import N_

router = APIRouter(prefix="/api/v1/evidence", tags=["evidence"])

CheckpointSize = Annotated[int, Path(ge=1, lt=1 << 63)]
PEM_MEDIA_TYPE = "application/x-pem-file"
# A TimeStampReq is a hash and a few small fields: about a hundred bytes.
MAX_QUERY_SIZE = 16 * 1024
# A stored token and the bytes it stamps never change.
IMMUTABLE = "public, max-age=31536000, immutable"


class CheckpointTimestampOut(BaseModel):
    id: int
    tsa: str  # "builtin", or the URL of the external TSA
    gen_time: datetime
    url: str  # where the token (application/timestamp-reply) is downloaded


@router.get("/tsa-chain.pem", response_class=Response)
def tsa_chain(settings: Settings = Depends(get_settings)) -> Response:
    """The built-in TSA's certificate chain (PEM): the TSA certificate, then its root. The
    `-CAfile` of `openssl ts -verify`."""
    return Response(tsa.authority(settings).chain_pem(), media_type=PEM_MEDIA_TYPE)


@router.get("/checkpoints/{size}/timestamps", response_model=list[CheckpointTimestampOut])
def checkpoint_timestamps(
    size: CheckpointSize, session: Session = Depends(get_session)
) -> list[CheckpointTimestampOut]:
    """The RFC 3161 time-stamp tokens over the checkpoint of `size` entries."""
    _checkpoint(session, size)
    return [
        CheckpointTimestampOut(
            id=row.id,
            tsa=row.tsa,
            gen_time=row.gen_time,
            url=f"{router.prefix}/checkpoints/{size}/timestamps/{row.id}.tsr",
        )
        for row in timestamps.timestamps_of(session, size)
    ]


@router.get("/checkpoints/{size}/timestamps/{tsa_id}.tsr", response_class=Response)
def checkpoint_timestamp(
    size: CheckpointSize, tsa_id: RecordId, session: Session = Depends(get_session)
) -> Response:
    """One time-stamp token (a DER TimeStampResp) over the checkpoint's body."""
    row = session.get(CheckpointTimestamp, tsa_id)
    if row is None or row.checkpoint_size != size:
        raise not_found("timestamp")
    return Response(
        row.response,
        media_type=REPLY_MEDIA_TYPE,
        headers={
            "Cache-Control": IMMUTABLE,
            "Content-Disposition": f'attachment; filename="checkpoint-{size}-{tsa_id}.tsr"',
        },
    )


@router.get("/checkpoints/{size}/body", response_class=Response)
def checkpoint_body(size: CheckpointSize, session: Session = Depends(get_session)) -> Response:
    """The exact bytes the time-stamps are over: the checkpoint's note text without its
    signatures (`openssl ts -verify -data`)."""
    body = timestamps.checkpoint_body(_checkpoint(session, size))
    return Response(
        body, media_type="text/plain; charset=utf-8", headers={"Cache-Control": IMMUTABLE}
    )


def _checkpoint(session: Session, size: int) -> SignedCheckpoint:
    checkpoint = session.scalars(
        select(SignedCheckpoint).where(SignedCheckpoint.size == size)
    ).first()
    if checkpoint is None:
        raise not_found("checkpoint")
    return checkpoint


async def _query(request: Request) -> bytes:
    """The body of an RFC 3161 3.4 request: an application/timestamp-query, refused beyond
    what a TimeStampReq can need."""
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != QUERY_MEDIA_TYPE:
        raise Problem(
            415,
            "unsupported_media_type",
            N_("Send the time-stamp request as application/timestamp-query"),
        )
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_QUERY_SIZE:
            raise Problem(413, "request_too_large", N_("The request is too large"))
    return bytes(body)


@router.post(
    "/tsa",
    response_class=Response,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                QUERY_MEDIA_TYPE: {
                    "schema": {"type": "string", "format": "binary", "maxLength": MAX_QUERY_SIZE}
                }
            },
        }
    },
    responses={
        200: {
            "description": "A TimeStampResp: granted, or a rejection saying why (RFC 3161 2.4.2)",
            "content": {REPLY_MEDIA_TYPE: {}},
        },
        413: {"description": "The request body is too large"},
        415: {"description": "The body is not an application/timestamp-query"},
    },
)
def time_stamp(
    request: Request,
    principal: Principal = Depends(require()),
    query: bytes = Depends(_query),
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
) -> Response:
    """The built-in TSA (RFC 3161 3.4): a DER TimeStampReq in, a DER TimeStampResp out. Every
    token granted is audited with who asked for it."""
    reply = tsa.authority(settings).respond(query)
    if reply.serial_number is not None:
        audit.record(
            session,
            principal.actor(request_id(request)),
            "tsa.timestamp",
            "timestamp",
            reply.serial_number,
        )
        session.commit()
    return Response(reply.der, media_type=REPLY_MEDIA_TYPE)
