"""cloud.check through the pack's entry point against the local cloud, and the
local runner with no flags (it finds the devcloud's generated pack config)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from src.workflow_actions import WorkflowActions

from tools.testing.services import PackActionService

CHECKOUT = Path(__file__).resolve().parents[2]
SERVICES = {"identity", "placement", "image", "compute", "network"}


@pytest.fixture(scope="module")
def pack_config(clouds: dict[str, Any]) -> dict[str, Any]:
    """The pack config the devcloud wrote for the local runner."""
    from tests.integration.conftest import state_dir  # the devcloud's directory

    return yaml.safe_load((state_dir() / "openstack_ops.yaml").read_text())


def run_check(config: dict[str, Any], **params: Any) -> Any:
    service = PackActionService("WorkflowActions")
    action = WorkflowActions(config=config, action_service=service)
    return action.run(workflow="cloud.check", **params)


def test_reports_the_five_services_with_endpoints(pack_config: dict[str, Any]) -> None:
    result = run_check(pack_config, cloud_account="devcloud-admin")
    assert not isinstance(result, tuple), result
    assert set(result["services"]) == SERVICES
    for service_type, service in result["services"].items():
        assert service["error"] is None, service_type
        assert service["endpoint"].startswith("http://127.0.0.1:"), service
        assert service["min_version"] and service["max_version"], service
    compute = result["services"]["compute"]
    assert compute["min_version"] == "2.1"
    assert tuple(map(int, compute["max_version"].split("."))) >= (2, 88)
    assert result["user"]["name"] == "admin"
    assert result["project"]["name"] == "admin"
    assert "admin" in result["roles"]
    assert result["summary"] == "5 services, all reachable"


def test_default_cloud_account_and_ordinary_user(pack_config: dict[str, Any]) -> None:
    as_default = run_check(pack_config)
    assert as_default["user"]["name"] == "admin"
    user_entry = next(c for c in pack_config["clouds"] if c["name"] == "devcloud-user")
    as_user = run_check(pack_config, cloud_account="devcloud-user")
    assert as_user["user"]["name"] == user_entry["username"]
    assert "admin" not in as_user["roles"]


def test_wrong_password_fails_without_leaking_it(pack_config: dict[str, Any]) -> None:
    config = json.loads(json.dumps(pack_config))
    entry = next(c for c in config["clouds"] if c["name"] == "devcloud-admin")
    entry["password"] = "wrong-password-42"
    ok, result = run_check(config, cloud_account="devcloud-admin")
    assert ok is False
    assert result["summary"] == "cannot authenticate"
    assert "401" in result["error"] or "Unauthorized" in result["error"]
    assert "wrong-password-42" not in json.dumps(result)


def test_run_action_sh_with_no_flags_reports_the_devcloud() -> None:
    proc = subprocess.run(
        [str(CHECKOUT / "run_action.sh"), "cloud.check"],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        cwd=CHECKOUT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.rstrip().endswith("status: succeeded")
    result = json.loads(proc.stdout[: proc.stdout.rindex("status:")])
    assert set(result["services"]) == SERVICES
    assert "openstack_ops.yaml" in proc.stderr  # says which config it used
