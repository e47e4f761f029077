"""Trusted time over the log's checkpoints (RFC 3161): asking for tokens, storing them, and the
offline check of a token.

`stamp_checkpoint` has a signed checkpoint time-stamped by the built-in TSA (`tsa.py`, stored
with tsa = "builtin") and, when `settings.tsa_url` is set, by that external TSA too (stored
with tsa = its URL). What is stamped is the checkpoint's body: the note text before the
signatures, `Checkpoint(origin, size, root).to_text()`, exactly those bytes, as served by
`/api/v1/evidence/checkpoints/{size}/body`. Anyone can then check a token with
`openssl ts -verify -data body -in token.tsr -CAfile chain.pem`.

A failing external TSA (down, answering garbage, a token that does not verify) never costs the
built-in token: that one is stored first (flushed), then `ExternalTimestampError` is raised. The
caller (the publication pipeline) commits, then logs the error. Calling `stamp_checkpoint` again
for the same checkpoint asks only the TSAs whose token is still missing.

`verify_token` checks a token offline against trusted certificates (PEM): the response was
granted; rfc3161-client verifies the signature and the certificate chain at the token's genTime
(a TSA certificate that expired since still vouches for older tokens) and the critical
time-stamping key usage; then the token may carry only certificates of its signer's chain
(the certificate set is not signed, so anything else was slipped in), the signingCertificate
attribute must name the certificate that signed (RFC 3161 2.4.1, RFC 5816), and the imprint must
be the hash of the data.
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from asn1crypto import core
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from rfc3161_client import (
    HashAlgorithm,
    TimeStampRequest,
    TimestampRequestBuilder,
    TimeStampResponse,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from ipprotect.core import audit
from ipprotect.core.errors import FieldError
from ipprotect.evidence import checkpoint as checkpoints
from ipprotect.evidence import tsa
from ipprotect.evidence.models import CheckpointTimestamp, SignedCheckpoint
from ipprotect.evidence.note import NoteError
from ipprotect.settings import Settings
from ipprotect.web.i18n import N_

BUILTIN = "builtin"
QUERY_MEDIA_TYPE = "application/timestamp-query"  # RFC 3161 3.4
REPLY_MEDIA_TYPE = "application/timestamp-reply"
EXTERNAL_TIMEOUT_SECONDS = 10.0
MAX_REPLY_SIZE = 1024 * 1024  # a token is a few KiB; a TSA sending more is broken
# What `cryptography` raises on a certificate it cannot parse.
_CERTIFICATE_ERRORS = (ValueError, KeyError, x509.InvalidVersion, x509.DuplicateExtension)
# RFC 5754 OIDs of the imprint algorithms a token may use.
_HASHES = {
    "2.16.840.1.101.3.4.2.1": "sha256",
    "2.16.840.1.101.3.4.2.2": "sha384",
    "2.16.840.1.101.3.4.2.3": "sha512",
}


class TimestampError(ValueError):
    """A time-stamp that cannot be had or trusted. `code` is stable; `message` is the English
    msgid template, filled from `params`."""

    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(message.format(**params))
        self.code = code
        self.message = message
        self.params = params

    def field_error(self, field: str) -> FieldError:
        return FieldError(field, self.code, self.message, dict(self.params))


class ExternalTimestampError(TimestampError):
    """The external TSA `url` failed (the code and message say how). The built-in token was
    stored all the same: `stored` holds the checkpoint's tokens, flushed, for the caller to
    commit."""

    def __init__(self, url: str, cause: TimestampError, stored: list[CheckpointTimestamp]) -> None:
        super().__init__(cause.code, cause.message, **cause.params)
        self.url = url
        self.stored = stored

    def __str__(self) -> str:
        return f"external TSA {self.url}: {super().__str__()}"


@dataclass(frozen=True)
class TokenInfo:
    """What a verified token says: when (UTC, aware), who (the subject of the certificate that
    signed it, RFC 4514), its serial number, its policy OID and its imprint's hash algorithm."""

    gen_time: datetime
    tsa_name: str
    serial_number: int
    policy: str
    hash_algorithm: str


def checkpoint_body(checkpoint: SignedCheckpoint) -> bytes:
    """The stamped bytes: the checkpoint's note text before its signatures (c2sp.org/
    signed-note: the text ends at the last blank line), checked against the stored size and
    root."""
    text = checkpoint.note[: checkpoint.note.rfind("\n\n") + 1]
    try:
        parsed = checkpoints.parse(text)
    except NoteError as exc:
        raise _note_mismatch(checkpoint.size) from exc
    if parsed.size != checkpoint.size or parsed.root_hash != checkpoint.root_hash:
        raise _note_mismatch(checkpoint.size)
    return text.encode()


def _note_mismatch(size: int) -> TimestampError:
    return TimestampError(
        "checkpoint_note_mismatch",
        N_("The stored note of checkpoint {size} does not state its size and root hash"),
        size=size,
    )


def timestamps_of(session: Session, size: int) -> list[CheckpointTimestamp]:
    """The tokens over the checkpoint of `size` entries, oldest first."""
    return list(
        session.scalars(
            select(CheckpointTimestamp)
            .where(CheckpointTimestamp.checkpoint_size == size)
            .order_by(CheckpointTimestamp.id)
        )
    )


def stamp_checkpoint(
    session: Session, settings: Settings, checkpoint: SignedCheckpoint
) -> list[CheckpointTimestamp]:
    """Have the checkpoint time-stamped by every configured TSA that has not done so yet, store
    the verified tokens with an audit event each, and return all its tokens. Flushes; the caller
    commits. Raises `ExternalTimestampError` after storing the built-in token when the external
    TSA fails."""
    body = checkpoint_body(checkpoint)
    have = {row.tsa for row in timestamps_of(session, checkpoint.size)}
    tokens: list[tuple[str, bytes, TokenInfo]] = []
    failure = None
    # The external TSA is asked first, before anything is written: no lock is held while the
    # network answers.
    if settings.tsa_url and settings.tsa_url not in have:
        try:
            tokens.append((settings.tsa_url, *_ask_external(settings, body)))
        except TimestampError as exc:
            failure = exc
    if BUILTIN not in have:
        authority = tsa.authority(settings)
        request = _request(body)
        reply = authority.respond(request.as_bytes())
        info = _verify(reply.der, body, authority.chain_pem(), request.nonce)
        tokens.append((BUILTIN, reply.der, info))
    for name, response, info in tokens:
        session.add(
            CheckpointTimestamp(
                checkpoint_size=checkpoint.size, tsa=name, response=response, gen_time=info.gen_time
            )
        )
        audit.record(
            session,
            audit.SYSTEM,
            "log.timestamp",
            "checkpoint",
            checkpoint.size,
            after={
                "tsa": name,
                "serial_number": str(info.serial_number),
                "gen_time": info.gen_time.isoformat(),
            },
        )
    session.flush()
    stored = timestamps_of(session, checkpoint.size)
    if failure is not None:
        raise ExternalTimestampError(settings.tsa_url, failure, stored)
    return stored


def _request(data: bytes) -> TimeStampRequest:
    """A SHA-256 request with a random nonce that asks for the TSA's certificate."""
    return TimestampRequestBuilder().data(data).hash_algorithm(HashAlgorithm.SHA256).build()


def _ask_external(settings: Settings, body: bytes) -> tuple[bytes, TokenInfo]:
    """POST a time-stamp query to `settings.tsa_url` (RFC 3161 3.4) and verify the reply against
    the roots in `settings.tsa_chain`, our imprint and our nonce."""
    if settings.tsa_chain is None:
        raise TimestampError(
            "tsa_chain_missing",
            N_("No certificate chain is configured for the external time-stamping authority"),
        )
    try:
        roots = settings.tsa_chain.read_bytes()
    except OSError as exc:
        raise TimestampError(
            "tsa_chain_unreadable",
            N_("The certificate chain of the external time-stamping authority cannot be read"),
        ) from exc
    request = _request(body)
    try:
        with httpx.stream(
            "POST",
            settings.tsa_url,
            content=request.as_bytes(),
            headers={"Content-Type": QUERY_MEDIA_TYPE, "Accept": REPLY_MEDIA_TYPE},
            timeout=EXTERNAL_TIMEOUT_SECONDS,
        ) as answer:
            if answer.status_code != 200:
                raise TimestampError(
                    "tsa_http_status",
                    N_("The time-stamping authority answered HTTP status {status}"),
                    status=answer.status_code,
                )
            response = bytearray()
            for chunk in answer.iter_bytes():
                response += chunk
                if len(response) > MAX_REPLY_SIZE:
                    raise _malformed()
    except httpx.HTTPError as exc:
        raise TimestampError(
            "tsa_unreachable", N_("The time-stamping authority cannot be reached")
        ) from exc
    return bytes(response), _verify(bytes(response), body, roots, request.nonce)


def verify_token(response: bytes, data: bytes, roots_pem: bytes) -> TokenInfo:
    """Check an RFC 3161 TimeStampResp (DER) over `data` against the trusted certificates in
    `roots_pem` (the root, and intermediates if the token lacks them); offline. Raises
    `TimestampError` when it is not granted, malformed, badly signed, chained to no trusted root,
    or not over `data`."""
    return _verify(response, data, roots_pem, None)


def _verify(response: bytes, data: bytes, roots_pem: bytes, nonce: int | None) -> TokenInfo:
    trusted = _trusted(roots_pem)
    token = _read(response)
    try:
        parsed = decode_timestamp_response(response)
        embedded = [_certificate(der) for der in parsed.signed_data.certificates]
    except _CERTIFICATE_ERRORS as exc:
        raise _malformed() from exc
    signer = _signer(parsed, [*embedded, *trusted])
    _check_signature(parsed, signer, embedded, trusted)
    _check_only_chain(embedded, signer, [*embedded, *trusted])
    _check_signing_certificate(token.signing_certificate, signer)
    imprint = parsed.tst_info.message_imprint
    algorithm = _HASHES.get(imprint.hash_algorithm.dotted_string)
    if algorithm is None:
        raise TimestampError(
            "timestamp_hash_unsupported",
            N_("The time-stamp uses an unsupported hash algorithm {algorithm}"),
            algorithm=imprint.hash_algorithm.dotted_string,
        )
    if not hmac.compare_digest(hashlib.new(algorithm, data).digest(), imprint.message):
        raise TimestampError(
            "timestamp_imprint_mismatch", N_("The time-stamp is not over these data")
        )
    if nonce is not None and parsed.tst_info.nonce != nonce:
        raise TimestampError(
            "timestamp_nonce_mismatch", N_("The time-stamp does not answer our request (nonce)")
        )
    return TokenInfo(
        gen_time=token.gen_time,
        tsa_name=signer.subject.rfc4514_string(),
        serial_number=token.serial_number,
        policy=token.policy,
        hash_algorithm=algorithm,
    )


def _certificate(der: bytes) -> x509.Certificate:
    """A certificate of the token, every part the checks read parsed now: `cryptography` parses
    names and extensions lazily, and a broken one would otherwise fail deep inside a check."""
    certificate = x509.load_der_x509_certificate(der)
    certificate.issuer, certificate.subject, certificate.extensions  # noqa: B018
    return certificate


def _malformed() -> TimestampError:
    return TimestampError("timestamp_malformed", N_("The time-stamp response is malformed"))


def _invalid_signature() -> TimestampError:
    return TimestampError(
        "timestamp_signature_invalid",
        N_("The time-stamp's signature or certificate chain does not verify"),
    )


def _trusted(roots_pem: bytes) -> list[x509.Certificate]:
    """The trusted certificates, once each; at least one of them a root (self-signed)."""
    try:
        certificates = x509.load_pem_x509_certificates(roots_pem)
    except ValueError as exc:
        raise _roots_invalid() from exc
    unique = list(dict.fromkeys(certificates))
    if not any(_self_signed(c) for c in unique):
        raise _roots_invalid()
    return unique


def _roots_invalid() -> TimestampError:
    return TimestampError(
        "timestamp_roots_invalid",
        N_("The trusted certificates are not PEM certificates up to a root"),
    )


def _self_signed(certificate: x509.Certificate) -> bool:
    return certificate.subject == certificate.issuer


@dataclass(frozen=True)
class _Token:
    """What is read from a granted response with asn1crypto (rfc3161-client does not expose
    the signed attributes, and drops genTime's fraction of a second)."""

    signing_certificate: tuple[str, bytes] | None  # (hash algorithm, hash) of the ESSCertID
    gen_time: datetime
    serial_number: int
    policy: str


def _read(response: bytes) -> _Token:
    try:
        parsed = tsa.TimeStampResp.load(response, strict=True)
        status = parsed["status"]["status"].native
    except tsa.ASN1_ERRORS as exc:
        raise _malformed() from exc
    if status != "granted":
        raise TimestampError(
            "timestamp_not_granted",
            N_("The time-stamping authority did not grant the time-stamp ({status})"),
            status=status,
        )
    try:
        return _read_token(parsed["time_stamp_token"])
    except tsa.ASN1_ERRORS as exc:
        raise _malformed() from exc


def _read_token(token: Any) -> _Token:
    """Raises asn1crypto's errors, or ValueError, on a token that is not what RFC 3161 says.
    Fields are read one by one: asn1crypto's `.native` of a whole token re-sorts every SET and
    takes a hundred times longer."""
    if isinstance(token, core.Void) or token["content_type"].native != "signed_data":
        raise ValueError("the token is not a SignedData")
    signed_data = token["content"]
    signer_infos = signed_data["signer_infos"]
    if len(signer_infos) != 1:
        raise ValueError("RFC 3161 2.4.2: the token carries the TSA's signature only")
    certificates = signed_data["certificates"]
    for choice in () if isinstance(certificates, core.Void) else certificates:
        # RFC 5280 4.1.2.2: serial numbers are positive; refused here, before `cryptography`
        # warns about them.
        if choice.name != "certificate" or choice.chosen.serial_number <= 0:
            raise ValueError("a certificate of the token is not an X.509 certificate")
    content = signed_data["encap_content_info"]["content"]
    if isinstance(content, core.Void):
        raise ValueError("RFC 3161 2.4.2: the token encapsulates its TSTInfo")
    tst_info = content.parsed
    gen_time = tst_info["gen_time"].native
    if gen_time.tzinfo is None:
        raise ValueError("RFC 3161 2.4.2: genTime is in UTC")
    return _Token(
        signing_certificate=_signing_certificate(signer_infos[0]["signed_attrs"]),
        gen_time=gen_time.astimezone(UTC),
        serial_number=tst_info["serial_number"].native,
        policy=tst_info["policy"].dotted,
    )


def _signing_certificate(attributes: Any) -> tuple[str, bytes] | None:
    """RFC 3161 2.4.1: the signingCertificate (ESSCertID, SHA-1) or signingCertificateV2
    (ESSCertIDv2, RFC 5816) attribute; its first entry names the signer (RFC 5035 5.4)."""
    for attribute in attributes:
        kind = attribute["type"].native
        if kind == "signing_certificate_v2":
            first = attribute["values"][0]["certs"][0]
            return first["hash_algorithm"]["algorithm"].native, first["cert_hash"].native
        if kind == "signing_certificate":
            return "sha1", attribute["values"][0]["certs"][0]["cert_hash"].native
    return None


def _signer(parsed: TimeStampResponse, pool: list[x509.Certificate]) -> x509.Certificate:
    """The certificate the SignerInfo names (issuer and serial number), from the token or the
    trusted certificates (a token requested without certReq carries none)."""
    (signer_info,) = parsed.signed_data.signer_infos
    try:
        issuer, serial_number = signer_info.issuer, signer_info.serial_number
    except (ValueError, KeyError, TypeError) as exc:  # rfc3161-client reads the name lazily
        raise _malformed() from exc
    for certificate in pool:
        if certificate.issuer == issuer and certificate.serial_number == serial_number:
            return certificate
    raise TimestampError(
        "timestamp_signer_unknown",
        N_("The certificate that signed the time-stamp is neither in it nor trusted"),
    )


def _check_signature(
    parsed: TimeStampResponse,
    signer: x509.Certificate,
    embedded: list[x509.Certificate],
    trusted: list[x509.Certificate],
) -> None:
    """rfc3161-client: the signature, the chain to a trusted root at genTime, the critical
    id-kp-timeStamping usage. The imprint is compared separately, against the data."""
    builder = VerifierBuilder()
    if not embedded:
        builder = builder.tsa_certificate(signer)
    for certificate in trusted:
        if _self_signed(certificate):
            builder = builder.add_root_certificate(certificate)
        else:
            builder = builder.add_intermediate_certificate(certificate)
    try:
        builder.build().verify(parsed, parsed.tst_info.message_imprint.message)
    except (VerificationError, ValueError) as exc:
        raise _invalid_signature() from exc


def _check_only_chain(
    embedded: list[x509.Certificate], signer: x509.Certificate, pool: list[x509.Certificate]
) -> None:
    """Every certificate in the token is on the path from its signer towards the root."""
    path = [signer]
    while not _self_signed(path[-1]):
        issuer = next((c for c in pool if c.subject == path[-1].issuer and c not in path), None)
        if issuer is None:
            break
        path.append(issuer)
    if any(certificate not in path for certificate in embedded):
        raise TimestampError(
            "timestamp_foreign_certificate",
            N_("The time-stamp carries a certificate that is not in its signer's chain"),
        )


def _check_signing_certificate(
    signing_certificate: tuple[str, bytes] | None, signer: x509.Certificate
) -> None:
    if signing_certificate is not None:
        algorithm, expected = signing_certificate
        try:
            actual = hashlib.new(algorithm, signer.public_bytes(Encoding.DER)).digest()
        except ValueError:
            actual = b""
        if hmac.compare_digest(actual, expected):
            return
    raise TimestampError(
        "timestamp_signer_unbound",
        N_("The time-stamp does not identify the certificate that signed it"),
    )
