"""Concurrency policies: server.migrate globally, hypervisor.drain per hypervisor."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tools.pack_meta import find_action

PACK_DIR = Path(__file__).resolve().parents[2]


def load_policies() -> dict[str, dict[str, Any]]:
    policies = {}
    for path in sorted((PACK_DIR / "policies").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        policies[data["resource_ref"]] = data
    return policies


POLICIES = load_policies()


def test_server_migrate_is_limited_globally() -> None:
    policy = POLICIES["openstack_ops.server.migrate"]
    assert policy["enabled"] is True
    assert policy["policy_type"] == "action.concurrency"
    assert policy["parameters"]["action"] == "delay"
    assert isinstance(policy["parameters"]["threshold"], int)
    assert policy["parameters"]["threshold"] >= 1
    assert "attributes" not in policy["parameters"]


def test_hypervisor_drain_is_limited_per_hypervisor() -> None:
    policy = POLICIES["openstack_ops.hypervisor.drain"]
    assert policy["enabled"] is True
    assert policy["policy_type"] == "action.concurrency.attr"
    assert policy["parameters"] == {
        "action": "delay",
        "threshold": 1,
        "attributes": ["hypervisor"],
    }
    drain = find_action("hypervisor.drain")
    assert drain is not None
    assert drain.parameters["hypervisor"]["required"] is True


def test_policies_say_they_need_the_coordination_backend() -> None:
    assert set(POLICIES) == {
        "openstack_ops.server.migrate",
        "openstack_ops.hypervisor.drain",
    }
    for policy in POLICIES.values():
        assert "coordination" in policy["description"]
