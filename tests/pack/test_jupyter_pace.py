"""The JupyterHub batch actions finish inside StackStorm's execution timeout (issue
12 item 10): each one's ``deadline`` default lies below the python runner's
``timeout`` (600 s unless the action overrides the runner parameter), leaving time to
start and to report, and waiting for spawns never outlasts it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from jupyter_api.pace import DEFAULT_DEADLINE, DEFAULT_WORKERS, ST2_DEFAULT_TIMEOUT

ACTIONS_DIR = Path(__file__).resolve().parents[2] / "actions"
BATCH_ACTIONS = [
    "jupyter.server.start",
    "jupyter.server.stop",
    "jupyter.user.create",
    "jupyter.user.delete",
    "jupyter.users.prepare",
]
#: Seconds of the execution timeout kept for starting the action and reporting.
MARGIN = 30


def parameters(action: str) -> dict[str, Any]:
    return yaml.safe_load((ACTIONS_DIR / f"{action}.yaml").read_text())["parameters"]


@pytest.mark.fault(10)
@pytest.mark.parametrize("action", BATCH_ACTIONS)
def test_deadline_default_is_below_the_execution_timeout(action: str) -> None:
    params = parameters(action)
    execution_timeout = params.get("timeout", {}).get("default", ST2_DEFAULT_TIMEOUT)
    assert params["deadline"]["default"] == DEFAULT_DEADLINE
    assert params["workers"]["default"] == DEFAULT_WORKERS
    assert params["deadline"]["default"] + MARGIN <= execution_timeout
    if "wait_timeout" in params:
        assert params["wait_timeout"]["default"] < params["deadline"]["default"]
