"""Checkpoints (c2sp.org/tlog-checkpoint): strict parse and format, and every checkpoint of the
real Trillian Tessera test log verified with its key."""

import hashlib
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ipprotect.evidence import checkpoint, note
from ipprotect.evidence.checkpoint import Checkpoint
from ipprotect.evidence.note import Ed25519Signer, NoteError
from tests.conftest import SHARED

LOG_DIR = SHARED / "testdata" / "tessera-log" / "testdata" / "log"
TESSERA = json.loads((SHARED / "testdata" / "signed-note" / "vectors.json").read_text())[
    "tessera_test_log"
]
LOG_KEY = note.parse_verifier_key(TESSERA["vkey"])
CHECKPOINTS = sorted(LOG_DIR.glob("checkpoint*"))
ROOT = bytes(range(32))


def _size_of(path: Path) -> int:
    """`checkpoint.N` is the checkpoint at size N; `checkpoint` is the latest, all entries."""
    suffix = path.name.removeprefix("checkpoint").removeprefix(".")
    return int(suffix) if suffix else len(TESSERA["entries"])


def test_the_test_log_has_a_checkpoint_for_every_size_and_a_latest_one() -> None:
    assert len(CHECKPOINTS) == len(TESSERA["entries"]) + 2


@pytest.mark.parametrize("path", CHECKPOINTS, ids=lambda p: p.name)
def test_every_tessera_checkpoint_verifies_with_the_log_key(path: Path) -> None:
    parsed, signatures = checkpoint.open_checkpoint(path.read_bytes(), LOG_KEY)
    assert parsed.origin == LOG_KEY.name
    assert parsed.size == _size_of(path)
    assert [s.key_id for s in signatures] == [LOG_KEY.key_id]
    assert parsed.to_text() == path.read_text(encoding="utf-8").partition("\n\n")[0] + "\n"


@pytest.mark.parametrize("path", CHECKPOINTS, ids=lambda p: p.name)
def test_any_single_changed_byte_breaks_a_tessera_checkpoint(path: Path) -> None:
    original = path.read_bytes()
    survivors = []
    for i in range(len(original)):
        changed = bytearray(original)
        changed[i] ^= 0x01
        try:
            checkpoint.open_checkpoint(bytes(changed), LOG_KEY)
        except NoteError:
            continue
        survivors.append(i)
    assert survivors == []


def test_the_empty_and_one_entry_checkpoints_carry_the_rfc6962_roots() -> None:
    empty, _ = checkpoint.open_checkpoint((LOG_DIR / "checkpoint.0").read_bytes(), LOG_KEY)
    one, _ = checkpoint.open_checkpoint((LOG_DIR / "checkpoint.1").read_bytes(), LOG_KEY)
    assert empty.root_hash == hashlib.sha256(b"").digest()
    assert one.root_hash == hashlib.sha256(b"\x00" + TESSERA["entries"][0].encode()).digest()


def test_a_checkpoint_signed_only_by_another_key_is_refused() -> None:
    other = Ed25519Signer("example.com/other", Ed25519PrivateKey.generate())
    signed = note.sign(Checkpoint("example.com/log", 1, ROOT).to_text(), [other])
    with pytest.raises(NoteError) as caught:
        checkpoint.open_checkpoint(signed, LOG_KEY, [other.verifier()])
    assert caught.value.code == "checkpoint_unsigned"


def test_a_checkpoint_formats_and_parses_back_with_its_extension_lines() -> None:
    original = Checkpoint("example.com/log42", 20852163, ROOT, ("ext one", "ext two"))
    text = original.to_text()
    assert text.splitlines()[:2] == ["example.com/log42", "20852163"]
    assert checkpoint.parse(text) == original


def test_the_spec_example_parses() -> None:
    text = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    parsed = checkpoint.parse(text)
    assert (parsed.origin, parsed.size, len(parsed.root_hash)) == (
        "example.com/behind-the-sofa",
        20852163,
        32,
    )
    assert parsed.to_text() == text


GOOD_ROOT = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="


@pytest.mark.parametrize(
    "text",
    [
        f"example.com/log\n15\n{GOOD_ROOT}",  # no final newline
        "example.com/log\n15\n",  # two lines
        f"\n15\n{GOOD_ROOT}\n",  # empty origin
        f"example.com/log\n015\n{GOOD_ROOT}\n",  # leading zero
        f"example.com/log\n+15\n{GOOD_ROOT}\n",  # sign
        f"example.com/log\n-1\n{GOOD_ROOT}\n",  # negative
        f"example.com/log\n 15\n{GOOD_ROOT}\n",  # space
        f"example.com/log\n１５\n{GOOD_ROOT}\n",  # full-width digits
        f"example.com/log\n1_5\n{GOOD_ROOT}\n",  # Python digit grouping
        f"example.com/log\n{2**64}\n{GOOD_ROOT}\n",  # beyond uint64
        "example.com/log\n15\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==\n",  # 31-byte root
        "example.com/log\n15\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n",  # no padding
        "example.com/log\n15\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=\n",  # stray bits
        f"example.com/log\n15\n{GOOD_ROOT}\n\next\n",  # empty extension line
    ],
)
def test_malformed_checkpoint_texts_are_refused(text: str) -> None:
    with pytest.raises(NoteError) as caught:
        checkpoint.parse(text)
    assert caught.value.code == "checkpoint_malformed"


@pytest.mark.parametrize(
    ("origin", "size", "root", "extensions"),
    [
        ("", 1, ROOT, ()),
        ("a\nb", 1, ROOT, ()),
        ("example.com/log", -1, ROOT, ()),
        ("example.com/log", 1, ROOT[:31], ()),
        ("example.com/log", 1, ROOT, ("",)),
    ],
)
def test_a_checkpoint_cannot_be_built_from_bad_fields(
    origin: str, size: int, root: bytes, extensions: tuple[str, ...]
) -> None:
    with pytest.raises(NoteError):
        Checkpoint(origin, size, root, extensions)
