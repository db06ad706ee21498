"""A real SMTP server (aiosmtpd) on 127.0.0.1 for the email tests and benchmark.

``SMTPTestServer`` runs aiosmtpd in its own thread in one of three modes: ``plain``,
``starttls`` (STARTTLS required, AUTH required) or ``ssl`` (implicit TLS, AUTH
required). The TLS certificate is self-signed and made on the fly with
``cryptography`` (SAN: IP 127.0.0.1 and localhost unless ``cert_names`` says else). Everything that arrives is kept
in ``messages`` (envelope and parsed content); ``connections`` counts the client
connections.

Fault injection: ``drop_after=k`` makes the server hang up, without answering, on the
DATA of the message after the k-th one it accepted; ``drops`` is how many times it
does so (``None``: every message from then on), so one test can see a reconnect
succeed and another see it fail.

Importable by the tests in this directory (``from smtp_server import ...``); it
needs no OpenStack and requests no fixtures of ``conftest.py``.
"""

from __future__ import annotations

import datetime
import email
import email.policy
import ipaddress
import socket
import ssl
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal, Self

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

Mode = Literal["plain", "starttls", "ssl"]
HOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 (aiosmtpd cannot bind port 0 itself)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


DEFAULT_CERT_NAMES = (HOST, "localhost")


def make_self_signed_cert(
    directory: Path, names: tuple[str, ...] = DEFAULT_CERT_NAMES
) -> Path:
    """Write ``cert.pem`` and ``key.pem`` into ``directory``: a self-signed
    certificate whose subject alternative names are ``names`` (IP addresses or DNS
    names). Returns the cert path (also the CA file a client must trust)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([_general_name(n) for n in names]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path = directory / "cert.pem"
    key_path = directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path


def _general_name(name: str) -> x509.GeneralName:
    """An IP address or DNS name entry of a subject alternative name."""
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


@dataclass
class Received:
    """One message the server accepted."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    login: str | None

    @property
    def message(self) -> EmailMessage:
        """The parsed message, line ends normalised to LF as a mail store would."""
        data = self.data.replace(b"\r\n", b"\n")
        parsed = email.message_from_bytes(data, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


class _Handler:
    """Records accepted messages and injects connection drops."""

    def __init__(self, server: SMTPTestServer) -> None:
        self._server = server

    async def handle_DATA(
        self, smtp: SMTP, session: Session, envelope: Envelope
    ) -> str:
        owner = self._server
        with owner.lock:
            if owner.should_drop():
                owner.dropped += 1
                assert smtp.transport is not None
                smtp.transport.abort()  # hang up without answering the DATA
                return "421 dropped by the test"  # never reaches the client
            content = envelope.original_content or envelope.content or b""
            if isinstance(content, str):
                content = content.encode("utf-8")
            owner.messages.append(
                Received(
                    mail_from=str(envelope.mail_from),
                    rcpt_tos=list(envelope.rcpt_tos),
                    data=content,
                    login=_login_name(session),
                )
            )
        return "250 OK"


def _login_name(session: Session) -> str | None:
    """The user the session authenticated as, if any."""
    data = session.auth_data
    return None if data is None else str(data)


class _Controller(Controller):
    """A controller that counts the SMTP sessions it creates."""

    def __init__(self, owner: SMTPTestServer, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._owner = owner

    def factory(self) -> SMTP:
        with self._owner.lock:
            self._owner.connections += 1
        return super().factory()


class SMTPTestServer:
    """aiosmtpd on 127.0.0.1 in ``mode``; use as a context manager."""

    def __init__(
        self,
        mode: Mode = "plain",
        *,
        cert_dir: Path | None = None,
        users: dict[str, str] | None = None,
        drop_after: int | None = None,
        drops: int | None = 1,
        cert_names: tuple[str, ...] = DEFAULT_CERT_NAMES,
    ) -> None:
        if mode != "plain" and cert_dir is None:
            raise ValueError(f"mode {mode!r} needs cert_dir for its certificate")
        self.mode = mode
        self.users = dict(users or {})
        self.drop_after = drop_after
        self.drops = drops
        self.port = free_port()
        self.cert_path: Path | None = None
        self.lock = threading.Lock()
        self.messages: list[Received] = []
        self.connections = 0
        self.dropped = 0
        self.failed_logins = 0
        kwargs: dict[str, Any] = {"hostname": HOST, "port": self.port}
        if mode != "plain":
            assert cert_dir is not None
            self.cert_path = make_self_signed_cert(cert_dir, cert_names)
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(self.cert_path, cert_dir / "key.pem")
            kwargs.update(authenticator=self._authenticate, auth_required=True)
            if mode == "starttls":
                kwargs.update(tls_context=context, require_starttls=True)
            else:
                kwargs.update(ssl_context=context, auth_require_tls=False)
        self._controller = _Controller(self, _Handler(self), **kwargs)

    def should_drop(self) -> bool:
        """Whether the message now arriving is to be dropped (lock held)."""
        if self.drop_after is None or len(self.messages) < self.drop_after:
            return False
        return self.drops is None or self.dropped < self.drops

    def _authenticate(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        mechanism: str,
        auth_data: Any,
    ) -> AuthResult:
        """Accept exactly the configured users; a refusal must be handled=False or
        the client hangs."""
        if isinstance(auth_data, LoginPassword):
            login = auth_data.login.decode()
            if self.users.get(login) == auth_data.password.decode():
                return AuthResult(success=True, auth_data=login)
        with self.lock:
            self.failed_logins += 1
        return AuthResult(success=False, handled=False)

    def start(self) -> Self:
        """Start serving; the controller's own readiness probe is not counted."""
        self._controller.start()
        with self.lock:
            self.connections = 0
        return self

    def stop(self) -> None:
        """Stop serving."""
        self._controller.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def account_config(self, **overrides: Any) -> dict[str, Any]:
        """A pack config ``smtp_accounts`` entry pointing at this server."""
        entry: dict[str, Any] = {
            "name": f"test-{self.mode}",
            "host": HOST,
            "port": self.port,
            "security": {"plain": "none"}.get(self.mode, self.mode),
            "from_address": "Cloud Ops <ops@example.org>",
            "timeout": 10,
        }
        if self.cert_path is not None:
            entry["cacert"] = str(self.cert_path)
        entry.update(overrides)
        return entry
