"""Signed notes (c2sp.org/signed-note): Ed25519 signer and verifier keys in their text forms,
`sign` and `open`. Pure: no I/O and no key storage.

A note is a text ending in a newline, a blank line, then one line per signature:
`— <key name> base64(key ID (4 bytes) || signature)`. Checkpoints (`checkpoint.py`) are note
texts; witness cosignatures (`cosignature.py`) are note signatures of another type (0x04), so
`open` works with any `Verifier`, not only the Ed25519 one defined here.
"""

import base64
import binascii
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ipprotect.core.errors import FieldError
from ipprotect.web.i18n import N_

# §Signature types: the type byte that starts an Ed25519 key's encoding and its key ID input.
ED25519 = 0x01
# §Format: verifiers MUST accept at least 16 signatures and SHOULD cap them; 100 is the cap of
# the reference implementation (golang.org/x/mod/sumdb/note), so notes it accepts, we accept.
MAX_SIGNATURES = 100
SIGNATURE_PREFIX = "— "  # em dash U+2014, space (§Format)
_PRIVATE_PREFIX = "PRIVATE+KEY+"  # signer key text form of the reference implementation
_KEY_ID_HEX = re.compile(r"[0-9a-fA-F]{8}")


class NoteError(ValueError):
    """A note, key or checkpoint that cannot be trusted. `code` is stable, `message` is the msgid
    shown to people, `detail` is English for operators' logs."""

    def __init__(self, code: str, message: str, detail: str = "") -> None:
        super().__init__(f"{message}: {detail}" if detail else message)
        self.code = code
        self.message = message
        self.detail = detail

    def field_error(self, field: str) -> FieldError:
        return FieldError(field, self.code, self.message)


def malformed(detail: str) -> NoteError:
    return NoteError("note_malformed", N_("The signed note is malformed"), detail)


def bad_key(detail: str) -> NoteError:
    return NoteError("key_malformed", N_("The key is malformed"), detail)


def check_name(name: str) -> None:
    """§Format: key names are non-empty without Unicode spaces or `+`. Control characters are
    refused too, because a note may not contain them."""
    if not name or "+" in name or any(c.isspace() or c < " " for c in name):
        raise bad_key(f"invalid key name {name!r}")


def key_id(name: str, signature_type: int, public_key: bytes) -> bytes:
    """§Signatures: SHA-256(key name || 0x0A || signature type || public key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([signature_type]) + public_key).digest()[:4]


def b64decode(text: str) -> bytes:
    """Standard base64 (RFC 4648 §4), canonical only: padding required and unused bits zero
    (§3.5), so that one note has one encoding and any changed byte breaks it."""
    try:
        raw = base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise malformed(f"bad base64 {text!r}") from exc
    if base64.b64encode(raw).decode() != text:
        raise malformed(f"non-canonical base64 {text!r}")
    return raw


def b64encode(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def decode_verifier_key(vkey: str, signature_type: int) -> tuple[str, bytes]:
    """Parse `name+hex(key ID)+base64(type || public key)` into (name, 32-byte public key).
    Split on the first two `+` only: base64 itself may contain `+`. The key ID must match."""
    name, _, rest = vkey.partition("+")
    hex_id, _, encoded = rest.partition("+")
    check_name(name)
    if not _KEY_ID_HEX.fullmatch(hex_id):
        raise bad_key(f"key ID {hex_id!r} is not 8 hex digits")
    try:
        raw = b64decode(encoded)
    except NoteError as exc:
        raise bad_key(exc.detail) from exc
    if len(raw) != 33 or raw[0] != signature_type:
        raise bad_key(f"expected type {signature_type:#04x} and a 32-byte Ed25519 key")
    public_key = raw[1:]
    if key_id(name, signature_type, public_key) != bytes.fromhex(hex_id):
        raise bad_key(f"key ID {hex_id} does not match the name and key")
    return name, public_key


def encode_verifier_key(name: str, signature_type: int, public_key: bytes) -> str:
    check_name(name)
    kid = key_id(name, signature_type, public_key).hex()
    return f"{name}+{kid}+{b64encode(bytes([signature_type]) + public_key)}"


def raw_public_key(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes_raw()


class Verifier(Protocol):
    """Checks signatures of one key, identified by (name, key ID)."""

    @property
    def name(self) -> str: ...

    @property
    def key_id(self) -> bytes: ...

    def verify(self, text: bytes, signature: bytes) -> bool: ...


class Signer(Protocol):
    """Signs note texts with one key, identified by (name, key ID)."""

    @property
    def name(self) -> str: ...

    @property
    def key_id(self) -> bytes: ...

    def sign(self, text: bytes) -> bytes: ...


@dataclass(frozen=True, eq=False)
class Ed25519Verifier:
    """§Ed25519 signatures: RFC 8032 Ed25519 over the note text, key ID type byte 0x01."""

    name: str
    public_key: Ed25519PublicKey

    def __post_init__(self) -> None:
        check_name(self.name)

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, ED25519, raw_public_key(self.public_key))

    def verify(self, text: bytes, signature: bytes) -> bool:
        try:
            self.public_key.verify(signature, text)
        except InvalidSignature:
            return False
        return True

    def to_text(self) -> str:
        """The verifier key `name+hex(key ID)+base64(0x01 || public key)`."""
        return encode_verifier_key(self.name, ED25519, raw_public_key(self.public_key))


@dataclass(frozen=True, eq=False)
class Ed25519Signer:
    """An Ed25519 note signer: a key name and a private key."""

    name: str
    private_key: Ed25519PrivateKey

    def __post_init__(self) -> None:
        check_name(self.name)

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, ED25519, raw_public_key(self.private_key.public_key()))

    def sign(self, text: bytes) -> bytes:
        return self.private_key.sign(text)

    def verifier(self) -> Ed25519Verifier:
        return Ed25519Verifier(self.name, self.private_key.public_key())

    def to_text(self) -> str:
        """The signer key `PRIVATE+KEY+name+hex(key ID)+base64(0x01 || seed)`, as written by
        golang.org/x/mod/sumdb/note; the key ID is the one of the public key."""
        seed = b64encode(bytes([ED25519]) + self.private_key.private_bytes_raw())
        return f"{_PRIVATE_PREFIX}{self.name}+{self.key_id.hex()}+{seed}"


def parse_verifier_key(vkey: str) -> Ed25519Verifier:
    name, public_key = decode_verifier_key(vkey, ED25519)
    return Ed25519Verifier(name, Ed25519PublicKey.from_public_bytes(public_key))


def parse_signer_key(skey: str) -> Ed25519Signer:
    """Parse `PRIVATE+KEY+name+hex(key ID)+base64(0x01 || 32-byte seed)`; the key ID must be
    the one of the derived public key."""
    if not skey.startswith(_PRIVATE_PREFIX):
        raise bad_key("a signer key starts with PRIVATE+KEY+")
    name, _, rest = skey.removeprefix(_PRIVATE_PREFIX).partition("+")
    hex_id, _, encoded = rest.partition("+")
    check_name(name)
    if not _KEY_ID_HEX.fullmatch(hex_id):
        raise bad_key(f"key ID {hex_id!r} is not 8 hex digits")
    try:
        raw = b64decode(encoded)
    except NoteError as exc:
        raise bad_key(exc.detail) from exc
    if len(raw) != 33 or raw[0] != ED25519:
        raise bad_key("expected type 0x01 and a 32-byte Ed25519 seed")
    signer = Ed25519Signer(name, Ed25519PrivateKey.from_private_bytes(raw[1:]))
    if signer.key_id != bytes.fromhex(hex_id):
        raise bad_key(f"key ID {hex_id} does not match the name and key")
    return signer


@dataclass(frozen=True)
class Signature:
    """One signature line: the key's name and ID and the signature bytes after the key ID."""

    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        return f"{SIGNATURE_PREFIX}{self.name} {b64encode(self.key_id + self.signature)}\n"


def parse_signature_line(line: str) -> Signature:
    """§Signatures: `— <key name> base64(32-bit key ID || signature)`, without its newline."""
    if not line.startswith(SIGNATURE_PREFIX):
        raise malformed("a signature line starts with an em dash and a space")
    name, _, encoded = line.removeprefix(SIGNATURE_PREFIX).partition(" ")
    try:
        check_name(name)
    except NoteError as exc:
        raise malformed(exc.detail) from exc
    raw = b64decode(encoded)
    if len(raw) < 5:
        raise malformed("a signature holds a 4-byte key ID and at least one byte")
    return Signature(name, raw[:4], raw[4:])


def _check_characters(text: str) -> None:
    """§Format: no ASCII control characters other than newline."""
    if any(c < " " and c != "\n" for c in text):
        raise malformed("control character")


def signature_for(text: str, signer: Signer) -> Signature:
    """Sign a note text (ending in a newline) with one signer."""
    if not text.endswith("\n"):
        raise malformed("the text must end with a newline")
    _check_characters(text)
    check_name(signer.name)
    return Signature(signer.name, signer.key_id, signer.sign(text.encode()))


def sign(text: str, signers: Sequence[Signer]) -> bytes:
    """The signed note: the text, a blank line and one signature line per signer."""
    if not signers:
        raise malformed("a note needs at least one signature")
    lines = "".join(signature_for(text, signer).line() for signer in signers)
    return (text + "\n" + lines).encode()


# Named after the reference implementation's verb; this module never needs the builtin `open`.
def open(note: bytes, verifiers: Sequence[Verifier]) -> tuple[str, list[Signature]]:
    """Parse a signed note and check it against the trusted `verifiers` (§Format, §Signatures).

    Returns the text and the signatures that verified, one per key. Signatures by unknown keys
    (no verifier with both that name and that key ID) are ignored. A known key's signature
    that fails rejects the whole note; so does a note with no signature by a known key.
    """
    known: dict[tuple[str, bytes], Verifier] = {}
    for verifier in verifiers:
        if (verifier.name, verifier.key_id) in known:
            raise NoteError(
                "key_ambiguous",
                N_("Two trusted keys share the same name and key ID"),
                f"{verifier.name}+{verifier.key_id.hex()}",
            )
        known[(verifier.name, verifier.key_id)] = verifier
    try:
        decoded = note.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise malformed("not UTF-8") from exc
    _check_characters(decoded)
    # The text is separated from the signatures by the last empty line (§Format).
    split = decoded.rfind("\n\n")
    if split < 0:
        raise malformed("no blank line before the signatures")
    text, block = decoded[: split + 1], decoded[split + 2 :]
    if not block.endswith("\n"):
        raise malformed("the signature block must end with a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise malformed(f"more than {MAX_SIGNATURES} signatures")
    verified: dict[tuple[str, bytes], Signature] = {}
    for line in lines:
        signature = parse_signature_line(line)
        key = (signature.name, signature.key_id)
        if key not in known or key in verified:
            continue
        if not known[key].verify(text.encode(), signature.signature):
            raise NoteError(
                "note_signature_invalid",
                N_("A signature by a trusted key does not verify"),
                f"{signature.name}+{signature.key_id.hex()}",
            )
        verified[key] = signature
    if not verified:
        raise NoteError("note_unverified", N_("The note has no valid signature by a trusted key"))
    return text, list(verified.values())
