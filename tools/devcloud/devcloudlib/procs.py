"""Start, find and stop the processes the devcloud owns (PID files only)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from .state import State

#: Environment marker put on every process we start; checked before signalling
#: a PID from a PID file so a recycled PID is never touched.
MARKER = "OPENSTACK_OPS_DEVCLOUD_PROCESS"


def read_pid(state: State, name: str) -> int | None:
    """The PID recorded for ``name`` if that process is still ours and alive."""
    pidfile = state.pidfile(name)
    try:
        pid = int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if is_ours(state, name, pid) else None


def is_ours(state: State, name: str, pid: int) -> bool:
    """Whether ``pid`` is alive and was started by this devcloud as ``name``."""
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        status = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    if status.rsplit(")", 1)[-1].split()[0] == "Z":
        return False
    return f"{MARKER}={state.root}:{name}".encode() in environ


def start(
    state: State,
    name: str,
    argv: list[str],
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> int:
    """Start ``argv`` in its own session, logging to ``logs/<name>.log``."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    full_env[MARKER] = f"{state.root}:{name}"
    log = state.log(name).open("ab")
    log.write(f"\n===== devcloud start {time.ctime()}: {' '.join(argv)}\n".encode())
    log.flush()
    proc = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=full_env,
        cwd=str(cwd or state.root),
        start_new_session=True,
    )
    log.close()
    state.pidfile(name).write_text(f"{proc.pid}\n")
    return proc.pid


def group_members(state: State, name: str, pgid: int) -> list[int]:
    """PIDs of our processes in process group ``pgid`` (children included)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[-1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z" and is_ours(state, name, int(entry.name)):
            members.append(int(entry.name))
    return members


def signal_group(state: State, name: str, pid: int, sig: signal.Signals) -> None:
    """Send ``sig`` to every process of ours in the group led by ``pid``."""
    for member in group_members(state, name, pid):
        try:
            os.kill(member, sig)
        except ProcessLookupError:
            pass


def stop_many(state: State, names: list[str], timeout: float = 20.0) -> list[str]:
    """SIGTERM the named services together, SIGKILL what is left after ``timeout``.

    Returns the names that were running.
    """
    running = {name: pid for name in names if (pid := read_pid(state, name))}
    for name, pid in running.items():
        signal_group(state, name, pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(group_members(state, n, p) for n, p in running.items()):
            break
        time.sleep(0.2)
    for name, pid in running.items():
        if group_members(state, name, pid):
            signal_group(state, name, pid, signal.SIGKILL)
    for name, pid in running.items():
        while group_members(state, name, pid):
            time.sleep(0.1)
    for name in names:
        state.pidfile(name).unlink(missing_ok=True)
    return list(running)


def tcp_open(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def http_status(url: str) -> int | None:
    """HTTP status of a GET on ``url`` (None when nothing answers)."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (OSError, ValueError):
        return None
