"""``up``, ``down``, ``status`` and ``reset``."""

from __future__ import annotations

import shutil
import subprocess
import time

from . import configs, initialise, install, procs
from .outputs import write_outputs
from .progress import fail, say
from .services import Service, all_services
from .state import TOOL_DIR, State

INFRA = ["epmd", "mariadb", "rabbitmq"]
#: Started by ``up`` after the cloud and listed by ``status``, but the cloud works
#: without them: a failure to start one is a warning, and ``seed`` does not need them.
AUXILIARY = ["mailcatcher"]
#: Exit status of ``cloud_setup.py wait-computes`` when discover_hosts is needed.
NOT_MAPPED = 3


class StartError(RuntimeError):
    """A service died or did not become healthy in time."""


def tail(state: State, name: str, lines: int = 25) -> str:
    """The last lines of a service's log."""
    try:
        return "\n".join(
            state.log(name).read_text(errors="replace").splitlines()[-lines:]
        )
    except OSError:
        return "(no log)"


def start_and_wait(
    state: State, services: list[Service], timeout: float = 240.0
) -> None:
    """Start the services that are not running and wait until all are healthy."""
    started = []
    for service in services:
        if procs.read_pid(state, service.name) is None:
            procs.start(state, service.name, service.argv, service.env)
            started.append(service.name)
    if started:
        say(f"started {', '.join(started)}")
    pending = list(services)
    deadline = time.monotonic() + timeout
    while pending:
        for service in list(pending):
            if service.healthy(state):
                pending.remove(service)
                if service.name in started:
                    say(
                        f"  {service.name} is up"
                        + (f" on port {service.port}" if service.port else "")
                    )
            elif procs.read_pid(state, service.name) is None:
                raise StartError(f"{service.name} exited:\n{tail(state, service.name)}")
        if pending and time.monotonic() > deadline:
            names = ", ".join(s.name for s in pending)
            raise StartError(f"not healthy after {timeout:.0f} s: {names}")
        if pending:
            time.sleep(0.3)


def cloud_setup(state: State, step: str, ok_codes: tuple[int, ...] = (0,)) -> int:
    """Run one step of cloud_setup.py in the services virtualenv; its exit status."""
    return initialise.run_logged(
        state,
        "init-cloud",
        [str(state.python), str(TOOL_DIR / "cloud_setup.py"), step],
        ok_codes=ok_codes,
    )


def cloud_services(state: State) -> list[Service]:
    """The processes of the cloud itself (all but the auxiliary ones)."""
    return [s for s in all_services(state) if s.name not in AUXILIARY]


def start_auxiliary(state: State) -> list[str]:
    """Start the auxiliary services that are not running (the mail catcher); one
    that cannot start is reported as a warning. Returns the names left stopped."""
    left = []
    for service in all_services(state):
        if service.name not in AUXILIARY or service.healthy(state):
            continue
        if service.port and procs.tcp_open(service.port):
            say(
                f"warning: {service.name} not started: port {service.port} is in use "
                "by another process (one started by hand?)"
            )
            left.append(service.name)
            continue
        try:
            if service.name == "mailcatcher":
                install.ensure_mail_package(state)
            start_and_wait(state, [service], timeout=60)
        except (StartError, subprocess.CalledProcessError, OSError) as error:
            say(f"warning: {service.name} not started: {error}")
            left.append(service.name)
    return left


def up(state: State) -> int:
    """Install what is missing, initialise on first run, start everything."""
    services = {s.name: s for s in all_services(state)}
    if state.initialised_marker.exists() and all(
        s.healthy(state) for s in cloud_services(state)
    ):
        start_auxiliary(state)
        write_outputs(state)
        say(f"devcloud is already up (state {state.root})")
        return 0
    state.make_dirs()
    mark = time.monotonic()
    install.ensure_apt_packages()
    install.ensure_venv(state)
    say(f"phase install done in {time.monotonic() - mark:.1f} s")
    mark = time.monotonic()
    configs.write_all(state)
    fresh = not state.initialised_marker.exists()
    if fresh:
        initialise.init_mariadb_datadir(state)
    start_and_wait(state, [services[name] for name in INFRA])
    if fresh:
        initialise.create_databases(state)
        initialise.sync_schemas(state)
        say(f"phase init (schemas) done in {time.monotonic() - mark:.1f} s")
    start_and_wait(state, [services["keystone"]])
    if fresh:
        say("creating service users, catalog and the ordinary user")
        cloud_setup(state, "catalog")
    rest = [
        s
        for name, s in services.items()
        if name not in [*INFRA, "keystone", *AUXILIARY]
    ]
    start_and_wait(state, rest)
    say("waiting for the fake compute hosts to register")
    if cloud_setup(state, "wait-computes", ok_codes=(0, NOT_MAPPED)) == NOT_MAPPED:
        say("mapping the compute hosts into cell1 (discover_hosts)")
        initialise.discover_hosts(state)
        cloud_setup(state, "wait-hypervisors")
    if fresh:
        state.initialised_marker.write_text(time.ctime() + "\n")
    start_auxiliary(state)
    clouds, config = write_outputs(state)
    say(f"phase start done in {time.monotonic() - mark:.1f} s")
    say(f"devcloud is up: OS_CLIENT_CONFIG_FILE={clouds} OPENSTACK_OPS_CONFIG={config}")
    return 0


def down(state: State) -> int:
    """Stop exactly the processes recorded in the PID files."""
    names = [s.name for s in all_services(state)]
    openstack = [name for name in names if name not in INFRA]
    stopped = procs.stop_many(state, openstack)
    stopped += procs.stop_many(state, ["rabbitmq", "mariadb"], timeout=30)
    stopped += procs.stop_many(state, ["epmd"])
    say(
        f"stopped {len(stopped)} processes"
        + (f": {', '.join(stopped)}" if stopped else "")
    )
    return 0


def all_healthy(state: State) -> bool:
    """Whether the devcloud is initialised and every process of the cloud is healthy
    (what ``seed`` needs; the mail catcher is not part of it)."""
    return state.initialised_marker.exists() and all(
        s.healthy(state) for s in cloud_services(state)
    )


def status(state: State) -> int:
    """Print PID, port and health of every service; 0 when all are healthy."""
    healthy = True
    print(f"state: {state.root}")
    print(f"{'SERVICE':26} {'PID':>8} {'PORT':>6}  HEALTH")
    for service in all_services(state):
        pid = procs.read_pid(state, service.name)
        ok = service.healthy(state)
        healthy &= ok
        health = "ok" if ok else ("unhealthy" if pid else "stopped")
        print(f"{service.name:26} {pid or '-':>8} {service.port or '-':>6}  {health}")
    if not state.initialised_marker.exists():
        print("not initialised: ./tools/devcloud/devcloud up")
        healthy = False
    return 0 if healthy else 1


def reset(state: State) -> int:
    """Stop, wipe everything but the virtualenv, initialise again."""
    down(state)
    if state.root.exists():
        for entry in state.root.iterdir():
            if entry.name != "venv":
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    say(f"wiped {state.root} (kept the virtualenv)")
    return up(state)


def print_log(state: State, name: str) -> int:
    """Print one service's log (init logs too: init-keystone, init-nova, ...)."""
    path = state.log(name)
    if not path.exists():
        known = (
            sorted(p.stem for p in state.logs.glob("*.log"))
            if state.logs.exists()
            else []
        )
        fail(f"no log for {name!r}; known: {', '.join(known) or 'none'}")
        return 1
    with path.open("rb") as log:
        shutil.copyfileobj(log, __import__("sys").stdout.buffer)
    return 0


def run_in_venv(state: State, script: str, args: list[str]) -> int:
    """Run one of the tool's scripts with the services virtualenv's Python."""
    return subprocess.run([str(state.python), str(TOOL_DIR / script), *args]).returncode
