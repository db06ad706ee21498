"""``./run_action.sh --devcloud ACTION ...``: the local cloud, brought up and seeded
when it is not, then its pack config.

The local cloud is ``tools/devcloud/devcloud`` (state in ``$OPENSTACK_OPS_DEVCLOUD_DIR``,
default ``.devcloud/``). ``devcloud status`` (read-only) says whether every process is
healthy; when it is not, ``devcloud up`` starts what is missing (installing and
initialising on the first run). A state directory without ``seed.json`` has not been
seeded: ``devcloud seed`` then creates the test estate. The progress of both goes to
stderr, so stdout stays the action's result.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tools.pack_meta import PACK_DIR
from tools.run_action.config import devcloud_dir

#: The local cloud's command.
DEVCLOUD_TOOL = PACK_DIR / "tools" / "devcloud" / "devcloud"


class DevcloudError(RuntimeError):
    """The local cloud could not be brought up or seeded (message says which step)."""


def _stream(command: list[str]) -> int:
    """Run ``command`` with its output copied to stderr line by line; its status."""
    try:
        proc = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            errors="replace",
        )
    except OSError as exc:
        raise DevcloudError(f"cannot run {command[0]}: {exc}") from None
    assert proc.stdout is not None
    for line in proc.stdout:
        print(f"  {line.rstrip()}", file=sys.stderr, flush=True)
    return proc.wait()


def is_running() -> bool:
    """Whether ``devcloud status`` reports every process healthy (read-only)."""
    try:
        proc = subprocess.run(
            [str(DEVCLOUD_TOOL), "status"],
            capture_output=True,
            text=True,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except OSError as exc:
        raise DevcloudError(f"cannot run {DEVCLOUD_TOOL}: {exc}") from None
    return proc.returncode == 0


def ensure_devcloud() -> Path:
    """The local cloud's pack config, after bringing the cloud up and seeding it
    when needed. Raises ``DevcloudError`` naming the step that failed."""
    state = devcloud_dir()
    tool = DEVCLOUD_TOOL.relative_to(PACK_DIR)
    if is_running():
        print(f"devcloud: running (state {state})", file=sys.stderr)
    else:
        print(
            f"devcloud: not running; starting it: ./{tool} up "
            "(the first run installs and initialises, a few minutes)",
            file=sys.stderr,
            flush=True,
        )
        if _stream([str(DEVCLOUD_TOOL), "up"]) != 0:
            raise DevcloudError(
                f"./{tool} up failed (see its output above and ./{tool} logs SERVICE)"
            )
    if not (state / "seed.json").is_file():
        print(f"devcloud: not seeded; seeding it: ./{tool} seed", file=sys.stderr)
        if _stream([str(DEVCLOUD_TOOL), "seed"]) != 0:
            raise DevcloudError(f"./{tool} seed failed (see its output above)")
    config = state / "openstack_ops.yaml"
    if not config.is_file():
        raise DevcloudError(f"./{tool} up did not write {config}")
    return config
