"""quota.show / quota.set against the local cloud, on projects the tests create."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
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
    pid = succeeded(act("project.create", name=name, apply=True))["project_id"]
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

    done = succeeded(act("quota.set", project=name, quotas=request, apply=True))
    assert done["applied"] == {"compute": "set"}
    after = succeeded(act("quota.show", project=pid))["quotas"]
    assert after["compute"]["cores"]["limit"] == 7
    assert after["compute"]["instances"] == before["compute"]["instances"]

    lowering = {"network": {"network": 0}, "compute": {"ram": 1024}}
    refused = failed(act("quota.set", project=pid, quotas=lowering, apply=True))
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
        act("quota.set", project=pid, quotas=lowering, force=True, apply=True)
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
            apply=True,
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
    pid = succeeded(act("project.create", name=name, apply=True))["project_id"]
    before = succeeded(act("quota.show", project=pid))["quotas"]
    result = failed(
        act(
            "quota.set",
            project=pid,
            quotas={"compute": {"cores": 5, "gpus": 1}},
            apply=True,
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
            apply=True,
        )
    )
    assert unknown["error"].startswith("parameter 'project'")

    twin = project_scrubber(unique_name("twin"))
    research = next(admin_conn.identity.domains(name="research"))
    first = admin_conn.identity.create_project(name=twin, domain_id="default")
    second = admin_conn.identity.create_project(name=twin, domain_id=research.id)
    ambiguous = failed(
        act("quota.set", project=twin, quotas={"compute": {"cores": 1}}, apply=True)
    )
    assert ambiguous["error"].startswith("parameter 'project'")
    assert first.id in ambiguous["error"] and second.id in ambiguous["error"]
    for pid in (first.id, second.id):
        shown = succeeded(act("quota.show", project=pid))
        assert shown["quotas"]["compute"]["cores"]["limit"] != 1


# ----------------------------------------------- dry run = outcome (issue 12, 8)
@pytest.fixture
def quota_reset(admin_conn: Connection) -> Iterator[Callable[[str], str]]:
    """``track(project_id)``: its compute and network quotas are reset to the
    defaults after the test (before ``project_scrubber`` deletes the project)."""
    from openstack_api import quotas as quota_api

    tracked: list[str] = []
    yield lambda pid: tracked.append(pid) or pid
    for pid in tracked:
        for service in ("compute", "network"):
            quota_api.reset_quotas(admin_conn, pid, service)


def _put_quota(conn: Connection, service: str, pid: str, values: dict[str, Any]) -> Any:
    """The service's own answer to a quota update sent without ``force``."""
    if service == "compute":
        return conn.compute.put(
            f"/os-quota-sets/{pid}", json={"quota_set": values}, microversion="2.36"
        )
    return conn.network.put(f"/quotas/{pid}", json={"quota": values})


@pytest.mark.fault(8)
def test_dry_run_refuses_exactly_what_neutron_refuses_below_usage(
    act: Act,
    admin_conn: Connection,
    unique_name: Callable[[str], str],
    project_scrubber: Callable[[str], str],
    quota_reset: Callable[[str], str],
) -> None:
    name = project_scrubber(unique_name("num-quota"))
    pid = quota_reset(
        admin_conn.identity.create_project(name=name, domain_id="default").id
    )
    admin_conn.network.create_network(name=f"{name}-net", project_id=pid)
    before = succeeded(act("quota.show", project=pid))["quotas"]
    assert before["network"]["network"]["in_use"] == 1
    lowering = {"network": {"network": 0}}

    plan = failed(act("quota.set", project=pid, quotas=lowering))
    assert plan["dry_run"] is True
    assert plan["error"].startswith("parameter 'force'")
    assert (
        "network.network (0 is below the 1 in use; Neutron refuses it unless forced)"
        in plan["error"]
    )
    # What Neutron itself answers to that request: the refusal the plan predicted.
    answer = _put_quota(admin_conn, "network", pid, {"network": 0})
    assert answer.status_code == 400, answer.text
    assert "already used 1" in answer.text

    real = failed(act("quota.set", project=pid, quotas=lowering, apply=True))
    assert real["error"] == plan["error"] and real["plan"] == plan["plan"]
    assert succeeded(act("quota.show", project=pid))["quotas"] == before

    at_usage = {"network": {"network": 1}}
    planned = succeeded(act("quota.set", project=pid, quotas=at_usage))
    assert [c["status"] for c in planned["plan"]] == ["change"]
    done = succeeded(act("quota.set", project=pid, quotas=at_usage, apply=True))
    assert done["plan"] == planned["plan"] and done["applied"] == {"network": "set"}

    forced_plan = succeeded(act("quota.set", project=pid, quotas=lowering, force=True))
    assert [c["status"] for c in forced_plan["plan"]] == ["forced"]
    forced = succeeded(
        act("quota.set", project=pid, quotas=lowering, force=True, apply=True)
    )
    assert forced["plan"] == forced_plan["plan"]
    shown = succeeded(act("quota.show", project=pid))["quotas"]
    assert shown["network"]["network"]["limit"] == 0


@pytest.mark.fault(8)
def test_dry_run_refuses_exactly_what_nova_refuses_below_usage(
    act: Act, admin_conn: Connection, seed: dict[str, Any]
) -> None:
    """On the seeded web-shop (its servers use instances and cores); the quota is
    restored should Nova ever accept the lowering sent to check it."""
    before = succeeded(act("quota.show", project="web-shop"))
    pid = before["project"]["id"]
    instances = before["quotas"]["compute"]["instances"]
    assert instances["in_use"] >= 1
    lowering = {"compute": {"instances": instances["in_use"] - 1}}
    plan = failed(act("quota.set", project="web-shop", quotas=lowering))
    assert (
        f"compute.instances ({instances['in_use'] - 1} is below the "
        f"{instances['in_use']} in use; Nova refuses it unless forced)"
    ) in plan["error"]
    try:
        answer = _put_quota(admin_conn, "compute", pid, lowering["compute"])
        assert answer.status_code == 400, answer.text
        assert (
            f"must be greater than or equal to already used and reserved "
            f"{instances['in_use']}" in answer.text
        )
        real = failed(act("quota.set", project="web-shop", quotas=lowering, apply=True))
        assert real["error"] == plan["error"]
    finally:
        after = succeeded(act("quota.show", project="web-shop"))
        if after["quotas"]["compute"]["instances"]["limit"] != instances["limit"]:
            admin_conn.compute.put(
                f"/os-quota-sets/{pid}",
                json={"quota_set": {"instances": instances["limit"], "force": True}},
                microversion="2.36",
            )
    assert succeeded(act("quota.show", project="web-shop")) == before


@pytest.mark.fault(8)
@pytest.mark.parametrize(
    ("service", "key"), [("compute", "cores"), ("network", "port")]
)
def test_limits_past_the_apis_maximum_are_refused_by_the_plan_as_by_the_api(
    act: Act,
    admin_conn: Connection,
    unique_name: Callable[[str], str],
    project_scrubber: Callable[[str], str],
    quota_reset: Callable[[str], str],
    service: str,
    key: str,
) -> None:
    name = project_scrubber(unique_name("num-qmax"))
    pid = quota_reset(
        admin_conn.identity.create_project(name=name, domain_id="default").id
    )
    too_big = {service: {key: 2**31}}
    plan = failed(act("quota.set", project=pid, quotas=too_big))
    assert plan["error"] == (
        f"parameter 'quotas': {service}.{key}: must be a whole number from -1 to "
        "2147483647 (-1 means unlimited), got 2147483648"
    )
    answer = _put_quota(admin_conn, service, pid, {key: 2**31})
    assert answer.status_code == 400 and "2147483647" in answer.text, answer.text
    at_max = {service: {key: 2**31 - 1}}
    planned = succeeded(act("quota.set", project=pid, quotas=at_max))
    done = succeeded(act("quota.set", project=pid, quotas=at_max, apply=True))
    assert done["plan"] == planned["plan"] and done["applied"] == {service: "set"}
