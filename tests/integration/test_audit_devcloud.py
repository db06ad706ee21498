"""The estate audits on the devcloud: each finds exactly what the test planted.

One module fixture plants a small unhealthy estate next to healthy controls in
scratch projects of its own (``audit_estate.plant``: an unattached floating IP, an
orphaned port, servers of inactive owners, a project without members, an unused
image and a stale snapshot, a server in ERROR, a security group open on 22 and
3389, a Placement allocation of a consumer that is no server). Every
audit runs scoped to those projects (other engineers use the same devcloud at the
same time) and must report exactly the planted problems; a second run over every
project must still report them and none of the seeded healthy resources.

Each answer is cross-checked against python-openstackclient, the independent
oracle: ``openstack ... -f json`` on the same cloud (``oracle_cli.OpenStackCLI``,
cloud ``devcloud-admin``, one CLI per module, several commands per CLI process).
The oracle recomputes each audit's rule from the CLI's own listings and shows
(``floating ip list``, ``port list`` / ``port show``, ``server list --long`` /
``server show``, ``user show``, ``project show``, ``role assignment list``,
``image list`` / ``image show``, ``security group list`` / ``security group rule
list``, and osc-placement's ``resource provider show --allocations`` / ``resource
provider allocation show``) and must find the same ids. openstacksdk only plants
the estate and removes it (and sets up the remediations); after a remediation the
CLI re-reads the cloud (``fresh=True``). Everything is removed in ``finally``
blocks, whatever the test did.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from audit_estate import PREFIX, Planted, expected_findings, found_ids, plant, remove
from openstack import exceptions
from openstack.connection import Connection
from oracle_cli import OpenStackCLI, oracle_clouds_yaml
from os_fixtures_compute import SCRATCH_HOST
from pytest_mock import MockerFixture

pytest_plugins = ["os_fixtures_compute"]

#: Every server of the cloud, with its image id and project (one CLI listing).
ALL_SERVERS = "server list --all-projects --long"
#: Remote prefixes that mean "the whole internet" (the CLI also shows a rule
#: without a remote prefix as one of these, by its ethertype).
EVERYONE = ("0.0.0.0/0", "::/0")
#: Protocols that carry ports ("any": the CLI's null protocol).
PORT_PROTOCOLS = ("any", "tcp", "udp", "sctp", "6", "17", "132")


@pytest.fixture(scope="module")
def planted(admin_conn: Connection, clouds: dict[str, Any]) -> Iterator[Planted]:
    """The planted estate, removed after the module."""
    p = Planted(token=uuid.uuid4().hex[:8])
    try:
        plant(admin_conn, clouds, p)
        yield p
    finally:
        remove(admin_conn, p)


@pytest.fixture(scope="module")
def cli(clouds: dict[str, Any]) -> OpenStackCLI:
    """The ``openstack`` CLI on the admin cloud, the oracle of this module; its
    answers are cached for the module (``fresh=True`` re-reads them)."""
    del clouds  # checked: the devcloud answers and clouds.yaml has the admin cloud
    return OpenStackCLI(oracle_clouds_yaml(), "devcloud-admin")


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


# ------------------------------------------------------------------ oracle
def _absent(cli: OpenStackCLI, command: str, ident: str) -> bool:
    """Whether ``openstack <command>``, run now, fails because ``ident`` is not
    found (``No <Kind> found for <ident>``), not for another reason."""
    cli.batch([command], fresh=True)
    return command not in cli.cache and f"found for {ident}" in cli.errors[command]


def _floating_ips(
    cli: OpenStackCLI, project_ids: list[str], fresh: bool = False
) -> dict[str, str | None]:
    """The port of every floating IP of the projects (None: unattached), as
    ``floating ip list --project`` reports them."""
    commands = [f"floating ip list --project {pid}" for pid in project_ids]
    cli.batch(commands, fresh=fresh)
    return {row["ID"]: row["Port"] or None for c in commands for row in cli(c)}


def _ports(
    cli: OpenStackCLI, project_ids: list[str], fresh: bool = False
) -> dict[str, dict[str, Any]]:
    """``port show`` of every port ``port list --project`` lists in the projects."""
    commands = [f"port list --project {pid}" for pid in project_ids]
    cli.batch(commands, fresh=fresh)
    shows = [f"port show {row['ID']}" for c in commands for row in cli(c)]
    cli.batch(shows, fresh=fresh)
    return {show["id"]: show for show in map(cli, shows)}


def _orphaned(port: dict[str, Any]) -> bool:
    """No device (no device_id, no device_owner) and DOWN."""
    return (
        not port["device_id"] and not port["device_owner"] and port["status"] == "DOWN"
    )


def _servers(cli: OpenStackCLI, fresh: bool = False) -> dict[str, dict[str, Any]]:
    """Every server of the cloud by id (``server list --all-projects --long``)."""
    return {row["ID"]: row for row in cli(ALL_SERVERS, fresh=fresh)}


def _servers_in(cli: OpenStackCLI, project_ids: list[str]) -> dict[str, dict[str, Any]]:
    return {
        sid: row
        for sid, row in _servers(cli).items()
        if row["Project ID"] in project_ids
    }


def _exposes(rule: dict[str, Any], ports: list[int]) -> list[int]:
    """The ``ports`` a rule of ``security group rule list`` opens to everyone."""
    if rule["Direction"] != "ingress":
        return []
    if rule["Remote Security Group"] or rule.get("Remote Address Group"):
        return []
    if rule["IP Range"] not in EVERYONE:
        return []
    if (rule["IP Protocol"] or "any").lower() not in PORT_PROTOCOLS:
        return []
    low, high = 1, 65535
    if rule["Port Range"]:  # "22:22", "3389:3390"; "" for every port
        first, _, last = rule["Port Range"].partition(":")
        low, high = int(first), int(last)
    return [p for p in ports if low <= p <= high]


def _open_rules(
    cli: OpenStackCLI, project_ids: list[str], ports: list[int]
) -> tuple[set[str], dict[str, list[int]]]:
    """The projects' security groups and their rules that expose ``ports``."""
    lists = [f"security group list --project {pid}" for pid in project_ids]
    cli.batch(lists)
    groups = {row["ID"] for c in lists for row in cli(c)}
    rules = [f"security group rule list {g}" for g in sorted(groups)]
    cli.batch(rules)
    found = {
        rule["ID"]: exposed
        for c in rules
        for rule in cli(c)
        if (exposed := _exposes(rule, ports))
    }
    return groups, found


# ------------------------------------------------------------------ audits
def test_unattached_floating_ips(
    audit: Any, planted: Planted, cli: OpenStackCLI
) -> None:
    result = audit("audit.floating_ips.unattached", older_than_days=0)
    assert _ids(result) == {planted.fips["unattached"].id}
    assert result["findings"][0]["project_name"] == planted.project.name
    assert result["listings"]["floating_ips"] == 1
    # the oracle: the scratch projects' floating IPs without a port
    fips = _floating_ips(cli, planted.project_ids)
    assert fips == {
        planted.fips["unattached"].id: None,
        planted.fips["attached"].id: planted.ports["in-use"].id,
    }
    assert _ids(result) == {fip for fip, port in fips.items() if port is None}
    project = cli(f"project show {planted.project.id}")
    assert result["findings"][0]["project_name"] == project["name"]
    shown = cli(f"floating ip show {planted.fips['unattached'].id}")
    assert result["findings"][0]["address"] == shown["floating_ip_address"]
    # a threshold the fresh address does not reach finds nothing
    assert audit("audit.floating_ips.unattached", older_than_days=1)["count"] == 0


def test_orphaned_ports(audit: Any, planted: Planted, cli: OpenStackCLI) -> None:
    result = audit("audit.ports.orphaned", older_than_days=0)
    assert _ids(result) == {planted.ports["orphaned"].id}
    ports = _ports(cli, planted.project_ids)
    assert {planted.ports["orphaned"].id, planted.ports["in-use"].id} <= set(ports)
    assert _ids(result) == {pid for pid, port in ports.items() if _orphaned(port)}
    in_use = ports[planted.ports["in-use"].id]
    assert (in_use["device_owner"], bool(in_use["device_id"])) == ("compute:nova", True)


def test_servers_of_inactive_owners(
    audit: Any, planted: Planted, cli: OpenStackCLI
) -> None:
    result = audit("audit.servers.of_inactive_owners")
    reasons = {f["id"]: f["reasons"] for f in result["findings"]}
    assert reasons == {
        planted.servers["of-disabled-user"].id: ["user disabled"],
        planted.servers["of-deleted-user"].id: ["user deleted"],
        planted.servers["of-disabled-project"].id: ["project disabled"],
    }
    # the oracle: every server of the scratch projects and its owners, as the CLI
    # (Nova, then Keystone) reports them now
    servers = _servers_in(cli, planted.project_ids)
    assert set(servers) == {s.id for s in planted.servers.values()}
    shows = [f"server show {sid}" for sid in sorted(servers)]
    cli.batch(shows)
    owners = {show["id"]: show for show in map(cli, shows)}
    cli.batch(
        [f"user show {o['user_id']}" for o in owners.values()]
        + [f"project show {o['project_id']}" for o in owners.values()]
    )

    def why(server: dict[str, Any]) -> list[str]:
        found = []
        user = cli.get(f"user show {server['user_id']}")
        if user is None:
            assert _absent(cli, f"user show {server['user_id']}", server["user_id"])
            found.append("user deleted")
        elif not user["enabled"]:
            found.append("user disabled")
        project = cli.get(f"project show {server['project_id']}")
        if project is None:
            assert _absent(
                cli, f"project show {server['project_id']}", server["project_id"]
            )
            found.append("project deleted")
        elif not project["enabled"]:
            found.append("project disabled")
        return found

    oracle = {sid: why(show) for sid, show in owners.items()}
    assert reasons == {sid: why_ for sid, why_ in oracle.items() if why_}
    # and those owners are the planted ones
    assert owners[planted.servers["of-deleted-user"].id]["user_id"] == (
        planted.users["deleted"].id
    )
    assert owners[planted.servers["of-disabled-user"].id]["user_id"] == (
        planted.users["disabled"].id
    )
    assert cli(f"user show {planted.users['disabled'].id}")["enabled"] is False
    assert cli(f"user show {planted.users['active'].id}")["enabled"] is True
    deleted = planted.users["deleted"].id
    assert _absent(cli, f"user show {deleted}", deleted)
    assert cli(f"project show {planted.project_off.id}")["enabled"] is False
    assert cli(f"project show {planted.project.id}")["enabled"] is True


def test_projects_without_members(
    audit: Any, planted: Planted, cli: OpenStackCLI
) -> None:
    result = audit("audit.projects.without_members")
    assert _ids(result) == {planted.project_empty.id}
    commands = {
        pid: f"role assignment list --project {pid}" for pid in planted.project_ids
    }
    cli.batch(list(commands.values()))
    holders = {
        pid: {row["User"] or row["Group"] for row in cli(command)}
        for pid, command in commands.items()
    }
    # the deleted user's assignment went with it
    assert holders == {
        planted.project.id: {planted.users["disabled"].id, planted.users["active"].id},
        planted.project_off.id: {planted.users["active"].id},
        planted.project_empty.id: set(),
    }
    assert _ids(result) == {pid for pid, held in holders.items() if not held}


def test_unused_images_and_stale_snapshots(
    audit: Any, planted: Planted, cli: OpenStackCLI
) -> None:
    unused = audit("audit.images.unused", older_than_days=0)
    assert _ids(unused) == {planted.images["unused"].id}
    snapshots = audit("audit.snapshots.stale", older_than_days=0)
    assert _ids(snapshots) == {planted.images["snapshot"].id}
    assert snapshots["findings"][0]["server_exists"] is False
    assert audit("audit.images.unused", older_than_days=1)["count"] == 0
    # the oracle: the scratch projects' images, which of them are snapshots, and
    # the images every server of the cloud boots from
    lists = [f"image list --all --project {pid}" for pid in planted.project_ids]
    cli.batch(lists)
    owned = {row["ID"] for c in lists for row in cli(c)}
    assert owned == {image.id for image in planted.images.values()}
    shows = [f"image show {i}" for i in sorted(owned)]
    cli.batch(shows)
    images = {show["id"]: show for show in map(cli, shows)}
    snaps = {
        i
        for i, show in images.items()
        if (show.get("properties") or {}).get("image_type") == "snapshot"
    }
    servers = _servers(cli)
    used = {row["Image ID"] for row in servers.values() if row["Image ID"]}
    assert _ids(unused) == owned - snaps - used
    assert _ids(snapshots) == snaps
    instance = images[planted.images["snapshot"].id]["properties"]["instance_uuid"]
    assert snapshots["findings"][0]["instance_uuid"] == instance
    assert instance not in servers
    assert _absent(cli, f"server show {instance}", instance)


def test_stuck_servers_with_their_fault(
    audit: Any, planted: Planted, cli: OpenStackCLI
) -> None:
    result = audit("audit.servers.stuck", older_than_hours=0)
    assert _ids(result) == {planted.servers["error"].id}
    fault = result["findings"][0]["fault"]
    # the oracle: the scratch projects' servers in a watched status
    statuses = result["criteria"]["statuses"]
    assert "ERROR" in statuses
    servers = _servers_in(cli, planted.project_ids)
    assert _ids(result) == {
        s for s, row in servers.items() if row["Status"] in statuses
    }
    direct = cli(f"server show {planted.servers['error'].id}")
    assert direct["status"] == "ERROR"
    assert fault and direct["fault"]["message"].strip() in fault
    assert "valid host" in fault.lower()
    # the ERROR server is the only one: watching other statuses finds nothing
    others = audit(
        "audit.servers.stuck", older_than_hours=0, statuses=["BUILD", "MIGRATING"]
    )
    assert others["count"] == 0
    assert not any(row["Status"] in ("BUILD", "MIGRATING") for row in servers.values())
    assert audit("audit.servers.stuck", older_than_hours=1)["count"] == 0


def test_open_security_groups(audit: Any, planted: Planted, cli: OpenStackCLI) -> None:
    result = audit("audit.security_groups.open")
    found = {f["rule_id"]: f["exposed_ports"] for f in result["findings"]}
    assert found == {planted.rules["ssh"].id: [22], planted.rules["rdp"].id: [3389]}
    # the oracle: every rule of the scratch projects' groups, by the same rule
    watched = result["criteria"]["ports"]
    assert {22, 3389} <= set(watched)
    groups, exposed = _open_rules(cli, planted.project_ids, watched)
    assert {g.id for g in planted.groups.values()} <= groups
    assert found == exposed
    # a configured port list: only 443 is watched now
    https = audit("audit.security_groups.open", ports=[443])
    assert {f["rule_id"] for f in https["findings"]} == {planted.rules["https"].id}
    assert {f["rule_id"]: f["exposed_ports"] for f in https["findings"]} == (
        _open_rules(cli, planted.project_ids, [443])[1]
    )


def test_orphan_placement_allocations(
    audit: Any, planted: Planted, cli: OpenStackCLI
) -> None:
    result = audit("audit.placement.orphan_allocations")
    assert _ids(result, "consumer") == {planted.consumer}
    assert result["findings"][0]["resources"] == {"VCPU": 1, "MEMORY_MB": 64}
    # the oracle: every provider's allocations (osc-placement), less those of the
    # servers the CLI lists (read after them: a server booted meanwhile is listed),
    # each candidate's owner re-read (a server deleted meanwhile has none left)
    providers = {p["name"]: p["uuid"] for p in cli("resource provider list")}
    shows = [f"resource provider show {u} --allocations" for u in providers.values()]
    cli.batch(shows, fresh=True)
    held: dict[str, dict[str, dict[str, int]]] = {}
    for command in shows:
        shown = cli(command)
        for consumer, allocation in shown["allocations"].items():
            held.setdefault(consumer, {})[shown["uuid"]] = allocation["resources"]
    servers = _servers(cli, fresh=True)
    candidates = [f"resource provider allocation show {c}" for c in held]
    candidates = [c for c in candidates if c.rsplit(" ", 1)[1] not in servers]
    cli.batch(candidates, fresh=True)
    orphans = {
        command.rsplit(" ", 1)[1]: rows
        for command in candidates
        if (rows := cli(command)) and rows[0]["project_id"] in planted.project_ids
    }
    assert set(orphans) == _ids(result, "consumer")
    rows = orphans[planted.consumer]
    assert [
        (r["resource_provider"], r["resources"], r["project_id"], r["user_id"])
        for r in rows
    ] == [
        (
            providers[SCRATCH_HOST],
            {"VCPU": 1, "MEMORY_MB": 64},
            planted.project.id,
            planted.users["active"].id,
        )
    ]
    assert result["findings"][0]["resources"] == rows[0]["resources"]
    assert _absent(cli, f"server show {planted.consumer}", planted.consumer)
    # the planted servers' own allocations are not orphans: they are servers
    for label, server in planted.servers.items():
        assert server.id in servers
        assert server.id not in _ids(result, "consumer")
        # the ERROR server was never scheduled: it holds nothing
        assert (server.id in held) == (label != "error")


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
    run_action: Any, planted: Planted, cli: OpenStackCLI
) -> None:
    unattached = planted.fips["unattached"].id
    show = f"floating ip show {unattached}"
    scope = {"all_projects": False, "from_projects": [planted.project.id]}
    ok, plan = run_action(
        "audit.floating_ips.unattached.release", older_than_days=0, **scope
    )
    assert ok, plan
    assert plan["dry_run"] is True
    assert [f["id"] for f in plan["plan"]] == [unattached]
    # the plan is what the CLI lists unattached now, and the dry run left it alone
    now = _floating_ips(cli, [planted.project.id], fresh=True)
    assert [f["id"] for f in plan["plan"]] == [f for f, p in now.items() if p is None]
    assert cli(show, fresh=True)["port_id"] is None  # untouched
    ok, refused = run_action(
        "audit.floating_ips.unattached.release",
        older_than_days=0,
        apply=True,
        confirm="not-the-plan",
        **scope,
    )
    assert not ok and "'confirm'" in refused["error"]
    assert cli(show, fresh=True)["id"] == unattached
    ok, done = run_action(
        "audit.floating_ips.unattached.release",
        older_than_days=0,
        apply=True,
        confirm=plan["plan_id"],
        **scope,
    )
    assert ok, done
    assert [(i["id"], i["outcome"]) for i in done["items"]] == [(unattached, "done")]
    assert _absent(cli, show, unattached)
    attached = cli(f"floating ip show {planted.fips['attached'].id}", fresh=True)
    assert attached["port_id"] == planted.ports["in-use"].id
    assert _floating_ips(cli, [planted.project.id], fresh=True) == {
        planted.fips["attached"].id: planted.ports["in-use"].id
    }


def test_delete_orphaned_ports_continues_after_a_failed_item(
    run_action: Any,
    planted: Planted,
    admin_conn: Connection,
    cli: OpenStackCLI,
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
    # the plan is what the CLI shows orphaned now
    ports = _ports(cli, [planted.project.id], fresh=True)
    assert planned == {pid for pid, port in ports.items() if _orphaned(port)}

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
    second = (planned - {first}).pop()
    assert outcomes == {first: "failed", second: "done"}
    assert "injected" in done["error"]
    # the failed one is still there (and still orphaned), the other is gone
    assert _orphaned(cli(f"port show {first}", fresh=True))
    assert _absent(cli, f"port show {second}", second)
    in_use = cli(f"port show {planted.ports['in-use'].id}", fresh=True)
    assert in_use["device_owner"] == "compute:nova"
    after = _ports(cli, [planted.project.id], fresh=True)
    assert {pid for pid, port in after.items() if _orphaned(port)} == {first}
