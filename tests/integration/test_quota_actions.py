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
    assert (
        "parameter 'force'" in refused["error"]
        and "network.network" in refused["error"]
    )
    unchanged = succeeded(act("quota.show", project=pid))["quotas"]
    assert (
        unchanged["network"]["network"]["limit"]
        == before["network"]["network"]["limit"]
    )
    assert unchanged["compute"]["ram"] == before["compute"]["ram"]

    forced = succeeded(
        act("quota.set", project=pid, quotas=lowering, force=True, dry_run=False)
    )
    assert {p["status"] for p in forced["plan"]} == {"forced", "change"}
    final = succeeded(act("quota.show", project=pid))["quotas"]
    assert final["network"]["network"]["limit"] == 0
    assert final["compute"]["ram"]["limit"] == 1024


def test_negative_quota_is_refused_naming_the_parameter(
    act: Act, admin_conn: Connection
) -> None:
    before = succeeded(act("quota.show", project="web-shop"))["quotas"]
    result = failed(
        act(
            "quota.set",
            project="web-shop",
            quotas={"compute": {"cores": -3}},
            dry_run=False,
        )
    )
    assert result["error"].startswith("parameter 'quotas'")
    assert "compute.cores" in result["error"]
    after = succeeded(act("quota.show", project="web-shop"))["quotas"]
    assert after["compute"]["cores"]["limit"] == before["compute"]["cores"]["limit"]


def test_unknown_quota_key_is_refused_and_nothing_changes(
    act: Act,
    unique_name: Callable[[str], str],
    project_scrubber: Callable[[str], str],
) -> None:
    name = project_scrubber(unique_name("qkey"))
    pid = succeeded(act("project.create", name=name, dry_run=False))["project_id"]
    before = succeeded(act("quota.show", project=pid))["quotas"]
    result = failed(
        act(
            "quota.set",
            project=pid,
            quotas={"compute": {"cores": 5, "gpus": 1}},
            dry_run=False,
        )
    )
    assert result["error"].startswith("parameter 'quotas'")
    assert "compute.gpus" in result["error"]
    assert succeeded(act("quota.show", project=pid))["quotas"] == before


def test_unknown_and_ambiguous_projects_name_the_parameter(
    act: Act,
    admin_conn: Connection,
    seed: dict[str, Any],
    unique_name: Callable[[str], str],
    project_scrubber: Callable[[str], str],
) -> None:
    unknown = failed(
        act(
            "quota.set",
            project=unique_name("ghost"),
            quotas={"compute": {"cores": 1}},
            dry_run=False,
        )
    )
    assert unknown["error"].startswith("parameter 'project'")

    twin = project_scrubber(unique_name("twin"))
    research = next(admin_conn.identity.domains(name="research"))
    first = admin_conn.identity.create_project(name=twin, domain_id="default")
    second = admin_conn.identity.create_project(name=twin, domain_id=research.id)
    ambiguous = failed(
        act("quota.set", project=twin, quotas={"compute": {"cores": 1}}, dry_run=False)
    )
    assert ambiguous["error"].startswith("parameter 'project'")
    assert first.id in ambiguous["error"] and second.id in ambiguous["error"]
    for pid in (first.id, second.id):
        shown = succeeded(act("quota.show", project=pid))
        assert shown["quotas"]["compute"]["cores"]["limit"] != 1
