"""Install what the devcloud needs: Debian packages and the services virtualenv."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

from .progress import say
from .state import APT_PACKAGES, MAIL_PACKAGE, PIP_PACKAGES, TOOL_DIR, State

#: Programs the devcloud runs from the Debian packages.
REQUIRED_PROGRAMS = {
    "mariadbd": "mariadb-server",
    "mariadb-install-db": "mariadb-server",
    "mariadb": "mariadb-server",
    "epmd": "erlang-base",
}
RABBITMQ_SERVER = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")
POLICY_RC_D = Path("/usr/sbin/policy-rc.d")


class InstallError(RuntimeError):
    """Something the devcloud needs is missing and could not be installed."""


def missing_programs() -> list[str]:
    """Debian packages whose programs are not on this machine."""
    missing = {pkg for prog, pkg in REQUIRED_PROGRAMS.items() if not _which(prog)}
    if not RABBITMQ_SERVER.exists():
        missing.add("rabbitmq-server")
    return sorted(missing)


def _which(program: str) -> str | None:
    """Find a program on PATH or in the sbin directories."""
    path = os.environ.get("PATH", "") + ":/usr/sbin:/sbin"
    return shutil.which(program, path=path)


def ensure_apt_packages() -> None:
    """Install MariaDB and RabbitMQ from Debian when absent (root only)."""
    if not missing_programs():
        return
    if os.geteuid() != 0:
        raise InstallError(
            "missing Debian packages; install them and re-run:\n"
            f"    sudo apt-get install -y {' '.join(APT_PACKAGES)}"
        )
    say(f"apt-get install -y {' '.join(APT_PACKAGES)}")
    # Keep Debian's maintainer scripts from starting system-wide daemons: the
    # devcloud runs private instances on its own ports.
    own_policy = not POLICY_RC_D.exists()
    if own_policy:
        POLICY_RC_D.write_text(
            "#!/bin/sh\n# written by tools/devcloud/devcloud\nexit 101\n"
        )
        POLICY_RC_D.chmod(0o755)
    try:
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        install = ["apt-get", "install", "-y", "--no-install-recommends", *APT_PACKAGES]
        if subprocess.run(install, env=env, stdout=subprocess.DEVNULL).returncode != 0:
            say("apt-get install failed; running apt-get update and retrying")
            subprocess.run(
                ["apt-get", "update"], env=env, check=True, stdout=subprocess.DEVNULL
            )
            subprocess.run(install, env=env, check=True, stdout=subprocess.DEVNULL)
    finally:
        if own_policy:
            POLICY_RC_D.unlink(missing_ok=True)
    still = missing_programs()
    if still:
        raise InstallError(f"still missing after apt-get: {', '.join(still)}")


def _driver_digest() -> str:
    """Hash of the ML2 driver sources, to reinstall it when they change."""
    digest = hashlib.sha256()
    for path in sorted((TOOL_DIR / "ml2_driver").rglob("*")):
        if (
            path.is_file()
            and "egg-info" not in str(path)
            and path.suffix in (".py", ".toml")
        ):
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _pip_install(state: State, *args: str) -> None:
    """``pip install -q`` into the services venv, dropping pip's noise about
    configured package locations that do not exist on this machine (one warning
    per package); every other line of pip's stderr is passed through."""
    command = [str(state.python), "-m", "pip", "install", "-q"]
    command += ["--disable-pip-version-check", *args]
    proc = subprocess.run(command, stderr=subprocess.PIPE, text=True)
    for line in proc.stderr.splitlines():
        if not line.startswith("WARNING: Location "):
            print(line, file=sys.stderr)
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, command)


def ensure_venv(state: State) -> None:
    """Create the services virtualenv and install the pinned OpenStack releases."""
    marker = state.venv / "devcloud-packages.txt"
    wanted = "\n".join(PIP_PACKAGES) + "\n"
    if not (marker.exists() and marker.read_text() == wanted and state.python.exists()):
        say(f"creating the services virtualenv {state.venv} (pip install, ~80 s)")
        if not state.python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(state.venv)], check=True)
        _pip_install(state, "--upgrade", "pip", "setuptools", "wheel")
        _pip_install(state, *PIP_PACKAGES)
        marker.write_text(wanted)
    ensure_ml2_driver(state)
    ensure_mail_package(state)


def ensure_mail_package(state: State) -> None:
    """pip-install the mail catcher's SMTP library into the services virtualenv
    (once: a marker records the pinned release)."""
    marker = state.venv / "devcloud-mail.txt"
    if marker.exists() and marker.read_text() == MAIL_PACKAGE + "\n":
        return
    say(f"installing {MAIL_PACKAGE} (the mail catcher) into the services virtualenv")
    _pip_install(state, MAIL_PACKAGE)
    marker.write_text(MAIL_PACKAGE + "\n")


def ensure_ml2_driver(state: State) -> None:
    """pip-install our mechanism driver so Neutron finds its entry point."""
    marker = state.venv / "devcloud-ml2.sha256"
    digest = _driver_digest()
    if marker.exists() and marker.read_text() == digest:
        return
    say("installing the devcloud ML2 mechanism driver into the services virtualenv")
    build = state.root / "build" / "ml2_driver"
    shutil.rmtree(build, ignore_errors=True)
    shutil.copytree(
        TOOL_DIR / "ml2_driver", build, ignore=shutil.ignore_patterns("*.egg-info")
    )
    _pip_install(
        state, "--no-build-isolation", "--force-reinstall", "--no-deps", str(build)
    )
    shutil.rmtree(state.root / "build", ignore_errors=True)
    marker.write_text(digest)
