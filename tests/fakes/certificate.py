"""A private CA and a certificate it signed for 127.0.0.1, so that fakes and test servers
speak TLS as Slack and managed Redis services do.

Made with the ``cryptography`` package (a dependency of the bot's, for its tokens), so no
``openssl`` command is needed. A client trusts the servers by loading ``ca`` as its CA file,
or, in a subprocess that builds its SSL contexts with ``ssl.create_default_context()`` as
aiohttp and redis-py do, by the environment variable ``SSL_CERT_FILE=ca``. The CA signs
rather than the certificate being self-signed, as a provider's private CA does, and the
certificate serves clients too: Redis replicas, Sentinels and cluster nodes present it to
each other. The CA signs a client certificate as well (``client_cert``, ``client_key``), the
one a Redis that requires them (``--tls-auth-clients yes``) asks the bot for; and it can sign
a server certificate that has expired, as one a provider forgot to renew.
"""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class Certificate:
    """PEM files: a CA's certificate, a certificate for 127.0.0.1 it signed, with its key,
    and a client's certificate it signed, with its key."""

    ca: Path
    cert: Path
    key: Path
    client_cert: Path
    client_key: Path

    @classmethod
    def make(cls, folder: Path, *, expired: bool = False) -> Certificate:
        """A new CA, a key and certificate for 127.0.0.1 and localhost, valid for a day (or,
        ``expired``, that was valid for a day until yesterday), and a client's."""
        now = datetime.datetime.now(datetime.UTC)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test CA")])
        ca = (
            _valid_a_day(x509.CertificateBuilder(), now, ca_name, ca_key.public_key())
            .issuer_name(ca_name)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_usage(cert_sign=True), critical=True)
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
            )
            .sign(ca_key, hashes.SHA256())
        )
        where = [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
        serving = [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
        since = now - datetime.timedelta(days=2) if expired else now
        made = cls(
            folder / "fake-ca.pem",
            folder / "fake-cert.pem",
            folder / "fake-key.pem",
            folder / "fake-client-cert.pem",
            folder / "fake-client-key.pem",
        )
        made.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
        _signed(made.cert, made.key, "127.0.0.1", since, serving, where, ca_name, ca_key)
        client = [ExtendedKeyUsageOID.CLIENT_AUTH]
        _signed(made.client_cert, made.client_key, "the bot", now, client, [], ca_name, ca_key)
        return made

    def server_context(self) -> ssl.SSLContext:
        """What a fake wraps its listening socket with."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context

    def client_context(self) -> ssl.SSLContext:
        """A client's default context that trusts this CA and nothing else."""
        return ssl.create_default_context(cafile=self.ca)


def _signed(
    cert: Path,
    key: Path,
    subject: str,
    since: datetime.datetime,
    usages: list[x509.ObjectIdentifier],
    names: list[x509.GeneralName],
    ca_name: x509.Name,
    ca_key: ec.EllipticCurvePrivateKey,
) -> None:
    """Write a new key, and a certificate for it that the CA signed, valid a day from ``since``."""
    own = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    builder = (
        _valid_a_day(x509.CertificateBuilder(), since, name, own.public_key())
        .issuer_name(ca_name)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
    )
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    cert.write_bytes(builder.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM))
    key.write_bytes(
        own.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def _valid_a_day(
    builder: x509.CertificateBuilder,
    now: datetime.datetime,
    subject: x509.Name,
    public_key: ec.EllipticCurvePublicKey,
) -> x509.CertificateBuilder:
    return (
        builder.subject_name(subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))  # a clock a little behind
        .not_valid_after(now + datetime.timedelta(days=1))
    )


def _usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=not cert_sign,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )
