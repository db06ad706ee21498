"""hypervisor.* workflows over the in-memory cloud."""

from __future__ import annotations

import pytest
from compute_fakes import standard_cloud
from pytest_mock import MockerFixture

from pack_common import Failure, InputError
from workflows import hypervisor as wf


@pytest.fixture
def cloud():
    return standard_cloud()


def refused(cloud, parameter, call, *args, **kwargs):
    with pytest.raises(InputError) as error:
        call(cloud.conn, *args, **kwargs)
    assert error.value.parameter == parameter
    assert cloud.changes == []
    return str(error.value)


# disable / enable -----------------------------------------------------------------


def test_disable_dry_run_then_real_then_unchanged(cloud):
    marked = "[openstack_ops] kernel update"
    plan = wf.service_disable(cloud.conn, "hv2", "kernel update")
    assert plan["steps"] == [{"disable": {"reason": marked}}]
    assert plan["changed"] is False
    assert cloud.changes == []
    done = wf.service_disable(cloud.conn, "hv2", "kernel update", apply=True)
    assert done["changed"] and done["after"]["status"] == "disabled"
    assert done["after"]["disabled_reason"] == marked
    assert done["after"]["disabled_by_pack"] is True
    again = wf.service_disable(cloud.conn, "hv2", "other", apply=True)
    assert again["changed"] is False and again["steps"] == []
    assert cloud.hosts["hv2"]["reason"] == marked  # a reason is never overwritten
    assert len(cloud.changes) == 1


def test_enable_is_idempotent(cloud):
    done = wf.service_enable(cloud.conn, "hv9", "DIMM replaced", apply=True)
    assert done["changed"] and done["after"]["enabled"]
    again = wf.service_enable(cloud.conn, "hv9", apply=True)
    assert again["changed"] is False
    assert cloud.changes == [("enable_service", "hv9")]


def test_disable_keeps_a_persons_reason_on_a_disabled_host(cloud):
    result = wf.service_disable(cloud.conn, "hv9", "maintenance", apply=True)
    assert result["changed"] is False
    assert result["before"]["disabled_reason"] == "broken DIMM"
    assert result["before"]["disabled_by_pack"] is False
    assert cloud.changes == []


def test_disable_needs_a_reason(cloud):
    refused(cloud, "reason", wf.service_disable, "hv2", "  ", apply=True)


def test_disable_unknown_hypervisor(cloud):
    refused(cloud, "hypervisor", wf.service_disable, "nope", "x", apply=True)


def test_enable_unknown_hypervisor(cloud):
    refused(cloud, "hypervisor", wf.service_enable, "nope", apply=True)


# finders and show --------------------------------------------------------------


def test_find_empty_lists_enabled_up_hosts_without_servers(cloud):
    cloud.add_host("hv5", up=False)
    assert [r["name"] for r in wf.find_empty(cloud.conn)] == ["hv2", "hv3"]


def test_reinstall_candidates_sorted_by_servers_then_uptime(cloud):
    rows = wf.find_reinstall_candidates(cloud.conn)
    assert [r["name"] for r in rows] == ["hv3", "hv2", "hv1"]
    assert rows[0]["uptime_seconds"] > rows[1]["uptime_seconds"]


def test_reinstall_candidates_limits(cloud):
    assert [r["name"] for r in wf.find_reinstall_candidates(cloud.conn, limit=1)] == [
        "hv3"
    ]
    rows = wf.find_reinstall_candidates(cloud.conn, max_servers=0)
    assert [r["name"] for r in rows] == ["hv3", "hv2"]
    with_disabled = wf.find_reinstall_candidates(cloud.conn, include_disabled=True)
    assert "hv9" in [r["name"] for r in with_disabled]


@pytest.mark.parametrize(
    ("parameter", "kwargs"),
    [("limit", {"limit": 0}), ("max_servers", {"max_servers": -1})],
)
def test_reinstall_candidates_bad_limits(cloud, parameter, kwargs):
    refused(cloud, parameter, wf.find_reinstall_candidates, **kwargs)


def test_show_has_service_usage_servers_and_aggregates(cloud):
    from types import SimpleNamespace

    cloud.aggregates.append(
        SimpleNamespace(
            id=1, name="fast", availability_zone=None, metadata={}, hosts=["hv1"]
        )
    )
    result = wf.show(cloud.conn, "hv1")
    assert result["service"]["enabled"] is True
    assert sorted(s["name"] for s in result["servers"]) == ["db-1", "web-1"]
    assert result["usage"]["VCPU"] == {
        "total": 8,
        "reserved": 0,
        "allocation_ratio": 4.0,
        "capacity": 32,
        "used": 2,
        "free": 30,
    }
    assert result["usage"]["MEMORY_MB"]["capacity"] == 3584
    assert [a["name"] for a in result["aggregates"]] == ["fast"]


# drain ------------------------------------------------------------------------------


def test_drain_dry_run_plans_and_changes_nothing(cloud):
    cloud.add_server("broken", "hv1", status="ERROR")
    result = wf.drain(cloud.conn, {}, "hv1", "kernel update")
    assert result["disable"] == {"reason": "[openstack_ops] drain: kernel update"}
    kinds = {p["server"]["name"]: (p["kind"], p["refused"]) for p in result["plan"]}
    assert kinds["web-1"] == ("live", None) and kinds["db-1"] == ("cold", None)
    assert [r["server"]["name"] for r in result["refused"]] == ["broken"]
    assert cloud.changes == []


def test_drain_empties_the_host(cloud):
    result = wf.drain(cloud.conn, {}, "hv1", "kernel update", confirm="hv1", apply=True)
    assert not isinstance(result, Failure)
    assert cloud.changes[0] == (
        "disable_service",
        "hv1",
        "[openstack_ops] drain: kernel update",
    )
    assert {s["outcome"] for s in result["servers"]} == {"migrated"}
    assert result["remaining_on_host"] == []
    assert all(s["OS-EXT-SRV-ATTR:host"] != "hv1" for s in cloud.servers.values())
    again = wf.drain(cloud.conn, {}, "hv1", "kernel update", confirm="hv1", apply=True)
    assert again["servers"] == [] and again["disable"] == "already disabled"
    assert len([c for c in cloud.changes if c[0] == "disable_service"]) == 1


def test_drain_lists_refused_and_failed_and_fails(cloud):
    cloud.add_server("gpu", "hv1", extra_specs={"pci_passthrough:alias": "a:1"})
    failing = cloud.add_server("flaky", "hv1")
    cloud.fail_migration.add(failing["id"])
    result = wf.drain(cloud.conn, {}, "hv1", "r", confirm="hv1", apply=True)
    assert isinstance(result, Failure)
    outcomes = {s["server"]["name"]: s["outcome"] for s in result.result["servers"]}
    assert outcomes == {
        "db-1": "migrated",
        "flaky": "failed",
        "gpu": "refused",
        "web-1": "migrated",
    }
    assert sorted(s["name"] for s in result.result["remaining_on_host"]) == [
        "flaky",
        "gpu",
    ]


def test_drain_concurrency_comes_from_pack_config(cloud):
    result = wf.drain(cloud.conn, {"migration": {"drain_concurrency": 4}}, "hv1", "r")
    assert result["concurrency"] == 4


@pytest.mark.parametrize(
    ("parameter", "args", "kwargs"),
    [
        ("confirm", ("hv1", "r"), {"confirm": "hv2"}),
        ("confirm", ("hv1", "r"), {}),
        ("hypervisor", ("nope", "r"), {"confirm": "nope"}),
        ("migration_type", ("hv1", "r"), {"confirm": "hv1", "migration_type": "x"}),
    ],
)
def test_drain_bad_inputs(cloud, parameter, args, kwargs):
    refused(cloud, parameter, wf.drain, {}, *args, apply=True, **kwargs)


def test_drain_without_a_reason_still_marks_the_service(cloud):
    result = wf.drain(cloud.conn, {}, "hv2", confirm="hv2", apply=True)
    assert not isinstance(result, Failure)
    assert cloud.changes == [("disable_service", "hv2", "[openstack_ops] drain")]


def test_drain_wait_bounds_all_migrations_together(
    mocker: MockerFixture,
) -> None:
    """wait_seconds is the whole drain's budget (the runner timeout covers it): each
    migration gets what is left when it starts; one not started in time is failed
    with the reason, the others keep their outcomes."""
    from openstack_api.migrations import MigrationOutcome, MigrationStep

    clock = [1000.0]
    given: list[float] = []

    def execute(conn: object, step: MigrationStep, timeout: float) -> MigrationOutcome:
        given.append(timeout)
        clock[0] += 40  # each migration takes 40 s
        return MigrationOutcome(step.server, "migrated", step.source, kind=step.kind)

    mocker.patch.object(
        wf.time, "monotonic", autospec=True, side_effect=lambda: clock[0]
    )
    executed = mocker.patch.object(
        wf.migrations, "execute_step", autospec=True, side_effect=execute
    )
    steps = [
        MigrationStep({"id": f"s{i}", "name": f"vm{i}"}, "hv1", "live", None)
        for i in range(4)
    ]
    outcomes = wf._migrate_all(None, steps, 1, 100)  # type: ignore[arg-type]
    assert given == [100, 60, 20]
    assert [o.outcome for o in outcomes] == ["migrated"] * 3 + ["failed"]
    assert "wait_seconds (100 s) ran out" in (outcomes[3].error or "")
    assert [c.args[1] for c in executed.call_args_list] == steps[:3]  # s3 not started


def test_drain_refuses_a_wait_beyond_three_hours() -> None:
    with pytest.raises(InputError) as err:
        wf.check_wait_seconds(10801)
    assert err.value.parameter == "wait_seconds"
