"""TLS for the stand-in: a local certificate authority and a server certificate for 127.0.0.1.

The stand-in serves HTTPS, as AWS does, so a bucket policy's TLS-only Deny (``aws:SecureTransport``)
is evaluated against real TLS requests instead of being switched off locally. Clients trust the
local CA through ``AWS_CA_BUNDLE`` (boto3, the AWS provider and Terragrunt all read it), which
points at a bundle of the system's CAs plus this one, so nothing else a process talks to breaks.

The files live in build/standin/tls/ of the clone, are made once (valid for ten years) and reused:
a stand-in on another port needs no new certificate.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TLS_DIR = ROOT / "build" / "standin" / "tls"
SYSTEM_CA_FILES = ("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt")
VALID_DAYS = 3650


@dataclass(frozen=True)
class TlsFiles:
    ca_cert: Path
    server_cert: Path
    server_key: Path
    bundle: Path  # the system's CAs plus the local CA: what AWS_CA_BUNDLE points at
    java_truststore: Path  # the local CA for a JVM (-Djavax.net.ssl.trustStore), PKCS12


def tls_files(directory: Path = TLS_DIR) -> TlsFiles:
    return TlsFiles(
        ca_cert=directory / "ca.pem",
        server_cert=directory / "server.pem",
        server_key=directory / "server-key.pem",
        bundle=directory / "ca-bundle.pem",
        java_truststore=directory / "truststore.p12",
    )


def ensure_tls_files(directory: Path = TLS_DIR) -> TlsFiles:
    """The CA, server certificate and bundle, created on first use."""
    files = tls_files(directory)
    paths = (files.ca_cert, files.server_cert, files.server_key, files.bundle, files.java_truststore)
    if all(path.exists() for path in paths) and _meets_strict_verification(files.server_cert):
        return files
    directory.mkdir(parents=True, exist_ok=True)
    ca_pem, server_pem, key_pem = _make_certificates()
    _write_private(files.server_key, key_pem)
    files.server_cert.write_bytes(server_pem)
    files.ca_cert.write_bytes(ca_pem)
    system = next((Path(path) for path in SYSTEM_CA_FILES if Path(path).exists()), None)
    files.bundle.write_bytes((system.read_bytes() if system else b"") + b"\n" + ca_pem)
    files.java_truststore.write_bytes(_java_truststore(ca_pem))
    return files


JAVA_TRUSTSTORE_PASSWORD = "standin"  # noqa: S105  # pragma: allowlist secret (a trust store holds no secret)


def _java_truststore(ca_pem: bytes) -> bytes:
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

    certificate = pkcs12.PKCS12Certificate(x509.load_pem_x509_certificate(ca_pem), b"standin-ca")
    return pkcs12.serialize_java_truststore(
        [certificate], BestAvailableEncryption(JAVA_TRUSTSTORE_PASSWORD.encode())
    )


def _meets_strict_verification(server_cert: Path) -> bool:
    """Whether a certificate made earlier passes Python 3.13's VERIFY_X509_STRICT.

    Strict verification (the default from Python 3.13) wants key identifiers; certificates made
    by an earlier version of this module lack them and are made again.
    """
    from cryptography import x509

    certificate = x509.load_pem_x509_certificate(server_cert.read_bytes())
    try:
        certificate.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier)
    except x509.ExtensionNotFound:
        return False
    return True


def _write_private(path: Path, data: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


def _make_certificates() -> tuple[bytes, bytes, bytes]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)
    not_after = now + datetime.timedelta(days=VALID_DAYS)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "file-processor local stand-in CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(not_after)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(server_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key_pem = server_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return (
        ca_cert.public_bytes(serialization.Encoding.PEM),
        server_cert.public_bytes(serialization.Encoding.PEM),
        key_pem,
    )
