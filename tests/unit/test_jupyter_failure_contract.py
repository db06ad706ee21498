"""Every ``jupyter.*`` action keeps the failure contract (issue 12 item 10): a wrong
token (403), a hub that is down (connection refused) and a hub that hangs (read
timeout) each end as a failed result naming the jupyter_env, the endpoint and the
cause, never as a traceback, and never with the token in it.

Each action runs through the entry point as StackStorm would (its metadata defaults,
``users: [alice]`` where it targets users). The hub is ``fault_servers.FaultyHub``
answering every request with the fault; the real hub's 403 for a wrong token is
checked in ``tests/integration/test_jupyter_actions.py``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fault_servers import HANG, FaultyHub, Status, closed_port
from src.workflow_actions import WorkflowActions

from tools.pack_meta import run_inputs
from tools.testing.services import PackActionService

pytestmark = pytest.mark.fault(10)

ACTIONS_DIR = Path(__file__).resolve().parents[2] / "actions"
ACTIONS = sorted(p.stem for p in ACTIONS_DIR.glob("jupyter.*.yaml"))
TOKEN = "wrong-token-never-shown"
#: What JupyterHub 6 answers to a token it does not know.
BAD_TOKEN = "Missing or invalid credentials."
TIMEOUT = 1

FAULTS = {
    "wrong token": (
        Status(403, BAD_TOKEN),
        f"403 Forbidden from JupyterHub: {BAD_TOKEN} (the hub does not accept the "
        "token of jupyter_env 'hub': it is wrong, expired or revoked",
    ),
    "hub down": (None, "connection refused"),
    "hub hangs": (HANG, f"timed out after {TIMEOUT} s"),
}


def parameters(action: str) -> dict[str, Any]:
    """The action's defaults, its hub, and one user when it targets users."""
    meta = yaml.safe_load((ACTIONS_DIR / f"{action}.yaml").read_text())
    spec = run_inputs(meta["runner_type"], meta["parameters"])
    params = {k: v["default"] for k, v in spec.items() if "default" in v}
    params["jupyter_env"] = "hub"
    if "user" in spec:
        params["users"] = ["alice"]
    return params


@pytest.fixture
def hub() -> Iterator[FaultyHub]:
    server = FaultyHub()
    yield server
    server.stop()


def test_every_jupyter_action_is_covered() -> None:
    assert ACTIONS == [
        "jupyter.server.start",
        "jupyter.server.stop",
        "jupyter.user.create",
        "jupyter.user.delete",
        "jupyter.user.list",
        "jupyter.users.prepare",
    ]


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("action", ACTIONS)
def test_hub_faults_fail_every_action_cleanly(
    action: str, fault: str, hub: FaultyHub
) -> None:
    injected, cause = FAULTS[fault]
    url = hub.url if injected is not None else f"http://127.0.0.1:{closed_port()}"
    if injected is not None:
        hub.fail("/hub/api", injected)
    config = {
        "jupyter_envs": [
            {"name": "hub", "url": url, "token": TOKEN, "timeout": TIMEOUT}
        ]
    }
    action_instance = WorkflowActions(
        config=config, action_service=PackActionService("WorkflowActions")
    )

    outcome = action_instance.run(**parameters(action))  # must not raise

    assert isinstance(outcome, tuple), f"{action} succeeded: {outcome!r}"
    ok, result = outcome
    assert ok is False
    text = json.dumps(result)
    assert TOKEN not in text
    assert result["account_parameter"] == "jupyter_env"
    assert result["account"] == "hub"
    assert result["endpoint"].startswith(url), result
    assert result["cause"].startswith(cause), result
    assert result["error"].startswith("jupyter_env 'hub': "), result
    assert cause in result["error"], result
    assert "\n" not in result["error"]
    if action != "jupyter.user.list":  # per-user actions say what each user got
        rows = result["users"]
        assert [r["user"] for r in rows] == ["alice"]
        assert cause in rows[0]["error"], rows
