"""The offline verifier: a receipt from the real log verifies with its file, and every kind of
tampering makes the right check fail with the right code, never an exception."""

import base64
import hashlib
import io
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from ipprotect.evidence import entries, keys, merkle, note, timestamps, tsa
from ipprotect.evidence.checkpoint import Checkpoint
from ipprotect.evidence.note import Ed25519Signer
from ipprotect.evidence.receipt import format_receipt, parse_receipt
from ipprotect.evidence.verify import (
    FILE,
    FORMAT,
    INCLUSION,
    SIGNATURE,
    TIME,
    WITNESSES,
    Report,
    Status,
    fact_rows,
    verify_receipt_text,
)
from ipprotect.settings import Settings
from tests.evidence.verify_receipts import (
    CONTENT,
    RECEIVED_AT,
    WITNESS_TIME,
    Deposited,
    cosigned,
    deposit,
    evidence_entry,
    witness,
)


@pytest.fixture
def deposited(db: Session, settings: Settings) -> Deposited:
    return deposit(db, settings)


def statuses(report: Report) -> dict[str, Status]:
    return {check.name: check.status for check in report.checks}


def failed(report: Report, name: str) -> str:
    """The code of the check `name`, which must have failed."""
    check = report.check(name)
    assert check.status is Status.FAILED, check
    assert not report.ok
    return check.code


def test_a_receipt_from_the_log_verifies_with_its_file_and_shows_what_it_states(
    deposited: Deposited, settings: Settings
) -> None:
    report = verify_receipt_text(
        deposited.receipt, vkey=deposited.vkey, file=io.BytesIO(deposited.content)
    )
    assert report.ok
    assert statuses(report) == {
        FORMAT: Status.PASSED,
        SIGNATURE: Status.PASSED,
        INCLUSION: Status.PASSED,
        FILE: Status.PASSED,
        WITNESSES: Status.SKIPPED,
        TIME: Status.SKIPPED,
    }
    facts = report.facts
    assert facts.origin == settings.log_origin
    assert facts.index == deposited.index
    assert facts.tree_size == deposited.index + 3
    assert facts.sha256 == facts.file_sha256 == deposited.sha256
    assert facts.size == facts.file_size == len(CONTENT)
    assert (facts.kind, facts.media_type, facts.title) == ("evidence", "image/png", "侵权网页截图")
    assert (facts.account, facts.uscc, facts.region) == (
        "rights-holder-1",
        "91330106MA27XXXX1L",
        "330106",
    )
    assert facts.received_at == RECEIVED_AT
    rows = dict(fact_rows(facts))
    assert rows["Received by the platform"] == "2026-01-02 11:04:05 (UTC+0800)"
    assert rows["Entry index"] == str(deposited.index)


def test_the_messages_read_in_chinese_and_in_english(deposited: Deposited) -> None:
    from ipprotect.web.i18n import catalog

    report = verify_receipt_text(deposited.receipt, vkey=deposited.vkey)
    inclusion = report.check(INCLUSION)
    zh = catalog("zh_CN")
    assert inclusion.text() == (
        f"Entry {deposited.index} is in the tree of {deposited.index + 3} entries the checkpoint "
        "commits to"
    )
    assert inclusion.text(lambda m: zh.get(m, m)).startswith(f"条目 {deposited.index} 在")


def test_a_receipt_given_as_bytes_verifies_too(deposited: Deposited) -> None:
    assert verify_receipt_text(deposited.receipt.encode(), vkey=deposited.vkey).ok


def test_another_key_of_the_same_name_does_not_verify_the_signature(
    deposited: Deposited, settings: Settings
) -> None:
    other = Ed25519Signer(settings.log_origin, Ed25519PrivateKey.generate()).verifier()
    report = verify_receipt_text(deposited.receipt, vkey=other.to_text())
    assert failed(report, SIGNATURE) == "note_unverified"
    assert report.check(INCLUSION).status is Status.PASSED


def test_a_malformed_key_fails_the_signature_check(deposited: Deposited) -> None:
    report = verify_receipt_text(deposited.receipt, vkey="not a key")
    assert failed(report, SIGNATURE) == "key_malformed"


def test_a_checkpoint_of_another_origin_signed_by_the_log_key_is_refused(
    deposited: Deposited, settings: Settings
) -> None:
    receipt = parse_receipt(deposited.receipt)
    tree = receipt.checkpoint
    text = Checkpoint("other.example/log", tree.size, tree.root_hash).to_text()
    signed = note.sign(text, [keys.log_signer(settings)]).decode()
    forged = format_receipt(receipt.index, list(receipt.proof), signed, receipt.extra)
    report = verify_receipt_text(forged, vkey=deposited.vkey)
    assert failed(report, SIGNATURE) == "origin_mismatch"
    assert report.check(INCLUSION).status is Status.PASSED


def _replace_line(receipt: str, prefix: str, line: str) -> str:
    lines = receipt.split("\n")
    position = next(i for i, text in enumerate(lines) if text.startswith(prefix))
    lines[position] = line
    return "\n".join(lines)


def test_a_flipped_byte_in_the_audit_path_fails_inclusion(deposited: Deposited) -> None:
    receipt = parse_receipt(deposited.receipt)
    first = bytearray(receipt.proof[0])
    first[0] ^= 0x01
    proof = [bytes(first), *receipt.proof[1:]]
    tampered = format_receipt(receipt.index, proof, receipt.note, receipt.extra)
    report = verify_receipt_text(tampered, vkey=deposited.vkey)
    assert failed(report, INCLUSION) == "proof_mismatch"
    assert report.check(SIGNATURE).status is Status.PASSED


def test_an_altered_entry_fails_inclusion_and_is_not_compared_with_the_file(
    deposited: Deposited,
) -> None:
    receipt = parse_receipt(deposited.receipt)
    altered = evidence_entry(b"another file")
    tampered = format_receipt(receipt.index, list(receipt.proof), receipt.note, altered)
    report = verify_receipt_text(tampered, vkey=deposited.vkey, file=io.BytesIO(b"another file"))
    assert failed(report, INCLUSION) == "proof_mismatch"
    # The file matches the altered entry, but the verdict stays: not verified.
    assert report.check(FILE).status is Status.PASSED
    assert not report.ok


def test_a_non_canonical_entry_is_refused(deposited: Deposited) -> None:
    receipt = parse_receipt(deposited.receipt)
    assert receipt.extra is not None
    spaced = receipt.extra.replace(b'","', b'", "', 1)
    tampered = format_receipt(receipt.index, list(receipt.proof), receipt.note, spaced)
    report = verify_receipt_text(tampered, vkey=deposited.vkey, file=io.BytesIO(CONTENT))
    assert failed(report, INCLUSION) == "entry_format"
    assert report.check(FILE).status is Status.SKIPPED


@pytest.mark.parametrize(
    "extra",
    [b"[" * 100_000 + b"]" * 100_000, b'{"a":' + b"1" * 5000 + b"}", b'{"a":1e999}', b"\xff"],
)
def test_entries_json_cannot_parse_or_canonicalise_fail_inclusion(
    deposited: Deposited, extra: bytes
) -> None:
    receipt = parse_receipt(deposited.receipt)
    tampered = format_receipt(receipt.index, list(receipt.proof), receipt.note, extra)
    assert failed(verify_receipt_text(tampered, vkey=deposited.vkey), INCLUSION) == "entry_format"


def test_a_receipt_without_its_entry_fails_inclusion(deposited: Deposited) -> None:
    receipt = parse_receipt(deposited.receipt)
    bare = format_receipt(receipt.index, list(receipt.proof), receipt.note)
    report = verify_receipt_text(bare, vkey=deposited.vkey, file=io.BytesIO(CONTENT))
    assert failed(report, INCLUSION) == "entry_missing"
    assert report.check(FILE).status is Status.SKIPPED


def test_the_receipt_of_another_index_fails_inclusion(deposited: Deposited) -> None:
    moved = _replace_line(deposited.receipt, "index ", f"index {deposited.index - 1}")
    report = verify_receipt_text(moved, vkey=deposited.vkey)
    assert failed(report, INCLUSION) == "proof_mismatch"


def test_an_index_beyond_the_tree_fails_inclusion(deposited: Deposited) -> None:
    moved = _replace_line(deposited.receipt, "index ", "index 100")
    assert failed(verify_receipt_text(moved, vkey=deposited.vkey), INCLUSION) == "leaf_index"


def test_another_file_fails_the_file_check_with_both_hashes(deposited: Deposited) -> None:
    report = verify_receipt_text(
        deposited.receipt, vkey=deposited.vkey, file=io.BytesIO(CONTENT + b".")
    )
    assert failed(report, FILE) == "file_hash_mismatch"
    check = report.check(FILE)
    assert check.params == {
        "actual": hashlib.sha256(CONTENT + b".").hexdigest(),
        "expected": deposited.sha256,
    }
    assert report.check(INCLUSION).status is Status.PASSED


def test_an_entry_recording_another_size_fails_the_file_check(
    db: Session, settings: Settings
) -> None:
    wrong_size = deposit(db, settings, entry=evidence_entry(CONTENT, size=len(CONTENT) + 1))
    report = verify_receipt_text(wrong_size.receipt, vkey=wrong_size.vkey, file=io.BytesIO(CONTENT))
    assert failed(report, FILE) == "file_size_mismatch"


def test_an_entry_without_a_file_cannot_match_one(db: Session, settings: Settings) -> None:
    audit = entries.encode({"version": 1, "kind": "audit", "action": "case.opened"})
    logged = deposit(db, settings, entry=audit)
    report = verify_receipt_text(logged.receipt, vkey=logged.vkey, file=io.BytesIO(CONTENT))
    assert report.check(INCLUSION).status is Status.PASSED
    assert failed(report, FILE) == "entry_without_file"


def test_the_file_is_hashed_a_chunk_at_a_time(deposited: Deposited) -> None:
    class Chunks(io.BytesIO):
        def __init__(self, data: bytes) -> None:
            super().__init__(data)
            self.reads: list[int | None] = []

        def read(self, size: int | None = -1, /) -> bytes:
            self.reads.append(size)
            return super().read(size)

    stream = Chunks(deposited.content)
    assert verify_receipt_text(deposited.receipt, vkey=deposited.vkey, file=stream).ok
    assert len(stream.reads) > 1
    assert all(size is not None and 0 < size <= 1 << 20 for size in stream.reads)


def test_a_truncated_receipt_fails_its_format_and_nothing_else_is_checked(
    deposited: Deposited,
) -> None:
    truncated = deposited.receipt[: len(deposited.receipt) // 2]
    report = verify_receipt_text(truncated, vkey=deposited.vkey, file=io.BytesIO(CONTENT))
    assert failed(report, FORMAT) in {"receipt_format", "note_malformed", "checkpoint_malformed"}
    assert {s for name, s in statuses(report).items() if name != FORMAT} == {Status.SKIPPED}


def test_a_receipt_cut_before_its_signatures_fails_its_signature(deposited: Deposited) -> None:
    body_only = deposited.receipt[: deposited.receipt.rindex("\n\n") + 2]
    report = verify_receipt_text(body_only, vkey=deposited.vkey)
    assert report.check(FORMAT).status is Status.PASSED
    assert failed(report, SIGNATURE) == "note_malformed"


@pytest.mark.parametrize(
    ("garbage", "code"),
    [
        (b"\xff\xfe\x00garbage", "receipt_encoding"),
        ("garbage", "receipt_format"),
        ("", "receipt_format"),
        ("c2sp.org/tlog-proof@v1\nindex 01\n\nx\n", "receipt_format"),
        ("x" * (1024 * 1024 + 1), "receipt_too_large"),
        ("\ud800", "receipt_encoding"),
    ],
)
def test_garbage_fails_the_format_check(garbage: str | bytes, code: str) -> None:
    report = verify_receipt_text(garbage, vkey="x")
    assert failed(report, FORMAT) == code


def test_a_witness_that_cosigned_meets_a_one_of_one_policy(deposited: Deposited) -> None:
    signer = witness()
    receipt = cosigned(deposited.receipt, signer)
    report = verify_receipt_text(
        receipt, vkey=deposited.vkey, witness_keys=[signer.verifier().to_text()]
    )
    assert report.ok
    check = report.check(WITNESSES)
    assert check.status is Status.PASSED
    assert check.params == {"count": 1, "total": 1, "quorum": 1}
    (cosigner,) = report.facts.witnesses
    assert cosigner.name == "witness.example/w"
    assert cosigner.at == datetime.fromtimestamp(WITNESS_TIME, UTC)


def test_a_witness_that_did_not_cosign_leaves_the_policy_unmet(deposited: Deposited) -> None:
    absent = witness("absent.example/w")
    receipt = cosigned(deposited.receipt, witness())
    report = verify_receipt_text(
        receipt, vkey=deposited.vkey, witness_keys=[absent.verifier().to_text()]
    )
    assert failed(report, WITNESSES) == "witness_quorum_unmet"
    assert report.facts.witnesses == ()
    assert report.check(SIGNATURE).status is Status.PASSED


def test_one_of_two_witnesses_meets_a_quorum_of_one_but_not_the_default_of_all(
    deposited: Deposited,
) -> None:
    present, absent = witness("present.example/w"), witness("absent.example/w")
    receipt = cosigned(deposited.receipt, present)
    both = [present.verifier().to_text(), absent.verifier().to_text()]
    assert verify_receipt_text(receipt, vkey=deposited.vkey, witness_keys=both, quorum=1).ok
    report = verify_receipt_text(receipt, vkey=deposited.vkey, witness_keys=both)
    assert failed(report, WITNESSES) == "witness_quorum_unmet"
    assert report.check(WITNESSES).params == {"count": 1, "total": 2, "quorum": 2}


def test_a_forged_cosignature_fails_the_witness_check(deposited: Deposited) -> None:
    signer = witness()
    receipt = cosigned(deposited.receipt, signer)
    line = receipt.rstrip("\n").rsplit("\n", 1)[1]
    name, encoded = line.removeprefix("— ").split(" ")
    raw = bytearray(base64.b64decode(encoded))
    raw[-1] ^= 0x01
    forged = receipt.replace(line, f"— {name} {base64.b64encode(bytes(raw)).decode()}")
    report = verify_receipt_text(
        forged, vkey=deposited.vkey, witness_keys=[signer.verifier().to_text()]
    )
    assert failed(report, WITNESSES) == "note_signature_invalid"
    assert report.check(SIGNATURE).status is Status.PASSED


@pytest.mark.parametrize(
    ("quorum", "key", "code"), [(2, None, "witness_policy_invalid"), (1, "bad", "key_malformed")]
)
def test_an_impossible_policy_or_a_bad_witness_key_fails_the_witness_check(
    deposited: Deposited, quorum: int, key: str | None, code: str
) -> None:
    signer = witness()
    keys_given = [key or signer.verifier().to_text()]
    report = verify_receipt_text(
        cosigned(deposited.receipt, signer),
        vkey=deposited.vkey,
        witness_keys=keys_given,
        quorum=quorum,
    )
    assert failed(report, WITNESSES) == code


def _stamped(db: Session, settings: Settings, deposited: Deposited) -> bytes:
    """The built-in TSA's token over the checkpoint of the receipt."""
    from ipprotect.evidence import log

    latest = log.latest_checkpoint(db)
    assert latest is not None
    (token,) = [t for t in timestamps.stamp_checkpoint(db, settings, latest) if t.tsa == "builtin"]
    return token.response


def test_a_token_of_the_builtin_tsa_over_the_checkpoint_dates_it(
    db: Session, settings: Settings, deposited: Deposited
) -> None:
    token = _stamped(db, settings, deposited)
    chain = tsa.authority(settings).chain_pem()
    report = verify_receipt_text(deposited.receipt, vkey=deposited.vkey, tsr=token, tsa_chain=chain)
    assert report.ok
    assert report.check(TIME).status is Status.PASSED
    assert report.facts.time is not None
    assert abs((datetime.now(UTC) - report.facts.time).total_seconds()) < 600
    assert report.facts.tsa == f"CN={settings.tsa_name}"


def test_a_token_over_another_checkpoint_fails_the_time_check(
    db: Session, settings: Settings, deposited: Deposited
) -> None:
    token = _stamped(db, settings, deposited)
    later = deposit(db, settings, b"a later deposit")
    chain = tsa.authority(settings).chain_pem()
    report = verify_receipt_text(later.receipt, vkey=later.vkey, tsr=token, tsa_chain=chain)
    assert failed(report, TIME) == "timestamp_imprint_mismatch"
    assert report.check(SIGNATURE).status is Status.PASSED


@pytest.mark.parametrize(
    ("tsr", "chain", "code"),
    [
        (b"garbage", True, "timestamp_malformed"),
        (b"x", False, "tsa_chain_missing"),
        (None, b"not a pem", "timestamp_roots_invalid"),
    ],
)
def test_a_bad_token_or_chain_fails_the_time_check(
    db: Session,
    settings: Settings,
    deposited: Deposited,
    tsr: bytes | None,
    chain: bool | bytes,
    code: str,
) -> None:
    token = tsr if tsr is not None else _stamped(db, settings, deposited)
    pem = tsa.authority(settings).chain_pem() if chain is True else chain or None
    report = verify_receipt_text(deposited.receipt, vkey=deposited.vkey, tsr=token, tsa_chain=pem)
    assert failed(report, TIME) == code


# A receipt made without the database, for property tests: three entries, index 2.
_SIGNER = Ed25519Signer("pure.example/log", Ed25519PrivateKey.generate())
_ENTRIES = [evidence_entry(b"zero"), evidence_entry(b"one"), evidence_entry(b"two")]
_LEAVES = [merkle.leaf_hash(e) for e in _ENTRIES]
_NOTE = note.sign(
    Checkpoint("pure.example/log", 3, merkle.root(_LEAVES)).to_text(), [_SIGNER]
).decode()
PURE = format_receipt(2, [merkle.node_hash(_LEAVES[0], _LEAVES[1])], _NOTE, _ENTRIES[2])
PURE_VKEY = _SIGNER.verifier().to_text()


def test_the_pure_receipt_verifies() -> None:
    assert verify_receipt_text(PURE, vkey=PURE_VKEY, file=io.BytesIO(b"two")).ok


@given(
    position=st.integers(min_value=0, max_value=len(PURE.encode()) - 1), byte=st.integers(0, 255)
)
def test_any_changed_byte_fails_verification_without_an_exception(position: int, byte: int) -> None:
    data = bytearray(PURE.encode())
    if data[position] == byte:
        byte ^= 0x01
    data[position] = byte
    assert not verify_receipt_text(bytes(data), vkey=PURE_VKEY).ok


@given(st.binary(max_size=2000) | st.text(max_size=2000))
def test_arbitrary_input_is_reported_never_raised(receipt: bytes | str) -> None:
    report = verify_receipt_text(
        receipt, vkey=PURE_VKEY, witness_keys=["x"], tsr=b"", tsa_chain=b""
    )
    assert not report.ok
