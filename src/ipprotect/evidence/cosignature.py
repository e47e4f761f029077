"""Witness cosignatures (c2sp.org/tlog-cosignature, Ed25519 `cosignature/v1`) and the k-of-n
witness policy a checkpoint must meet. Pure, no I/O.

A cosignature is a note signature (signature type 0x04) on a checkpoint. Its payload is
key ID (4) || timestamp (8, big-endian) || Ed25519 signature (64), and it signs
`cosignature/v1\\ntime <unix>\\n` followed by the checkpoint's note text. The key ID commits to
type 0x04, so a witness key never collides with the same key used as a plain note key (0x01).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ipprotect.evidence import note
from ipprotect.evidence.note import NoteError, Signature
from ipprotect.web.i18n import N_

# signed-note §Signature types: 0x04, timestamped Ed25519 witness cosignatures.
COSIGNATURE_V1 = 0x04
_MAX_TIMESTAMP = 2**63 - 1  # §Format: the timestamp MUST NOT exceed 2^63 - 1
_PAYLOAD_SIZE = 8 + 64  # timestamped_signature: u64 timestamp || ed25519_signature[64]


def cosigned_message(text: bytes, timestamp: int) -> bytes:
    """§Ed25519 signed message: header line, time line (decimal, no leading zeroes), then the
    checkpoint's whole note text."""
    return b"cosignature/v1\ntime %d\n" % timestamp + text


def _check_timestamp(timestamp: int) -> None:
    if not 0 <= timestamp <= _MAX_TIMESTAMP:
        raise NoteError(
            "cosignature_time_invalid",
            N_("The cosignature time is out of range"),
            f"{timestamp} is not between 0 and 2^63 - 1",
        )


@dataclass(frozen=True, eq=False)
class CosignatureVerifier:
    """A witness's public key under its name, checking v1 cosignatures."""

    name: str
    public_key: Ed25519PublicKey

    def __post_init__(self) -> None:
        note.check_name(self.name)

    @property
    def key_id(self) -> bytes:
        return note.key_id(self.name, COSIGNATURE_V1, note.raw_public_key(self.public_key))

    def verify(self, text: bytes, signature: bytes) -> bool:
        if len(signature) != _PAYLOAD_SIZE:
            return False
        timestamp = int.from_bytes(signature[:8], "big")
        if timestamp > _MAX_TIMESTAMP:
            return False
        try:
            self.public_key.verify(signature[8:], cosigned_message(text, timestamp))
        except InvalidSignature:
            return False
        return True

    def to_text(self) -> str:
        """The vkey `name+hex(key ID)+base64(0x04 || public key)` (§Format)."""
        return note.encode_verifier_key(
            self.name, COSIGNATURE_V1, note.raw_public_key(self.public_key)
        )


@dataclass(frozen=True, eq=False)
class CosignatureSigner:
    """A witness's key signing one cosignature at `timestamp` (POSIX seconds)."""

    name: str
    private_key: Ed25519PrivateKey
    timestamp: int

    def __post_init__(self) -> None:
        note.check_name(self.name)
        _check_timestamp(self.timestamp)

    @property
    def key_id(self) -> bytes:
        public_key = note.raw_public_key(self.private_key.public_key())
        return note.key_id(self.name, COSIGNATURE_V1, public_key)

    def sign(self, text: bytes) -> bytes:
        signature = self.private_key.sign(cosigned_message(text, self.timestamp))
        return self.timestamp.to_bytes(8, "big") + signature

    def verifier(self) -> CosignatureVerifier:
        return CosignatureVerifier(self.name, self.private_key.public_key())


def parse_witness_key(vkey: str) -> CosignatureVerifier:
    """Parse a witness vkey with signature type 0x04 (§Format)."""
    name, public_key = note.decode_verifier_key(vkey, COSIGNATURE_V1)
    return CosignatureVerifier(name, Ed25519PublicKey.from_public_bytes(public_key))


def timestamp_of(signature: Signature) -> int:
    """The time a cosignature states it was made (its first 8 payload bytes, big-endian)."""
    if len(signature.signature) != _PAYLOAD_SIZE:
        raise note.malformed("a v1 cosignature holds a timestamp and a 64-byte signature")
    return int.from_bytes(signature.signature[:8], "big")


@dataclass(frozen=True, eq=False)
class WitnessPolicy:
    """A checkpoint is trusted once `threshold` of the named `witnesses` have cosigned it."""

    witnesses: tuple[CosignatureVerifier, ...]
    threshold: int

    def __post_init__(self) -> None:
        if not 1 <= self.threshold <= len(self.witnesses):
            raise NoteError(
                "witness_policy_invalid",
                N_("A witness policy needs between one and all of its witnesses"),
                f"{self.threshold} of {len(self.witnesses)}",
            )

    def satisfied_by(self, signatures: Iterable[Signature]) -> bool:
        """`signatures` are the verified ones `note.open` returned with these witnesses among
        its verifiers; each witness counts once."""
        wanted = {(w.name, w.key_id) for w in self.witnesses}
        seen = {(s.name, s.key_id) for s in signatures}
        return len(wanted & seen) >= self.threshold
