"""A real JupyterHub on 127.0.0.1 for the integration tests and for local runs.

``start_hub()`` writes a ``jupyterhub_config.py`` into a temp dir, starts
``jupyterhub`` on free loopback ports (dummy authenticator, the simple local-process
spawner running JupyterHub's tiny mock single-user server, the pure-Python
``configurable-http-proxy``) and waits for ``GET /hub/api/`` to answer. It declares two
service tokens: ``admin_token`` (the admin role, what the pack's ``jupyter_envs`` need)
and ``reader_token`` (only ``list:users`` and ``read:users``, for the 403 test).

Users whose name starts with ``slow_prefix`` spawn slowly: their spawner command waits
until ``RunningHub.release(name)`` is called (or ``slow_seconds`` pass) before starting
the server. Starting them answers 202 (pending) after the hub's ``slow_spawn_timeout``,
and they stay pending until released, so tests of waiting do not depend on timing.

Test modules use it as a pytest plugin (``pytest_plugins = ["jupyterhub_server"]``), so
the session-scoped ``jupyterhub`` fixture below exists once and one hub serves them all.

Run it in the foreground for manual work (prints the URL and the admin token)::

    .venv/bin/python -m tests.integration.jupyterhub_server [--port 8000]
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

START_TIMEOUT = 60.0
SLOW_PREFIX = "slow-"
SLOW_SECONDS = 50.0
#: The hub answers 202 (pending) when a spawn takes longer than this.
SLOW_SPAWN_TIMEOUT = 3

_SPAWN_WRAPPER = """\
import os, sys, time
user = os.environ.get("JUPYTERHUB_USER", "")
if user.startswith({prefix!r}):
    release = os.path.join({release_dir!r}, user)
    deadline = time.monotonic() + {seconds!r}
    while not os.path.exists(release) and time.monotonic() < deadline:
        time.sleep(0.1)
os.execv(sys.executable, [sys.executable, "-m", "jupyterhub.tests.mocksu", *sys.argv[1:]])
"""

_CONFIG = """\
import sys
c = get_config()  # noqa: F821
c.JupyterHub.bind_url = "http://127.0.0.1:{port}/"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{hub_port}"
c.JupyterHub.db_url = "sqlite:///{dir}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{dir}/cookie_secret"
c.JupyterHub.pid_file = "{dir}/jupyterhub.pid"
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allow_all = True
c.JupyterHub.spawner_class = "simple"
c.Spawner.cmd = [sys.executable, "{dir}/spawn.py"]
c.Spawner.ip = "127.0.0.1"
c.Spawner.start_timeout = 60
c.Spawner.http_timeout = 60
c.JupyterHub.tornado_settings = {{"slow_spawn_timeout": {slow_spawn_timeout}}}
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.ConfigurableHTTPProxy.pid_file = "{dir}/proxy.pid"
c.JupyterHub.services = [
    {{"name": "ops", "api_token": {admin_token!r}}},
    {{"name": "reader", "api_token": {reader_token!r}}},
]
c.JupyterHub.load_roles = [
    {{"name": "admin", "services": ["ops"]}},
    {{"name": "users-reader", "scopes": ["list:users", "read:users"], "services": ["reader"]}},
]
"""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now (bind to 0, read, close)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def proxy_command() -> str:
    """The ``configurable-http-proxy`` next to this interpreter, else on ``PATH``."""
    local = Path(sys.executable).parent / "configurable-http-proxy"
    found = str(local) if local.exists() else shutil.which("configurable-http-proxy")
    if not found:
        raise RuntimeError("configurable-http-proxy is not installed")
    return found


@dataclass
class RunningHub:
    """A hub process started by ``start_hub``; ``stop()`` ends it (SIGTERM)."""

    url: str
    admin_token: str = field(repr=False)
    reader_token: str = field(repr=False)
    directory: Path
    process: subprocess.Popen[bytes] = field(repr=False)
    slow_prefix: str = SLOW_PREFIX

    @property
    def api_url(self) -> str:
        """Base of the REST API."""
        return f"{self.url}/hub/api"

    def release(self, *names: str) -> None:
        """Let the pending spawns of these slow users go on."""
        for name in names:
            (self.directory / "release" / name).touch()

    def log(self) -> str:
        """The hub's log so far (for failure messages)."""
        path = self.directory / "jupyterhub.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM the hub (it stops its servers and proxy), kill it if it hangs."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)


def start_hub(
    port: int | None = None,
    slow_prefix: str = SLOW_PREFIX,
    slow_seconds: float = SLOW_SECONDS,
    admin_token: str | None = None,
) -> RunningHub:
    """Start a hub in a fresh temp dir and wait until its API answers."""
    directory = Path(tempfile.mkdtemp(prefix="jupyterhub-"))
    (directory / "release").mkdir()
    port = port or free_port()
    admin_token = admin_token or secrets.token_hex(24)
    reader_token = secrets.token_hex(24)
    (directory / "spawn.py").write_text(
        _SPAWN_WRAPPER.format(
            prefix=slow_prefix,
            seconds=slow_seconds,
            release_dir=str(directory / "release"),
        )
    )
    (directory / "jupyterhub_config.py").write_text(
        _CONFIG.format(
            port=port,
            hub_port=free_port(),
            proxy_api_port=free_port(),
            dir=directory,
            proxy=proxy_command(),
            admin_token=admin_token,
            reader_token=reader_token,
            slow_spawn_timeout=SLOW_SPAWN_TIMEOUT,
        )
    )
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    with open(directory / "jupyterhub.log", "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", "jupyterhub_config.py"],
            cwd=directory,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
    hub = RunningHub(
        url=f"http://127.0.0.1:{port}",
        admin_token=admin_token,
        reader_token=reader_token,
        directory=directory,
        process=process,
        slow_prefix=slow_prefix,
    )
    try:
        _wait_until_up(hub)
    except BaseException:
        log_text = hub.log()
        hub.stop()
        raise RuntimeError(f"JupyterHub did not come up:\n{log_text[-4000:]}") from None
    return hub


def _wait_until_up(hub: RunningHub) -> None:
    """Poll ``GET /hub/api/`` until it answers 200 (or the process dies)."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if hub.process.poll() is not None:
            raise RuntimeError(f"jupyterhub exited with {hub.process.returncode}")
        try:
            if requests.get(f"{hub.api_url}/", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.25)
    raise TimeoutError(f"no answer from {hub.api_url}/ within {START_TIMEOUT} s")


@pytest.fixture(scope="session")
def jupyterhub() -> Iterator[RunningHub]:
    """One real hub for the whole test session, stopped (SIGTERM) at the end."""
    hub = start_hub()
    try:
        yield hub
    finally:
        hub.stop()


def main(argv: list[str] | None = None) -> int:
    """Start a hub in the foreground until Ctrl-C, printing how to reach it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=None, help="public port")
    parser.add_argument("--token", default=None, help="admin service token")
    args = parser.parse_args(argv)
    hub = start_hub(port=args.port, admin_token=args.token)
    print(f"url: {hub.url}\ntoken: {hub.admin_token}\ndir: {hub.directory}")
    print("pack config entry:")
    print(f"  jupyter_envs:\n    - name: local\n      url: {hub.url}")
    print(f"      token: {hub.admin_token}", flush=True)
    stop = False

    def _stop(*_: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        while not stop and hub.process.poll() is None:
            time.sleep(0.5)
    finally:
        hub.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
