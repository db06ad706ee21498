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


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (state is index 0)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()
    except OSError:
        return None


def start_time(pid: int) -> int | None:
    """Kernel start time of ``pid`` (clock ticks since boot), None if gone."""
    fields = _stat(pid)
    return int(fields[19]) if fields and fields[0] != "Z" else None


def recorded(state: State, name: str) -> tuple[int, int] | None:
    """(pid, start time) from the PID file of ``name``."""
    try:
        pid, started = state.pidfile(name).read_text().split()
        return int(pid), int(started)
    except (OSError, ValueError):
        return None


def read_pid(state: State, name: str) -> int | None:
    """The PID recorded for ``name`` if that very process is still alive.

    A PID file holds the PID and the process start time, so a recycled PID
    is never mistaken for ours.
    """
    entry = recorded(state, name)
    if entry and start_time(entry[0]) == entry[1]:
        return entry[0]
    return None


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
    state.pidfile(name).write_text(f"{proc.pid} {start_time(proc.pid)}\n")
    return proc.pid


def session_members(leader: int, since: int) -> list[int]:
    """Live processes of the session ``leader`` started (it included).

    Every service is started in a session of its own, so this finds its
    children too (gunicorn workers, Erlang helpers) and nothing else.
    """
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat(int(entry.name))
        if (
            fields
            and fields[0] != "Z"
            and int(fields[3]) == leader
            and int(fields[19]) >= since
        ):
            members.append(int(entry.name))
    return members


def _signal_all(pids: list[int], sig: signal.Signals) -> None:
    """Send ``sig`` to each PID that still exists."""
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def stop_many(state: State, names: list[str], timeout: float = 20.0) -> list[str]:
    """SIGTERM the named services together, SIGKILL what is left after ``timeout``.

    Only processes in the sessions recorded in the PID files are signalled.
    Returns the names that had processes.
    """
    sessions = {name: entry for name in names if (entry := recorded(state, name))}
    running = {n: e for n, e in sessions.items() if session_members(*e)}
    for entry in running.values():
        _signal_all(session_members(*entry), signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(
        session_members(*e) for e in running.values()
    ):
        time.sleep(0.2)
    for entry in running.values():
        _signal_all(session_members(*entry), signal.SIGKILL)
    for entry in running.values():
        while session_members(*entry):
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
