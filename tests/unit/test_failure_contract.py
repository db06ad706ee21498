"""The failure contract, for every action of ``actions/*.yaml``.

With the cloud, the SMTP server and the JupyterHub of the pack config all unreachable
(a closed port on 127.0.0.1), each action is run through the entry point as StackStorm
would run it (its defaults filled in, its required parameters given plausible values)
and must return ``(False, result)``, ``result`` a JSON-serialisable dict naming the
account, the endpoint and the cause, without the password or token, and never raise.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from fault_servers import closed_port
from src.workflow_actions import WorkflowActions

import openstack_api.connection
from tools.pack_meta import run_inputs
from tools.testing.services import PackActionService

pytestmark = pytest.mark.fault(2)

ACTIONS_DIR = Path(__file__).resolve().parents[2] / "actions"
ACTIONS = sorted(p.stem for p in ACTIONS_DIR.glob("*.yaml"))
PASSWORD = "cloud-pw-never-shown"
SMTP_PASSWORD = "smtp-pw-never-shown"
TOKEN = "hub-token-never-shown"

#: A plausible value for every required parameter of any action.
PLAUSIBLE: dict[str, Any] = {
    "to": ["someone@example.org"],
    "flavor_names": ["m1.old"],
    "image_names": ["cirros-old"],
    "days_threshold": 30,
    "hypervisor_names": ["hv1"],
    "hypervisors": ["hv1"],
    "hypervisor": "hv1",
    "flavor": "m1.small",
    "image": "cirros",
    "project": "demo",
    "group": "ops",
    "users": ["alice"],
    "user": "alice",
    "role": "member",
    "name": "new-project",
    "confirm": "demo",
    "reason": "maintenance",
    "quotas": {"compute": {"cores": 10}},
    "server": "vm1",
    "value": 1,
    "values": ["x"],
    "pattern": "^x",
    "jupyter_env": "hub",
    "alertmanager_account": "am",
    "icinga_account": "ic",
    "key": "k1",
    "matchers": ["instance=hv1"],
    "host": "hv1",
    "end": (datetime.now(UTC) + timedelta(days=1)).isoformat(timespec="seconds"),
}
#: Optional parameters some actions need before they call anything: a real send for
#: email.test (its dry run touches no server), a span for date searches, users for
#: the JupyterHub batch actions.
EXTRA: dict[str, dict[str, Any]] = {
    "email.test": {"send_email": True},
    **{
        f"{kind}.search.by.datetime": {"days": 1}
        for kind in ("image", "server", "user")
    },
    **{
        f"jupyter.{verb}": {"users": ["alice"]}
        for verb in (
            "server.start",
            "server.stop",
            "user.create",
            "user.delete",
            "users.prepare",
        )
    },
}


def metadata(action: str) -> dict[str, Any]:
    """``actions/<action>.yaml``."""
    return yaml.safe_load((ACTIONS_DIR / f"{action}.yaml").read_text())


def parameters(action: str) -> dict[str, Any]:
    """What StackStorm would pass to ``run()``: defaults, plausible required values,
    and the action's ``EXTRA``."""
    params: dict[str, Any] = {}
    meta = metadata(action)
    for name, spec in run_inputs(meta["runner_type"], meta["parameters"]).items():
        if "default" in spec:
            params[name] = spec["default"]
        if spec.get("required"):
            params[name] = spec["enum"][0] if spec.get("enum") else PLAUSIBLE[name]
    params.update(EXTRA.get(action, {}))
    return params


def service_of(action: str) -> str:
    """The account parameter of the service the action reaches first."""
    declared = metadata(action)["parameters"]
    if "jupyter_env" in declared:
        return "jupyter_env"
    for account in ("cloud_account", "alertmanager_account", "icinga_account"):
        if account in declared:
            return account
    return "smtp_account"


@pytest.fixture(scope="module")
def port() -> int:
    return closed_port()


@pytest.fixture
def config(port: int, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A pack config whose cloud, SMTP server and hub are all unreachable."""
    # No retries of the refused connection: only the test's duration changes (the
    # fault-injection tests keep the pack's retries).
    monkeypatch.setattr(openstack_api.connection, "CONNECT_RETRIES", 0)
    return {
        "clouds": [
            {
                "name": "prod",
                "auth_url": f"http://127.0.0.1:{port}/v3",
                "username": "ops",
                "password": PASSWORD,
                "project_name": "admin",
            }
        ],
        "default_cloud_account": "prod",
        "smtp_accounts": [
            {
                "name": "mail",
                "host": "127.0.0.1",
                "port": port,
                "security": "none",
                "username": "ops",
                "password": SMTP_PASSWORD,
                "from_address": "ops@example.org",
            }
        ],
        "default_smtp_account": "mail",
        "jupyter_envs": [
            {"name": "hub", "url": f"http://127.0.0.1:{port}", "token": TOKEN}
        ],
        "alertmanager_accounts": [
            {"name": "am", "url": f"http://127.0.0.1:{port}", "token": TOKEN}
        ],
        "icinga_accounts": [
            {
                "name": "ic",
                "url": f"http://127.0.0.1:{port}",
                "username": "ops",
                "password": PASSWORD,
            }
        ],
        "default_alertmanager_account": "am",
        "default_icinga_account": "ic",
        "ops_email": "ops@example.org",
        "project_networks": {},
    }


def run(config: dict[str, Any], params: dict[str, Any]) -> Any:
    """The entry point's return value for one execution."""
    service = PackActionService("WorkflowActions")
    return WorkflowActions(config=config, action_service=service).run(**params)


EXPECTED = {
    "cloud_account": ("prod", "http://127.0.0.1:{port}/v3"),
    "smtp_account": ("mail", "127.0.0.1:{port}"),
    "jupyter_env": ("hub", "http://127.0.0.1:{port}"),
    "alertmanager_account": ("am", "http://127.0.0.1:{port}"),
    "icinga_account": ("ic", "http://127.0.0.1:{port}"),
}


def test_every_action_is_covered() -> None:
    assert len(ACTIONS) >= 60
    for action in ACTIONS:
        parameters(action)  # a new required parameter needs a PLAUSIBLE value


@pytest.mark.parametrize("action", ACTIONS)
def test_unreachable_services_fail_the_action_cleanly(
    action: str, config: dict[str, Any], port: int
) -> None:
    params = parameters(action)
    outcome = run(config, params)  # must not raise
    assert isinstance(outcome, tuple), f"{action} succeeded: {outcome!r}"
    ok, result = outcome
    assert ok is False
    assert isinstance(result, dict)
    text = json.dumps(result)  # JSON-serialisable
    parameter = service_of(action)
    account, endpoint = EXPECTED[parameter]
    endpoint = endpoint.format(port=port)
    assert result["account_parameter"] == parameter, result
    assert result["account"] == account, result
    assert result["endpoint"].startswith(endpoint), result
    assert result["cause"] == "connection refused", result
    assert f"{parameter} {account!r}" in result["error"], result
    assert "connection refused" in result["error"], result
    assert "\n" not in result["error"]
    for secret in (PASSWORD, SMTP_PASSWORD, TOKEN):
        assert secret not in text
