"""A small unhealthy estate for the audits, planted on the devcloud next to healthy
controls, and the acceptance run of ``audit.all`` over it.

``plant`` creates, in scratch projects of its own (``it-audit-<token>``): an
unattached floating IP, an orphaned port, servers of a disabled user, of a deleted
user and of a disabled project, a project without members, an unused image and a
stale snapshot, a server in ERROR (a flavor no host can take: Nova's fault says so),
a security group open on 22 and 3389, and a Placement allocation of a consumer that
is no server; next to them an attached floating IP, a port in use, a healthy server
and a security group open only on 443 or to 10.0.0.0/8. ``remove`` deletes all of
it, whatever state it was left in. ``tests/integration/test_audit_devcloud.py``
uses both.

Run as a script, it is the acceptance of issue 16 ("``audit.all`` on the devcloud
lists every planted problem and nothing else")::

    .venv/bin/python tests/integration/audit_estate.py

plants the estate, runs ``./run_action.sh audit.all`` over every project with every
age threshold at 0 (the planted problems are minutes old), compares each audit's
findings with what was planted plus the seed's own deliberate problems (its ERROR
servers), prints the comparison, removes the estate and exits 0 only when every
audit found exactly that. On a devcloud other tests have used, their leftovers show
as "extra": run it on a fresh one (``devcloud reset && devcloud seed``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openstack
import yaml
from openstack import exceptions
from openstack.connection import Connection

CHECKOUT = Path(__file__).resolve().parents[2]
# The paths tests/conftest.py gives pytest (with the StackStorm stand-in), for the
# script run.
for _path in (
    CHECKOUT / "tools" / "st2stub",
    CHECKOUT / "actions",
    CHECKOUT / "lib",
    CHECKOUT,
    Path(__file__).parent,
):
    if __name__ == "__main__" and str(_path) not in sys.path:
        sys.path.insert(0, str(_path))
from os_fixtures_compute import SCRATCH_HOST, TINY_FLAVOR, delete_server  # noqa: E402
from os_fixtures_projects import scrub_project  # noqa: E402

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


def plant(admin: Connection, clouds: dict[str, Any], p: Planted) -> None:
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


def remove(admin: Connection, p: Planted) -> None:
    """Remove everything ``plant`` created, whatever state it was left in."""
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


def expected_findings(p: Planted) -> dict[str, set[str]]:
    """What each audit must report of the planted estate (ids; rule ids for
    security groups, consumers for Placement), every threshold at 0."""
    return {
        "audit.floating_ips.unattached": {p.fips["unattached"].id},
        "audit.ports.orphaned": {p.ports["orphaned"].id},
        "audit.servers.of_inactive_owners": {
            p.servers[label].id
            for label in ("of-disabled-user", "of-deleted-user", "of-disabled-project")
        },
        "audit.projects.without_members": {p.project_empty.id},
        "audit.images.unused": {p.images["unused"].id},
        "audit.snapshots.stale": {p.images["snapshot"].id},
        "audit.servers.stuck": {p.servers["error"].id},
        "audit.security_groups.open": {p.rules["ssh"].id, p.rules["rdp"].id},
        "audit.placement.orphan_allocations": {p.consumer},
    }


#: The key that identifies a finding, per audit (``id`` when not listed).
FINDING_KEY = {
    "audit.security_groups.open": "rule_id",
    "audit.placement.orphan_allocations": "consumer",
}


def found_ids(result: dict[str, Any]) -> dict[str, set[str]]:
    """Each audit's findings in an ``audit.all`` result, by their identifying key."""
    return {
        name: {str(f[FINDING_KEY.get(name, "id")]) for f in audit["findings"]}
        for name, audit in result["audits"].items()
    }


def _state_dir() -> Path:
    return Path(os.environ.get("OPENSTACK_OPS_DEVCLOUD_DIR") or CHECKOUT / ".devcloud")


def _clouds() -> dict[str, Any]:
    path = os.environ.get("OS_CLIENT_CONFIG_FILE") or _state_dir() / "clouds.yaml"
    clouds: dict[str, Any] = yaml.safe_load(Path(path).read_text())["clouds"]
    return clouds


def _run_audit_all() -> dict[str, Any]:
    """``./run_action.sh audit.all`` over every project, every threshold at 0."""
    done = subprocess.run(
        [
            str(CHECKOUT / "run_action.sh"),
            "audit.all",
            "output_type=to_props",
            "all_projects=true",
            "floating_ip_days=0",
            "port_days=0",
            "image_days=0",
            "snapshot_days=0",
            "stuck_hours=0",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    out = done.stdout
    body = out[: out.rindex("status:")] if "status:" in out else out
    if done.returncode != 0:
        raise SystemExit(f"audit.all failed ({done.returncode}):\n{out}\n{done.stderr}")
    result: dict[str, Any] = json.loads(body)
    return result


def accept() -> int:
    """Plant, run ``audit.all``, compare, remove; 0 when every audit is exact."""
    clouds = _clouds()
    cloud = clouds["devcloud-admin"]
    admin = openstack.connect(
        region_name=cloud.get("region_name"),
        interface=cloud.get("interface", "public"),
        **cloud["auth"],
    )
    seed = json.loads((_state_dir() / "seed.json").read_text())
    seeded_errors = {
        str(s["id"]) for s in seed["servers"].values() if s.get("status") == "ERROR"
    }
    p = Planted(token=uuid.uuid4().hex[:8])
    try:
        print(f"planting {PREFIX}{p.token} ...", flush=True)
        plant(admin, clouds, p)
        print("running ./run_action.sh audit.all (every project, thresholds 0) ...")
        result = _run_audit_all()
    finally:
        remove(admin, p)
        admin.close()
    expected = expected_findings(p)
    expected["audit.servers.stuck"] |= seeded_errors
    found = found_ids(result)
    exact = True
    print(f"{'audit':38} {'expected':>8} {'found':>6} {'missing':>8} {'extra':>6}")
    for name in sorted(expected.keys() | found.keys()):
        want, got = expected.get(name, set()), found.get(name, set())
        missing, extra = sorted(want - got), sorted(got - want)
        exact = exact and not missing and not extra
        print(f"{name:38} {len(want):8} {len(got):6} {len(missing):8} {len(extra):6}")
        for item in missing:
            print(f"    missing: {item}")
        for item in extra:
            print(f"    extra:   {item}")
    print(f"summary: {result['summary']}; errors: {result['errors'] or 'none'}")
    print("EXACT: every planted problem and nothing else" if exact else "NOT EXACT")
    return 0 if exact and not result["errors"] else 1


if __name__ == "__main__":
    sys.exit(accept())
