"""server.* workflows over the in-memory cloud: plans, guards, refusals, outcomes."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from compute_fakes import standard_cloud

from pack_common import Failure, InputError
from workflows import server as wf

CONFIG: dict = {}


@pytest.fixture
def cloud():
    return standard_cloud()


def ids(cloud, name):
    return next(s["id"] for s in cloud.servers.values() if s["name"] == name)


def refused(cloud, parameter, call, *args, **kwargs):
    """Run ``call`` expecting an InputError naming ``parameter``; nothing changed."""
    with pytest.raises(InputError) as error:
        call(cloud.conn, *args, **kwargs)
    assert error.value.parameter == parameter
    assert cloud.changes == []
    return str(error.value)


# server.migrate ------------------------------------------------------------------


def test_migrate_dry_run_returns_plan_and_changes_nothing(cloud):
    result = wf.migrate(cloud.conn, CONFIG, "web-1", destination="hv2")
    assert result["dry_run"] is True
    assert result["plan"]["kind"] == "live"
    assert (result["plan"]["source"], result["plan"]["destination"]) == ("hv1", "hv2")
    assert cloud.changes == []


def test_live_migration_runs_the_plan(cloud):
    sid = ids(cloud, "web-1")
    result = wf.migrate(cloud.conn, CONFIG, sid, destination="hv2", apply=True)
    assert result["outcome"] == "migrated" and result["destination"] == "hv2"
    assert cloud.changes == [("live_migrate", sid, "hv2", "auto")]
    assert cloud.host_of(sid) == "hv2"


def test_cold_migration_is_confirmed(cloud):
    sid = ids(cloud, "db-1")
    result = wf.migrate(cloud.conn, CONFIG, "db-1", "cold", apply=True)
    assert result["outcome"] == "migrated"
    assert [c[0] for c in cloud.changes] == ["cold_migrate", "confirm"]
    assert cloud.servers[sid]["status"] == "SHUTOFF"
    assert cloud.host_of(sid) != "hv1"


def test_snapshot_first_is_named_and_tagged(cloud):
    sid = ids(cloud, "web-1")
    result = wf.migrate(cloud.conn, CONFIG, "web-1", snapshot=True, apply=True)
    kind, server_id, name, metadata = cloud.changes[0]
    assert (kind, server_id) == ("snapshot", sid)
    assert name.startswith("openstack_ops-premigration-web-1-")
    assert metadata == {"openstack_ops_snapshot_of": sid}
    assert result["snapshot_id"] and result["snapshot_status"] == "active"
    assert [c[0] for c in cloud.changes] == ["snapshot", "live_migrate"]


def test_failed_snapshot_stops_the_migration(cloud):
    sid = ids(cloud, "web-1")
    cloud.snapshot_status = "killed"
    result = wf.migrate(cloud.conn, CONFIG, "web-1", snapshot=True, apply=True)
    assert isinstance(result, Failure)
    assert result.result["outcome"] == "failed"
    assert "killed" in result.result["error"]
    assert [c[0] for c in cloud.changes] == ["snapshot"]
    assert cloud.host_of(sid) == "hv1"


def test_failed_migration_is_a_failure_with_the_result(cloud):
    sid = ids(cloud, "web-1")
    cloud.fail_migration.add(sid)
    result = wf.migrate(cloud.conn, CONFIG, "web-1", apply=True)
    assert isinstance(result, Failure)
    assert result.result["outcome"] == "failed"
    assert "hv1" in result.result["error"]


def test_migrate_to_same_host_is_refused(cloud):
    message = refused(
        cloud,
        "destination",
        wf.migrate,
        CONFIG,
        "web-1",
        destination="hv1",
        apply=True,
    )
    assert "current host" in message


def test_migrate_to_unknown_hypervisor_is_refused(cloud):
    refused(
        cloud,
        "destination",
        wf.migrate,
        CONFIG,
        "web-1",
        destination="hv-nope",
        apply=True,
    )


def test_migrate_to_disabled_host_is_refused(cloud):
    message = refused(
        cloud,
        "destination",
        wf.migrate,
        CONFIG,
        "web-1",
        destination="hv9",
        apply=True,
    )
    assert "disabled" in message


def test_migrate_to_down_host_is_refused(cloud):
    cloud.hosts["hv3"]["up"] = False
    message = refused(
        cloud,
        "destination",
        wf.migrate,
        CONFIG,
        "web-1",
        destination="hv3",
        apply=True,
    )
    assert "down" in message


def test_migrating_a_busy_server_is_refused(cloud):
    cloud.add_server("busy-1", "hv1", task_state="rebooting")
    message = refused(cloud, "server", wf.migrate, CONFIG, "busy-1", apply=True)
    assert "busy" in message


def test_refused_extra_specs_are_configurable(cloud):
    cloud.add_server("pinned-1", "hv1", extra_specs={"hw:cpu_policy": "dedicated"})
    assert wf.migrate(cloud.conn, CONFIG, "pinned-1")["plan"]["refused"] is None
    config = {"migration": {"refused_extra_specs": ["hw:cpu_policy"]}}
    message = refused(cloud, "server", wf.migrate, config, "pinned-1", apply=True)
    assert "hw:cpu_policy" in message


def test_migrate_unknown_server_is_refused(cloud):
    refused(cloud, "server", wf.migrate, CONFIG, "ghost", apply=True)


def test_migrate_ambiguous_server_name_is_refused(cloud):
    cloud.add_server("web-1", "hv2")
    message = refused(cloud, "server", wf.migrate, CONFIG, "web-1", apply=True)
    assert "use an id" in message


def test_live_migrating_a_stopped_server_is_refused(cloud):
    message = refused(cloud, "server", wf.migrate, CONFIG, "db-1", "live", apply=True)
    assert "needs status ACTIVE" in message


def test_flavor_rule_from_pack_config_is_enforced(cloud):
    cloud.add_server("gpu-1", "hv1", extra_specs={"resources:VGPU": "1"})
    refused(cloud, "server", wf.migrate, CONFIG, "gpu-1", apply=True)
    cloud.add_server("big-1", "hv1", vcpus=32)
    config = {"migration": {"max_vcpus": 16}}
    message = refused(cloud, "server", wf.migrate, config, "big-1", apply=True)
    assert "above the migration limit of 16" in message


def test_bad_migration_type_is_refused(cloud):
    refused(
        cloud, "migration_type", wf.migrate, CONFIG, "web-1", "teleport", apply=True
    )


def test_migrate_without_any_other_host_is_refused(cloud):
    for host in ("hv2", "hv3"):
        cloud.hosts[host]["enabled"] = False
    refused(cloud, "destination", wf.migrate, CONFIG, "web-1", apply=True)


# server.shutdown.on.hypervisor --------------------------------------------------


def test_shutdown_dry_run_plans_each_server(cloud):
    result = wf.shutdown_on_hypervisor(cloud.conn, ["hv1"])
    actions = {s["name"]: s["action"] for s in result["servers"]}
    assert actions == {"web-1": "stop", "db-1": "unchanged"}
    assert result["confirm_needed"] == "hv1"
    assert cloud.changes == []


def test_shutdown_needs_confirm_naming_the_hypervisor(cloud):
    refused(
        cloud,
        "confirm",
        wf.shutdown_on_hypervisor,
        ["hv1"],
        confirm="hv2",
        apply=True,
    )


def test_shutdown_unknown_hypervisor_is_refused(cloud):
    refused(
        cloud,
        "hypervisors",
        wf.shutdown_on_hypervisor,
        ["hv1", "nope"],
        confirm="hv1,nope",
        apply=True,
    )


def test_shutdown_stops_and_reports_each_server(cloud):
    cloud.add_server("web-2", "hv1")
    result = wf.shutdown_on_hypervisor(cloud.conn, ["hv1"], confirm="hv1", apply=True)
    outcomes = {s["name"]: s["outcome"] for s in result["servers"]}
    assert outcomes == {"web-1": "stopped", "web-2": "stopped", "db-1": "unchanged"}
    again = wf.shutdown_on_hypervisor(cloud.conn, ["hv1"], confirm="hv1", apply=True)
    assert {s["outcome"] for s in again["servers"]} == {"unchanged"}


def test_shutdown_collects_failures(cloud):
    cloud.add_server("web-2", "hv1")
    cloud.fail_stop.add(ids(cloud, "web-1"))
    result = wf.shutdown_on_hypervisor(cloud.conn, ["hv1"], confirm="hv1", apply=True)
    assert isinstance(result, Failure)
    outcomes = {s["name"]: s["outcome"] for s in result.result["servers"]}
    assert outcomes["web-1"] == "failed" and outcomes["web-2"] == "stopped"
    assert result.result["summary"].startswith("1 stopped, 1 failed of 3")


# server.create / server.show ----------------------------------------------------


@pytest.fixture
def catalog(cloud):
    cloud.flavors.append(SimpleNamespace(id="f1", name="m1.tiny", is_public=True))
    cloud.images.append(
        SimpleNamespace(id="i1", name="cirros", owner="p0", visibility="public")
    )
    return cloud


def test_create_dry_run_plans_pinning(catalog):
    result = wf.create(catalog.conn, "t1", "m1.tiny", "cirros", hypervisor="hv2")
    assert result["plan"]["availability_zone"] == "nova:hv2"
    assert result["plan"]["network"] is None
    assert catalog.changes == []


def test_create_boots_and_rerun_is_unchanged(catalog):
    result = wf.create(
        catalog.conn, "t1", "m1.tiny", "i1", hypervisor="hv2", apply=True
    )
    assert result["changed"] and result["server"]["host"] == "hv2"
    again = wf.create(catalog.conn, "t1", "m1.tiny", "i1", hypervisor="hv2", apply=True)
    assert again["changed"] is False
    assert [c[0] for c in catalog.changes] == ["create_server"]


@pytest.mark.parametrize(
    ("parameter", "kwargs"),
    [
        ("flavor", {"flavor": "nope"}),
        ("image", {"image": "nope"}),
        ("network", {"network": "nope"}),
        ("hypervisor", {"hypervisor": "nope"}),
        ("hypervisor", {"hypervisor": "hv9"}),
        ("name", {"name": " "}),
        ("wait_seconds", {"wait_seconds": 0}),
    ],
)
def test_create_bad_inputs_name_the_parameter(catalog, parameter, kwargs):
    args = {"name": "t1", "flavor": "m1.tiny", "image": "cirros", "apply": True}
    args.update(kwargs)
    refused(catalog, parameter, wf.create, **args)


def test_show_reports_server_and_history(cloud):
    result = wf.show(cloud.conn, "web-1")
    assert (result["name"], result["host"], result["migrations"]) == (
        "web-1",
        "hv1",
        [],
    )
