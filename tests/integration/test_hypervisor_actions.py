"""hypervisor.* actions against the devcloud.

Mutations happen only on the scratch host devcloud-hv4 (no seeded servers) and on
servers the tests boot; the seeded hosts are only read.
"""

from __future__ import annotations

from openstack.connection import Connection
from os_fixtures_compute import (
    MIGRATION_CONFIG,
    SERVER_HOSTS,
    compute_service,
    host_of,
)

from openstack_api.compute_services import PACK_MARKER, disabled_by_pack

pytest_plugins = ["os_fixtures_compute"]


def test_disable_enable_idempotent_with_reason(
    run_action, scratch_host, admin_conn: Connection, unique_name
):
    reason = f"integration test {unique_name('reason')}"
    marked = f"{PACK_MARKER} {reason}"
    ok, plan = run_action(
        "hypervisor.service.disable", hypervisor=scratch_host, reason=reason
    )
    assert ok and plan["steps"] == [{"disable": {"reason": marked}}]
    assert compute_service(admin_conn, scratch_host).status == "enabled"

    ok, done = run_action(
        "hypervisor.service.disable",
        hypervisor=scratch_host,
        reason=reason,
        apply=True,
    )
    assert ok and done["changed"] is True
    assert done["after"]["disabled_by_pack"] is True
    service = compute_service(admin_conn, scratch_host)
    assert (service.status, service.disabled_reason) == ("disabled", marked)
    assert disabled_by_pack(service.disabled_reason)

    ok, again = run_action(
        "hypervisor.service.disable",
        hypervisor=next(  # by id this time
            h.id for h in admin_conn.compute.hypervisors() if h.name == scratch_host
        ),
        reason="another reason",
        apply=True,
    )
    assert ok and again["changed"] is False and again["steps"] == []
    assert compute_service(admin_conn, scratch_host).disabled_reason == marked

    ok, enabled = run_action(
        "hypervisor.service.enable",
        hypervisor=scratch_host,
        reason="done",
        apply=True,
    )
    assert ok and enabled["changed"] is True
    assert compute_service(admin_conn, scratch_host).status == "enabled"
    ok, again = run_action(
        "hypervisor.service.enable", hypervisor=scratch_host, apply=True
    )
    assert ok and again["changed"] is False


def test_disable_unknown_hypervisor_names_the_parameter(run_action, admin_conn):
    before = {
        s.host: s.status for s in admin_conn.compute.services(binary="nova-compute")
    }
    ok, result = run_action(
        "hypervisor.service.disable",
        hypervisor="it-no-such-host",
        reason="x",
        apply=True,
    )
    assert not ok and "parameter 'hypervisor'" in result["error"]
    after = {
        s.host: s.status for s in admin_conn.compute.services(binary="nova-compute")
    }
    assert after == before


def test_show_seeded_hosts(run_action, seed):
    ok, hv1 = run_action("hypervisor.show", hypervisor="devcloud-hv1")
    assert ok, hv1
    names = {s["name"] for s in hv1["servers"]}
    assert {"ops-monitor", "web-01", "web-old", "legacy-app", "ds-broken"} <= names
    assert hv1["server_count"] == len(hv1["servers"])
    assert hv1["service"]["enabled"] and hv1["service"]["up"]
    assert {"VCPU", "MEMORY_MB", "DISK_GB"} <= set(hv1["usage"])
    assert hv1["usage"]["VCPU"]["used"] >= 1
    ok, hv3 = run_action("hypervisor.show", hypervisor=seed["disabled_service"]["host"])
    assert ok
    assert hv3["service"]["enabled"] is False
    assert hv3["service"]["disabled_reason"] == seed["disabled_service"]["reason"]
    assert hv3["service"]["disabled_by_pack"] is False


def test_show_lists_the_hosts_aggregates(
    run_action, scratch_host, admin_conn: Connection, unique_name, cleanup
):
    aggregate = admin_conn.compute.create_aggregate(name=unique_name("agg"))
    cleanup(admin_conn.compute.delete_aggregate, aggregate)
    admin_conn.compute.add_host_to_aggregate(aggregate, scratch_host)
    cleanup(admin_conn.compute.remove_host_from_aggregate, aggregate, scratch_host)
    admin_conn.compute.set_aggregate_metadata(aggregate, **{"it-purpose": "show"})

    ok, shown = run_action("hypervisor.show", hypervisor=scratch_host)
    assert ok, shown
    mine = [a for a in shown["aggregates"] if a["id"] == str(aggregate.id)]
    assert mine == [
        {
            "id": str(aggregate.id),
            "name": aggregate.name,
            "availability_zone": None,
            "metadata": {"it-purpose": "show"},
        }
    ]
    assert shown["service"]["enabled"] and shown["service"]["up"]
    vcpu = shown["usage"]["VCPU"]
    assert vcpu["capacity"] == int(
        (vcpu["total"] - vcpu["reserved"]) * vcpu["allocation_ratio"]
    )
    assert vcpu["free"] == vcpu["capacity"] - vcpu["used"] and vcpu["capacity"] > 0
    ok, hv1 = run_action("hypervisor.show", hypervisor="devcloud-hv1")
    assert ok and str(aggregate.id) not in [a["id"] for a in hv1["aggregates"]]


def test_find_empty_and_reinstall_candidates(run_action, scratch_host, seed):
    ok, empty = run_action("hypervisor.find.empty")
    assert ok
    names = [h["name"] for h in empty]
    assert seed["disabled_service"]["host"] not in names
    assert not set(SERVER_HOSTS) & set(names)
    assert all(h["server_count"] == 0 and h["enabled"] and h["up"] for h in empty)

    ok, rows = run_action("hypervisor.find.reinstall.candidates", limit=10)
    assert ok
    counts = [(r["server_count"], -(r["uptime_seconds"] or 0)) for r in rows]
    assert counts == sorted(counts)
    assert seed["disabled_service"]["host"] not in [r["name"] for r in rows]
    ok, limited = run_action(
        "hypervisor.find.reinstall.candidates", limit=1, max_servers=0
    )
    assert ok and len(limited) <= 1 and all(r["server_count"] == 0 for r in limited)
    ok, with_disabled = run_action(
        "hypervisor.find.reinstall.candidates", limit=10, include_disabled=True
    )
    assert seed["disabled_service"]["host"] in [r["name"] for r in with_disabled]


def test_drain_lists_a_refused_server_then_empties_the_scratch_host(
    run_action, boot_server, scratch_host, admin_conn: Connection, pack_config
):
    running = boot_server(scratch_host, label="drain")
    stopped = boot_server(scratch_host, stopped=True, label="drain")
    big = boot_server(scratch_host, flavor="m1.medium", label="drainbig")  # 2 vCPUs
    strict = {**pack_config, "migration": {**MIGRATION_CONFIG, "max_vcpus": 1}}

    ok, plan = run_action(
        "hypervisor.drain", hypervisor=scratch_host, reason="it drain", _config=strict
    )
    assert ok, plan
    assert plan["dry_run"] is True
    assert plan["disable"] == {"reason": "[openstack_ops] drain: it drain"}
    steps = {p["server"]["id"]: (p["kind"], p["refused"]) for p in plan["plan"]}
    assert steps[running.id] == ("live", None) and steps[stopped.id] == ("cold", None)
    assert "above the migration limit of 1" in steps[big.id][1]
    assert [r["server"]["id"] for r in plan["refused"]] == [big.id]
    assert compute_service(admin_conn, scratch_host).status == "enabled"

    ok, refused = run_action(
        "hypervisor.drain", hypervisor=scratch_host, reason="it drain", apply=True
    )
    assert not ok and "parameter 'confirm'" in refused["error"]
    assert compute_service(admin_conn, scratch_host).status == "enabled"
    for server in (running, stopped, big):
        assert host_of(admin_conn, server.id) == scratch_host

    # The guard refuses the big server: it is listed, stays, and the run fails.
    ok, result = run_action(
        "hypervisor.drain",
        hypervisor=scratch_host,
        reason="it drain",
        confirm=scratch_host,
        apply=True,
        _config=strict,
    )
    assert not ok, result
    service = compute_service(admin_conn, scratch_host)
    assert service.status == "disabled"
    assert service.disabled_reason == "[openstack_ops] drain: it drain"
    assert disabled_by_pack(service.disabled_reason)
    outcomes = {s["server"]["id"]: s["outcome"] for s in result["servers"]}
    assert outcomes[running.id] == outcomes[stopped.id] == "migrated"
    assert outcomes[big.id] == "refused"
    assert [s["id"] for s in result["remaining_on_host"]] == [big.id]
    assert "1 refused" in result["summary"] and "vCPUs" in result["summary"]
    assert host_of(admin_conn, running.id) in SERVER_HOSTS
    assert host_of(admin_conn, stopped.id) in SERVER_HOSTS
    assert host_of(admin_conn, big.id) == scratch_host
    assert admin_conn.compute.get_server(stopped.id).status == "SHUTOFF"
    assert admin_conn.compute.get_server(running.id).status == "ACTIVE"

    # A re-run under the normal rules moves only what is left and empties the host.
    ok, result = run_action(
        "hypervisor.drain",
        hypervisor=scratch_host,
        reason="it drain",
        confirm=scratch_host,
        apply=True,
    )
    assert ok, result
    assert result["disable"] == "already disabled"
    outcomes = {s["server"]["id"]: s["outcome"] for s in result["servers"]}
    assert outcomes[big.id] == "migrated"
    assert running.id not in outcomes and stopped.id not in outcomes
    assert result["remaining_on_host"] == []
    assert host_of(admin_conn, big.id) in SERVER_HOSTS
    assert compute_service(admin_conn, scratch_host).status == "disabled"
    ok, show = run_action("hypervisor.show", hypervisor=scratch_host)
    assert ok and show["servers"] == [] and show["service"]["disabled_by_pack"]

    ok, again = run_action(
        "hypervisor.drain",
        hypervisor=scratch_host,
        reason="it drain",
        confirm=scratch_host,
        apply=True,
    )
    assert ok and again["servers"] == [] and again["disable"] == "already disabled"
