"""A real Alertmanager (Debian's ``prometheus-alertmanager``) on 127.0.0.1.

``start_alertmanager()`` writes a minimal config (one receiver that sends nothing)
into a temp dir, starts the binary on a free loopback port without clustering, and
waits for ``GET /api/v2/status`` to answer. ``amtool`` (same package) is an
independent client the tests check silences with.

Test modules use it as a pytest plugin (``pytest_plugins = ["alertmanager_server"]``):
the session-scoped ``alertmanager`` fixture starts one for the whole run and stops it
afterwards. A missing binary fails the tests (``tools/services/ensure_monitoring.sh``
installs it); it is never a skip.
"""

from __future__ import annotations

import json
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

import pytest
import requests

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


@dataclass
class RunningAlertmanager:
    """An Alertmanager started by ``start_alertmanager``; ``stop()`` ends it."""

    url: str
    directory: Path
    process: subprocess.Popen[bytes] = field(repr=False)

    def silences(self) -> list[dict[str, Any]]:
        """Every silence, from Alertmanager's own API."""
        response = requests.get(f"{self.url}/api/v2/silences", timeout=10)
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


def start_alertmanager() -> RunningAlertmanager:
    """Start Alertmanager in a fresh temp dir and wait until its API answers."""
    binary = shutil.which(BINARY)
    if binary is None:
        raise RuntimeError(f"{BINARY} is not installed: {INSTALL_HINT}")
    directory = Path(tempfile.mkdtemp(prefix="alertmanager-"))
    (directory / "alertmanager.yml").write_text(_CONFIG)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (directory / "alertmanager.log").open("wb")
    process = subprocess.Popen(
        [
            binary,
            f"--config.file={directory / 'alertmanager.yml'}",
            f"--storage.path={directory / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=directory,
    )
    log.close()
    running = RunningAlertmanager(url, directory, process)
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            text = running.log()
            running.stop()
            raise RuntimeError(f"alertmanager exited at start:\n{text}")
        try:
            if requests.get(f"{url}/api/v2/status", timeout=2).status_code == 200:
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


@pytest.fixture(scope="session")
def alertmanager() -> Iterator[RunningAlertmanager]:
    """One real Alertmanager for the session; a missing binary fails loudly."""
    try:
        running = start_alertmanager()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    yield running
    running.stop()
