"""c2sp.org/tlog-proof@v1 receipts: format, strict parse, and inclusion checked against the
checkpoints of a real log written by Trillian Tessera."""

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ipprotect.evidence import merkle, receipt, tiles
from ipprotect.evidence.merkle import InvalidLogData
from ipprotect.evidence.note import NoteError
from ipprotect.evidence.tiles import TileHashReader
from tests.conftest import SHARED

LOG = SHARED / "testdata" / "tessera-log" / "testdata" / "log"


def read_log(path: str) -> bytes:
    return (LOG / path).read_bytes()


def note_of(size: int) -> str:
    return (LOG / f"checkpoint.{size}").read_text()


def entries_of(size: int) -> list[bytes]:
    (bundle,) = tiles.bundles_for_size(size)
    return tiles.decode_bundle(read_log(bundle.path), bundle.width)


def receipt_text(index: int, size: int, extra: bytes | None = None) -> str:
    proof = merkle.inclusion_proof(TileHashReader(read_log, size), index, size)
    return receipt.format_receipt(index, proof, note_of(size), extra)


def test_a_receipt_is_the_header_the_index_the_path_a_blank_line_and_the_checkpoint() -> None:
    proof = merkle.inclusion_proof(TileHashReader(read_log, 5), 4, 5)
    text = receipt.format_receipt(4, proof, note_of(5), extra=b"hello")
    lines = text.split("\n")
    assert lines[:3] == ["c2sp.org/tlog-proof@v1", "extra aGVsbG8=", "index 4"]
    assert lines[3 : 3 + len(proof)] == [base64.b64encode(p).decode() for p in proof]
    assert text.endswith("\n\n" + note_of(5))
    assert "extra" not in receipt.format_receipt(4, proof, note_of(5))


@pytest.mark.parametrize("size", range(1, 16))
def test_every_tessera_entry_gets_a_receipt_that_verifies_offline(size: int) -> None:
    entries = entries_of(size)
    for index, entry in enumerate(entries):
        parsed = receipt.parse_receipt(receipt_text(index, size))
        assert parsed.index == index
        assert parsed.note == note_of(size)
        assert parsed.checkpoint.size == size
        assert parsed.extra is None
        receipt.verify_receipt(parsed, entry=entry)
        receipt.verify_receipt(parsed, leaf=merkle.leaf_hash(entry))
        other = entries[(index + 1) % size]
        if other != entry:
            with pytest.raises(InvalidLogData):
                receipt.verify_receipt(parsed, entry=other)


def test_a_receipt_does_not_verify_for_another_index_or_checkpoint() -> None:
    entry = entries_of(7)[3]
    text = receipt_text(3, 7)
    with pytest.raises(InvalidLogData):
        receipt.verify_receipt(
            receipt.parse_receipt(text.replace("index 3", "index 2")), entry=entry
        )
    moved = text.replace(note_of(7), note_of(8))
    with pytest.raises(InvalidLogData):
        receipt.verify_receipt(receipt.parse_receipt(moved), entry=entry)


@given(st.binary(max_size=100), st.integers(0, 14))
def test_extra_data_survives_the_round_trip(extra: bytes, index: int) -> None:
    parsed = receipt.parse_receipt(receipt_text(index, 15, extra))
    assert parsed.extra == extra
    assert receipt.format_receipt(index, list(parsed.proof), parsed.note, extra) == receipt_text(
        index, 15, extra
    )


def test_verifying_needs_exactly_one_of_the_entry_and_its_leaf_hash() -> None:
    parsed = receipt.parse_receipt(receipt_text(0, 1))
    with pytest.raises(TypeError):
        receipt.verify_receipt(parsed)
    with pytest.raises(TypeError):
        receipt.verify_receipt(parsed, entry=b"one", leaf=merkle.leaf_hash(b"one"))


GOOD = receipt_text(2, 5, b"x")
HASH = GOOD.split("\n")[3]


@pytest.mark.parametrize(
    ("broken", "code"),
    [
        (GOOD.replace("c2sp.org/tlog-proof@v1", "c2sp.org/tlog-proof@v2"), "receipt_format"),
        (GOOD.removeprefix("c2sp.org/tlog-proof@v1\n"), "receipt_format"),
        (GOOD.replace("index 2", "index 02"), "receipt_format"),
        (GOOD.replace("index 2", "index -2"), "receipt_format"),
        (GOOD.replace("index 2", "index  2"), "receipt_format"),
        (GOOD.replace("index 2", "index 18446744073709551616"), "receipt_format"),
        (GOOD.replace("index 2\n", ""), "receipt_format"),
        (GOOD.replace("extra eA==", "extra eA"), "receipt_format"),  # padding is required
        (GOOD.replace("extra eA==", "extra eB=="), "receipt_format"),  # stray bits
        (GOOD.replace("extra eA==\nindex 2", "index 2\nextra eA=="), "receipt_format"),
        (GOOD.replace(HASH, HASH + " "), "receipt_format"),
        (GOOD.replace(HASH, base64.b64encode(bytes(31)).decode()), "hash_size"),
        (GOOD.replace("\n", "\r\n"), "receipt_format"),
        (GOOD.split("\n\n")[0], "receipt_format"),
        (GOOD.replace(HASH, "\n".join([HASH] * 65)), "receipt_format"),
        ("", "receipt_format"),
    ],
)
def test_a_malformed_receipt_is_refused_with_a_stable_code(broken: str, code: str) -> None:
    with pytest.raises(InvalidLogData) as caught:
        receipt.parse_receipt(broken)
    assert caught.value.code == code


def test_a_receipt_whose_checkpoint_body_is_malformed_is_refused() -> None:
    with pytest.raises(NoteError):
        receipt.parse_receipt(GOOD.replace("\n5\n", "\n05\n"))


def test_an_index_that_is_not_a_uint64_cannot_be_formatted() -> None:
    with pytest.raises(InvalidLogData):
        receipt.format_receipt(-1, [], note_of(1))
