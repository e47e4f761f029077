"""Test helpers for trusted time: certificate chains made on the spot, `openssl ts` run as a
subprocess, and small TSAs on loopback: a real one (`openssl ts -reply` per request) and one
that answers whatever it is told to."""

import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

OPENSSL = "/usr/bin/openssl"
Key = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


@dataclass
class Chain:
    """A TSA key and its chain: the TSA certificate, any intermediates, the root."""

    key: Key
    certificates: list[x509.Certificate]

    @property
    def root(self) -> x509.Certificate:
        return self.certificates[-1]


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(
    subject: str,
    key: Key,
    issuer: str,
    issuer_key: Key,
    *,
    ca: bool,
    time_stamping: x509.ExtendedKeyUsage | None = None,
    critical_usage: bool = True,
) -> x509.Certificate:
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if time_stamping is not None:
        builder = builder.add_extension(time_stamping, critical=critical_usage)
    return builder.sign(issuer_key, hashes.SHA256())


def make_chain(
    name: str,
    *,
    intermediate: bool = False,
    rsa_key: bool = False,
    usage: list[x509.ObjectIdentifier] | None = None,
    critical_usage: bool = True,
) -> Chain:
    """A TSA certificate named `name` (extendedKeyUsage id-kp-timeStamping, critical, unless
    told otherwise) under a root, with an intermediate CA between them if asked."""
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = _certificate(f"{name} Root", root_key, f"{name} Root", root_key, ca=True)
    issuer_name, issuer_key, cas = f"{name} Root", root_key, [root]
    if intermediate:
        middle_key = ec.generate_private_key(ec.SECP256R1())
        middle = _certificate(f"{name} CA", middle_key, issuer_name, issuer_key, ca=True)
        issuer_name, issuer_key, cas = f"{name} CA", middle_key, [middle, root]
    key: Key = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if rsa_key
        else ec.generate_private_key(ec.SECP256R1())
    )
    usage_extension = x509.ExtendedKeyUsage(usage or [ExtendedKeyUsageOID.TIME_STAMPING])
    tsa = _certificate(
        name,
        key,
        issuer_name,
        issuer_key,
        ca=False,
        time_stamping=usage_extension,
        critical_usage=critical_usage,
    )
    return Chain(key, [tsa, *cas])


def pem(*certificates: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)


def key_pem(key: Key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def openssl(*args: str | Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([OPENSSL, *map(str, args)], input=stdin, capture_output=True, check=False)


def openssl_verifies(token: bytes, data: bytes, ca_file: bytes, tmp_path: Path) -> bool:
    """`openssl ts -verify -data FILE -in TOKEN.tsr -CAfile chain.pem` accepts the token."""
    (tmp_path / "data").write_bytes(data)
    (tmp_path / "token.tsr").write_bytes(token)
    (tmp_path / "chain.pem").write_bytes(ca_file)
    result = openssl(
        "ts",
        "-verify",
        "-data",
        tmp_path / "data",
        "-in",
        tmp_path / "token.tsr",
        "-CAfile",
        tmp_path / "chain.pem",
    )
    verified = result.returncode == 0 and b"Verification: OK" in result.stdout
    assert verified or result.returncode != 0, result
    return verified


Answer = Callable[[bytes], tuple[int, bytes]]


class _Server(HTTPServer):
    def __init__(self, answer: Answer) -> None:
        super().__init__(("127.0.0.1", 0), _Answering)
        self.answer = answer
        self.requests: list[tuple[str, bytes]] = []


class _Answering(BaseHTTPRequestHandler):
    """A POST is answered with `server.answer(body)`, as an application/timestamp-reply."""

    def do_POST(self) -> None:
        server = self.server
        assert isinstance(server, _Server)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        server.requests.append((self.headers["Content-Type"], body))
        status, reply = server.answer(body)
        self.send_response(status)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the tests say what happened."""


@dataclass
class LoopbackTsa:
    url: str
    requests: list[tuple[str, bytes]]  # (Content-Type, body) of every POST


@contextmanager
def serve(answer: Answer) -> Iterator[LoopbackTsa]:
    """An HTTP server on 127.0.0.1 answering every POST with `answer(query) -> (status, body)`."""
    server = _Server(answer)
    # A short poll: shutdown() waits for the loop to look at its flag again.
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield LoopbackTsa(f"http://127.0.0.1:{server.server_port}/tsr", server.requests)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def openssl_tsa(chain: Chain, directory: Path, policy: str = "1.2.3.4.1") -> "OpensslTsa":
    """A real RFC 3161 TSA: `openssl ts -reply` with a generated openssl.cnf, per request. The
    token holds the signer's certificate only (no `-chain`: OpenSSL does not sort a chain into a
    DER SET, and rfc3161-client refuses that)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "tsa.key").write_bytes(key_pem(chain.key))
    (directory / "tsa.pem").write_bytes(pem(chain.certificates[0]))
    (directory / "serial").write_text("01\n")
    config = directory / "openssl.cnf"
    config.write_text(
        "[ tsa ]\n"
        "default_tsa = loopback\n"
        "[ loopback ]\n"
        f"dir = {directory}\n"
        "serial = $dir/serial\n"
        "crypto_device = builtin\n"
        "signer_cert = $dir/tsa.pem\n"
        "signer_key = $dir/tsa.key\n"
        "signer_digest = sha256\n"
        f"default_policy = {policy}\n"
        "digests = sha256, sha384, sha512\n"
        "accuracy = secs:1\n"
        "ordering = no\n"
        "tsa_name = yes\n"
        "ess_cert_id_chain = no\n"
        "ess_cert_id_alg = sha256\n"
    )
    return OpensslTsa(config, directory)


@dataclass
class OpensslTsa:
    config: Path
    directory: Path

    def reply(self, query: bytes) -> tuple[int, bytes]:
        (self.directory / "query.tsq").write_bytes(query)
        result = openssl(
            "ts",
            "-reply",
            "-config",
            self.config,
            "-queryfile",
            self.directory / "query.tsq",
            "-out",
            self.directory / "reply.tsr",
        )
        if result.returncode != 0:
            return 500, result.stderr
        return 200, (self.directory / "reply.tsr").read_bytes()
