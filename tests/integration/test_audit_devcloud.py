"""The estate audits on the devcloud: each finds exactly what the test planted.

One module fixture plants a small unhealthy estate, next to healthy controls, in
scratch projects of its own (``it-audit-<token>``): an unattached floating IP, an
orphaned port, servers of a disabled user, of a deleted user and of a disabled
project, a project without members, an unused image and a stale snapshot, a server
in ERROR (a flavor no host can take: Nova's fault says so), a security group open
on 22 and 3389, and a Placement allocation of a consumer that is no server. Every
audit runs scoped to those projects (other engineers use the same devcloud at the
same time) and must report exactly the planted problems; a second run over every
project must still report them and none of the seeded healthy resources. Each
answer is cross-checked against openstacksdk directly (python-openstackclient is
not installed on this machine, so ``openstack ... -f json`` cannot be used).
Everything is removed in ``finally`` blocks, whatever the test did.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import openstack
import pytest
from openstack import exceptions
from openstack.connection import Connection
from os_fixtures_compute import SCRATCH_HOST, TINY_FLAVOR, delete_server
from os_fixtures_projects import scrub_project
from pytest_mock import MockerFixture

pytest_plugins = ["os_fixtures_compute"]

PREFIX = "it-audit-"
PASSWORD = "it-audit-Pa55word!"


@dataclass
class Planted:
    """What the fixture planted, by role."""

    token: str
    project: Any = None
    project_off: Any = None
    project_empty: Any = None
    users: dict[str, Any] = field(default_factory=dict)
    servers: dict[str, Any] = field(default_factory=dict)
    images: dict[str, Any] = field(default_factory=dict)
    ports: dict[str, Any] = field(default_factory=dict)
    fips: dict[str, Any] = field(default_factory=dict)
    groups: dict[str, Any] = field(default_factory=dict)
    rules: dict[str, Any] = field(default_factory=dict)
    network: Any = None
    subnet: Any = None
    router: Any = None
    flavor: Any = None
    consumer: str = ""

    @property
    def project_ids(self) -> list[str]:
        """The scratch projects, for ``from_projects``."""
        return [self.project.id, self.project_off.id, self.project_empty.id]


def _user_conn(clouds: dict[str, Any], user: Any, project: Any) -> Connection:
    auth = dict(clouds["devcloud-admin"]["auth"])
    auth.update(
        username=user.name,
        password=PASSWORD,
        project_id=project.id,
        user_domain_id="default",
    )
    for key in ("project_name", "project_domain_name", "project_domain_id"):
        auth.pop(key, None)
    return openstack.connect(
        region_name=clouds["devcloud-admin"].get("region_name"), **auth
    )


def _wait(conn: Connection, server_id: str, statuses: tuple[str, ...]) -> Any:
    deadline = time.monotonic() + 180
    while True:
        server = conn.compute.get_server(server_id)
        if server.status in statuses:
            return server
        assert time.monotonic() < deadline, f"{server.name}: still {server.status}"
        time.sleep(0.5)


def _image(conn: Connection, name: str, owner: str, **props: Any) -> Any:
    image = conn.image.create_image(
        allow_duplicates=True,
        name=name,
        disk_format="raw",
        container_format="bare",
        visibility="shared",
        owner=owner,
        data=bytes(1024),
        **props,
    )
    deadline = time.monotonic() + 60
    while conn.image.get_image(image.id).status != "active":
        assert time.monotonic() < deadline, f"image {name} never became active"
        time.sleep(0.5)
    return conn.image.get_image(image.id)


def _plant(admin: Connection, clouds: dict[str, Any], p: Planted) -> None:
    """Create the estate (each piece recorded in ``p`` as soon as it exists)."""
    name = f"{PREFIX}{p.token}"
    p.project = admin.identity.create_project(name=name, domain_id="default")
    p.project_off = admin.identity.create_project(
        name=f"{PREFIX}off-{p.token}", domain_id="default"
    )
    p.project_empty = admin.identity.create_project(
        name=f"{PREFIX}empty-{p.token}", domain_id="default"
    )
    member = admin.identity.find_role("member", ignore_missing=False)
    for role in ("disabled", "deleted", "active"):
        user = admin.identity.create_user(
            name=f"{PREFIX}{role}-{p.token}", password=PASSWORD, domain_id="default"
        )
        p.users[role] = user
        admin.identity.assign_project_role_to_user(p.project, user, member)
    admin.identity.assign_project_role_to_user(p.project_off, p.users["active"], member)

    # images: one the servers boot from, one nobody uses, one old snapshot
    p.images["used"] = _image(admin, f"{name}-used", p.project.id)
    p.images["unused"] = _image(admin, f"{name}-unused", p.project.id)
    p.images["snapshot"] = _image(
        admin,
        f"{name}-snap",
        p.project.id,
        image_type="snapshot",
        instance_uuid=str(uuid.uuid4()),
    )
    admin.image.add_member(p.images["used"].id, member_id=p.project_off.id)
    admin.image.update_member(p.project_off.id, p.images["used"].id, status="accepted")

    # a flavor no host can take: its server goes to ERROR with a fault
    p.flavor = admin.compute.create_flavor(
        name=f"{name}-huge", ram=2_000_000, vcpus=1, disk=1, is_public=False
    )
    admin.compute.flavor_add_tenant_access(p.flavor.id, p.project.id)
    admin.set_compute_quotas(p.project.id, ram=-1)  # the scheduler must refuse it
    tiny = admin.compute.find_flavor(TINY_FLAVOR, ignore_missing=False)

    def boot(user: str, project: Any, label: str, flavor: Any = tiny) -> Any:
        conn = _user_conn(clouds, p.users[user], project)
        try:
            server = conn.compute.create_server(
                name=f"{name}-{label}",
                flavor_id=flavor.id,
                image_id=p.images["used"].id,
                networks="none",
            )
        finally:
            conn.close()
        p.servers[label] = server
        return server

    boot("disabled", p.project, "of-disabled-user")
    boot("deleted", p.project, "of-deleted-user")
    boot("active", p.project, "healthy")
    boot("active", p.project_off, "of-disabled-project")
    boot("active", p.project, "error", flavor=p.flavor)
    for label, server in p.servers.items():
        wanted = ("ERROR",) if label == "error" else ("ACTIVE",)
        p.servers[label] = _wait(admin, server.id, wanted)
    admin.identity.update_user(p.users["disabled"], is_enabled=False)
    admin.identity.delete_user(p.users["deleted"])
    admin.identity.update_project(p.project_off, is_enabled=False)

    # network: an orphaned port, a port in use, floating IPs
    p.network = admin.network.create_network(name=name, project_id=p.project.id)
    p.subnet = admin.network.create_subnet(
        name=name,
        network_id=p.network.id,
        project_id=p.project.id,
        ip_version=4,
        cidr="10.251.0.0/24",
    )
    p.ports["orphaned"] = admin.network.create_port(
        name=f"{name}-orphan", network_id=p.network.id, project_id=p.project.id
    )
    p.ports["in-use"] = admin.network.create_port(
        name=f"{name}-in-use",
        network_id=p.network.id,
        project_id=p.project.id,
        device_id=str(uuid.uuid4()),
        device_owner="compute:nova",
    )
    ext = admin.network.find_network("ext-net", ignore_missing=False)
    p.fips["unattached"] = admin.network.create_ip(
        floating_network_id=ext.id, project_id=p.project.id
    )
    p.router = admin.network.create_router(
        name=name,
        project_id=p.project.id,
        external_gateway_info={"network_id": ext.id},
    )
    admin.network.add_interface_to_router(p.router, subnet=p.subnet.id)
    p.fips["attached"] = admin.network.create_ip(
        floating_network_id=ext.id,
        project_id=p.project.id,
        port_id=p.ports["in-use"].id,
    )

    # security groups: open on 22 and 3389, and a safe one
    p.groups["open"] = admin.network.create_security_group(
        name=f"{name}-open", project_id=p.project.id
    )
    p.groups["safe"] = admin.network.create_security_group(
        name=f"{name}-safe", project_id=p.project.id
    )
    for key, group, low, high, prefix, ethertype in (
        ("ssh", "open", 22, 22, "0.0.0.0/0", "IPv4"),
        ("rdp", "open", 3389, 3390, "::/0", "IPv6"),
        ("https", "safe", 443, 443, "0.0.0.0/0", "IPv4"),
        ("ssh-internal", "safe", 22, 22, "10.0.0.0/8", "IPv4"),
    ):
        p.rules[key] = admin.network.create_security_group_rule(
            security_group_id=p.groups[group].id,
            direction="ingress",
            protocol="tcp",
            port_range_min=low,
            port_range_max=high,
            remote_ip_prefix=prefix,
            ethertype=ethertype,
        )

    # a Placement allocation whose consumer is no server
    providers = admin.placement.get("/resource_providers", microversion="1.28")
    provider = next(
        rp
        for rp in providers.json()["resource_providers"]
        if rp["name"] == SCRATCH_HOST
    )
    p.consumer = str(uuid.uuid4())
    response = admin.placement.put(
        f"/allocations/{p.consumer}",
        json={
            "allocations": {
                provider["uuid"]: {"resources": {"VCPU": 1, "MEMORY_MB": 64}}
            },
            "project_id": p.project.id,
            "user_id": p.users["active"].id,
            "consumer_generation": None,
        },
        microversion="1.28",
    )
    assert response.status_code == 204, response.text


def _quietly(func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    try:
        func(*args, **kwargs)
    except exceptions.NotFoundException:
        pass


def _remove(admin: Connection, p: Planted) -> None:
    """Remove everything ``_plant`` created, whatever state it was left in."""
    errors: list[str] = []

    def step(func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        try:
            _quietly(func, *args, **kwargs)
        except Exception as error:  # keep removing the rest
            errors.append(f"{getattr(func, '__name__', func)}: {error}")

    if p.consumer:
        step(admin.placement.delete, f"/allocations/{p.consumer}")
    for server in p.servers.values():
        step(delete_server, admin, server.id)
    for fip in p.fips.values():
        step(admin.network.delete_ip, fip.id, ignore_missing=True)
    if p.router is not None and p.subnet is not None:
        step(admin.network.remove_interface_from_router, p.router, subnet=p.subnet.id)
    if p.router is not None:
        step(admin.network.delete_router, p.router.id, ignore_missing=True)
    for port in p.ports.values():
        step(admin.network.delete_port, port.id, ignore_missing=True)
    for group in p.groups.values():
        step(admin.network.delete_security_group, group.id, ignore_missing=True)
    if p.network is not None:
        step(admin.network.delete_network, p.network.id, ignore_missing=True)
    for image in p.images.values():
        step(admin.image.delete_image, image.id, ignore_missing=True)
    if p.flavor is not None:
        step(admin.compute.delete_flavor, p.flavor.id, ignore_missing=True)
    for user in p.users.values():
        step(admin.identity.delete_user, user.id, ignore_missing=True)
    for project in (p.project, p.project_off, p.project_empty):
        if project is not None:
            step(scrub_project, admin, project.name)
    assert not errors, "cleanup failed: " + "; ".join(errors)


@pytest.fixture(scope="module")
def planted(admin_conn: Connection, clouds: dict[str, Any]) -> Iterator[Planted]:
    """The planted estate, removed after the module."""
    p = Planted(token=uuid.uuid4().hex[:8])
    try:
        _plant(admin_conn, clouds, p)
        yield p
    finally:
        _remove(admin_conn, p)


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
