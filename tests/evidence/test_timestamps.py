"""Trusted time over checkpoints: tokens from real TSAs (the RFC 3161 fixtures) and ours are
verified offline, tampered ones are not; every published checkpoint gets the built-in TSA's token
over its exact body, and an external TSA's too, here a real `openssl ts -reply` on loopback.
An external TSA that fails never costs the built-in token."""

import hashlib
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from asn1crypto import tsp
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from rfc3161_client import HashAlgorithm, TimestampRequestBuilder
from sqlalchemy import select
from sqlalchemy.orm import Session

from ipprotect.core.audit import AuditEvent
from ipprotect.evidence import keys, log, timestamps, tsa
from ipprotect.evidence.checkpoint import Checkpoint
from ipprotect.evidence.models import CheckpointTimestamp, SignedCheckpoint
from ipprotect.evidence.timestamps import (
    BUILTIN,
    ExternalTimestampError,
    TimestampError,
    verify_token,
)
from ipprotect.settings import Settings
from tests.conftest import SHARED
from tests.evidence.tsa_certificates import (
    Chain,
    OpensslTsa,
    make_chain,
    openssl_tsa,
    openssl_verifies,
    pem,
    serve,
)

FIXTURES = SHARED / "testdata" / "rfc3161" / "test" / "fixtures"
HELLO = b"hello"  # what the sigstage, IdenTrust and test_tsa responses stamp (their READMEs)


def fixture_chain(directory: str) -> bytes:
    """The fixture's ts_chain.pem as PEM; IdenTrust's holds its root in DER, despite the name."""
    raw = (FIXTURES / directory / "ts_chain.pem").read_bytes()
    if raw.startswith(b"-----BEGIN"):
        return raw
    return x509.load_der_x509_certificate(raw).public_bytes(Encoding.PEM)


@pytest.mark.parametrize(
    ("directory", "response", "message", "algorithm", "gen_time", "tsa_name"),
    [
        (
            "sigstage",
            "response-sha256.tsr",
            HELLO,
            "sha256",
            datetime(2025, 5, 9, 11, 58, 55, tzinfo=UTC),
            "CN=sigstore-tsa,O=sigstore.dev",
        ),
        (
            "sigstage",
            "response-sha384.tsr",
            HELLO,
            "sha384",
            datetime(2025, 5, 9, 11, 58, 55, tzinfo=UTC),
            "CN=sigstore-tsa,O=sigstore.dev",
        ),
        (
            "sigstage",
            "response-sha512.tsr",
            HELLO,
            "sha512",
            datetime(2025, 5, 9, 11, 58, 56, tzinfo=UTC),
            "CN=sigstore-tsa,O=sigstore.dev",
        ),
        # Requested without certReq: the signer's certificate comes from the trusted chain.
        (
            "sigstage",
            "response-no-embedded-cert.tsr",
            HELLO,
            "sha256",
            datetime(2025, 6, 18, 8, 13, 2, tzinfo=UTC),
            "CN=sigstore-tsa,O=sigstore.dev",
        ),
        # The intermediate CA travels in the token; the trusted file holds only the root.
        (
            "identrust",
            "issue-104.tsr",
            HELLO,
            "sha512",
            datetime(2025, 3, 11, 8, 52, 8, tzinfo=UTC),
            "CN=TrustID Timestamp Authority,O=IdenTrust,C=US",
        ),
        (
            "test_tsa",
            "response.tsr",
            HELLO,
            "sha512",
            datetime(2024, 10, 8, 15, 40, 32, tzinfo=UTC),
            "CN=Test TSA Timestamping,O=local",
        ),
        # Its certificates expired in 2024: the chain is checked at genTime (2023).
        (
            "sigstore.mock",
            "response-expired.tsr",
            (FIXTURES / "sigstore.mock" / "payload").read_bytes(),
            "sha256",
            datetime(2023, 2, 1, tzinfo=UTC),
            "O=sigstore.mock,CN=tsa signing",
        ),
    ],
)
def test_the_good_responses_of_real_tsas_are_accepted(
    directory: str,
    response: str,
    message: bytes,
    algorithm: str,
    gen_time: datetime,
    tsa_name: str,
) -> None:
    info = verify_token(
        (FIXTURES / directory / response).read_bytes(), message, fixture_chain(directory)
    )
    assert info.hash_algorithm == algorithm
    assert info.gen_time == gen_time
    assert info.gen_time.tzinfo is not None
    assert info.tsa_name == tsa_name


@pytest.mark.parametrize(
    ("directory", "response", "message", "code"),
    [
        ("sigstage", "response-invalid-signature.tsr", HELLO, "timestamp_signature_invalid"),
        # The genuine token with a spoofed "TSA" and a self-signed double of the real TSA
        # certificate slipped into its (unsigned) certificate set.
        ("test_tsa", "response-injected-certs.tsr", HELLO, "timestamp_foreign_certificate"),
        # Same names, another key: a TSA posing as the test TSA.
        ("test_tsa", "other_response.tsr", HELLO, "timestamp_signature_invalid"),
        ("sigstage", "response-sha256.tsr", b"hello!", "timestamp_imprint_mismatch"),
        ("identrust", "issue-104.tsr", b"Hello", "timestamp_imprint_mismatch"),
        ("test_tsa", "request.der", HELLO, "timestamp_malformed"),
    ],
)
def test_bad_responses_and_other_messages_are_rejected(
    directory: str, response: str, message: bytes, code: str
) -> None:
    with pytest.raises(TimestampError) as raised:
        verify_token(
            (FIXTURES / directory / response).read_bytes(), message, fixture_chain(directory)
        )
    assert raised.value.code == code


def test_a_token_is_not_trusted_under_another_tsas_roots() -> None:
    with pytest.raises(TimestampError) as raised:
        verify_token(
            (FIXTURES / "sigstage" / "response-sha256.tsr").read_bytes(),
            HELLO,
            fixture_chain("test_tsa"),
        )
    assert raised.value.code == "timestamp_signature_invalid"


@pytest.mark.parametrize(
    "roots",
    [b"", b"not a certificate", pem(make_chain("No root").certificates[0])],
)
def test_trusted_certificates_must_be_pem_up_to_a_root(roots: bytes) -> None:
    with pytest.raises(TimestampError) as raised:
        verify_token((FIXTURES / "sigstage" / "response-sha256.tsr").read_bytes(), HELLO, roots)
    assert raised.value.code == "timestamp_roots_invalid"


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> tsa.Authority:
    return tsa.authority(Settings(data_dir=tmp_path_factory.mktemp("var")))


def our_token(authority: tsa.Authority, data: bytes) -> bytes:
    request = TimestampRequestBuilder().data(data).hash_algorithm(HashAlgorithm.SHA256).build()
    return authority.respond(request.as_bytes()).der


def test_our_token_says_who_when_and_under_which_policy(authority: tsa.Authority) -> None:
    before = datetime.now(UTC)
    info = verify_token(our_token(authority, HELLO), HELLO, authority.chain_pem())
    assert info.tsa_name == "CN=ipprotect TSA"
    assert info.policy == Settings().tsa_policy
    assert info.hash_algorithm == "sha256"
    assert before.replace(microsecond=0) <= info.gen_time <= datetime.now(UTC)


def test_our_token_over_other_data_is_rejected(authority: tsa.Authority) -> None:
    token = our_token(authority, HELLO)
    with pytest.raises(TimestampError) as raised:
        verify_token(token, b"hellO", authority.chain_pem())
    assert raised.value.code == "timestamp_imprint_mismatch"


def test_every_changed_byte_of_our_token_is_caught_or_changes_nothing_it_vouches_for(
    authority: tsa.Authority,
) -> None:
    """A few bytes are not signed and do not matter (the CMS version numbers, the SignerInfo's
    signature algorithm, which the key fixes anyway); a change anywhere else is refused, and
    never with anything but a TimestampError."""
    token = our_token(authority, HELLO)
    genuine = verify_token(token, HELLO, authority.chain_pem())
    caught = 0
    for position in range(0, len(token), 3):
        tampered = bytearray(token)
        tampered[position] ^= 0x01
        try:
            info = verify_token(bytes(tampered), HELLO, authority.chain_pem())
        except TimestampError:
            caught += 1
        else:
            assert info == genuine, position
    assert caught > len(token) // 3 - 10


def test_a_rejection_is_not_a_time_stamp(authority: tsa.Authority) -> None:
    with pytest.raises(TimestampError) as raised:
        verify_token(authority.respond(b"junk").der, HELLO, authority.chain_pem())
    assert raised.value.code == "timestamp_not_granted"
    assert raised.value.params == {"status": "rejection"}


# --- tokens over checkpoints ---------------------------------------------------------------


@pytest.fixture
def checkpoint(db: Session, settings: Settings) -> SignedCheckpoint:
    log.append(db, [b"deposit 1", b"deposit 2", b"deposit 3"])
    signed = log.publish(db, keys.log_signer(settings), settings.log_origin)
    assert signed is not None
    return signed


def body_of(checkpoint: SignedCheckpoint, settings: Settings) -> bytes:
    return Checkpoint(settings.log_origin, checkpoint.size, checkpoint.root_hash).to_text().encode()


def test_a_checkpoint_gets_the_builtin_tsas_token_over_its_exact_body(
    db: Session, settings: Settings, checkpoint: SignedCheckpoint, tmp_path: Path
) -> None:
    (row,) = timestamps.stamp_checkpoint(db, settings, checkpoint)
    assert (row.tsa, row.checkpoint_size) == (BUILTIN, checkpoint.size)
    body = body_of(checkpoint, settings)
    assert timestamps.checkpoint_body(checkpoint) == body
    chain = tsa.authority(settings).chain_pem()
    assert openssl_verifies(row.response, body, chain, tmp_path)
    info = verify_token(row.response, body, chain)
    assert row.gen_time == info.gen_time
    token = tsa.TimeStampResp.load(row.response)["time_stamp_token"]
    imprint = token["content"]["encap_content_info"]["content"].parsed["message_imprint"]
    assert imprint["hashed_message"].native == hashlib.sha256(body).digest()
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "log.timestamp")).one()
    assert event.object_id == str(checkpoint.size)
    assert event.after == {
        "tsa": BUILTIN,
        "serial_number": str(info.serial_number),
        "gen_time": info.gen_time.isoformat(),
    }


def test_stamping_a_checkpoint_again_asks_nobody_twice(
    db: Session, settings: Settings, checkpoint: SignedCheckpoint
) -> None:
    first = timestamps.stamp_checkpoint(db, settings, checkpoint)
    again = timestamps.stamp_checkpoint(db, settings, checkpoint)
    assert [r.id for r in again] == [r.id for r in first]
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "log.timestamp")).all()
    assert len(events) == 1


@pytest.fixture(scope="module")
def external_chain() -> Chain:
    return make_chain("Loopback External TSA")


@pytest.fixture(scope="module")
def external_tsa(external_chain: Chain, tmp_path_factory: pytest.TempPathFactory) -> OpensslTsa:
    return openssl_tsa(external_chain, tmp_path_factory.mktemp("openssl-tsa"))


@pytest.fixture
def external_roots(external_chain: Chain, tmp_path: Path) -> Path:
    path = tmp_path / "external-roots.pem"
    path.write_bytes(pem(external_chain.root))
    return path


def with_external(settings: Settings, url: str, roots: Path | None) -> Settings:
    return settings.model_copy(update={"tsa_url": url, "tsa_chain": roots})


def test_an_external_tsa_on_loopback_is_asked_too_and_its_token_verified_and_stored(
    db: Session,
    settings: Settings,
    checkpoint: SignedCheckpoint,
    external_tsa: OpensslTsa,
    external_roots: Path,
    tmp_path: Path,
) -> None:
    with serve(external_tsa.reply) as server:
        rows = timestamps.stamp_checkpoint(
            db, with_external(settings, server.url, external_roots), checkpoint
        )
    assert [content_type for content_type, _ in server.requests] == ["application/timestamp-query"]
    by_tsa = {row.tsa: row for row in rows}
    assert set(by_tsa) == {BUILTIN, server.url}
    external = by_tsa[server.url]
    body = body_of(checkpoint, settings)
    info = verify_token(external.response, body, external_roots.read_bytes())
    assert info.tsa_name == "CN=Loopback External TSA"
    assert info.policy == "1.2.3.4.1"
    assert external.gen_time == info.gen_time
    assert openssl_verifies(external.response, body, external_roots.read_bytes(), tmp_path)
    stored = db.scalars(
        select(CheckpointTimestamp.tsa).where(
            CheckpointTimestamp.checkpoint_size == checkpoint.size
        )
    ).all()
    assert sorted(stored) == sorted([BUILTIN, server.url])


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def failing_tsas(external_tsa: OpensslTsa) -> Iterator[dict[str, str]]:
    """TSAs that fail in every way a checkpoint's publication may meet, by URL."""

    def replay(query: bytes) -> tuple[int, bytes]:
        # A genuine token over the same data, but the answer to another request (its nonce).
        request = tsp.TimeStampReq.load(query)
        request["nonce"] = request["nonce"].native + 1
        return external_tsa.reply(request.dump(force=True))

    with (
        serve(lambda query: (200, b"garbage, not a TimeStampResp")) as garbage,
        serve(lambda query: (503, b"")) as unavailable,
        serve(replay) as replaying,
    ):
        yield {
            "garbage": garbage.url,
            "unavailable": unavailable.url,
            "replaying": replaying.url,
            "down": f"http://127.0.0.1:{_closed_port()}/tsr",
        }


@pytest.mark.parametrize(
    ("tsa_kind", "code"),
    [
        ("garbage", "timestamp_malformed"),
        ("unavailable", "tsa_http_status"),
        ("down", "tsa_unreachable"),
    ],
)
def test_an_external_tsa_that_fails_costs_the_builtin_token_nothing(
    db: Session,
    settings: Settings,
    checkpoint: SignedCheckpoint,
    failing_tsas: dict[str, str],
    external_roots: Path,
    tsa_kind: str,
    code: str,
) -> None:
    url = failing_tsas[tsa_kind]
    with pytest.raises(ExternalTimestampError) as raised:
        timestamps.stamp_checkpoint(db, with_external(settings, url, external_roots), checkpoint)
    assert (raised.value.code, raised.value.url) == (code, url)
    assert url in str(raised.value)
    assert [row.tsa for row in raised.value.stored] == [BUILTIN]
    stored = timestamps.timestamps_of(db, checkpoint.size)
    assert [row.tsa for row in stored] == [BUILTIN]
    verify_token(
        stored[0].response, body_of(checkpoint, settings), tsa.authority(settings).chain_pem()
    )


def test_a_replayed_token_that_does_not_answer_our_nonce_is_refused(
    db: Session,
    settings: Settings,
    checkpoint: SignedCheckpoint,
    failing_tsas: dict[str, str],
    external_roots: Path,
) -> None:
    external = with_external(settings, failing_tsas["replaying"], external_roots)
    with pytest.raises(ExternalTimestampError) as raised:
        timestamps.stamp_checkpoint(db, external, checkpoint)
    assert raised.value.code == "timestamp_nonce_mismatch"


def test_an_external_token_that_does_not_chain_to_the_configured_roots_is_refused(
    db: Session,
    settings: Settings,
    checkpoint: SignedCheckpoint,
    external_tsa: OpensslTsa,
    tmp_path: Path,
) -> None:
    other_roots = tmp_path / "other.pem"
    other_roots.write_bytes(tsa.authority(settings).chain_pem())
    with serve(external_tsa.reply) as server, pytest.raises(ExternalTimestampError) as raised:
        timestamps.stamp_checkpoint(
            db, with_external(settings, server.url, other_roots), checkpoint
        )
    assert raised.value.code == "timestamp_signature_invalid"


def test_an_external_tsa_without_a_configured_chain_is_not_asked(
    db: Session, settings: Settings, checkpoint: SignedCheckpoint, external_tsa: OpensslTsa
) -> None:
    with serve(external_tsa.reply) as server, pytest.raises(ExternalTimestampError) as raised:
        timestamps.stamp_checkpoint(db, with_external(settings, server.url, None), checkpoint)
    assert raised.value.code == "tsa_chain_missing"
    assert server.requests == []
    assert [row.tsa for row in timestamps.timestamps_of(db, checkpoint.size)] == [BUILTIN]
