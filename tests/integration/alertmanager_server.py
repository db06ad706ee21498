"""A real Alertmanager (Debian's ``prometheus-alertmanager``) on 127.0.0.1.

``start_alertmanager()`` writes a minimal config (one receiver that sends nothing)
into a temp dir, starts the binary on a free loopback port without clustering, and
waits for ``GET /api/v2/status`` to answer. ``amtool`` (same package) is an
independent client the tests check silences with.

``start_alertmanager(secured=True)`` serves HTTPS with a throw-away CA
(``tls_certs``) and requires basic auth (``--web.config.file``: one user with a
bcrypt-hashed random password), as a production Alertmanager may.

Test modules use it as a pytest plugin (``pytest_plugins = ["alertmanager_server"]``):
the session-scoped ``alertmanager`` (plain) and ``secured_alertmanager`` fixtures
start one each for the whole run and stop them afterwards. A missing binary fails the tests (``tools/services/ensure_monitoring.sh``
installs it); it is never a skip.
"""

from __future__ import annotations

import json
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bcrypt
import pytest
import requests
from tls_certs import make_certificates

START_TIMEOUT = 60.0
BINARY = "prometheus-alertmanager"
INSTALL_HINT = "install it with tools/services/ensure_monitoring.sh"

_CONFIG = """\
route:
  receiver: blackhole
receivers:
  - name: blackhole
"""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


#: The basic-auth user of a secured Alertmanager.
SECURED_USER = "ops"


@dataclass
class RunningAlertmanager:
    """An Alertmanager started by ``start_alertmanager``; ``stop()`` ends it.
    A secured one has ``password`` (user ``SECURED_USER``) and ``ca_file``."""

    url: str
    directory: Path
    process: subprocess.Popen[bytes] = field(repr=False)
    password: str | None = field(default=None, repr=False)
    ca_file: str | None = None

    def get(self, path: str) -> requests.Response:
        """GET from the API, authenticated and verified when secured."""
        auth = (SECURED_USER, self.password) if self.password else None
        return requests.get(
            f"{self.url}{path}", auth=auth, verify=self.ca_file or True, timeout=10
        )

    def silences(self) -> list[dict[str, Any]]:
        """Every silence, from Alertmanager's own API."""
        response = self.get("/api/v2/silences")
        response.raise_for_status()
        return list(response.json())

    def live_silences(self) -> list[dict[str, Any]]:
        """Active and pending silences."""
        return [
            s
            for s in self.silences()
            if s.get("status", {}).get("state") in ("active", "pending")
        ]

    def amtool(self, *args: str) -> str:
        """Run ``amtool --alertmanager.url=<url> ARGS`` and return its stdout."""
        binary = shutil.which("amtool")
        assert binary, f"amtool is not installed: {INSTALL_HINT}"
        done = subprocess.run(
            [binary, f"--alertmanager.url={self.url}", *args],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def amtool_silence_ids(self) -> list[str]:
        """The ids ``amtool silence query`` lists (active and pending)."""
        rows = json.loads(self.amtool("silence", "query", "-o", "json") or "[]")
        return [str(row["id"]) for row in rows or []]

    def log(self) -> str:
        """The process's output so far."""
        path = self.directory / "alertmanager.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM it (kill if it hangs) and remove the temp dir."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)


def _web_config(directory: Path, password: str) -> Path:
    """Alertmanager's web config: TLS with a throw-away CA, one basic-auth user."""
    make_certificates(directory / "certs", "alertmanager-test")
    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()
    path = directory / "web.yml"
    path.write_text(
        "tls_server_config:\n"
        f"  cert_file: {directory / 'certs' / 'alertmanager-test.crt'}\n"
        f"  key_file: {directory / 'certs' / 'alertmanager-test.key'}\n"
        "basic_auth_users:\n"
        f"  {SECURED_USER}: '{hashed}'\n"
    )
    return path


def start_alertmanager(secured: bool = False) -> RunningAlertmanager:
    """Start Alertmanager in a fresh temp dir and wait until its API answers."""
    binary = shutil.which(BINARY)
    if binary is None:
        raise RuntimeError(f"{BINARY} is not installed: {INSTALL_HINT}")
    directory = Path(tempfile.mkdtemp(prefix="alertmanager-"))
    (directory / "alertmanager.yml").write_text(_CONFIG)
    port = free_port()
    command = [
        binary,
        f"--config.file={directory / 'alertmanager.yml'}",
        f"--storage.path={directory / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--cluster.listen-address=",
    ]
    password = ca_file = None
    if secured:
        password = secrets.token_urlsafe(16)
        command.append(f"--web.config.file={_web_config(directory, password)}")
        ca_file = str(directory / "certs" / "ca.crt")
    url = f"{'https' if secured else 'http'}://127.0.0.1:{port}"
    log = (directory / "alertmanager.log").open("wb")
    process = subprocess.Popen(
        command, stdout=log, stderr=subprocess.STDOUT, cwd=directory
    )
    log.close()
    running = RunningAlertmanager(url, directory, process, password, ca_file)
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            text = running.log()
            running.stop()
            raise RuntimeError(f"alertmanager exited at start:\n{text}")
        try:
            if running.get("/api/v2/status").status_code == 200:
                return running
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            text = running.log()
            running.stop()
            raise RuntimeError(
                f"alertmanager did not answer in {START_TIMEOUT}s:\n{text}"
            )
        time.sleep(0.2)


def _session_alertmanager(secured: bool) -> Iterator[RunningAlertmanager]:
    try:
        running = start_alertmanager(secured=secured)
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def alertmanager() -> Iterator[RunningAlertmanager]:
    """One real Alertmanager for the session; a missing binary fails loudly."""
    yield from _session_alertmanager(secured=False)


@pytest.fixture(scope="session")
def secured_alertmanager() -> Iterator[RunningAlertmanager]:
    """One real Alertmanager over HTTPS with basic auth, for the session."""
    yield from _session_alertmanager(secured=True)
