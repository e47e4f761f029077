"""Witness cosignatures (c2sp.org/tlog-cosignature, Ed25519 v1) and the k-of-n witness policy."""

import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ipprotect.evidence import checkpoint, cosignature, note
from ipprotect.evidence.checkpoint import Checkpoint
from ipprotect.evidence.cosignature import CosignatureSigner, WitnessPolicy
from ipprotect.evidence.note import Ed25519Signer, NoteError

LOG = Ed25519Signer("example.com/log", Ed25519PrivateKey.generate())
WITNESS_KEY = Ed25519PrivateKey.generate()
WITNESS = "witness.example.com/w1"
TIME = 1679315147
BODY = Checkpoint("example.com/log", 20852163, bytes(range(32))).to_text()
OTHER_BODY = Checkpoint("example.com/log", 20852164, bytes(range(32))).to_text()


def _witness(key: Ed25519PrivateKey = WITNESS_KEY, timestamp: int = TIME) -> CosignatureSigner:
    return CosignatureSigner(WITNESS, key, timestamp)


def _cosigned(body: str, *witnesses: CosignatureSigner) -> bytes:
    return note.sign(body, [LOG, *witnesses])


def test_a_cosignature_made_here_verifies_and_states_its_time() -> None:
    witness = _witness()
    parsed, signatures = checkpoint.open_checkpoint(
        _cosigned(BODY, witness), LOG.verifier(), [witness.verifier()]
    )
    assert parsed.size == 20852163
    cosig = next(s for s in signatures if s.name == WITNESS)
    assert cosignature.timestamp_of(cosig) == TIME


def test_the_signed_message_is_the_v1_header_the_time_line_and_the_checkpoint_body() -> None:
    signature = note.signature_for(BODY, _witness())
    assert signature.signature[:8] == TIME.to_bytes(8, "big")
    message = b"cosignature/v1\ntime 1679315147\n" + BODY.encode()
    WITNESS_KEY.public_key().verify(signature.signature[8:], message)  # raises if wrong


def test_the_witness_key_id_uses_signature_type_4_not_the_note_type_1() -> None:
    public = WITNESS_KEY.public_key().public_bytes_raw()
    expected = hashlib.sha256(WITNESS.encode() + b"\n\x04" + public).digest()[:4]
    assert _witness().key_id == expected
    assert Ed25519Signer(WITNESS, WITNESS_KEY).key_id != expected


def test_a_cosignature_over_a_different_checkpoint_fails() -> None:
    witness = _witness()
    moved = note.signature_for(BODY, witness).line().encode()
    signed_other = note.sign(OTHER_BODY, [LOG])
    with pytest.raises(NoteError) as caught:
        checkpoint.open_checkpoint(signed_other + moved, LOG.verifier(), [witness.verifier()])
    assert caught.value.code == "note_signature_invalid"


def test_a_cosignature_whose_time_was_changed_fails() -> None:
    witness = _witness()
    genuine = note.signature_for(BODY, witness)
    retimed = note.Signature(
        genuine.name, genuine.key_id, (TIME + 1).to_bytes(8, "big") + genuine.signature[8:]
    )
    signed = note.sign(BODY, [LOG]) + retimed.line().encode()
    with pytest.raises(NoteError):
        note.open(signed, [LOG.verifier(), witness.verifier()])


def test_a_cosignature_does_not_verify_as_a_plain_note_signature_of_the_same_key() -> None:
    signed = _cosigned(BODY, _witness())
    with pytest.raises(NoteError) as caught:
        note.open(signed, [Ed25519Signer(WITNESS, WITNESS_KEY).verifier()])
    assert caught.value.code == "note_unverified"


def test_the_spec_example_cosignature_states_its_time() -> None:
    line = (
        "— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dl"
        "rDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA=="
    )
    assert cosignature.timestamp_of(note.parse_signature_line(line)) == 1679315147


def test_witness_keys_round_trip_through_their_text_with_type_4() -> None:
    verifier = _witness().verifier()
    text = verifier.to_text()
    assert text.split("+")[1] == verifier.key_id.hex()
    assert cosignature.parse_witness_key(text).key_id == verifier.key_id


def test_a_plain_note_key_is_not_a_witness_key() -> None:
    plain = Ed25519Signer(WITNESS, WITNESS_KEY).verifier().to_text()
    with pytest.raises(NoteError) as caught:
        cosignature.parse_witness_key(plain)
    assert caught.value.code == "key_malformed"


@pytest.mark.parametrize("timestamp", [-1, 2**63])
def test_a_cosignature_time_outside_0_to_2_to_the_63_minus_1_is_refused(timestamp: int) -> None:
    with pytest.raises(NoteError) as caught:
        _witness(timestamp=timestamp)
    assert caught.value.code == "cosignature_time_invalid"


def test_a_payload_with_a_time_beyond_2_to_the_63_minus_1_does_not_verify() -> None:
    witness = _witness()
    payload = (2**63).to_bytes(8, "big") + WITNESS_KEY.sign(
        b"cosignature/v1\ntime %d\n" % 2**63 + BODY.encode()
    )
    assert not witness.verifier().verify(BODY.encode(), payload)


def test_a_one_of_one_policy_is_met_by_its_witness() -> None:
    witness = _witness()
    policy = WitnessPolicy((witness.verifier(),), 1)
    _, signatures = checkpoint.open_checkpoint(
        _cosigned(BODY, witness), LOG.verifier(), policy.witnesses
    )
    assert policy.satisfied_by(signatures)


def test_a_one_of_one_policy_is_not_met_by_another_key_under_the_same_name() -> None:
    policy = WitnessPolicy((_witness().verifier(),), 1)
    stranger = _witness(key=Ed25519PrivateKey.generate())
    _, signatures = checkpoint.open_checkpoint(
        _cosigned(BODY, stranger), LOG.verifier(), policy.witnesses
    )
    assert not policy.satisfied_by(signatures)


def test_a_two_of_three_policy_needs_two_distinct_witnesses() -> None:
    witnesses = [
        CosignatureSigner(f"witness.example.com/w{i}", Ed25519PrivateKey.generate(), TIME)
        for i in range(3)
    ]
    policy = WitnessPolicy(tuple(w.verifier() for w in witnesses), 2)
    _, one = note.open(_cosigned(BODY, witnesses[0], witnesses[0]), policy.witnesses)
    _, two = note.open(_cosigned(BODY, witnesses[0], witnesses[2]), policy.witnesses)
    assert not policy.satisfied_by(one)
    assert policy.satisfied_by(two)


@pytest.mark.parametrize("threshold", [0, 2])
def test_a_policy_threshold_is_between_one_and_the_number_of_witnesses(threshold: int) -> None:
    with pytest.raises(NoteError) as caught:
        WitnessPolicy((_witness().verifier(),), threshold)
    assert caught.value.code == "witness_policy_invalid"
