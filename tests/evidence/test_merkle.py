"""RFC 6962 / RFC 9162 Merkle trees: the transparency-dev vectors, strictness, and properties of
random trees."""

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ipprotect.evidence import merkle
from ipprotect.evidence.merkle import InvalidLogData
from tests.conftest import SHARED

VECTORS = SHARED / "testdata" / "tlog-vectors" / "testdata"

# The one vector we reject on purpose: its "roots" are 12 bytes. The reference verifier compares
# equal-size roots without looking at them; we refuse any hash that is not a SHA-256 value.
REJECTED_ON_PURPOSE = {"consistency/additional/sizes-are-equal-one-and-proof-is-empty.json"}


def _vectors(kind: str) -> list[Any]:
    return [
        pytest.param(path, id=str(path.relative_to(VECTORS / kind)))
        for path in sorted((VECTORS / kind).rglob("*.json"))
    ]


def _b64(values: list[str] | None) -> list[bytes]:
    return [base64.b64decode(v) for v in values or []]


@pytest.mark.parametrize("path", _vectors("inclusion"))
def test_inclusion_vector_is_accepted_or_rejected_as_the_reference_says(path: Path) -> None:
    v = json.loads(path.read_text())
    leaf, root = base64.b64decode(v["leafHash"]), base64.b64decode(v["root"])

    def verify() -> None:
        merkle.verify_inclusion(leaf, v["leafIdx"], v["treeSize"], _b64(v["proof"]), root)

    if v["wantErr"]:
        with pytest.raises(InvalidLogData):
            verify()
    else:
        verify()


@pytest.mark.parametrize("path", _vectors("consistency"))
def test_consistency_vector_is_accepted_or_rejected_as_the_reference_says(path: Path) -> None:
    v = json.loads(path.read_text())
    root1, root2 = base64.b64decode(v["root1"]), base64.b64decode(v["root2"])

    def verify() -> None:
        merkle.verify_consistency(v["size1"], v["size2"], _b64(v["proof"]), root1, root2)

    if v["wantErr"] or str(path.relative_to(VECTORS)) in REJECTED_ON_PURPOSE:
        with pytest.raises(InvalidLogData):
            verify()
    else:
        verify()


def test_the_vector_rejected_on_purpose_is_rejected_for_its_hash_size_only() -> None:
    (name,) = REJECTED_ON_PURPOSE
    v = json.loads((VECTORS / name).read_text())
    assert not v["wantErr"]
    with pytest.raises(InvalidLogData) as caught:
        merkle.verify_consistency(
            v["size1"], v["size2"], [], base64.b64decode(v["root1"]), base64.b64decode(v["root2"])
        )
    assert caught.value.code == "hash_size"
    merkle.verify_consistency(1, 1, [], bytes(32), bytes(32))


def test_hashes_are_domain_separated_as_rfc_6962_says() -> None:
    # The well-known SHA-256 of the empty string.
    empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert merkle.EMPTY_ROOT.hex() == empty
    assert merkle.root([]) == merkle.EMPTY_ROOT
    assert merkle.leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    a, b = merkle.leaf_hash(b"a"), merkle.leaf_hash(b"b")
    assert merkle.node_hash(a, b) == hashlib.sha256(b"\x01" + a + b).digest()


def test_a_tree_of_five_splits_at_four() -> None:
    leaves = [merkle.leaf_hash(bytes([i])) for i in range(5)]
    n = merkle.node_hash
    expected = n(n(n(leaves[0], leaves[1]), n(leaves[2], leaves[3])), leaves[4])
    assert merkle.root(leaves) == expected


def _reader(leaves: list[bytes]) -> merkle.HashReader:
    return lambda level, index: merkle.root(leaves[index << level : (index + 1) << level])


def _leaves(count: int) -> list[bytes]:
    return [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(count)]


def _flip(value: bytes, bit: int) -> bytes:
    flipped = bytearray(value)
    flipped[bit // 8] ^= 1 << (bit % 8)
    return bytes(flipped)


def test_proofs_have_the_sizes_rfc_9162_verification_consumes() -> None:
    for size2 in range(1, 40):
        leaves = _leaves(size2)
        read = _reader(leaves)
        for index in range(size2):
            proof = merkle.inclusion_proof(read, index, size2)
            assert len(proof) == merkle.inclusion_proof_size(index, size2)
        for size1 in range(1, size2):
            proof = merkle.consistency_proof(read, size1, size2)
            assert len(proof) == merkle.consistency_proof_size(size1, size2)


def test_the_tree_root_from_a_reader_is_the_root_of_the_list() -> None:
    for size in range(40):
        leaves = _leaves(size)
        assert merkle.tree_root(_reader(leaves), size) == merkle.root(leaves)


@pytest.mark.parametrize(
    ("index", "size"), [(0, 0), (3, 3), (-1, 3), (4, 3)], ids=["empty", "at", "negative", "past"]
)
def test_an_index_outside_the_tree_is_refused(index: int, size: int) -> None:
    with pytest.raises(InvalidLogData) as caught:
        merkle.verify_inclusion(bytes(32), index, size, [], bytes(32))
    assert caught.value.code == "leaf_index"
    with pytest.raises(InvalidLogData):
        merkle.inclusion_proof(_reader(_leaves(max(size, 0))), index, size)


def test_an_inclusion_proof_of_the_wrong_length_is_refused_before_hashing() -> None:
    leaves = _leaves(8)
    proof = merkle.inclusion_proof(_reader(leaves), 5, 8)
    root = merkle.root(leaves)
    for wrong in (proof[:-1], [*proof, proof[0]]):
        with pytest.raises(InvalidLogData) as caught:
            merkle.verify_inclusion(leaves[5], 5, 8, wrong, root)
        assert caught.value.code == "proof_size"


@pytest.mark.parametrize("length", [0, 31, 33])
def test_a_hash_that_is_not_32_bytes_is_refused(length: int) -> None:
    short = bytes(length)
    leaves = _leaves(2)
    root = merkle.root(leaves)
    attempts = [
        lambda: merkle.verify_inclusion(short, 0, 2, [leaves[1]], root),
        lambda: merkle.verify_inclusion(leaves[0], 0, 2, [short], root),
        lambda: merkle.verify_inclusion(leaves[0], 0, 2, [leaves[1]], short),
        lambda: merkle.verify_consistency(1, 2, [leaves[1]], short, root),
        lambda: merkle.verify_consistency(2, 2, [], short, short),
        lambda: merkle.root([short]),
    ]
    for attempt in attempts:
        with pytest.raises(InvalidLogData) as caught:
            attempt()
        assert caught.value.code == "hash_size"


def test_an_old_tree_larger_than_the_new_one_is_refused() -> None:
    leaves = _leaves(3)
    with pytest.raises(InvalidLogData) as caught:
        merkle.verify_consistency(3, 2, [], merkle.root(leaves), merkle.root(leaves[:2]))
    assert caught.value.code == "tree_sizes"
    with pytest.raises(InvalidLogData):
        merkle.consistency_proof(_reader(leaves), 3, 2)


def test_the_empty_tree_is_consistent_with_any_tree_by_an_empty_proof_only() -> None:
    leaves = _leaves(5)
    root = merkle.root(leaves)
    assert merkle.consistency_proof(_reader(leaves), 0, 5) == []
    merkle.verify_consistency(0, 5, [], merkle.EMPTY_ROOT, root)
    with pytest.raises(InvalidLogData) as caught:
        merkle.verify_consistency(0, 5, [root], merkle.EMPTY_ROOT, root)
    assert caught.value.code == "proof_size"
    with pytest.raises(InvalidLogData) as caught:
        merkle.verify_consistency(0, 5, [], root, root)
    assert caught.value.code == "proof_mismatch"


def test_equal_sizes_need_equal_roots_and_an_empty_proof() -> None:
    leaves = _leaves(4)
    root = merkle.root(leaves)
    assert merkle.consistency_proof(_reader(leaves), 4, 4) == []
    merkle.verify_consistency(4, 4, [], root, root)
    with pytest.raises(InvalidLogData):
        merkle.verify_consistency(4, 4, [], root, merkle.root(leaves[:3]))
    with pytest.raises(InvalidLogData):
        merkle.verify_consistency(4, 4, [root], root, root)


def test_a_consistency_proof_of_the_wrong_length_is_refused() -> None:
    leaves = _leaves(7)
    proof = merkle.consistency_proof(_reader(leaves), 3, 7)
    root1, root2 = merkle.root(leaves[:3]), merkle.root(leaves)
    for wrong in ([], proof[:-1], [*proof, proof[0]]):
        with pytest.raises(InvalidLogData) as caught:
            merkle.verify_consistency(3, 7, wrong, root1, root2)
        assert caught.value.code == "proof_size"


@given(st.data())
def test_every_inclusion_proof_verifies_and_any_flipped_bit_breaks_it(data: st.DataObject) -> None:
    size = data.draw(st.integers(1, 300), label="size")
    index = data.draw(st.integers(0, size - 1), label="index")
    leaves = _leaves(size)
    root = merkle.root(leaves)
    proof = merkle.inclusion_proof(_reader(leaves), index, size)
    merkle.verify_inclusion(leaves[index], index, size, proof, root)

    bit = data.draw(st.integers(0, 255), label="bit")
    with pytest.raises(InvalidLogData):
        merkle.verify_inclusion(_flip(leaves[index], bit), index, size, proof, root)
    with pytest.raises(InvalidLogData):
        merkle.verify_inclusion(leaves[index], index, size, proof, _flip(root, bit))
    if proof:
        at = data.draw(st.integers(0, len(proof) - 1), label="proof hash")
        broken = [*proof[:at], _flip(proof[at], bit), *proof[at + 1 :]]
        with pytest.raises(InvalidLogData):
            merkle.verify_inclusion(leaves[index], index, size, broken, root)


@given(st.data())
def test_every_consistency_proof_verifies_and_any_flipped_bit_breaks_it(
    data: st.DataObject,
) -> None:
    size2 = data.draw(st.integers(1, 300), label="size2")
    size1 = data.draw(st.integers(1, size2), label="size1")
    leaves = _leaves(size2)
    root1, root2 = merkle.root(leaves[:size1]), merkle.root(leaves)
    proof = merkle.consistency_proof(_reader(leaves), size1, size2)
    merkle.verify_consistency(size1, size2, proof, root1, root2)

    bit = data.draw(st.integers(0, 255), label="bit")
    with pytest.raises(InvalidLogData):
        merkle.verify_consistency(size1, size2, proof, _flip(root1, bit), root2)
    with pytest.raises(InvalidLogData):
        merkle.verify_consistency(size1, size2, proof, root1, _flip(root2, bit))
    if proof:
        at = data.draw(st.integers(0, len(proof) - 1), label="proof hash")
        broken = [*proof[:at], _flip(proof[at], bit), *proof[at + 1 :]]
        with pytest.raises(InvalidLogData):
            merkle.verify_consistency(size1, size2, broken, root1, root2)


@given(st.integers(2, 200), st.data())
def test_an_inclusion_proof_does_not_verify_at_another_index(
    size: int, data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, size - 1))
    other = data.draw(st.integers(0, size - 1).filter(lambda i: i != index))
    leaves = _leaves(size)
    proof = merkle.inclusion_proof(_reader(leaves), index, size)
    with pytest.raises(InvalidLogData):
        merkle.verify_inclusion(leaves[index], other, size, proof, merkle.root(leaves))
