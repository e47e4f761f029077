"""Signed notes (c2sp.org/signed-note) against the shared vectors and the spec's rules."""

import base64
import hashlib
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ipprotect.evidence import note
from ipprotect.evidence.note import Ed25519Signer, NoteError
from tests.conftest import SHARED

VECTORS: dict[str, Any] = json.loads(
    (SHARED / "testdata" / "signed-note" / "vectors.json").read_text(encoding="utf-8")
)
# The signer key of the PeterNeumann vector, from the documentation of the reference
# implementation (golang.org/x/mod/sumdb/note); Ed25519 is deterministic, so signing the
# vector's text with it must reproduce the vector's signature line byte for byte.
GO_SIGNER_KEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER_KEY = VECTORS["vectors"][0]["vkey"].split("+", 2)[2]  # base64(0x01 || public key)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _swap_first_byte(encoded: str, first: int) -> str:
    return _b64(bytes([first]) + base64.b64decode(encoded)[1:])


def _vector_id(vector: dict[str, Any]) -> str:
    return f"{vector['vkey'].split('+')[0]}-{'valid' if vector['valid'] else 'invalid'}"


def _signed_note(vector: dict[str, Any]) -> bytes:
    return f"{vector['text']}\n{vector['signature_line']}\n".encode()


def _signer(name: str = "example.com/log") -> Ed25519Signer:
    return Ed25519Signer(name, Ed25519PrivateKey.generate())


SIGNER = _signer()
LINE = note.signature_for("text\n", SIGNER).line()
B64 = LINE.split(" ")[2].strip()


@pytest.mark.parametrize("vector", VECTORS["vectors"], ids=_vector_id)
def test_every_shared_vector_opens_exactly_when_it_is_valid(vector: dict[str, Any]) -> None:
    verifier = note.parse_verifier_key(vector["vkey"])
    if vector["valid"]:
        text, signatures = note.open(_signed_note(vector), [verifier])
        assert text == vector["text"]
        assert [s.line() for s in signatures] == [vector["signature_line"] + "\n"]
    else:
        with pytest.raises(NoteError) as caught:
            note.open(_signed_note(vector), [verifier])
        assert caught.value.code == "note_signature_invalid"


@pytest.mark.parametrize("vector", VECTORS["vectors"], ids=_vector_id)
def test_every_shared_verifier_key_formats_back_to_its_text(vector: dict[str, Any]) -> None:
    assert note.parse_verifier_key(vector["vkey"]).to_text() == vector["vkey"]


def test_the_reference_signer_key_reproduces_the_reference_signature() -> None:
    vector = VECTORS["vectors"][0]
    signer = note.parse_signer_key(GO_SIGNER_KEY)
    assert signer.verifier().to_text() == vector["vkey"]
    assert signer.to_text() == GO_SIGNER_KEY
    assert note.sign(vector["text"], [signer]) == _signed_note(vector)


def test_the_key_id_is_the_first_four_bytes_of_sha256_of_name_newline_type_and_key() -> None:
    signer = _signer("example.com/a")
    public = signer.private_key.public_key().public_bytes_raw()
    expected = hashlib.sha256(b"example.com/a\n\x01" + public).digest()[:4]
    assert signer.key_id == expected
    assert signer.verifier().to_text().split("+")[1] == expected.hex()


def test_a_verifier_key_whose_base64_contains_plus_is_split_on_the_first_two_plus_only() -> None:
    vkey = VECTORS["tessera_test_log"]["vkey"]
    assert vkey.count("+") > 2
    assert note.parse_verifier_key(vkey).name == "example.com/log/testdata"


def test_signer_keys_round_trip_through_their_text() -> None:
    signer = _signer()
    again = note.parse_signer_key(signer.to_text())
    assert again.key_id == signer.key_id
    assert again.verifier().to_text() == signer.verifier().to_text()


@pytest.mark.parametrize(
    "vkey",
    [
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # wrong key ID
        "PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # 7 hex digits
        "PeterNeumann+0xc74f20+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # hex prefix
        f"PeterNeumann+c74f20a3+{_swap_first_byte(PETER_KEY, 0x02)}",  # type 0x02
        f"PeterNeumann+c74f20a3+{_b64(base64.b64decode(PETER_KEY)[:32])}",  # 31-byte key
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW===",  # bad base64
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # space in name
        "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # empty name
        "PeterNeumann+c74f20a3",  # no key
    ],
)
def test_malformed_verifier_keys_are_refused(vkey: str) -> None:
    with pytest.raises(NoteError) as caught:
        note.parse_verifier_key(vkey)
    assert caught.value.code == "key_malformed"


@pytest.mark.parametrize(
    "skey",
    [
        GO_SIGNER_KEY.removeprefix("PRIVATE+"),  # no PRIVATE+KEY+ prefix
        GO_SIGNER_KEY.replace("c74f20a3", "c74f20a4"),  # key ID of another public key
        GO_SIGNER_KEY.replace("+AYEK", "+AoEK"),  # type byte 0x02 (AoEK decodes to 02 81 0a)
        GO_SIGNER_KEY.replace("PeterNeumann", "Peter+Neumann"),  # plus in the name
    ],
)
def test_malformed_signer_keys_are_refused(skey: str) -> None:
    with pytest.raises(NoteError) as caught:
        note.parse_signer_key(skey)
    assert caught.value.code == "key_malformed"


@pytest.mark.parametrize("name", ["", "a b", "a+b", "a\u3000b", "a\tb"])
def test_key_names_are_non_empty_without_spaces_or_plus(name: str) -> None:
    with pytest.raises(NoteError):
        _signer(name)


def test_a_note_signed_by_several_keys_opens_with_any_one_of_them() -> None:
    first, second = _signer("example.com/one"), _signer("example.com/two")
    text = "line one\n\nline three after an empty line\n"
    signed = note.sign(text, [first, second])
    opened, signatures = note.open(signed, [second.verifier()])
    assert opened == text
    assert [(s.name, s.key_id) for s in signatures] == [(second.name, second.key_id)]


def test_sixteen_signatures_by_trusted_keys_all_verify() -> None:
    signers = [_signer(f"example.com/{i}") for i in range(16)]
    signed = note.sign("sixteen\n", signers)
    _, signatures = note.open(signed, [s.verifier() for s in signers])
    assert len(signatures) == 16


def test_more_signatures_than_the_limit_make_the_note_malformed() -> None:
    signer = _signer()
    signed = note.sign("many\n", [signer])
    unknown = _signer("example.com/other")
    extra = note.signature_for("many\n", unknown).line().encode() * note.MAX_SIGNATURES
    with pytest.raises(NoteError) as caught:
        note.open(signed + extra, [signer.verifier()])
    assert caught.value.code == "note_malformed"


def test_signatures_by_unknown_keys_are_ignored_even_with_a_known_name() -> None:
    trusted = _signer("example.com/log")
    impostor = _signer("example.com/log")  # same name, another key, so another key ID
    signed = note.sign("text\n", [impostor, trusted])
    _, signatures = note.open(signed, [trusted.verifier()])
    assert [s.key_id for s in signatures] == [trusted.key_id]


def test_a_note_signed_only_by_unknown_keys_is_refused() -> None:
    signed = note.sign("text\n", [_signer()])
    with pytest.raises(NoteError) as caught:
        note.open(signed, [_signer().verifier()])
    assert caught.value.code == "note_unverified"


def test_a_bad_signature_by_a_known_key_rejects_the_whole_note() -> None:
    trusted, other = _signer(), _signer("example.com/other")
    good = note.sign("text\n", [other])
    forged = note.Signature(trusted.name, trusted.key_id, bytes(64)).line().encode()
    with pytest.raises(NoteError) as caught:
        note.open(good + forged, [trusted.verifier(), other.verifier()])
    assert caught.value.code == "note_signature_invalid"


def test_a_repeated_signature_counts_once() -> None:
    signer = _signer()
    signed = note.sign("text\n", [signer, signer])
    _, signatures = note.open(signed, [signer.verifier()])
    assert len(signatures) == 1


def test_two_trusted_keys_with_the_same_name_and_id_are_ambiguous() -> None:
    signer = _signer()
    with pytest.raises(NoteError) as caught:
        note.open(note.sign("text\n", [signer]), [signer.verifier(), signer.verifier()])
    assert caught.value.code == "key_ambiguous"


MALFORMED = [
    (("text\n" + LINE).encode(), "no blank line"),
    (("text\n\n" + LINE.rstrip("\n")).encode(), "no final newline"),
    (b"text\n\n", "no signature lines"),
    (b"te\xffxt\n\n" + LINE.encode(), "not UTF-8"),
    (("te\txt\n\n" + LINE).encode(), "a tab in the text"),
    (("text\r\n\n" + LINE).encode(), "a carriage return"),
    (("text\n\n- " + LINE[2:]).encode(), "a hyphen instead of the em dash"),
    (("text\n\n—" + LINE[2:]).encode(), "no space after the em dash"),
    (("text\n\n— " + SIGNER.name + " " + B64 + "!\n").encode(), "bad base64"),
    (("text\n\n— " + SIGNER.name + " " + B64.rstrip("=") + "\n").encode(), "no padding"),
    (("text\n\n—  " + B64 + "\n").encode(), "an empty key name"),
    (("text\n\n— a+b " + B64 + "\n").encode(), "a plus in the key name"),
    (("text\n\n— " + SIGNER.name + " AAAAAA==\n").encode(), "a 4-byte signature"),
    (("text\n\n— " + SIGNER.name + "\n").encode(), "no signature"),
    (("text\n\n" + LINE + "\n").encode(), "a blank line after the signatures"),
]


@pytest.mark.parametrize("raw", [pytest.param(raw, id=why) for raw, why in MALFORMED])
def test_malformed_notes_are_refused(raw: bytes) -> None:
    with pytest.raises(NoteError) as caught:
        note.open(raw, [SIGNER.verifier()])
    assert caught.value.code == "note_malformed"


def test_non_canonical_base64_in_a_signature_is_refused() -> None:
    # The last character before "=" carries two unused bits; flipping them keeps the bytes.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    last = B64.rstrip("=")[-1]
    sloppy = B64.rstrip("=")[:-1] + alphabet[alphabet.index(last) ^ 1] + "="
    assert base64.b64decode(sloppy) == base64.b64decode(B64)
    with pytest.raises(NoteError) as caught:
        note.open(("text\n\n— " + SIGNER.name + " " + sloppy + "\n").encode(), [SIGNER.verifier()])
    assert caught.value.code == "note_malformed"


@pytest.mark.parametrize("text", ["no final newline", "a\tb\n", ""])
def test_only_newline_terminated_text_without_control_characters_is_signed(text: str) -> None:
    with pytest.raises(NoteError):
        note.sign(text, [SIGNER])


def test_a_note_error_becomes_a_field_error_with_its_stable_code() -> None:
    with pytest.raises(NoteError) as caught:
        note.open(b"garbage", [SIGNER.verifier()])
    field_error = caught.value.field_error("checkpoint")
    assert (field_error.field, field_error.code) == ("checkpoint", "note_malformed")
