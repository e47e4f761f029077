"""Public HTTP face of the transparency log, as C2SP specifies it: the latest checkpoint and the
tiles under /log/ (c2sp.org/tlog-tiles), and the log's verifier key. Anyone may read them, so no
login: an outside auditor needs nothing else to check the log."""

from fastapi import APIRouter, Depends
from fastapi.responses import PlainTextResponse, Response
from sqlalchemy.orm import Session

from ipprotect.core.deps import get_session, get_settings
from ipprotect.core.errors import not_found
from ipprotect.evidence import keys, log, receipts, tiles
from ipprotect.evidence.merkle import InvalidLogData
from ipprotect.settings import Settings

router = APIRouter(tags=["evidence"])

# tlog-tiles: a full tile never changes, so it may be cached forever; a partial tile's content
# never changes either, but clients move on to wider ones as the log grows.
FULL_TILE_CACHE = "public, max-age=31536000, immutable"
PARTIAL_TILE_CACHE = "public, max-age=60"


@router.get("/log/checkpoint", response_class=PlainTextResponse)
def checkpoint(session: Session = Depends(get_session)) -> PlainTextResponse:
    """The latest checkpoint the log signed (c2sp.org/tlog-checkpoint), as a signed note, with
    the cosignatures its witnesses returned (c2sp.org/tlog-witness)."""
    latest = log.latest_checkpoint(session)
    if latest is None:
        raise not_found("checkpoint")
    published = receipts.published_note(session, latest)
    return PlainTextResponse(published, headers={"Cache-Control": "no-cache"})


@router.get("/log/tile/{path:path}", response_class=Response)
def tile(path: str, session: Session = Depends(get_session)) -> Response:
    """A hash tile `<L>/<N>[.p/<W>]` or an entry bundle `entries/<N>[.p/<W>]` (c2sp.org/tlog-tiles),
    by its one canonical path."""
    try:
        wanted = tiles.parse_path(f"tile/{path}")
    except InvalidLogData as exc:
        raise not_found("tile") from exc
    data = log.tile_bytes(session, wanted)
    if data is None:
        raise not_found("tile")
    full = wanted.width == tiles.TILE_WIDTH
    return Response(
        data,
        media_type="application/octet-stream",
        headers={"Cache-Control": FULL_TILE_CACHE if full else PARTIAL_TILE_CACHE},
    )


@router.get("/api/v1/evidence/vkey", response_class=PlainTextResponse)
def vkey(settings: Settings = Depends(get_settings)) -> str:
    """The log's verifier key (c2sp.org/signed-note), to check its checkpoints."""
    return keys.log_signer(settings).verifier().to_text()
