"""Fixtures for the project, identity and quota integration tests.

- ``ops_config``: the devcloud's generated pack config (what ``./run_action.sh`` uses).
- ``act``: run an action's workflow through the pack's entry point, like StackStorm.
- ``project_scrubber``: remember projects a test creates (by name) and remove them,
  with everything they own, after the test, whatever the test left behind.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from openstack import exceptions
from openstack.connection import Connection
from src.workflow_actions import WorkflowActions

from tools.testing.services import PackActionService

Act = Callable[..., Any]


@pytest.fixture(scope="session")
def ops_config(clouds: dict[str, Any]) -> dict[str, Any]:
    """The pack config the devcloud wrote for the local runner."""
    from tests.integration.conftest import state_dir

    return yaml.safe_load((state_dir() / "openstack_ops.yaml").read_text())


ACTIONS = Path(__file__).resolve().parents[2] / "actions"


def workflow_of(action: str) -> str:
    """The immutable ``workflow`` default of ``actions/<action>.yaml``."""
    meta = yaml.safe_load((ACTIONS / f"{action}.yaml").read_text())
    return meta["parameters"]["workflow"]["default"]


@pytest.fixture
def act(ops_config: dict[str, Any]) -> Act:
    """``act(action, config=None, **params)``: run the action's workflow through the
    entry point as ``cloud_account=devcloud-admin``; returns the entry point's value
    (a result, or ``(False, result)`` for a failed execution). Parameters the action
    does not declare are an error, as in StackStorm."""

    def run(action: str, config: dict[str, Any] | None = None, **params: Any) -> Any:
        meta = yaml.safe_load((ACTIONS / f"{action}.yaml").read_text())
        unknown = set(params) - set(meta["parameters"])
        assert not unknown, f"{action} has no parameters {unknown}"
        workflow = meta["parameters"]["workflow"]["default"]
        service = PackActionService("WorkflowActions")
        action = WorkflowActions(
            config=copy.deepcopy(config or ops_config), action_service=service
        )
        return action.run(workflow=workflow, cloud_account="devcloud-admin", **params)

    return run


def scrub_project(conn: Connection, name: str) -> None:
    """Remove a test project and everything it owns (servers, floating IPs, routers,
    networks, security groups, RBAC policies); absent is fine."""
    from openstack_api import networking

    for project in list(conn.identity.projects(name=name)):
        pid = project.id
        for server in conn.compute.servers(all_projects=True, project_id=pid):
            conn.compute.delete_server(server)
            conn.compute.wait_for_delete(server, interval=1, wait=120)
        for fip in conn.network.ips(project_id=pid):
            networking.delete_floating_ip(conn, fip.id)
        for router in conn.network.routers(project_id=pid):
            networking.delete_router(conn, router.id)
        for network in conn.network.networks(project_id=pid):
            for port in conn.network.ports(network_id=network.id):
                networking.delete_port(conn, port.id)
            networking.delete_network(conn, network.id)
        for group in conn.network.security_groups(project_id=pid):
            networking.delete_security_group(conn, group.id)
        for policy in conn.network.rbac_policies(target_project_id=pid):
            networking.delete_rbac_policy(conn, policy.id)
        conn.identity.delete_project(pid, ignore_missing=True)


@pytest.fixture
def project_scrubber(admin_conn: Connection) -> Iterator[Callable[[str], str]]:
    """``track(name) -> name``: the project is scrubbed after the test."""
    names: list[str] = []

    def track(name: str) -> str:
        names.append(name)
        return name

    yield track
    errors = []
    for name in names:
        try:
            scrub_project(admin_conn, name)
        except exceptions.SDKException as error:
            errors.append(f"{name}: {error}")
    if errors:
        pytest.fail("project cleanup failed: " + "; ".join(errors))


def failed(outcome: Any) -> dict[str, Any]:
    """The result of a failed execution (asserting it failed)."""
    assert isinstance(outcome, tuple) and outcome[0] is False, outcome
    return outcome[1]


def succeeded(outcome: Any) -> dict[str, Any]:
    """The result of a successful execution (asserting it succeeded)."""
    assert not isinstance(outcome, tuple), outcome
    return outcome
