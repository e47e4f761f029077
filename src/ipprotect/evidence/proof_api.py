"""Proofs as JSON, for clients that do not read tiles themselves: the RFC 6962 inclusion proof of
an entry and the consistency proof between two tree sizes, both against trees the log signed.
Hashes are standard base64, as in checkpoints and receipts. Public, like the tiles."""

from base64 import b64encode
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy.orm import Session

from ipprotect.core.deps import get_session
from ipprotect.core.errors import FieldError, Problem, invalid
from ipprotect.evidence import log, merkle, tiles
from ipprotect.evidence.merkle import InvalidLogData
from ipprotect.web.i18n import N_

router = APIRouter(prefix="/api/v1/evidence/proofs", tags=["evidence"])

TreeSize = Annotated[int, Query(ge=0, lt=1 << 63)]


class InclusionProof(BaseModel):
    index: int
    tree_size: int
    leaf_hash: str
    root_hash: str
    proof: list[str]


class ConsistencyProof(BaseModel):
    size1: int
    size2: int
    root1: str
    root2: str
    proof: list[str]


@router.get("/inclusion", response_model=InclusionProof)
def inclusion(
    index: TreeSize,
    tree_size: Annotated[int | None, Query(ge=1, lt=1 << 63)] = None,
    session: Session = Depends(get_session),
) -> InclusionProof:
    """The audit path of entry `index` in the tree of `tree_size` entries (default: the latest
    signed checkpoint)."""
    size = _signed_size(session, tree_size, "tree_size")
    if index >= size:
        raise invalid(
            [
                FieldError(
                    "index",
                    "index_out_of_range",
                    N_("The tree of {size} entries has no entry {index}"),
                    {"size": size, "index": index},
                )
            ]
        )
    read = _reader(session, size)
    try:
        proof = log.inclusion_proof(session, index, size)
    except InvalidLogData as exc:
        raise invalid([exc.field_error("index")]) from exc
    return InclusionProof(
        index=index,
        tree_size=size,
        leaf_hash=_b64(read(0, index)),
        root_hash=_b64(merkle.tree_root(read, size)),
        proof=[_b64(p) for p in proof],
    )


@router.get("/consistency", response_model=ConsistencyProof)
def consistency(
    size1: Annotated[int, Query(ge=1, lt=1 << 63)],
    size2: Annotated[int | None, Query(ge=1, lt=1 << 63)] = None,
    session: Session = Depends(get_session),
) -> ConsistencyProof:
    """The proof that the tree of `size2` entries (default: the latest signed checkpoint)
    extends the tree of `size1` entries."""
    later = _signed_size(session, size2, "size2")
    if size1 > later:
        raise invalid(
            [
                FieldError(
                    "size1",
                    "size_order",
                    N_("size1 must not be larger than size2 ({size})"),
                    {"size": later},
                )
            ]
        )
    proof = log.consistency_proof(session, size1, later)
    return ConsistencyProof(
        size1=size1,
        size2=later,
        root1=_b64(merkle.tree_root(_reader(session, size1), size1)),
        root2=_b64(merkle.tree_root(_reader(session, later), later)),
        proof=[_b64(p) for p in proof],
    )


def _signed_size(session: Session, size: int | None, field: str) -> int:
    """A tree size some signed checkpoint covers: proofs are only worth checking against a
    root the log signed."""
    latest = log.latest_checkpoint(session)
    if latest is None:
        raise Problem(404, "no_checkpoint", N_("The log has not signed a checkpoint yet"))
    if size is None:
        return latest.size
    if size > latest.size:
        raise invalid(
            [
                FieldError(
                    field,
                    "tree_size_unsigned",
                    N_("The latest signed checkpoint has {size} entries"),
                    {"size": latest.size},
                )
            ]
        )
    return size


def _reader(session: Session, size: int) -> tiles.TileHashReader:
    return tiles.TileHashReader(log.read_tile(session), size)


def _b64(value: bytes) -> str:
    return b64encode(value).decode("ascii")
