"""server.* actions against the devcloud, on servers each test boots and deletes."""

from __future__ import annotations

import pytest
from openstack.connection import Connection
from os_fixtures_compute import delete_servers_named, fence

from openstack_api.migrations import snapshots_of

pytest_plugins = ["os_fixtures_compute"]

HV1, HV2 = "devcloud-hv1", "devcloud-hv2"


def test_show_by_name_and_by_id(run_action, boot_server):
    server = boot_server(HV1)
    ok, by_name = run_action("server.show", server=server.name)
    assert ok, by_name
    ok, by_id = run_action("server.show", server=server.id)
    assert ok
    assert by_name["id"] == by_id["id"] == server.id
    assert by_name["host"] == HV1 and by_name["flavor"]["name"] == "m1.tiny"


def test_show_unknown_server_names_the_parameter(run_action):
    ok, result = run_action("server.show", server="it-no-such-server")
    assert not ok and "parameter 'server'" in result["error"]


def test_create_dry_run_then_pinned_on_the_shared_network(
    run_action, admin_conn: Connection, test_image, unique_name, cleanup, seed
):
    name = unique_name("create")
    params = {
        "name": name,
        "flavor": "m1.tiny",
        "image": test_image.id,
        "network": "shared-net",
        "hypervisor": HV2,
    }
    ok, plan = run_action("server.create", **params)
    assert ok and plan["dry_run"] and plan["plan"]["availability_zone"] == f"nova:{HV2}"
    assert not list(admin_conn.compute.servers(name=f"^{name}$"))
    cleanup(delete_servers_named, admin_conn, name)  # whatever the action left
    ok, result = run_action("server.create", apply=True, **params)
    assert ok, result
    assert result["server"]["status"] == "ACTIVE" and result["server"]["host"] == HV2
    assert result["server"]["addresses"]["shared-net"][0].startswith("10.10.0.")
    ok, again = run_action("server.create", apply=True, **params)
    assert ok and again["changed"] is False
    disabled = seed["disabled_service"]["host"]
    other = {**params, "name": unique_name("create-off"), "hypervisor": disabled}
    ok, refused = run_action("server.create", apply=True, **other)
    assert not ok and "parameter 'hypervisor'" in refused["error"]
    assert "disabled" in refused["error"]
    assert not list(admin_conn.compute.servers(name=f"^{other['name']}$"))
    assert len(list(admin_conn.compute.servers(name=f"^{name}$"))) == 1


@pytest.mark.fault(9)
def test_create_in_another_project(
    run_action, admin_conn: Connection, test_image, unique_name, cleanup
):
    """``project`` creates the server in that project (the account connects scoped
    to it). Without a role there the dry run and the real run are refused, naming
    ``project`` and how to grant one, and nothing is booted; with one the server
    belongs to the project, and a re-run is unchanged."""
    project = admin_conn.identity.create_project(
        name=unique_name("srvproj"), domain_id="default"
    )
    cleanup(admin_conn.identity.delete_project, project.id)
    name = unique_name("inproj")
    cleanup(delete_servers_named, admin_conn, name)
    params = {"name": name, "flavor": "m1.tiny", "image": test_image.id}
    for apply in (False, True):
        ok, refused = run_action(
            "server.create", project=project.name, apply=apply, **params
        )
        assert not ok and "parameter 'project'" in refused["error"], refused
        assert "holds no role on project" in refused["error"]
        assert "project.add.user.with.role" in refused["error"]
    assert not list(admin_conn.compute.servers(all_projects=True, name=f"^{name}$"))
    member = admin_conn.identity.find_role("member", ignore_missing=False)
    user = admin_conn.identity.get_user(admin_conn.current_user_id)
    admin_conn.identity.assign_project_role_to_user(project, user, member)
    ok, plan = run_action("server.create", project=project.id, **params)
    assert ok, plan
    assert plan["plan"]["project"] == {"id": project.id, "name": project.name}
    ok, result = run_action("server.create", project=project.name, apply=True, **params)
    assert ok, result
    assert result["server"]["project_id"] == project.id
    assert result["server"]["status"] == "ACTIVE"
    ok, again = run_action("server.create", project=project.name, apply=True, **params)
    assert ok and again["changed"] is False, again
    assert project.name in again["note"]
    found = list(admin_conn.compute.servers(all_projects=True, name=f"^{name}$"))
    assert [s.project_id for s in found] == [project.id]
    # the account's own project has no server of that name: a plain dry run plans one
    ok, own = run_action("server.create", **params)
    assert ok and own["dry_run"] and "project" not in own["plan"]


@pytest.mark.fault(9)
@pytest.mark.parametrize("bad", ["it-a\nb", "it-tab\there", "it-esc\x1b[31m", "it-x\n"])
def test_create_refuses_control_characters_in_the_name(
    run_action, admin_conn: Connection, test_image, bad: str
):
    ok, refused = run_action(
        "server.create", name=bad, flavor="m1.tiny", image=test_image.id, apply=True
    )
    assert not ok and "parameter 'name'" in refused["error"], refused
    assert "control character" in refused["error"]
    assert not [
        s for s in admin_conn.compute.servers(all_projects=True) if s.name == bad
    ]


def test_live_then_cold_migration_with_snapshot(
    run_action, boot_server, admin_conn: Connection
):
    server = boot_server(HV1)
    ok, plan = run_action("server.migrate", server=server.name, destination=HV2)
    assert ok and plan["plan"]["kind"] == "live" and plan["plan"]["destination"] == HV2
    assert admin_conn.compute.get_server(server.id).compute_host == HV1

    ok, result = run_action(
        "server.migrate", server=server.id, destination=HV2, apply=True
    )
    assert ok, result
    assert result["outcome"] == "migrated" and result["destination"] == HV2
    moved = admin_conn.compute.get_server(server.id)
    assert (moved.compute_host, moved.status) == (HV2, "ACTIVE")

    ok, result = run_action(
        "server.migrate",
        server=server.name,
        migration_type="cold",
        destination=HV1,
        snapshot=True,
        apply=True,
    )
    assert ok, result
    back = admin_conn.compute.get_server(server.id)
    assert (back.compute_host, back.status) == (HV1, "ACTIVE")
    snapshots = snapshots_of(admin_conn, server.id)
    assert [i.id for i in snapshots] == [result["snapshot_id"]]
    assert snapshots[0].name.startswith(f"openstack_ops-premigration-{server.name}-")
    types = {
        m.migration_type for m in admin_conn.compute.migrations(instance_uuid=server.id)
    }
    assert {"live-migration", "migration"} <= types
    cold = [
        m
        for m in admin_conn.compute.migrations(instance_uuid=server.id)
        if m.migration_type == "migration"
    ]
    assert [m.status for m in cold] == ["confirmed"]
    ok, shown = run_action("server.show", server=server.id)
    assert ok and shown["host"] == HV1
    history = sorted(
        (m["type"], m["source"], m["destination"]) for m in shown["migrations"]
    )
    assert history == [("live-migration", HV1, HV2), ("migration", HV2, HV1)]


def test_cold_migration_of_a_stopped_server_is_confirmed(
    run_action, boot_server, admin_conn: Connection, seed
):
    server = boot_server(HV2, stopped=True)
    ok, result = run_action(
        "server.migrate", server=server.id, migration_type="auto", apply=True
    )
    assert ok, result
    assert result["kind"] == "cold" and result["outcome"] == "migrated"
    assert result["plan"]["destination"] is None  # the scheduler chose
    moved = admin_conn.compute.get_server(server.id)
    assert moved.status == "SHUTOFF" and not moved.task_state
    assert moved.compute_host == result["destination"]
    assert moved.compute_host not in (HV2, seed["disabled_service"]["host"])
    statuses = {
        m.status for m in admin_conn.compute.migrations(instance_uuid=server.id)
    }
    assert statuses == {"confirmed"}


def test_migration_refusals_name_the_parameter_and_move_nothing(
    run_action, boot_server, admin_conn: Connection, seed
):
    server = boot_server(HV1)
    disabled = seed["disabled_service"]["host"]
    cases = [
        ({"destination": HV1}, "destination", "current host"),
        ({"destination": "it-no-such-host"}, "destination", "no hypervisor"),
        ({"destination": disabled}, "destination", "disabled"),
        ({"server": "it-no-such-server"}, "server", "no server"),
        ({"migration_type": "live", "server": "web-old"}, "server", "needs status"),
    ]
    for overrides, parameter, words in cases:
        params = {"server": server.id, "apply": True, **overrides}
        ok, result = run_action("server.migrate", **params)
        assert not ok, (overrides, result)
        assert f"parameter '{parameter}'" in result["error"], result
        assert words in result["error"], result
    assert admin_conn.compute.get_server(server.id).compute_host == HV1
    assert not list(admin_conn.compute.migrations(instance_uuid=server.id))


def test_flavor_rule_from_pack_config_refuses_up_front(
    run_action, boot_server, admin_conn: Connection, pack_config
):
    server = boot_server(HV1)
    config = {**pack_config, "migration": {**pack_config["migration"], "max_vcpus": 0}}
    ok, result = run_action("server.migrate", server=server.id, _config=config)
    assert ok and result["plan"]["refused"] is None
    config["migration"]["refused_extra_specs"] = []
    config["migration"]["max_vcpus"] = 1
    ok, _ = run_action("server.migrate", server=server.id, _config=config)
    assert ok  # m1.tiny has 1 vCPU: at the limit is fine
    medium = boot_server(HV1, flavor="m1.medium")
    ok, result = run_action(
        "server.migrate", server=medium.id, apply=True, _config=config
    )
    assert not ok and "above the migration limit of 1" in result["error"]
    assert "parameter 'server'" in result["error"]
    assert not list(admin_conn.compute.migrations(instance_uuid=medium.id))


def test_shutdown_on_hypervisor(run_action, boot_server, scratch_host, admin_conn):
    running = boot_server(scratch_host)
    stopped = boot_server(scratch_host, stopped=True)
    # Fenced (disabled) so no unpinned server of a concurrent test lands there; the
    # exact plan check below fails, before anything is stopped, if one did already.
    fence(admin_conn, scratch_host)
    ok, plan = run_action("server.shutdown.on.hypervisor", hypervisors=[scratch_host])
    assert ok
    actions = {s["id"]: s["action"] for s in plan["servers"]}
    assert actions == {running.id: "stop", stopped.id: "unchanged"}
    assert admin_conn.compute.get_server(running.id).status == "ACTIVE"

    ok, result = run_action(
        "server.shutdown.on.hypervisor",
        hypervisors=[scratch_host],
        confirm="devcloud-hv1",
        apply=True,
    )
    assert not ok and "parameter 'confirm'" in result["error"]
    assert admin_conn.compute.get_server(running.id).status == "ACTIVE"

    ok, result = run_action(
        "server.shutdown.on.hypervisor",
        hypervisors=[scratch_host],
        confirm=scratch_host,
        apply=True,
    )
    assert ok, result
    outcomes = {s["id"]: s["outcome"] for s in result["servers"]}
    assert outcomes == {running.id: "stopped", stopped.id: "unchanged"}
    assert admin_conn.compute.get_server(running.id).status == "SHUTOFF"
    ok, again = run_action(
        "server.shutdown.on.hypervisor",
        hypervisors=[scratch_host],
        confirm=scratch_host,
        apply=True,
    )
    assert ok and {s["outcome"] for s in again["servers"]} == {"unchanged"}
