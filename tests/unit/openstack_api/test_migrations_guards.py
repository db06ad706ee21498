"""Migration guards: pure rules shared by server.migrate and hypervisor.drain."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from openstack_api import migrations
from openstack_api.compute_services import ComputeService
from openstack_api.migrations import MigrationRules
from openstack_api.servers import FlavorSnapshot, ServerInfo
from pack_common import ConfigError


def server(
    status: str = "ACTIVE",
    task_state: str | None = None,
    vcpus: int = 1,
    extra_specs: dict[str, str] | None = None,
    host: str = "hv1",
) -> ServerInfo:
    return ServerInfo(
        id="s1",
        name="vm",
        status=status,
        task_state=task_state,
        vm_state=None,
        host=host,
        hypervisor_hostname=host,
        availability_zone="nova",
        project_id="p",
        user_id="u",
        image_id="i",
        flavor=FlavorSnapshot("m1", vcpus, 512, 1, extra_specs or {}),
        addresses={},
        created_at=None,
        updated_at=None,
        fault=None,
    )


def service(host: str, enabled: bool = True, up: bool = True) -> ComputeService:
    return ComputeService(
        id=f"svc-{host}",
        host=host,
        zone="nova",
        status="enabled" if enabled else "disabled",
        state="up" if up else "down",
        disabled_reason=None if enabled else "maintenance",
        forced_down=False,
        updated_at=None,
    )


SERVICES = {
    "hv1": service("hv1"),
    "hv2": service("hv2"),
    "hv3": service("hv3", enabled=False),
    "hv4": service("hv4", up=False),
}


def test_rules_default_when_config_has_no_migration_section():
    rules = MigrationRules.from_config({})
    assert "pci_passthrough:alias" in rules.refused_extra_specs
    assert "resources:VGPU" in rules.refused_extra_specs
    assert (rules.max_vcpus, rules.drain_concurrency) == (0, 2)


def test_rules_read_from_config():
    rules = MigrationRules.from_config(
        {
            "migration": {
                "refused_extra_specs": ["x:y"],
                "max_vcpus": 16,
                "drain_concurrency": 5,
            }
        }
    )
    assert rules == MigrationRules(("x:y",), 16, 5)


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ({"max_vcpus": -1}, "migration.max_vcpus"),
        ({"max_vcpus": "many"}, "migration.max_vcpus"),
        ({"drain_concurrency": 0}, "migration.drain_concurrency"),
        (
            {"refused_extra_specs": "pci_passthrough:alias"},
            "migration.refused_extra_specs",
        ),
        ("strict", "'migration'"),
    ],
)
def test_bad_rules_in_config_name_the_key(section, key):
    with pytest.raises(ConfigError) as error:
        MigrationRules.from_config({"migration": section})
    assert key in str(error.value)


@pytest.mark.parametrize(
    "specs",
    [
        {"resources:VGPU": "1"},
        {"resources1:VGPU": "1"},
        {"pci_passthrough:alias": "a100:1"},
    ],
)
def test_flavor_with_refused_extra_spec_is_refused(specs):
    refusal = migrations.flavor_refusal(server(extra_specs=specs), MigrationRules())
    assert refusal and "extra specs refused" in refusal


def test_flavor_above_vcpu_limit_is_refused_and_at_limit_is_not():
    rules = MigrationRules(max_vcpus=8)
    assert "above the migration limit of 8" in migrations.flavor_refusal(
        server(vcpus=9), rules
    )
    assert migrations.flavor_refusal(server(vcpus=8), rules) is None


def test_plain_flavor_passes():
    assert (
        migrations.flavor_refusal(server(extra_specs={"hw:cpu": "x"}), MigrationRules())
        is None
    )


@pytest.mark.parametrize(
    ("status", "task", "kind", "refused"),
    [
        ("ACTIVE", None, "live", False),
        ("SHUTOFF", None, "live", True),
        ("SHUTOFF", None, "cold", False),
        ("ERROR", None, "cold", True),
        ("ACTIVE", "migrating", "live", True),
    ],
)
def test_state_guard(status, task, kind, refused):
    result = migrations.state_refusal(server(status=status, task_state=task), kind)
    assert (result is not None) == refused


def test_auto_picks_live_for_running_and_cold_otherwise():
    assert migrations.resolve_type(server("ACTIVE"), "auto") == "live"
    assert migrations.resolve_type(server("SHUTOFF"), "auto") == "cold"
    assert migrations.resolve_type(server("ACTIVE"), "cold") == "cold"


@pytest.mark.parametrize(
    ("destination", "expected"),
    [
        ("hv1", "current host"),
        ("hv3", "disabled"),
        ("hv4", "down"),
        ("nope", "no compute host"),
    ],
)
def test_destination_guard(destination, expected):
    assert expected in migrations.destination_refusal(destination, "hv1", SERVICES)


def test_good_destination_passes():
    assert migrations.destination_refusal("hv2", "hv1", SERVICES) is None


def test_candidates_exclude_source_disabled_and_down():
    assert migrations.candidate_hosts("hv1", SERVICES) == ["hv2"]


def test_plan_step_without_any_destination_is_refused():
    only = {"hv1": service("hv1"), "hv3": service("hv3", enabled=False)}
    step = migrations.plan_step(server(), "auto", None, only, MigrationRules())
    assert step.refused == "no other enabled and up compute host to move to"


def test_plan_step_names_snapshot_only_when_not_refused():
    ok = migrations.plan_step(server(), "live", "hv2", SERVICES, MigrationRules(), True)
    assert ok.snapshot and ok.snapshot.startswith("openstack_ops-premigration-vm-")
    bad = migrations.plan_step(
        server(status="ERROR"), "auto", None, SERVICES, MigrationRules(), True
    )
    assert bad.refused and bad.snapshot is None


def test_snapshot_name_is_findable():
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert (
        migrations.snapshot_name(server(), when)
        == "openstack_ops-premigration-vm-20260102T030405Z"
    )


def test_snapshots_of_matches_only_the_servers_own_premigration_images():
    from types import SimpleNamespace

    def image(name, props):
        return SimpleNamespace(id=name, name=name, properties=props)

    listing = [
        image("cirros", {}),
        image("seeded-ubuntu", {"os_distro": "ubuntu"}),
        image("openstack_ops-premigration-vm-20260101T000000Z", {"x": "y"}),
        image("someone-else", {migrations.SNAPSHOT_PROPERTY: "s1"}),
        image(
            "openstack_ops-premigration-vm-20260101T000000Z",
            {migrations.SNAPSHOT_PROPERTY: "s2"},
        ),
        image(
            "openstack_ops-premigration-vm-20260102T000000Z",
            {migrations.SNAPSHOT_PROPERTY: "s1"},
        ),
    ]
    conn = SimpleNamespace(image=SimpleNamespace(images=lambda **_q: iter(listing)))
    found = migrations.snapshots_of(conn, "s1")
    assert [i.name for i in found] == ["openstack_ops-premigration-vm-20260102T000000Z"]
    assert migrations.snapshots_of(conn, "s3") == []
