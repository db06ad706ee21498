"""The estate audits on the devcloud: each finds exactly what the test planted.

One module fixture plants a small unhealthy estate next to healthy controls in
scratch projects of its own (``audit_estate.plant``: an unattached floating IP, an
orphaned port, servers of inactive owners, a project without members, an unused
image and a stale snapshot, a server in ERROR, a security group open on 22 and
3389, a Placement allocation of a consumer that is no server). Every
audit runs scoped to those projects (other engineers use the same devcloud at the
same time) and must report exactly the planted problems; a second run over every
project must still report them and none of the seeded healthy resources. Each
answer is cross-checked against openstacksdk directly (python-openstackclient is
not installed on this machine, so ``openstack ... -f json`` cannot be used).
Everything is removed in ``finally`` blocks, whatever the test did.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from audit_estate import PREFIX, Planted, expected_findings, found_ids, plant, remove
from openstack import exceptions
from openstack.connection import Connection
from pytest_mock import MockerFixture

pytest_plugins = ["os_fixtures_compute"]


@pytest.fixture(scope="module")
def planted(admin_conn: Connection, clouds: dict[str, Any]) -> Iterator[Planted]:
    """The planted estate, removed after the module."""
    p = Planted(token=uuid.uuid4().hex[:8])
    try:
        plant(admin_conn, clouds, p)
        yield p
    finally:
        remove(admin_conn, p)


@pytest.fixture
def audit(run_action: Any, planted: Planted) -> Callable[..., dict[str, Any]]:
    """``audit(action, **params)``: the audit scoped to the planted projects
    (unless ``all_projects=True``), asserting it succeeded."""

    def run(action: str, **params: Any) -> dict[str, Any]:
        if not params.get("all_projects"):
            params.setdefault("all_projects", False)
            params.setdefault("from_projects", planted.project_ids)
        ok, result = run_action(action, output_type="to_props", **params)
        assert ok, result
        return result

    return run


def _ids(result: dict[str, Any], key: str = "id") -> set[str]:
    return {str(f[key]) for f in result["findings"]}


# ------------------------------------------------------------------ audits
def test_unattached_floating_ips(
    audit: Any, planted: Planted, admin_conn: Connection
) -> None:
    result = audit("audit.floating_ips.unattached", older_than_days=0)
    assert _ids(result) == {planted.fips["unattached"].id}
    assert result["findings"][0]["project_name"] == planted.project.name
    assert result["listings"]["floating_ips"] == 1
    direct = {
        f.id
        for pid in planted.project_ids
        for f in admin_conn.network.ips(project_id=pid)
        if not f.port_id
    }
    assert _ids(result) == direct
    # a threshold the fresh address does not reach finds nothing
    assert audit("audit.floating_ips.unattached", older_than_days=1)["count"] == 0


def test_orphaned_ports(audit: Any, planted: Planted, admin_conn: Connection) -> None:
    result = audit("audit.ports.orphaned", older_than_days=0)
    assert _ids(result) == {planted.ports["orphaned"].id}
    direct = {
        port.id
        for pid in planted.project_ids
        for port in admin_conn.network.ports(project_id=pid)
        if not port.device_id and not port.device_owner and port.status == "DOWN"
    }
    assert _ids(result) == direct


def test_servers_of_inactive_owners(
    audit: Any, planted: Planted, admin_conn: Connection
) -> None:
    result = audit("audit.servers.of_inactive_owners")
    reasons = {f["id"]: f["reasons"] for f in result["findings"]}
    assert reasons == {
        planted.servers["of-disabled-user"].id: ["user disabled"],
        planted.servers["of-deleted-user"].id: ["user deleted"],
        planted.servers["of-disabled-project"].id: ["project disabled"],
    }
    # cross-check: the owners as Keystone reports them now
    user = admin_conn.identity.get_user(planted.users["disabled"].id)
    assert user.is_enabled is False
    with pytest.raises(exceptions.NotFoundException):
        admin_conn.identity.get_user(planted.users["deleted"].id)
    assert admin_conn.identity.get_project(planted.project_off.id).is_enabled is False


def test_projects_without_members(
    audit: Any, planted: Planted, admin_conn: Connection
) -> None:
    result = audit("audit.projects.without_members")
    assert _ids(result) == {planted.project_empty.id}
    for pid in planted.project_ids:
        held = list(admin_conn.identity.role_assignments(scope_project_id=pid))
        assert bool(held) == (pid != planted.project_empty.id)


def test_unused_images_and_stale_snapshots(audit: Any, planted: Planted) -> None:
    unused = audit("audit.images.unused", older_than_days=0)
    assert _ids(unused) == {planted.images["unused"].id}
    snapshots = audit("audit.snapshots.stale", older_than_days=0)
    assert _ids(snapshots) == {planted.images["snapshot"].id}
    assert snapshots["findings"][0]["server_exists"] is False
    assert audit("audit.images.unused", older_than_days=1)["count"] == 0


def test_stuck_servers_with_their_fault(
    audit: Any, planted: Planted, admin_conn: Connection
) -> None:
    result = audit("audit.servers.stuck", older_than_hours=0)
    assert _ids(result) == {planted.servers["error"].id}
    fault = result["findings"][0]["fault"]
    direct = admin_conn.compute.get_server(planted.servers["error"].id)
    assert direct.status == "ERROR"
    assert fault and direct.fault["message"].strip() in fault
    assert "valid host" in fault.lower()
    # the ERROR server is the only one: watching other statuses finds nothing
    others = audit(
        "audit.servers.stuck", older_than_hours=0, statuses=["BUILD", "MIGRATING"]
    )
    assert others["count"] == 0
    assert audit("audit.servers.stuck", older_than_hours=1)["count"] == 0


def test_open_security_groups(audit: Any, planted: Planted) -> None:
    result = audit("audit.security_groups.open")
    found = {f["rule_id"]: f["exposed_ports"] for f in result["findings"]}
    assert found == {planted.rules["ssh"].id: [22], planted.rules["rdp"].id: [3389]}
    # a configured port list: only 443 is watched now
    https = audit("audit.security_groups.open", ports=[443])
    assert {f["rule_id"] for f in https["findings"]} == {planted.rules["https"].id}


def test_orphan_placement_allocations(
    audit: Any, planted: Planted, admin_conn: Connection
) -> None:
    result = audit("audit.placement.orphan_allocations")
    assert _ids(result, "consumer") == {planted.consumer}
    assert result["findings"][0]["resources"] == {"VCPU": 1, "MEMORY_MB": 64}
    direct = admin_conn.placement.get(
        f"/allocations/{planted.consumer}", microversion="1.28"
    ).json()
    assert direct["project_id"] == planted.project.id
    # the planted servers' own allocations are not orphans
    for server in planted.servers.values():
        assert server.id not in _ids(result, "consumer")


def test_every_project_still_finds_the_planted_and_no_seeded_healthy(
    audit: Any, planted: Planted, seed: dict[str, Any]
) -> None:
    everything = audit(
        "audit.all",
        all_projects=True,
        floating_ip_days=0,
        port_days=0,
        image_days=0,
        snapshot_days=0,
        stuck_hours=0,
    )
    assert not everything["errors"]
    found = {name: r["findings"] for name, r in everything["audits"].items()}

    def ids(name: str, key: str = "id") -> set[str]:
        return {str(f[key]) for f in found[name]}

    assert planted.fips["unattached"].id in ids("audit.floating_ips.unattached")
    assert planted.fips["attached"].id not in ids("audit.floating_ips.unattached")
    assert planted.ports["orphaned"].id in ids("audit.ports.orphaned")
    assert planted.ports["in-use"].id not in ids("audit.ports.orphaned")
    assert planted.project_empty.id in ids("audit.projects.without_members")
    assert planted.servers["error"].id in ids("audit.servers.stuck")
    assert planted.consumer in ids("audit.placement.orphan_allocations", "consumer")
    seeded_servers = {name: s["id"] for name, s in seed["servers"].items()}
    healthy = {
        sid
        for name, sid in seeded_servers.items()
        if seed["servers"][name]["status"] != "ERROR"
    }
    assert not healthy & ids("audit.servers.stuck")
    assert not set(seeded_servers.values()) & ids("audit.servers.of_inactive_owners")
    assert not set(seeded_servers.values()) & ids(
        "audit.placement.orphan_allocations", "consumer"
    )
    assert not set(seed["projects"].values()) & ids("audit.projects.without_members")
    seeded_images_in_use = {
        seed["images"][s["image"]] for s in seed["servers"].values()
    }
    assert not seeded_images_in_use & ids("audit.images.unused")
    # one listing per resource type, however many audits read it
    assert everything["listings"]["servers"] == 1
    assert everything["listings"]["projects"] == 1


def test_audit_all_scoped_is_exactly_the_planted(audit: Any, planted: Planted) -> None:
    result = audit(
        "audit.all",
        floating_ip_days=0,
        port_days=0,
        image_days=0,
        snapshot_days=0,
        stuck_hours=0,
        to_addresses=["ops@devcloud.test"],
    )
    assert found_ids(result) == expected_findings(planted)
    assert result["counts"] == {
        "audit.floating_ips.unattached": 1,
        "audit.ports.orphaned": 1,
        "audit.servers.of_inactive_owners": 3,
        "audit.projects.without_members": 1,
        "audit.images.unused": 1,
        "audit.snapshots.stale": 1,
        "audit.servers.stuck": 1,
        "audit.security_groups.open": 2,
        "audit.placement.orphan_allocations": 1,
    }
    mail = result["mail"]
    assert mail["send_email"] is False
    assert mail["counts"]["recipients"] == 1
    assert planted.project_empty.name in mail["sample"]["text"]


def test_bad_input_names_the_parameter(run_action: Any) -> None:
    ok, result = run_action("audit.security_groups.open", ports=[70000])
    assert not ok and "'ports'" in result["error"]
    ok, result = run_action(
        "audit.ports.orphaned", all_projects=True, from_projects=["x"]
    )
    assert not ok and "'from_projects'" in result["error"]
    ok, result = run_action(
        "audit.ports.orphaned", all_projects=False, from_projects=["it-audit-nope"]
    )
    assert not ok and "'from_projects'" in result["error"]


# ------------------------------------------------------------ remediation
def test_release_floating_ips_does_exactly_the_dry_run(
    run_action: Any, planted: Planted, admin_conn: Connection
) -> None:
    scope = {"all_projects": False, "from_projects": [planted.project.id]}
    ok, plan = run_action(
        "audit.floating_ips.unattached.release", older_than_days=0, **scope
    )
    assert ok, plan
    assert plan["dry_run"] is True
    assert [f["id"] for f in plan["plan"]] == [planted.fips["unattached"].id]
    assert admin_conn.network.get_ip(planted.fips["unattached"].id)  # untouched
    ok, refused = run_action(
        "audit.floating_ips.unattached.release",
        older_than_days=0,
        apply=True,
        confirm="not-the-plan",
        **scope,
    )
    assert not ok and "'confirm'" in refused["error"]
    assert admin_conn.network.get_ip(planted.fips["unattached"].id)
    ok, done = run_action(
        "audit.floating_ips.unattached.release",
        older_than_days=0,
        apply=True,
        confirm=plan["plan_id"],
        **scope,
    )
    assert ok, done
    assert [(i["id"], i["outcome"]) for i in done["items"]] == [
        (planted.fips["unattached"].id, "done")
    ]
    with pytest.raises(exceptions.NotFoundException):
        admin_conn.network.get_ip(planted.fips["unattached"].id)
    assert admin_conn.network.get_ip(planted.fips["attached"].id).port_id


def test_delete_orphaned_ports_continues_after_a_failed_item(
    run_action: Any,
    planted: Planted,
    admin_conn: Connection,
    mocker: MockerFixture,
) -> None:
    from openstack_api import audits as api

    extra = admin_conn.network.create_port(
        name=f"{PREFIX}orphan2-{planted.token}",
        network_id=planted.network.id,
        project_id=planted.project.id,
    )
    planted.ports["orphaned-2"] = extra
    scope = {"all_projects": False, "from_projects": [planted.project.id]}
    ok, plan = run_action("audit.ports.orphaned.delete", older_than_days=0, **scope)
    assert ok, plan
    planned = {f["id"] for f in plan["plan"]}
    assert planned == {planted.ports["orphaned"].id, extra.id}

    real_delete = api.delete_port
    first = sorted(planned)[0]

    def failing_delete(conn: Any, port_id: str) -> None:
        if port_id == first:
            raise exceptions.ConflictException("injected: port is busy")
        real_delete(conn, port_id)

    mocker.patch.object(api, "delete_port", autospec=True, side_effect=failing_delete)
    ok, done = run_action(
        "audit.ports.orphaned.delete",
        older_than_days=0,
        apply=True,
        confirm=plan["plan_id"],
        **scope,
    )
    assert not ok
    outcomes = {i["id"]: i["outcome"] for i in done["items"]}
    assert outcomes == {first: "failed", (planned - {first}).pop(): "done"}
    assert "injected" in done["error"]
    assert admin_conn.network.get_port(first)  # the failed one is still there
    with pytest.raises(exceptions.NotFoundException):
        admin_conn.network.get_port((planned - {first}).pop())
    assert admin_conn.network.get_port(planted.ports["in-use"].id)
