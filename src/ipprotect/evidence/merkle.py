"""RFC 6962 Merkle tree hashing, audit paths and consistency proofs (SHA-256), with the strict
verification algorithms of RFC 9162 sections 2.1.3.2 and 2.1.4.2.

Proofs are built from a `HashReader`: a function giving the hash of a complete subtree, so the
same code serves a list in memory and a tiled store (`tiles.TileHashReader`). Everything that
fails raises `InvalidLogData` with a stable code.
"""

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

from ipprotect.core.errors import FieldError
from ipprotect.web.i18n import N_

HASH_SIZE = 32
# RFC 6962 2.1: the hash of an empty list is the hash of an empty string.
EMPTY_ROOT = hashlib.sha256(b"").digest()

# (level, index) -> the hash of the complete subtree over leaves [index·2^level, (index+1)·2^level).
HashReader = Callable[[int, int], bytes]


class InvalidLogData(ValueError):  # noqa: N818 - bad input, reported like InvalidIdentifier
    """`code` is stable; `message` is the English msgid template, filled from `params`."""

    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(message.format(**params))
        self.code = code
        self.message = message
        self.params = params

    def field_error(self, field: str) -> FieldError:
        return FieldError(field, self.code, self.message, dict(self.params))


def check_hash(value: bytes) -> bytes:
    """A SHA-256 hash is 32 bytes; anything else is refused before it is compared or hashed."""
    if len(value) != HASH_SIZE:
        raise InvalidLogData(
            "hash_size", N_("A hash has 32 bytes, not {length}"), length=len(value)
        )
    return value


def leaf_hash(entry: bytes) -> bytes:
    """RFC 6962 2.1: MTH({d0}) = SHA-256(0x00 || d0)."""
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 6962 2.1: an interior node is SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """RFC 6962 2.1: k, the largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """RFC 6962 2.1 MTH(D[n]) of a list of leaf hashes.

    The tree is the perfect subtrees of the binary decomposition of n, largest first, folded
    from the right; a stack of (height, hash) builds them in one pass.
    """
    stack: list[tuple[int, bytes]] = []
    for leaf in leaf_hashes:
        height, value = 0, check_hash(leaf)
        while stack and stack[-1][0] == height:
            value = node_hash(stack.pop()[1], value)
            height += 1
        stack.append((height, value))
    if not stack:
        return EMPTY_ROOT
    value = stack[-1][1]
    for _height, left in reversed(stack[:-1]):
        value = node_hash(left, value)
    return value


def _mth(read: HashReader, start: int, end: int) -> bytes:
    """MTH(D[start:end]) for the ranges RFC 6962 2.1 recursion produces: a range whose size is a
    power of two is always aligned on it, so it is a complete subtree the reader knows."""
    size = end - start
    if size & (size - 1) == 0:
        level = size.bit_length() - 1
        return check_hash(read(level, start >> level))
    k = _split(size)
    return node_hash(_mth(read, start, start + k), _mth(read, start + k, end))


def tree_root(read: HashReader, size: int) -> bytes:
    """RFC 6962 2.1 MTH of the first `size` leaves."""
    if size < 0:
        raise _bad_size(size)
    return EMPTY_ROOT if size == 0 else _mth(read, 0, size)


def inclusion_proof(read: HashReader, index: int, size: int) -> list[bytes]:
    """RFC 6962 2.1.1 PATH(m, D[n]), leaf's sibling first:
    PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n]) if m < k, else PATH(m - k, D[k:n]) : MTH(D[0:k]).
    """
    _check_index(index, size)
    proof: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            proof.append(_mth(read, start + k, end))
            end = start + k
        else:
            proof.append(_mth(read, start, start + k))
            start += k
    proof.reverse()
    return proof


def consistency_proof(read: HashReader, size1: int, size2: int) -> list[bytes]:
    """RFC 6962 2.1.2 PROOF(m, D[n]) = SUBPROOF(m, D[n], true), where
    SUBPROOF(m, D[m], true) = {}, SUBPROOF(m, D[m], false) = {MTH(D[m])}, and for m < n
    SUBPROOF(m, D[n], b) = SUBPROOF(m, D[0:k], b) : MTH(D[k:n]) if m <= k,
    else SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k]).

    Equal sizes and the empty old tree take an empty proof (c2sp.org/tlog-witness: "an old size
    of 0 takes an empty proof").
    """
    _check_sizes(size1, size2)
    if size1 == 0:
        return []
    proof: list[bytes] = []
    start, end, whole = 0, size2, True
    while size1 != end:
        k = _split(end - start)
        if size1 <= start + k:
            proof.append(_mth(read, start + k, end))
            end = start + k
        else:
            proof.append(_mth(read, start, start + k))
            start += k
            whole = False
    if not whole:
        proof.append(_mth(read, start, end))
    proof.reverse()
    return proof


def inclusion_proof_size(index: int, size: int) -> int:
    """Hashes in PATH(index, D[size]): one per level where the path leaves the right edge
    (`inner`) plus one per left subtree met along the right edge (`border`)."""
    inner = (index ^ (size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


def consistency_proof_size(size1: int, size2: int) -> int:
    """Hashes in PROOF(size1, D[size2]) for 0 < size1 < size2, read off RFC 9162 2.1.4.2: the
    path is an audit path for node size1 - 1 above its trailing complete subtree, plus that
    subtree's hash unless it is the whole old tree (size1 a power of two)."""
    shift = (size1 & -size1).bit_length() - 1
    path = 1 + inclusion_proof_size((size1 - 1) >> shift, ((size2 - 1) >> shift) + 1)
    return path - 1 if size1 == 1 << shift else path


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root_hash: bytes
) -> None:
    """RFC 9162 2.1.3.2: verify that `leaf` (a leaf hash) is at `index` in the tree of `size`
    leaves whose root is `root_hash`. Raises `InvalidLogData`; returns nothing when it holds."""
    check_hash(leaf)
    check_hash(root_hash)
    for p in proof:
        check_hash(p)
    _check_index(index, size)
    _check_proof_size(len(proof), inclusion_proof_size(index, size))
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise _mismatch()
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or r != root_hash:
        raise _mismatch()


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """RFC 9162 2.1.4.2: verify that the tree of `size2` leaves with root `root2` extends the
    tree of `size1` leaves with root `root1`. Raises `InvalidLogData`."""
    check_hash(root1)
    check_hash(root2)
    for p in proof:
        check_hash(p)
    _check_sizes(size1, size2)
    if size1 == size2 or size1 == 0:
        # Nothing to prove: the proof is empty and the roots are what the sizes force.
        _check_proof_size(len(proof), 0)
        if size1 == 0 and root1 != EMPTY_ROOT:
            raise _mismatch()
        if size1 == size2 and root1 != root2:
            raise _mismatch()
        return
    _check_proof_size(len(proof), consistency_proof_size(size1, size2))
    path = list(proof)
    if size1 & (size1 - 1) == 0:
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise _mismatch()
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or fr != root1 or sr != root2:
        raise _mismatch()


def _check_index(index: int, size: int) -> None:
    if size < 0:
        raise _bad_size(size)
    if not 0 <= index < size:
        raise InvalidLogData(
            "leaf_index",
            N_("Entry {index} is not in a tree of {size} entries"),
            index=index,
            size=size,
        )


def _check_sizes(size1: int, size2: int) -> None:
    for size in (size1, size2):
        if size < 0:
            raise _bad_size(size)
    if size1 > size2:
        raise InvalidLogData(
            "tree_sizes",
            N_("The old tree ({size1} entries) is larger than the new one ({size2})"),
            size1=size1,
            size2=size2,
        )


def _check_proof_size(given: int, expected: int) -> None:
    if given != expected:
        raise InvalidLogData(
            "proof_size",
            N_("The proof has {given} hashes; it must have {expected}"),
            given=given,
            expected=expected,
        )


def _bad_size(size: int) -> InvalidLogData:
    return InvalidLogData("tree_size", N_("A tree size cannot be {size}"), size=size)


def _mismatch() -> InvalidLogData:
    return InvalidLogData("proof_mismatch", N_("The proof does not lead to the root hash"))
