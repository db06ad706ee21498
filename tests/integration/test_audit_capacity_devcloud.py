"""capacity.report on the devcloud: its numbers are Placement's, and "how many
more fit" is what the scheduler then accepts.

The numbers are cross-checked against python-openstackclient's osc-placement
plugin, the independent oracle (``oracle_cli.OpenStackCLI`` on cloud
``devcloud-admin``): ``openstack resource provider list``, ``resource provider
inventory list <uuid>`` and ``resource provider usage show <uuid>`` (``-f json``).
The room check boots, on the scratch host ``devcloud-hv4``, as many servers of a
flavor sized so that exactly two fit as the report says, then sees the next one
refused by the scheduler. The servers live in a scratch project
``it-audit-cap-<token>`` (no quota) removed afterwards.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import openstack
import pytest
from openstack.connection import Connection
from oracle_cli import OpenStackCLI, oracle_clouds_yaml
from os_fixtures_compute import delete_server
from os_fixtures_projects import scrub_project

pytest_plugins = ["os_fixtures_compute"]

SCRATCH_HOST = "devcloud-hv4"


@pytest.fixture(scope="module")
def cli(clouds: dict[str, Any]) -> OpenStackCLI:
    """The ``openstack`` CLI (with osc-placement) on the admin cloud, the oracle."""
    del clouds  # checked: the devcloud answers and clouds.yaml has the admin cloud
    return OpenStackCLI(oracle_clouds_yaml(), "devcloud-admin")


def _report(run_action: Any, **params: Any) -> dict[str, Any]:
    ok, result = run_action("capacity.report", **params)
    assert ok, result
    return result


def test_numbers_are_placements_on_every_host(
    run_action: Any, cli: OpenStackCLI
) -> None:
    providers = cli("resource provider list", fresh=True)
    uuids = [p["uuid"] for p in providers]
    inventory = {u: f"resource provider inventory list {u}" for u in uuids}
    cli.batch(list(inventory.values()), fresh=True)
    usage = {u: f"resource provider usage show {u}" for u in uuids}

    def usages() -> dict[str, dict[str, int]]:
        cli.batch(list(usage.values()), fresh=True)  # one CLI process, read now
        return {
            u: {row["resource_class"]: row["usage"] for row in cli(command)}
            for u, command in usage.items()
        }

    before = usages()
    report = _report(run_action, output_type="to_props")
    after = usages()
    by_uuid = {h["provider_uuid"]: h for h in report["hosts"]}
    assert set(by_uuid) == set(uuids)
    for provider in providers:
        uuid_ = provider["uuid"]
        assert by_uuid[uuid_]["provider"] == provider["name"]
        inventories = {row["resource_class"]: row for row in cli(inventory[uuid_])}
        reported = by_uuid[uuid_]["resources"]
        assert set(reported) == set(inventories)
        for rc, inv in inventories.items():
            capacity = int((inv["total"] - inv["reserved"]) * inv["allocation_ratio"])
            row = reported[rc]
            assert (row["total"], row["reserved"], row["allocation_ratio"]) == (
                inv["total"],
                inv["reserved"],
                inv["allocation_ratio"],
            )
            assert row["max_unit"] == inv["max_unit"]
            assert row["capacity"] == capacity
            # other engineers boot servers meanwhile: the report's usage is
            # Placement's as read just before or just after it
            assert row["used"] in (
                before[uuid_].get(rc, 0),
                after[uuid_].get(rc, 0),
            )
            assert row["free"] == row["capacity"] - row["used"]
    cloud = report["cloud"]["resources"]["VCPU"]
    assert cloud["capacity"] == sum(
        h["resources"]["VCPU"]["capacity"] for h in report["hosts"]
    )


class _Svg(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)


def test_html_report_has_charts_and_no_script(run_action: Any, tmp_path: Any) -> None:
    report = _report(run_action, output_type="to_html")
    page = report["output"]
    (tmp_path / "capacity.html").write_text(page)
    parser = _Svg()
    parser.feed(page)
    hosts = len(report["hosts"])
    # one usage chart per host, plus usage and room charts for the cloud
    assert parser.tags.count("svg") == hosts + 2 + 2 * len(report["aggregates"])
    assert "script" not in parser.tags
    assert page.startswith("<!DOCTYPE html>")
    assert parser.tags.count("rect") > hosts


@pytest.fixture
def scratch_project(admin_conn: Connection) -> Iterator[Any]:
    """A project without quota in which the admin may boot, removed afterwards."""
    name = f"it-audit-cap-{uuid.uuid4().hex[:8]}"
    project = admin_conn.identity.create_project(name=name, domain_id="default")
    try:
        role = admin_conn.identity.find_role("admin", ignore_missing=False)
        me = admin_conn.identity.get_user(admin_conn.current_user_id)
        admin_conn.identity.assign_project_role_to_user(project, me, role)
        admin_conn.set_compute_quotas(project.id, ram=-1, cores=-1, instances=-1)
        yield project
    finally:
        scrub_project(admin_conn, name)


def _boot_two_then_refused(
    conn: Connection, flavor: Any, image: Any, prefix: str, servers: list[Any]
) -> Any:
    """Boot three servers of ``flavor`` on the scratch host one by one (each
    recorded in ``servers`` for removal): the first two must go ACTIVE, the third
    ERROR (the scheduler refuses it). Returns the refused server."""
    for index in range(3):
        server = conn.compute.create_server(
            name=f"{prefix}-{index}",
            flavor_id=flavor.id,
            image_id=image.id,
            networks="none",
            availability_zone=f"nova:{SCRATCH_HOST}",
        )
        servers.append(server)
        deadline = time.monotonic() + 180
        while (current := conn.compute.get_server(server.id)).status not in (
            "ACTIVE",
            "ERROR",
        ):
            assert time.monotonic() < deadline, current.status
            time.sleep(0.5)
        expected = "ACTIVE" if index < 2 else "ERROR"
        assert current.status == expected, (index, current.fault)
    return current


def test_how_many_more_fit_is_what_the_scheduler_accepts(
    run_action: Any,
    admin_conn: Connection,
    clouds: dict[str, Any],
    scratch_project: Any,
    test_image: Any,
) -> None:
    service = next(
        s
        for s in admin_conn.compute.services(binary="nova-compute")
        if s.host == SCRATCH_HOST
    )
    if service.status != "enabled":
        pytest.fail(f"{SCRATCH_HOST} is disabled (another test fenced it?)")
    before = _report(run_action, output_type="to_props", flavors=["m1.tiny"])
    host = next(h for h in before["hosts"] if h["host"] == SCRATCH_HOST)
    free = host["resources"]["MEMORY_MB"]["free"]
    ram = free * 2 // 5  # two fit, a third does not (with room for others' tinies)
    flavor = admin_conn.compute.create_flavor(
        name=f"{scratch_project.name}-big", ram=ram, vcpus=1, disk=1, is_public=False
    )
    servers: list[Any] = []
    auth = dict(clouds["devcloud-admin"]["auth"])
    for key in ("project_name", "project_domain_name", "project_domain_id"):
        auth.pop(key, None)
    conn = openstack.connect(
        region_name=clouds["devcloud-admin"].get("region_name"),
        project_id=scratch_project.id,
        **auth,
    )
    try:
        admin_conn.compute.flavor_add_tenant_access(flavor.id, scratch_project.id)
        report = _report(run_action, output_type="to_props", flavors=[flavor.name])
        fit = next(h for h in report["hosts"] if h["host"] == SCRATCH_HOST)["fits"]
        assert fit == {flavor.name: 2}
        current = _boot_two_then_refused(
            conn, flavor, test_image, scratch_project.name, servers
        )
        assert "valid host" in str(current.fault).lower()
        after = _report(run_action, output_type="to_props", flavors=[flavor.name])
        left = next(h for h in after["hosts"] if h["host"] == SCRATCH_HOST)["fits"]
        assert left == {flavor.name: 0}
    finally:
        for server in servers:
            delete_server(admin_conn, server.id)
        conn.close()
        admin_conn.compute.delete_flavor(flavor.id, ignore_missing=True)


def _placement(admin_conn: Connection, method: str, path: str, **kw: Any) -> Any:
    response = admin_conn.placement.request(
        path, method, microversion="1.28", raise_exc=False, **kw
    )
    assert response.status_code < 300, (method, path, response.text)
    return response.json() if response.content else None


def test_a_nested_providers_vgpus_count_on_its_host_and_the_scheduler_agrees(
    run_action: Any,
    admin_conn: Connection,
    clouds: dict[str, Any],
    cli: OpenStackCLI,
    scratch_project: Any,
    test_image: Any,
) -> None:
    """A child provider (a GPU with two VGPUs, one per server) under the scratch
    host's: the report shows its VGPU on the host, not as a host, and "how many
    more fit" of a one-VGPU flavor is 2; two boot, the third is refused."""
    root = next(
        p
        for p in cli("resource provider list", fresh=True)
        if p["name"] == SCRATCH_HOST
    )
    child_name = f"{SCRATCH_HOST}_it_gpu_{scratch_project.name[-8:]}"
    child = _placement(
        admin_conn,
        "POST",
        "/resource_providers",
        json={"name": child_name, "parent_provider_uuid": root["uuid"]},
    )
    flavor = admin_conn.compute.create_flavor(
        name=f"{scratch_project.name}-vgpu", ram=64, vcpus=1, disk=1, is_public=False
    )
    servers: list[Any] = []
    auth = dict(clouds["devcloud-admin"]["auth"])
    for key in ("project_name", "project_domain_name", "project_domain_id"):
        auth.pop(key, None)
    conn = openstack.connect(
        region_name=clouds["devcloud-admin"].get("region_name"),
        project_id=scratch_project.id,
        **auth,
    )
    try:
        _placement(
            admin_conn,
            "PUT",
            f"/resource_providers/{child['uuid']}/inventories",
            json={
                "resource_provider_generation": child["generation"],
                "inventories": {"VGPU": {"total": 2, "max_unit": 1}},
            },
        )
        admin_conn.compute.create_flavor_extra_specs(flavor, {"resources:VGPU": "1"})
        admin_conn.compute.flavor_add_tenant_access(flavor.id, scratch_project.id)
        report = _report(run_action, output_type="to_props", flavors=[flavor.name])
        assert child["uuid"] not in {h["provider_uuid"] for h in report["hosts"]}
        host = next(h for h in report["hosts"] if h["host"] == SCRATCH_HOST)
        oracle = cli(f"resource provider inventory list {child['uuid']}", fresh=True)
        assert [(r["resource_class"], r["total"], r["max_unit"]) for r in oracle] == [
            ("VGPU", 2, 1)
        ]
        vgpu = host["resources"]["VGPU"]
        assert (vgpu["provider"], vgpu["total"], vgpu["free"]) == (child_name, 2, 2)
        assert host["nested_providers"][child_name]["VGPU"]["max_unit"] == 1
        assert host["fits"] == {flavor.name: 2}
        assert report["cloud"]["resources"]["VGPU"]["capacity"] == 2
        _boot_two_then_refused(
            conn, flavor, test_image, f"{scratch_project.name}-gpu", servers
        )
        after = _report(run_action, output_type="to_props", flavors=[flavor.name])
        host = next(h for h in after["hosts"] if h["host"] == SCRATCH_HOST)
        assert host["resources"]["VGPU"]["used"] == 2
        assert host["fits"] == {flavor.name: 0}
    finally:
        for server in servers:
            delete_server(admin_conn, server.id)
        conn.close()
        admin_conn.compute.delete_flavor(flavor.id, ignore_missing=True)
        _placement(admin_conn, "DELETE", f"/resource_providers/{child['uuid']}")


def test_unknown_flavor_names_the_parameter(run_action: Any) -> None:
    ok, result = run_action("capacity.report", flavors=["it-audit-no-such-flavor"])
    assert not ok and "'flavors'" in result["error"]
