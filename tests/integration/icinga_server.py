"""A real Icinga 2 (Debian's ``icinga2``) on 127.0.0.1, as the current user.

``start_icinga()`` builds a private config tree in a temp dir (no /etc/icinga2, no
system state): a CA and a node certificate made with ``openssl`` (the client
verifies against that CA), the API feature bound to 127.0.0.1 on a free port, an
ApiUser with a random password, and one host per devcloud hypervisor
(devcloud-hv1..4, dummy checks, active checks off) each with a ``nova-compute``
service. The daemon runs in the foreground with every path constant (config, data,
log, cache, spool, run dirs) pointed into the temp dir and ``RunAsUser`` the
current user; ``stop()`` SIGTERMs it and removes the dir.

Test modules use it as a pytest plugin (``pytest_plugins = ["icinga_server"]``).
A missing binary fails the tests (``tools/services/ensure_monitoring.sh`` installs
it); it is never a skip.
"""

from __future__ import annotations

import grp
import os
import pwd
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

import pytest
import requests
from tls_certs import make_certificates

START_TIMEOUT = 90.0
BINARY = "icinga2"
INSTALL_HINT = "install it with tools/services/ensure_monitoring.sh"
HOSTS = ("devcloud-hv1", "devcloud-hv2", "devcloud-hv3", "devcloud-hv4")
SERVICE = "nova-compute"
API_USER = "ops"
NODE = "icinga-test"

_CONFIG = """\
const NodeName = "{node}"
const ZoneName = "{node}"
include <itl>

object Endpoint NodeName {{
}}
object Zone ZoneName {{
  endpoints = [ NodeName ]
}}
object ApiListener "api" {{
  bind_host = "127.0.0.1"
  bind_port = {port}
  cert_path = "{dir}/certs/{node}.crt"
  key_path = "{dir}/certs/{node}.key"
  ca_path = "{dir}/certs/ca.crt"
  accept_config = false
  accept_commands = false
}}
object ApiUser "{user}" {{
  password = "{password}"
  permissions = [ "*" ]
}}
object ApiUser "reader" {{
  password = "{password}"
  permissions = [ "objects/query/*" ]
}}
object CheckerComponent "checker" {{
}}
object FileLogger "main-log" {{
  severity = "information"
  path = "{dir}/log/icinga2.log"
}}
"""

_HOST = """\
object Host "{host}" {{
  check_command = "dummy"
  address = "127.0.0.1"
  enable_active_checks = false
}}
object Service "{service}" {{
  host_name = "{host}"
  check_command = "dummy"
  enable_active_checks = false
}}
"""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RunningIcinga:
    """An Icinga 2 started by ``start_icinga``; ``stop()`` ends it."""

    url: str
    username: str
    password: str = field(repr=False)
    ca_file: str
    directory: Path
    process: subprocess.Popen[bytes] = field(repr=False)

    def get(self, path: str, **kw: Any) -> Any:
        """``GET /v1<path>`` as the API user, verified against the test CA."""
        response = requests.get(
            f"{self.url}/v1{path}",
            auth=(self.username, self.password),
            verify=self.ca_file,
            headers={"Accept": "application/json"},
            timeout=10,
            **kw,
        )
        response.raise_for_status()
        return response.json()

    def downtimes(self, host: str | None = None) -> list[dict[str, Any]]:
        """The downtimes' attributes (of one host), from Icinga's own API."""
        rows = [r["attrs"] for r in self.get("/objects/downtimes")["results"]]
        return [r for r in rows if host is None or r["host_name"] == host]

    def log(self) -> str:
        """The daemon's output so far."""
        text = ""
        for name in ("out.log", "log/icinga2.log"):
            path = self.directory / name
            if path.exists():
                text += path.read_text(errors="replace")[-4000:]
        return text

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM the daemon (kill if it hangs) and remove the temp dir."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)


def start_icinga(hosts: tuple[str, ...] = HOSTS) -> RunningIcinga:
    """Start Icinga 2 on a private config tree and wait until its API answers."""
    binary = shutil.which(BINARY)
    if binary is None:
        raise RuntimeError(f"{BINARY} is not installed: {INSTALL_HINT}")
    if shutil.which("openssl") is None:
        raise RuntimeError("openssl is not installed (the test CA is made with it)")
    directory = Path(tempfile.mkdtemp(prefix="icinga2-"))
    for sub in ("etc", "data", "log", "cache", "spool", "run/icinga2/cmd"):
        (directory / sub).mkdir(parents=True, exist_ok=True)
    make_certificates(directory / "certs", NODE)
    port = free_port()
    password = secrets.token_urlsafe(16)
    config = _CONFIG.format(
        node=NODE, port=port, dir=directory, user=API_USER, password=password
    )
    config += "".join(_HOST.format(host=h, service=SERVICE) for h in hosts)
    (directory / "etc" / "icinga2.conf").write_text(config)
    user = pwd.getpwuid(os.getuid()).pw_name
    group = grp.getgrgid(os.getgid()).gr_name
    defines = {
        "RunAsUser": user,
        "RunAsGroup": group,
        "ConfigDir": directory / "etc",
        "DataDir": directory / "data",
        "LogDir": directory / "log",
        "CacheDir": directory / "cache",
        "SpoolDir": directory / "spool",
        "InitRunDir": directory / "run",
        "ZonesDir": directory / "etc" / "zones.d",
        "PkgDataDir": "/usr/share/icinga2",
    }
    command = [binary, "daemon", "-c", str(directory / "etc" / "icinga2.conf")]
    command += [f"-D{key}={value}" for key, value in defines.items()]
    out = (directory / "out.log").open("wb")
    process = subprocess.Popen(
        command, stdout=out, stderr=subprocess.STDOUT, cwd=directory
    )
    out.close()
    running = RunningIcinga(
        url=f"https://127.0.0.1:{port}",
        username=API_USER,
        password=password,
        ca_file=str(directory / "certs" / "ca.crt"),
        directory=directory,
        process=process,
    )
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            text = running.log()
            running.stop()
            raise RuntimeError(f"icinga2 exited at start:\n{text}")
        try:
            running.get("/status/IcingaApplication")
            return running
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            text = running.log()
            running.stop()
            raise RuntimeError(f"icinga2 did not answer in {START_TIMEOUT}s:\n{text}")
        time.sleep(0.5)


@pytest.fixture(scope="session")
def icinga() -> Iterator[RunningIcinga]:
    """One real Icinga 2 for the session; a missing binary fails loudly."""
    try:
        running = start_icinga()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    yield running
    running.stop()
