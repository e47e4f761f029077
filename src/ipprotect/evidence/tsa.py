"""The built-in RFC 3161 time-stamping authority (TSA): its key and certificate chain, and its
answer to a time-stamp request (TimeStampReq in, TimeStampResp out, RFC 3161 2.4).

Key and chain live in `data_dir/keys/tsa/`:

- `key.pem`: the TSA's private key (PKCS#8 PEM, unencrypted, mode 0600);
- `chain.pem`: the TSA certificate first, then the CA certificates up to the root. This file is
  public (`GET /api/v1/evidence/tsa-chain.pem`): it is what `openssl ts -verify -CAfile` needs.

On first use both are generated: an ECDSA P-256 key with a certificate named `settings.tsa_name`,
issued by a root CA made for it whose private key is then thrown away, so the root vouches for
this one TSA certificate and nothing else. The directory is written under a temporary name and
renamed into place: two processes starting together end up with the same key, and nobody ever
reads half of it. Renaming `settings.tsa_name` later does not rename the certificate; move
`keys/tsa/` away to get a new TSA (tokens already issued stay verifiable with the old chain).

An operator whose TSA certificate comes from a CA (for example one a court already trusts) puts
their own `key.pem` (RSA or ECDSA) and `chain.pem` (the TSA certificate, its intermediate CAs,
then the root) into `data_dir/keys/tsa/` before the first start. They are checked when loaded:
the key must belong to the first certificate, and that certificate must be a time-stamping one
(RFC 3161 2.3: extendedKeyUsage id-kp-timeStamping only, marked critical).

Tokens carry the policy `settings.tsa_policy`, a random 159-bit serial number (RFC 3161 2.4.2
wants them unique; random ones need no counter shared between processes, and the chance of two
equal ones among 2^40 tokens is about 2^-80), genTime in UTC to the millisecond with an
accuracy of one second (the host's clock, kept by NTP), the nonce of the request, and the signed
attributes contentType, messageDigest and signingCertificateV2 (ESSCertIDv2, RFC 5816). When the
request asks for it (certReq) the token includes the TSA certificate and its intermediates, as a
DER-sorted SET.
"""

import hashlib
import os
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from asn1crypto import cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ipprotect.db import utcnow
from ipprotect.settings import Settings

KEY_FILE = "key.pem"
CHAIN_FILE = "chain.pem"
# RFC 3161 2.4.2: the time deviation around genTime the TSA vouches for.
ACCURACY_SECONDS = 1
# Imprint algorithms the TSA accepts, with their digest length (RFC 3161 2.4.1: the TSA checks
# that the hash length is consistent with the algorithm). SHA-1 and MD5 are refused: badAlg.
IMPRINT_SIZES = {"sha256": 32, "sha384": 48, "sha512": 64}
TSA_CERTIFICATE_YEARS = 10
ROOT_CERTIFICATE_YEARS = 20

SigningKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
# What asn1crypto raises on bytes it cannot parse (an unknown OID in a keyed spec: KeyError;
# an empty SEQUENCE OF where one item is read: IndexError; a universal type it has no native
# form for, such as REAL: AttributeError).
ASN1_ERRORS = (ValueError, TypeError, KeyError, IndexError, OverflowError, AttributeError)


class TsaKeyError(RuntimeError):
    """The key or chain in `keys/tsa/` cannot be used by a TSA."""


class TimeStampResp(core.Sequence):  # type: ignore[misc]  # asn1crypto is untyped
    """RFC 3161 2.4.2 TimeStampResp. asn1crypto's `tsp.TimeStampResp` makes `timeStampToken`
    mandatory, but a rejection carries none: the RFC makes it OPTIONAL."""

    _fields = [  # noqa: RUF012 - asn1crypto's declarative field list
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


@dataclass(frozen=True)
class Reply:
    """What the TSA answered: the DER TimeStampResp, and either the serial number of the token
    it granted or the PKIFailureInfo bit of its rejection (asn1crypto's name, e.g. "bad_alg")."""

    der: bytes
    serial_number: int | None
    failure: str | None


class _Rejected(Exception):  # noqa: N818 - a control-flow signal, not an error of ours
    def __init__(self, failure: str, text: str) -> None:
        super().__init__(text)
        self.failure = failure
        self.text = text


@dataclass(frozen=True)
class Authority:
    """A TSA: its signing key, its chain (the TSA certificate first) and its policy OID."""

    key: SigningKey
    chain: tuple[x509.Certificate, ...]
    policy: str

    @property
    def certificate(self) -> x509.Certificate:
        return self.chain[0]

    def chain_pem(self) -> bytes:
        return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in self.chain)

    def respond(self, request: bytes) -> Reply:
        """Answer a DER TimeStampReq with a TimeStampResp: granted, or a rejection whose
        PKIFailureInfo says why (RFC 3161 2.4.2)."""
        try:
            parsed = self._accept(request)
        except _Rejected as rejected:
            return Reply(_rejection(rejected), None, rejected.failure)
        serial_number = secrets.randbits(159)
        return Reply(self._grant(parsed, serial_number), serial_number, None)

    def _accept(self, request: bytes) -> Any:
        try:
            parsed = tsp.TimeStampReq.load(request, strict=True)
            parsed.native  # noqa: B018 - asn1crypto parses lazily: parse all of it now
        except ASN1_ERRORS as exc:
            raise _Rejected("bad_data_format", "the request is not a DER TimeStampReq") from exc
        if parsed["version"].native != "v1":
            raise _Rejected("bad_request", "only version 1 requests are understood")
        imprint = parsed["message_imprint"]
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        if algorithm not in IMPRINT_SIZES:
            raise _Rejected("bad_alg", f"hash algorithm {algorithm} is not accepted")
        if len(imprint["hashed_message"].native) != IMPRINT_SIZES[algorithm]:
            raise _Rejected("bad_data_format", f"a {algorithm} imprint has the wrong length")
        policy = parsed["req_policy"]
        if policy.native is not None and policy.dotted != self.policy:
            raise _Rejected("unaccepted_policy", f"this TSA issues under policy {self.policy}")
        if parsed["extensions"].native is not None:
            raise _Rejected("unaccepted_extensions", "no request extension is supported")
        return parsed

    def _grant(self, request: Any, serial_number: int) -> bytes:
        now = utcnow()
        tst_info = tsp.TSTInfo(
            {
                "version": "v1",
                "policy": self.policy,
                "message_imprint": tsp.MessageImprint.load(request["message_imprint"].dump()),
                "serial_number": serial_number,
                "gen_time": now.replace(microsecond=now.microsecond // 1000 * 1000),
                "accuracy": {"seconds": ACCURACY_SECONDS},
                "nonce": request["nonce"].native,
                "tsa": asn1_x509.GeneralName(
                    name="directory_name", value=_asn1_name(self.certificate.subject)
                ),
            }
        )
        content = tst_info.dump()
        attributes = cms.CMSAttributes(
            [
                {"type": "content_type", "values": ["tst_info"]},
                {"type": "message_digest", "values": [hashlib.sha256(content).digest()]},
                {"type": "signing_certificate_v2", "values": [{"certs": [self._ess_cert_id()]}]},
            ]
        )
        certificate = self.certificate
        signer_info = cms.SignerInfo(
            {
                "version": "v1",
                "sid": cms.SignerIdentifier(
                    name="issuer_and_serial_number",
                    value={
                        "issuer": _asn1_name(certificate.issuer),
                        "serial_number": certificate.serial_number,
                    },
                ),
                "digest_algorithm": {"algorithm": "sha256"},
                "signed_attrs": attributes,
                "signature_algorithm": {"algorithm": self._signature_algorithm()},
                # RFC 5652 5.4: with signed attributes, the signature is over their DER SET OF.
                "signature": self._sign(attributes.dump()),
            }
        )
        signed_data: dict[str, Any] = {
            # RFC 5652 5.1: version 3 because the content type is not id-data.
            "version": "v3",
            "digest_algorithms": [{"algorithm": "sha256"}],
            "encap_content_info": {
                "content_type": "tst_info",
                "content": cms.ParsableOctetString(content),
            },
            "signer_infos": [signer_info],
        }
        if request["cert_req"].native:
            # RFC 3161 2.4.1: certReq asks for the TSA certificate; its intermediates help
            # verifiers who hold only the root. asn1crypto encodes a SET OF sorted (DER).
            signed_data["certificates"] = [
                asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
                for c in self.chain
                if not _self_signed(c)
            ]
        token = cms.ContentInfo({"content_type": "signed_data", "content": signed_data})
        return bytes(
            TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token}).dump()
        )

    def _ess_cert_id(self) -> dict[str, Any]:
        """RFC 5816 ESSCertIDv2 of the TSA certificate: its SHA-256 (the default algorithm,
        so left out in DER) and its issuer and serial number."""
        certificate = self.certificate
        der = certificate.public_bytes(serialization.Encoding.DER)
        return {
            "cert_hash": hashlib.sha256(der).digest(),
            "issuer_serial": {
                "issuer": [
                    asn1_x509.GeneralName(
                        name="directory_name", value=_asn1_name(certificate.issuer)
                    )
                ],
                "serial_number": certificate.serial_number,
            },
        }

    def _signature_algorithm(self) -> str:
        return "sha256_rsa" if isinstance(self.key, rsa.RSAPrivateKey) else "sha256_ecdsa"

    def _sign(self, data: bytes) -> bytes:
        if isinstance(self.key, rsa.RSAPrivateKey):
            return self.key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        return self.key.sign(data, ec.ECDSA(hashes.SHA256()))


def _rejection(rejected: _Rejected) -> bytes:
    status = {
        "status": "rejection",
        "status_string": [rejected.text],
        "fail_info": {rejected.failure},
    }
    return bytes(TimeStampResp({"status": status}).dump())


def _asn1_name(name: x509.Name) -> Any:
    return asn1_x509.Name.load(name.public_bytes())


def _self_signed(certificate: x509.Certificate) -> bool:
    return certificate.subject == certificate.issuer


def directory(settings: Settings) -> Path:
    return settings.data_dir / "keys" / "tsa"


def authority(settings: Settings) -> Authority:
    """The built-in TSA; its key and chain are generated on first use."""
    path = directory(settings)
    if not path.exists():
        _create(path, *_generate(settings.tsa_name))
    return _load(path, settings.tsa_policy)


def _generate(name: str) -> tuple[ec.EllipticCurvePrivateKey, list[x509.Certificate]]:
    now = utcnow()
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{name} Root CA")])
    root_key_id = x509.SubjectKeyIdentifier.from_public_key(root_key.public_key())
    root = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=365 * ROOT_CERTIFICATE_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(signs_certificates=True), critical=True)
        .add_extension(root_key_id, critical=False)
        .sign(root_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(root_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=365 * TSA_CERTIFICATE_YEARS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(signs_certificates=False), critical=True)
        # RFC 3161 2.3: only id-kp-timeStamping, and the extension MUST be critical.
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(root_key_id),
            critical=False,
        )
        .sign(root_key, hashes.SHA256())
    )
    return key, [certificate, root]


def _key_usage(*, signs_certificates: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not signs_certificates,
        content_commitment=not signs_certificates,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=signs_certificates,
        crl_sign=signs_certificates,
        encipher_only=False,
        decipher_only=False,
    )


def _create(path: Path, key: SigningKey, chain: list[x509.Certificate]) -> None:
    """Write key and chain into a fresh directory beside `path`, then rename it to `path`: the
    rename fails when another process made its TSA first, and then theirs is used."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))  # mode 0700
    try:
        key_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        _write(temporary / KEY_FILE, key_pem, 0o600)
        chain_pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in chain)
        _write(temporary / CHAIN_FILE, chain_pem, 0o644)
        try:
            temporary.rename(path)
        except OSError:
            if not path.is_dir():
                raise
    finally:
        shutil.rmtree(temporary, ignore_errors=True)  # gone already when the rename worked


def _write(path: Path, data: bytes, mode: int) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.fchmod(descriptor, mode)  # whatever the umask
        os.write(descriptor, data)
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _load(path: Path, policy: str) -> Authority:
    try:
        key = serialization.load_pem_private_key((path / KEY_FILE).read_bytes(), password=None)
        chain = tuple(x509.load_pem_x509_certificates((path / CHAIN_FILE).read_bytes()))
        x509.ObjectIdentifier(policy)  # refuses a malformed settings.tsa_policy
    except (OSError, ValueError, TypeError) as exc:
        raise TsaKeyError(f"{path}: cannot load the TSA: {exc}") from exc
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise TsaKeyError(f"{path / KEY_FILE}: the TSA key must be an RSA or ECDSA key")
    certificate = chain[0]
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    if certificate.public_key().public_bytes(
        serialization.Encoding.DER, public
    ) != key.public_key().public_bytes(serialization.Encoding.DER, public):
        raise TsaKeyError(f"{path}: the first certificate of {CHAIN_FILE} is not the key's")
    try:
        usage = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound:
        usage = None
    if (
        usage is None
        or not usage.critical
        or list(usage.value) != [ExtendedKeyUsageOID.TIME_STAMPING]
    ):
        raise TsaKeyError(
            f"{path / CHAIN_FILE}: the TSA certificate needs a critical extendedKeyUsage of "
            "id-kp-timeStamping only (RFC 3161 2.3)"
        )
    return Authority(key, chain, policy)
