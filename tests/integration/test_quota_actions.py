"""quota.show / quota.set against the local cloud, on projects the tests create."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from openstack.connection import Connection
from os_fixtures_projects import Act, failed, succeeded

pytest_plugins = ["os_fixtures_projects"]


def test_show_reports_limit_usage_and_reserved_of_a_seeded_project(
    act: Act, seed: dict[str, Any]
) -> None:
    shown = succeeded(act("quota.show", project="web-shop"))
    assert set(shown["quotas"]) == {"compute", "network"}
    instances = shown["quotas"]["compute"]["instances"]
    assert set(instances) == {"limit", "in_use", "reserved"}
    web_servers = [s for s in seed["servers"].values() if s["project"] == "web-shop"]
    assert instances["in_use"] == len(web_servers)
    assert "floatingip" in shown["quotas"]["network"]
    assert shown["notes"] == ["volume: the cloud has no such service"]


def test_set_only_given_values_refuses_lowering_below_usage_unless_forced(
    act: Act,
    admin_conn: Connection,
    unique_name: Callable[[str], str],
    project_scrubber: Callable[[str], str],
) -> None:
    name = project_scrubber(unique_name("quota"))
    pid = succeeded(act("project.create", name=name, dry_run=False))["project_id"]
    admin_conn.network.create_network(name=f"{name}-net", project_id=pid)
    before = succeeded(act("quota.show", project=pid))["quotas"]
    assert before["network"]["network"]["in_use"] == 1

    request = {"compute": {"cores": 7}, "dns": {"zones": 3}, "volume": {"volumes": 2}}
    plan = succeeded(act("quota.set", project=name, quotas=request))
    assert plan["plan"] == [
        {
            "service": "compute",
            "quota": "cores",
            "old": before["compute"]["cores"]["limit"],
            "new": 7,
            "in_use": 0,
            "status": "change",
        }
    ]
    assert len(plan["notes"]) == 2
    assert succeeded(act("quota.show", project=pid))["quotas"] == before

    done = succeeded(act("quota.set", project=name, quotas=request, dry_run=False))
    assert done["applied"] == {"compute": "set"}
    after = succeeded(act("quota.show", project=pid))["quotas"]
    assert after["compute"]["cores"]["limit"] == 7
    assert after["compute"]["instances"] == before["compute"]["instances"]

    lowering = {"network": {"network": 0}, "compute": {"ram": 1024}}
    refused = failed(act("quota.set", project=pid, quotas=lowering, dry_run=False))
    assert "parameter 'force'" in refused["error"] and "network.network" in refused["error"]
    unchanged = succeeded(act("quota.show", project=pid))["quotas"]
    assert unchanged["network"]["network"]["limit"] == before["network"]["network"]["limit"]
    assert unchanged["compute"]["ram"] == before["compute"]["ram"]

    forced = succeeded(
        act("quota.set", project=pid, quotas=lowering, force=True, dry_run=False)
    )
    assert {p["status"] for p in forced["plan"]} == {"forced", "change"}
    final = succeeded(act("quota.show", project=pid))["quotas"]
    assert final["network"]["network"]["limit"] == 0
    assert final["compute"]["ram"]["limit"] == 1024


def test_negative_quota_is_refused_naming_the_parameter(act: Act) -> None:
    result = failed(
        act("quota.set", project="web-shop", quotas={"compute": {"cores": -3}}, dry_run=False)
    )
    assert result["error"].startswith("parameter 'quotas'")
