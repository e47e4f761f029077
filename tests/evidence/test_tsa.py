"""The built-in RFC 3161 time-stamping authority: its key and chain, the tokens it grants (which
OpenSSL accepts), and the rejections RFC 3161 2.4.2 names for bad requests."""

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import core, tsp
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ipprotect.evidence import tsa
from ipprotect.evidence.timestamps import verify_token
from ipprotect.settings import Settings
from tests.evidence.tsa_certificates import key_pem, make_chain, openssl, openssl_verifies, pem

DATA = "存证文件 evidence.pdf 的内容".encode()
POLICY = "1.2.156.1.2.3"


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> tsa.Authority:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("var"), tsa_name="Xihu IP Centre TSA", tsa_policy=POLICY
    )
    return tsa.authority(settings)


def query(
    data: bytes = DATA,
    algorithm: str = "sha256",
    *,
    nonce: int | None = 0x5EED,
    cert_req: bool = True,
    **fields: Any,
) -> bytes:
    """A DER TimeStampReq for `data`; `fields` override or add request fields."""
    request: dict[str, Any] = {
        "version": "v1",
        "message_imprint": {
            "hash_algorithm": {"algorithm": algorithm},
            "hashed_message": hashlib.new(algorithm, data).digest(),
        },
        "cert_req": cert_req,
        **fields,
    }
    if nonce is not None:
        request["nonce"] = nonce
    return bytes(tsp.TimeStampReq(request).dump())


def token_info(reply: bytes) -> Any:
    token = tsa.TimeStampResp.load(reply)["time_stamp_token"]
    return token["content"]["encap_content_info"]["content"].parsed


def embedded(reply: bytes) -> list[bytes]:
    """The certificates of a token, in their encoded order."""
    certificates = tsa.TimeStampResp.load(reply)["time_stamp_token"]["content"]["certificates"]
    return [] if isinstance(certificates, core.Void) else [c.dump() for c in certificates]


def test_the_first_use_makes_a_key_only_the_owner_reads_and_a_chain_up_to_a_root(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path, tsa_name="Xihu IP Centre TSA")
    made = tsa.authority(settings)
    directory = tmp_path / "keys" / "tsa"
    assert (directory / "key.pem").stat().st_mode & 0o777 == 0o600
    chain = x509.load_pem_x509_certificates((directory / "chain.pem").read_bytes())
    assert len(chain) == 2
    certificate, root = chain
    common_name = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    assert common_name[0].value == "Xihu IP Centre TSA"
    assert certificate.issuer == root.subject == root.issuer
    usage = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert usage.critical  # RFC 3161 2.3
    assert list(usage.value) == [ExtendedKeyUsageOID.TIME_STAMPING]
    assert made.chain_pem() == (directory / "chain.pem").read_bytes()
    again = tsa.authority(settings)
    assert again.chain == made.chain
    assert sorted(p.name for p in (tmp_path / "keys").iterdir()) == ["tsa"]


def test_a_tsa_made_by_a_second_process_at_the_same_time_does_not_replace_the_first(
    tmp_path: Path,
) -> None:
    directory = tmp_path / "keys" / "tsa"
    first_key, first_chain = tsa._generate("first")
    second_key, second_chain = tsa._generate("second")
    tsa._create(directory, first_key, first_chain)
    tsa._create(directory, second_key, second_chain)  # lost the race: no error, no change
    settings = Settings(data_dir=tmp_path)
    assert tsa.authority(settings).chain == tuple(first_chain)
    assert sorted(p.name for p in (tmp_path / "keys").iterdir()) == ["tsa"]  # no leftovers


@pytest.mark.parametrize("algorithm", ["sha256", "sha384", "sha512"])
def test_openssl_accepts_our_tokens_and_rejects_them_for_other_data(
    authority: tsa.Authority, algorithm: str, tmp_path: Path
) -> None:
    (tmp_path / "data").write_bytes(DATA)
    made = openssl(
        "ts", "-query", "-data", tmp_path / "data", f"-{algorithm}", "-cert", "-out", tmp_path / "q"
    )
    assert made.returncode == 0, made.stderr
    reply = authority.respond((tmp_path / "q").read_bytes())
    assert reply.failure is None
    assert openssl_verifies(reply.der, DATA, authority.chain_pem(), tmp_path)
    assert not openssl_verifies(reply.der, DATA + b"!", authority.chain_pem(), tmp_path)
    assert verify_token(reply.der, DATA, authority.chain_pem()).hash_algorithm == algorithm


def test_openssl_reads_the_token_as_granted_under_our_policy_name_and_accuracy(
    authority: tsa.Authority, tmp_path: Path
) -> None:
    (tmp_path / "token.tsr").write_bytes(authority.respond(query()).der)
    printed = openssl("ts", "-reply", "-in", tmp_path / "token.tsr", "-text")
    assert printed.returncode == 0, printed.stderr
    text = printed.stdout.decode()
    assert "Status: Granted." in text
    assert f"Policy OID: {POLICY}" in text
    assert "Hash Algorithm: sha256" in text
    assert "Accuracy: 0x01 seconds" in text
    assert "Nonce: 0x5EED" in text
    assert "TSA: DirName:/CN=Xihu IP Centre TSA" in text


def test_a_token_echoes_the_nonce_and_is_dated_now_in_utc(authority: tsa.Authority) -> None:
    before = datetime.now(UTC) - timedelta(milliseconds=1)
    reply = authority.respond(query(nonce=2**70 + 12345))
    after = datetime.now(UTC)
    info = token_info(reply.der)
    assert info["nonce"].native == 2**70 + 12345
    assert info["serial_number"].native == reply.serial_number
    assert info["policy"].dotted == POLICY
    assert info["message_imprint"]["hashed_message"].native == hashlib.sha256(DATA).digest()
    gen_time = info["gen_time"].native
    assert gen_time.utcoffset() == timedelta(0)
    assert before <= gen_time <= after


def test_the_tsa_certificate_is_included_only_when_the_request_asks_for_it(
    authority: tsa.Authority,
) -> None:
    tsa_certificate = authority.certificate.public_bytes(serialization.Encoding.DER)
    assert embedded(authority.respond(query(cert_req=True)).der) == [tsa_certificate]
    assert embedded(authority.respond(query(cert_req=False)).der) == []


def test_the_signed_attributes_bind_the_tsa_certificate(authority: tsa.Authority) -> None:
    token = tsa.TimeStampResp.load(authority.respond(query()).der)["time_stamp_token"]
    (signer,) = token["content"]["signer_infos"]
    attributes = {a["type"].native: a["values"] for a in signer["signed_attrs"]}
    assert set(attributes) == {"content_type", "message_digest", "signing_certificate_v2"}
    assert attributes["content_type"][0].native == "tst_info"
    content = token["content"]["encap_content_info"]["content"].contents
    assert attributes["message_digest"][0].native == hashlib.sha256(content).digest()
    (ess,) = attributes["signing_certificate_v2"][0]["certs"]
    certificate = authority.certificate.public_bytes(serialization.Encoding.DER)
    assert ess["cert_hash"].native == hashlib.sha256(certificate).digest()
    assert ess["issuer_serial"]["serial_number"].native == authority.certificate.serial_number


def test_every_token_has_its_own_serial_number(authority: tsa.Authority) -> None:
    replies = [authority.respond(query()) for _ in range(50)]
    serials = {token_info(r.der)["serial_number"].native for r in replies}
    assert len(serials) == 50
    assert all(0 < s < 2**159 for s in serials)


@pytest.mark.parametrize(
    ("request_der", "failure"),
    [
        (b"this is not a time-stamp request", "bad_data_format"),
        (query(algorithm="sha1"), "bad_alg"),
        (query(algorithm="md5"), "bad_alg"),
        (
            bytes(
                tsp.TimeStampReq(
                    {
                        "version": "v1",
                        "message_imprint": {
                            "hash_algorithm": {"algorithm": "sha256"},
                            "hashed_message": b"\x00" * 31,
                        },
                    }
                ).dump()
            ),
            "bad_data_format",
        ),
        (query(version=2), "bad_request"),
        (query(req_policy="1.2.3.4"), "unaccepted_policy"),
        (
            query(extensions=[{"extn_id": "1.2.3.4.5", "critical": False, "extn_value": b"x"}]),
            "unaccepted_extensions",
        ),
    ],
)
def test_bad_requests_get_the_rejection_rfc3161_names(
    authority: tsa.Authority, request_der: bytes, failure: str, tmp_path: Path
) -> None:
    reply = authority.respond(request_der)
    assert (reply.serial_number, reply.failure) == (None, failure)
    status = tsa.TimeStampResp.load(reply.der)["status"].native
    assert status["status"] == "rejection"
    assert status["fail_info"] == {failure}
    assert status["status_string"]
    (tmp_path / "reply.tsr").write_bytes(reply.der)
    printed = openssl("ts", "-reply", "-in", tmp_path / "reply.tsr", "-text")
    assert "Status: Rejected." in printed.stdout.decode()


def test_a_request_under_our_own_policy_is_granted(authority: tsa.Authority) -> None:
    reply = authority.respond(query(req_policy=POLICY))
    assert reply.failure is None
    assert token_info(reply.der)["policy"].dotted == POLICY


def test_an_operators_own_rsa_key_and_chain_with_an_intermediate_ca_are_used_as_given(
    tmp_path: Path,
) -> None:
    chain = make_chain("Zhejiang TSA", intermediate=True, rsa_key=True)
    directory = tmp_path / "keys" / "tsa"
    directory.mkdir(parents=True)
    (directory / "key.pem").write_bytes(key_pem(chain.key))
    (directory / "chain.pem").write_bytes(pem(*chain.certificates))
    authority = tsa.authority(Settings(data_dir=tmp_path))
    reply = authority.respond(query())
    carried = embedded(reply.der)
    tsa_certificate, intermediate, _root = (
        c.public_bytes(serialization.Encoding.DER) for c in chain.certificates
    )
    assert set(carried) == {tsa_certificate, intermediate}  # the root is the verifier's
    assert carried == sorted(carried)  # a DER SET OF is sorted
    root_only = pem(chain.root)
    assert openssl_verifies(reply.der, DATA, root_only, tmp_path)
    assert verify_token(reply.der, DATA, root_only).tsa_name == "CN=Zhejiang TSA"


def test_an_operator_key_that_is_not_the_certificates_is_refused(tmp_path: Path) -> None:
    chain = make_chain("Zhejiang TSA")
    other = make_chain("Other TSA")
    directory = tmp_path / "keys" / "tsa"
    directory.mkdir(parents=True)
    (directory / "key.pem").write_bytes(key_pem(other.key))
    (directory / "chain.pem").write_bytes(pem(*chain.certificates))
    with pytest.raises(tsa.TsaKeyError, match="not the key's"):
        tsa.authority(Settings(data_dir=tmp_path))


@pytest.mark.parametrize(
    ("usage", "critical"),
    [
        ([ExtendedKeyUsageOID.TIME_STAMPING], False),
        ([ExtendedKeyUsageOID.CODE_SIGNING], True),
        ([ExtendedKeyUsageOID.TIME_STAMPING, ExtendedKeyUsageOID.CODE_SIGNING], True),
    ],
)
def test_an_operator_certificate_that_is_not_a_time_stamping_one_is_refused(
    tmp_path: Path, usage: list[x509.ObjectIdentifier], critical: bool
) -> None:
    chain = make_chain("Zhejiang TSA", usage=usage, critical_usage=critical)
    directory = tmp_path / "keys" / "tsa"
    directory.mkdir(parents=True)
    (directory / "key.pem").write_bytes(key_pem(chain.key))
    (directory / "chain.pem").write_bytes(pem(*chain.certificates))
    with pytest.raises(tsa.TsaKeyError, match=r"RFC 3161 2\.3"):
        tsa.authority(Settings(data_dir=tmp_path))


def test_a_tsa_directory_without_its_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "keys" / "tsa").mkdir(parents=True)
    with pytest.raises(tsa.TsaKeyError, match="cannot load"):
        tsa.authority(Settings(data_dir=tmp_path))
