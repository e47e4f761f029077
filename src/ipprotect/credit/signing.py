"""Signed answers of restriction checks: the calling system (a procurement, bidding, subsidy,
land or award system) keeps the answer and can prove later what it was told.

The answer is signed with Ed25519 (RFC 8032) over the exact bytes of its canonical JSON
(RFC 8785: `core.canonical`, the bytes of the `rfc8785` library that `evidence.entries` uses, by
the standard library's C encoder where that writes the same), so the same answer has one byte
form whatever the JSON library of the caller. The key is this instance's own, made on first use into
`data_dir/keys/credit-check.key` (mode 0600) by the evidence vault's key helpers, and published
at `GET /api/v1/credit/check-key`. A signed answer is the answer's fields plus `signature`
(standard base64) and `key_id` (hex SHA-256 of the raw public key): `verify` takes those two
off, encodes the rest and checks the signature, so one changed byte anywhere fails.
"""

import base64
import binascii
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ipprotect.core import canonical
from ipprotect.evidence import note
from ipprotect.evidence.keys import stored_signer
from ipprotect.settings import Settings

SIGNATURE_FIELDS = ("signature", "key_id")


class AnswerError(ValueError):
    """A signed answer or a key that cannot be read."""


def key_path(settings: Settings) -> Path:
    return settings.data_dir / "keys" / "credit-check.key"


def key_name(settings: Settings) -> str:
    """The key's name in its text forms: the host of the instance's log origin."""
    return f"{settings.log_origin.partition('/')[0]}/credit-check"


def key_id_of(public_key: Ed25519PublicKey) -> str:
    return hashlib.sha256(public_key.public_bytes_raw()).hexdigest()


@dataclass(frozen=True)
class AnswerSigner:
    signer: note.Ed25519Signer

    @property
    def key_id(self) -> str:
        return key_id_of(self.signer.private_key.public_key())

    def sign(self, answer: dict[str, Any]) -> dict[str, Any]:
        """The answer with its `key_id` and `signature` (over the RFC 8785 bytes of the answer
        without the signature, with the key id)."""
        body = {k: v for k, v in answer.items() if k not in SIGNATURE_FIELDS}
        body["key_id"] = self.key_id
        signature = self.signer.sign(canonical.dumps(body))
        return {**body, "signature": base64.b64encode(signature).decode()}

    def published(self) -> dict[str, str]:
        """What `GET /api/v1/credit/check-key` shows."""
        public = self.signer.private_key.public_key()
        return {
            "algorithm": "Ed25519",
            "key_id": self.key_id,
            "public_key": base64.b64encode(public.public_bytes_raw()).decode(),
            "verifier_key": self.signer.verifier().to_text(),
            "canonicalization": "RFC 8785",
        }


def answer_signer(settings: Settings) -> AnswerSigner:
    """This instance's signer; the key is made on first use."""
    return AnswerSigner(stored_signer(key_path(settings), key_name(settings)))


def public_key_from_text(text: str) -> Ed25519PublicKey:
    """A public key as published: the verifier key `name+hex+base64(0x01 || key)` or the raw
    32-byte key in base64."""
    text = text.strip()
    try:
        return note.parse_verifier_key(text).public_key
    except note.NoteError:
        pass
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError) as exc:
        raise AnswerError(f"not an Ed25519 public key: {text[:60]!r}") from exc


def verify(answer: dict[str, Any], public_key: Ed25519PublicKey) -> bool:
    """Was this answer signed by this key, byte for byte?"""
    signature, kid = answer.get("signature"), answer.get("key_id")
    if not isinstance(signature, str) or kid != key_id_of(public_key):
        return False
    try:
        raw = base64.b64decode(signature, validate=True)
    except binascii.Error:
        return False
    body = {k: v for k, v in answer.items() if k != "signature"}
    try:
        public_key.verify(raw, canonical.dumps(body))
    except InvalidSignature:
        return False
    return True
