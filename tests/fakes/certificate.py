"""A self-signed certificate for 127.0.0.1, so a fake can speak HTTPS as Slack does.

Made with the ``openssl`` command line (the ``cryptography`` package is not a dependency).
A client trusts it by loading ``cert`` as its CA file, or, in a subprocess that builds its
SSL contexts with ``ssl.create_default_context()`` as aiohttp does, by the environment
variable ``SSL_CERT_FILE=cert``.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Certificate:
    """The PEM files of a self-signed certificate and its key."""

    cert: Path
    key: Path

    @classmethod
    def make(cls, folder: Path) -> Certificate:
        """A new key and a certificate for 127.0.0.1 and localhost, valid for a day."""
        openssl = shutil.which("openssl")
        if openssl is None:
            raise RuntimeError("making a certificate needs the openssl command")
        made = cls(folder / "fake-cert.pem", folder / "fake-key.pem")
        subprocess.run(
            [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
             "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
             "-keyout", str(made.key), "-out", str(made.cert)],
            check=True,
            capture_output=True,
        )  # fmt: skip
        return made

    def server_context(self) -> ssl.SSLContext:
        """What a fake wraps its listening socket with."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context

    def client_context(self) -> ssl.SSLContext:
        """A client's default context that trusts this certificate and nothing else."""
        return ssl.create_default_context(cafile=self.cert)
