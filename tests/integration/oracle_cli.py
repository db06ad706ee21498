"""The ``openstack`` CLI (python-openstackclient) as an independent oracle.

The CLI starts slowly (about 1-2 s of imports and a fresh token per process), so
commands run in batches: one ``openstack`` process reads them from stdin (cliff's
interactive mode), each preceded by ``shell echo <marker>`` so every command's
``-f json`` output is cut out of stdout on its own; a command that fails prints
nothing between its markers (its message goes to stderr) and is reported as
``CLIError``. Answers are cached per command line for the session; ``fresh=True``
runs the commands again (used when the cloud changed between two reads).
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

#: The ``openstack`` script of the interpreter running the tests (the pack's .venv).
OPENSTACK = Path(sys.executable).with_name("openstack")


def oracle_clouds_yaml() -> Path:
    """The clouds.yaml the integration tests use (as ``conftest.clouds_file``)."""
    state = os.environ.get("OPENSTACK_OPS_DEVCLOUD_DIR") or str(
        Path(__file__).resolve().parents[2] / ".devcloud"
    )
    return Path(os.environ.get("OS_CLIENT_CONFIG_FILE") or Path(state) / "clouds.yaml")


class CLIError(AssertionError):
    """An ``openstack`` command printed no JSON (it failed; see ``stderr``)."""


class OpenStackCLI:
    """Run ``openstack ... -f json`` commands against one cloud of a clouds.yaml."""

    def __init__(self, clouds_yaml: Path, cloud: str, timeout: float = 300) -> None:
        self.env = {
            **os.environ,
            "OS_CLIENT_CONFIG_FILE": str(clouds_yaml),
            "OS_CLOUD": cloud,
        }
        for key in list(self.env):  # only the clouds.yaml entry decides
            if key.startswith("OS_") and key not in (
                "OS_CLIENT_CONFIG_FILE",
                "OS_CLOUD",
            ):
                del self.env[key]
        self.timeout = timeout
        self.cache: dict[str, Any] = {}
        self.errors: dict[str, str] = {}
        self.processes = 0

    def batch(self, commands: list[str], fresh: bool = False) -> None:
        """Run the commands not cached yet (all of them with ``fresh``) in ONE process."""
        todo = [c for c in dict.fromkeys(commands) if fresh or c not in self.cache]
        if not todo:
            return
        if not OPENSTACK.exists():
            raise CLIError(
                f"no {OPENSTACK}: pip install -r requirements-test.txt "
                "(python-openstackclient)"
            )
        marker = f"@@oracle-{uuid.uuid4().hex}@@"
        script = "".join(f"shell echo {marker}\n{c} -f json\n" for c in todo)
        script += f"shell echo {marker}\n"
        self.processes += 1
        done = subprocess.run(
            [str(OPENSTACK)],
            input=script,
            capture_output=True,
            text=True,
            env=self.env,
            timeout=self.timeout,
            check=False,
        )
        chunks = done.stdout.split(marker + "\n")
        # chunks[0] is whatever preceded the first marker (nothing), then one per
        # command, then the empty tail after the last marker.
        outputs = chunks[1 : len(todo) + 1]
        for index, command in enumerate(todo):
            text = outputs[index].strip() if index < len(outputs) else ""
            if not text:
                self.cache.pop(command, None)
                self.errors[command] = done.stderr.strip()[-2000:]
                continue
            self.cache[command] = json.loads(text)
            self.errors.pop(command, None)

    def batch_parallel(self, commands: list[str], processes: int = 3) -> None:
        """``batch`` split over a few CLI processes running at once."""
        todo = [c for c in dict.fromkeys(commands) if c not in self.cache]
        chunks = [todo[i::processes] for i in range(processes) if todo[i::processes]]
        with ThreadPoolExecutor(max_workers=processes) as pool:
            list(pool.map(self.batch, chunks))

    def __call__(self, command: str, fresh: bool = False) -> Any:
        """The JSON answer of ``openstack <command> -f json``."""
        self.batch([command], fresh=fresh)
        if command not in self.cache:
            raise CLIError(
                f"openstack {command} -f json failed: {self.errors.get(command)}"
            )
        return self.cache[command]

    def get(self, command: str) -> Any:
        """The cached answer, or None when the command failed (e.g. a resource
        deleted by another test between the listing and the show)."""
        if command not in self.cache and command not in self.errors:
            self.batch([command])
        return self.cache.get(command)


def quote(value: str) -> str:
    """A shell-safe argument for a batch command line."""
    return shlex.quote(value)
