"""Receipts for the verifier's tests, made by the real log: entries appended with `log.append`,
a checkpoint signed with the platform's key by `log.publish`, the receipt by
`receipts.receipt_for`; and witness cosignatures made with `CosignatureSigner`."""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session

from ipprotect.evidence import entries, keys, log, note, receipts
from ipprotect.evidence.cosignature import CosignatureSigner
from ipprotect.evidence.receipt import parse_receipt
from ipprotect.settings import Settings

CONTENT = "侵权网页截图 2026-01-02".encode() * 50
RECEIVED_AT = datetime(2026, 1, 2, 3, 4, 5, 600000, tzinfo=UTC)
WITNESS_TIME = 1_767_323_045  # 2026-01-02T03:04:05Z


@dataclass(frozen=True)
class Deposited:
    receipt: str
    index: int
    content: bytes
    entry: bytes
    vkey: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def evidence_entry(
    content: bytes, *, title: str = "侵权网页截图", size: int | None = None
) -> bytes:
    return entries.evidence_entry(
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content) if size is None else size,
        media_type="image/png",
        account="rights-holder-1",
        uscc="91330106MA27XXXX1L",
        region_code="330106",
        metadata={"title": title, "source": "https://shop.example/item/1"},
        received_at=RECEIVED_AT,
    )


def deposit(
    db: Session, settings: Settings, content: bytes = CONTENT, *, entry: bytes | None = None
) -> Deposited:
    """Append a few entries around this deposit's, so its audit path has hashes, publish a
    checkpoint and return the deposit's receipt."""
    mine = entry if entry is not None else evidence_entry(content)
    before = [evidence_entry(b"before %d" % i) for i in range(5)]
    after = [evidence_entry(b"after %d" % i) for i in range(2)]
    indices = log.append(db, [*before, mine, *after])
    signer = keys.log_signer(settings)
    assert log.publish(db, signer, settings.log_origin) is not None
    index = indices[len(before)]
    receipt = receipts.receipt_for(db, index)
    assert receipt is not None
    return Deposited(receipt, index, content, mine, signer.verifier().to_text())


def witness(name: str = "witness.example/w") -> CosignatureSigner:
    return CosignatureSigner(name, Ed25519PrivateKey.generate(), WITNESS_TIME)


def cosigned(receipt: str, *witnesses: CosignatureSigner) -> str:
    """The receipt with each witness's cosignature line appended to its checkpoint note, as
    tlog-witness publishes them."""
    body = parse_receipt(receipt).checkpoint.to_text()
    return receipt + "".join(note.signature_for(body, w).line() for w in witnesses)
