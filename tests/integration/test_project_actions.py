"""project.create / project.show / project.delete against the local cloud.

Each test creates projects (and networks) under unique names and scrubs them after.
Seeded projects are only read (the refusal tests check they are left untouched).
"""

from __future__ import annotations

import copy
import ipaddress
from collections.abc import Callable
from typing import Any

import pytest
from openstack import exceptions
from openstack.connection import Connection
from os_fixtures_projects import Act, failed, succeeded
from pytest_mock import MockerFixture

from openstack_api import networking
from pack_common import InputError
from workflows import project

pytest_plugins = ["os_fixtures_projects"]


def find_project(conn: Connection, name: str) -> Any:
    found = list(conn.identity.projects(name=name))
    return found[0] if found else None


def groups_of(conn: Connection, project_id: str) -> list[Any]:
    """The project's security groups. Listed unfiltered: Neutron creates a project's
    ``default`` group when asked for the groups of that project."""
    return [g for g in conn.network.security_groups() if g.project_id == project_id]


def test_plain_project_lifecycle_through_the_entry_point(
    act: Act,
    admin_conn: Connection,
    unique_name: Callable[[str], str],
    project_scrubber: Callable[[str], str],
) -> None:
    name = project_scrubber(unique_name("plain"))
    params = {
        "name": name,
        "description": "integration test",
        "contact_email": "owner@example.org",
        "tags": ["team-it"],
        "members": ["alice"],
        "quotas": {"compute": {"instances": 3}},
    }
    plan = succeeded(act("project.create", **params))
    assert plan["dry_run"] is True
    assert [s["action"] for s in plan["plan"]] == [
        "create project",
        "set quotas",
        "grant role",
    ]
    assert find_project(admin_conn, name) is None

    done = succeeded(act("project.create", apply=True, **params))
    assert len(done["done"]) == 3 and done["project_id"]

    shown = succeeded(act("project.show", project=name))
    assert shown["project"]["contact_email"] == "owner@example.org"
    assert shown["project"]["tags"] == ["team-it"]
    assert shown["quotas"]["compute"]["instances"]["limit"] == 3
    assert {"type": "user", "name": "alice", "roles": ["member"]}.items() <= next(
        m for m in shown["members"] if m["name"] == "alice"
    ).items()

    wrong = failed(act("project.delete", project=name, confirm="nope", apply=True))
    assert "parameter 'confirm'" in wrong["error"]
    assert find_project(admin_conn, name) is not None

    plan = succeeded(act("project.delete", project=done["project_id"], confirm=name))
    assert plan["plan"][-1]["action"] == "delete project"
    assert find_project(admin_conn, name) is not None

    succeeded(
        act("project.delete", project=done["project_id"], confirm=name, apply=True)
    )
    assert find_project(admin_conn, name) is None


def test_internal_project_shares_the_configured_network(
    act: Act,
    admin_conn: Connection,
    ops_config: dict[str, Any],
    unique_name: Callable[[str], str],
    project_scrubber: Callable[[str], str],
    cleanup: Callable[..., None],
) -> None:
    network = admin_conn.network.create_network(name=unique_name("int"))
    cleanup(admin_conn.network.delete_network, network.id)
    config = copy.deepcopy(ops_config)
    config["project_networks"] = {
        "internal_network": network.name,
        "default_security_groups": [
            {"name": "ssh", "rules": [{"protocol": "tcp", "port_range_min": 22}]}
        ],
    }
    name = project_scrubber(unique_name("internal"))
    params = {"name": name, "network": "internal", "members": ["admin"]}
    plan = succeeded(act("project.create", config=config, **params))
    assert [(s["action"], s["target"]) for s in plan["plan"]] == [
        ("create project", name),
        ("share network", network.name),
        ("create security group", "ssh"),
        ("grant role", "admin"),
    ]
    assert find_project(admin_conn, name) is None
    result = succeeded(act("project.create", config=config, apply=True, **params))
    pid = result["project_id"]
    policy = networking.shared_network_policy(admin_conn, network.id, pid)
    assert policy is not None
    assert "ssh" in {g.name for g in groups_of(admin_conn, pid)}
    as_project = admin_conn.connect_as_project(
        {"id": pid, "name": name, "domain_id": "default"}
    )
    assert network.id in {n.id for n in as_project.network.networks()}

    # only configuration is left: a plain delete removes it with the project
    succeeded(
        act("project.delete", config=config, project=name, confirm=name, apply=True)
    )
    assert networking.shared_network_policy(admin_conn, network.id, pid) is None
    assert groups_of(admin_conn, pid) == []
    assert find_project(admin_conn, name) is None


def bootable_image(
    conn: Connection, seed: dict[str, Any], name: str, cleanup: Callable[..., None]
) -> str:
    """The seeded cirros image when it is there, else a tiny public image made here
    (the fake hypervisors never read it)."""
    try:
        seeded = conn.image.get_image(seed["images"]["cirros-0.6"])
    except exceptions.NotFoundException:
        seeded = None
    if seeded is not None and seeded.status == "active":
        return seeded.id
    image = conn.image.create_image(
        allow_duplicates=True,
        name=name,
        data=b"\0" * 1024,
        disk_format="raw",
        container_format="bare",
        visibility="public",
    )
    cleanup(conn.image.delete_image, image.id)
    return image.id


#: Where the test server is pinned: a seeded host, never the scratch host other
#: tests drain (an unpinned server could land there).
BOOT_HOST = "devcloud-hv1"


def boot_in_project(
    conn: Connection, seed: dict[str, Any], image_id: str, network_id: str
) -> Any:
    """Boot the smallest flavor on the network, pinned to ``BOOT_HOST`` (needs the
    admin role in the project); wait for ACTIVE."""
    server = conn.compute.create_server(
        name="it-acceptance-vm",
        flavor_id=seed["flavors"]["m1.tiny"],
        image_id=image_id,
        networks=[{"uuid": network_id}],
        availability_zone=f"nova:{BOOT_HOST}",
    )
    return conn.compute.wait_for_server(server, interval=2, wait=180)


def test_external_project_works_and_purge_removes_everything(
    act: Act,
    admin_conn: Connection,
    ops_config: dict[str, Any],
    seed: dict[str, Any],
    unique_name: Callable[[str], str],
    project_scrubber: Callable[[str], str],
    cleanup: Callable[..., None],
) -> None:
    name = project_scrubber(unique_name("ext"))
    # the admin user gets the admin role there, so it can pin the test server
    config = copy.deepcopy(ops_config)
    config["project_roles"] = {"admin_role": "admin"}
    result = succeeded(
        act(
            "project.create",
            config=config,
            name=name,
            network="external",
            cidr="10.77.0.0/24",
            dns_nameservers=["192.0.2.53"],
            floating_ips=2,
            admins=["admin"],
            apply=True,
        )
    )
    pid = result["project_id"]
    net = next(admin_conn.network.networks(project_id=pid, name=f"{name}-net"))
    router = next(admin_conn.network.routers(project_id=pid))
    assert router.external_gateway_info["network_id"] == seed["networks"]["ext-net"]
    subnet = next(admin_conn.network.subnets(network_id=net.id))
    assert subnet.cidr == "10.77.0.0/24" and subnet.dns_nameservers == ["192.0.2.53"]
    quota = succeeded(act("quota.show", project=pid))
    assert quota["quotas"]["network"]["floatingip"]["limit"] == 2

    as_project = admin_conn.connect_as_project(
        {"id": pid, "name": name, "domain_id": "default"}
    )
    image_id = bootable_image(admin_conn, seed, unique_name("img"), cleanup)
    server = boot_in_project(as_project, seed, image_id, net.id)
    assert server.status == "ACTIVE"
    addresses = [a["addr"] for a in server.addresses[net.name]]
    assert addresses and addresses[0].startswith("10.77.0.")
    assert admin_conn.compute.get_server(server.id).compute_host == BOOT_HOST
    # the router wiring works: Neutron only accepts a floating IP for a port whose
    # subnet is attached to a router with a gateway on the external network
    port = next(as_project.network.ports(device_id=server.id))
    fip = as_project.network.create_ip(
        floating_network_id=seed["networks"]["ext-net"], port_id=port.id
    )
    assert fip.fixed_ip_address == addresses[0] and fip.project_id == pid

    refused = failed(act("project.delete", project=name, confirm=name, apply=True))
    assert {"servers", "networks", "routers", "ports", "floating_ips"} <= set(
        refused["owned"]
    )
    assert refused["owned"]["servers"][0]["name"] == "it-acceptance-vm"
    assert find_project(admin_conn, name) is not None

    plan = succeeded(act("project.delete", project=name, confirm=name, purge=True))
    actions = [s["action"] for s in plan["plan"]]
    assert (
        actions.index("release floating ip")
        < actions.index("delete server")
        < actions.index("delete router (interfaces, gateway)")
        < actions.index("delete network (and its subnets)")
        < actions.index("delete project")
    )
    assert find_project(admin_conn, name) is not None

    done = succeeded(
        act("project.delete", project=name, confirm=name, purge=True, apply=True)
    )
    assert len(done["done"]) == len(plan["plan"])
    assert find_project(admin_conn, name) is None
    assert list(admin_conn.network.networks(project_id=pid)) == []
    assert list(admin_conn.network.routers(project_id=pid)) == []
    assert list(admin_conn.network.ips(project_id=pid)) == []


def test_failure_midway_is_rolled_back(
    act: Act,
    admin_conn: Connection,
    unique_name: Callable[[str], str],
    project_scrubber: Callable[[str], str],
    mocker: MockerFixture,
) -> None:
    mocker.patch.object(
        networking,
        "create_router",
        autospec=True,
        side_effect=RuntimeError("injected fault: router creation"),
    )
    name = project_scrubber(unique_name("rollback"))
    report = failed(act("project.create", name=name, network="external", apply=True))
    assert report["failed"][0]["action"] == "create router"
    assert "injected fault" in report["failed"][0]["error"]
    assert [d["action"] for d in report["done"]] == [
        "create project",
        "set quotas",
        "create network",
        "create subnet",
    ]
    assert [r["action"] for r in report["rolled_back"]] == [
        "undo create subnet",
        "undo create network",
        "undo set quotas",
        "undo create project",
    ]
    assert "rollback_failed" not in report
    assert find_project(admin_conn, name) is None
    assert list(admin_conn.network.networks(name=f"{name}-net")) == []


@pytest.mark.parametrize(
    ("which", "reason"),
    [("protected_project", "protected"), ("immutable_project", "immutable")],
)
def test_protected_and_immutable_projects_are_refused(
    act: Act, admin_conn: Connection, seed: dict[str, Any], which: str, reason: str
) -> None:
    name = seed[which]
    before = find_project(admin_conn, name)
    result = failed(
        act("project.delete", project=name, confirm=name, purge=True, apply=True)
    )
    assert "parameter 'project'" in result["error"] and reason in result["error"]
    after = find_project(admin_conn, name)
    assert after is not None and after.tags == before.tags


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"network": "external", "cidr": "10.1.0.0/40"}, "cidr"),
        ({"network": "external", "cidr": "10.1.0.5/24"}, "cidr"),
        (
            {"network": "external", "dns_nameservers": ["dns.example"]},
            "dns_nameservers",
        ),
        ({"domain": "no-such-domain-xyz"}, "domain"),
        ({"quotas": {"compute": {"no_such_quota": 1}}}, "quotas"),
        ({"members": ["no-such-user-xyz"]}, "members"),
        ({"parent": "no-such-project-xyz"}, "parent"),
        ({"quotas": {"compute": {"cores": -7}}}, "quotas"),
    ],
)
def test_bad_inputs_change_nothing(
    act: Act,
    admin_conn: Connection,
    unique_name: Callable[[str], str],
    project_scrubber: Callable[[str], str],
    params: dict[str, Any],
    parameter: str,
) -> None:
    name = project_scrubber(unique_name("bad"))
    result = failed(act("project.create", name=name, apply=True, **params))
    assert result["error"].startswith(f"parameter '{parameter}'")
    assert find_project(admin_conn, name) is None


def test_existing_name_is_refused(admin_conn: Connection, seed: dict[str, Any]) -> None:
    with pytest.raises(InputError) as error:
        project.create(admin_conn, {}, name="web-shop", apply=True)
    assert error.value.parameter == "name"
    assert len(list(admin_conn.identity.projects(name="web-shop"))) == 1


def test_delete_of_an_unknown_or_ambiguous_project_changes_nothing(
    act: Act,
    admin_conn: Connection,
    unique_name: Callable[[str], str],
    project_scrubber: Callable[[str], str],
) -> None:
    ghost = unique_name("ghost")
    unknown = failed(act("project.delete", project=ghost, confirm=ghost, apply=True))
    assert unknown["error"].startswith("parameter 'project'")

    twin = project_scrubber(unique_name("twin"))
    research = next(admin_conn.identity.domains(name="research"))
    first = admin_conn.identity.create_project(name=twin, domain_id="default")
    second = admin_conn.identity.create_project(name=twin, domain_id=research.id)
    ambiguous = failed(act("project.delete", project=twin, confirm=twin, apply=True))
    assert ambiguous["error"].startswith("parameter 'project'")
    assert first.id in ambiguous["error"] and second.id in ambiguous["error"]
    assert {p.id for p in admin_conn.identity.projects(name=twin)} == {
        first.id,
        second.id,
    }


def test_non_empty_project_is_refused_with_its_resources(
    act: Act,
    admin_conn: Connection,
    unique_name: Callable[[str], str],
    project_scrubber: Callable[[str], str],
) -> None:
    name = project_scrubber(unique_name("busy"))
    pid = succeeded(act("project.create", name=name, apply=True))["project_id"]
    network = admin_conn.network.create_network(name=f"{name}-net", project_id=pid)
    refused = failed(act("project.delete", project=name, confirm=name, apply=True))
    assert refused["error"].startswith("parameter 'purge'")
    assert [n["id"] for n in refused["owned"]["networks"]] == [network.id]
    assert find_project(admin_conn, name) is not None
    assert admin_conn.network.get_network(network.id).id == network.id


def test_real_late_failure_undoes_every_done_step(
    act: Act,
    admin_conn: Connection,
    ops_config: dict[str, Any],
    unique_name: Callable[[str], str],
    project_scrubber: Callable[[str], str],
) -> None:
    """No mock: Neutron itself refuses a security-group rule of the configured rule
    set, after the network, subnet, router and its interface were made."""
    config = copy.deepcopy(ops_config)
    config["project_networks"] = {
        "default_security_groups": [
            {"name": "ssh", "rules": [{"protocol": "tcp", "port_range_min": 22}]},
            {"name": "broken", "rules": [{"protocol": "no-such-protocol"}]},
        ]
    }
    name = project_scrubber(unique_name("late"))
    report = failed(
        act(
            "project.create",
            config=config,
            name=name,
            network="external",
            cidr="10.78.0.0/24",
            members=["alice"],
            apply=True,
        )
    )
    assert report["failed"][0]["action"] == "create security group"
    assert report["failed"][0]["target"] == "broken"
    assert report["skipped"][0]["action"] == "grant role"
    done = [d["action"] for d in report["done"]]
    assert done == [
        "create project",
        "set quotas",
        "create network",
        "create subnet",
        "create router",
        "attach subnet to router",
        "create security group",
    ]
    assert [r["action"] for r in report["rolled_back"]] == [
        f"undo {action}" for action in reversed(done)
    ]
    assert "rollback_failed" not in report and report["project_id"] is None
    pid = report["done"][0]["id"]
    assert find_project(admin_conn, name) is None
    assert list(admin_conn.network.networks(project_id=pid)) == []
    assert list(admin_conn.network.routers(project_id=pid)) == []
    assert [
        g for g in admin_conn.network.security_groups() if g.project_id == pid
    ] == []


def test_child_immutable_project_and_parent_with_children_are_refused(
    act: Act,
    admin_conn: Connection,
    unique_name: Callable[[str], str],
    project_scrubber: Callable[[str], str],
) -> None:
    child = project_scrubber(unique_name("child"))  # scrubbed before its parent
    parent = project_scrubber(unique_name("parent"))
    parent_id = succeeded(act("project.create", name=parent, apply=True))["project_id"]
    created = succeeded(
        act(
            "project.create",
            name=child,
            parent=parent,
            immutable=True,
            tags=["team-it"],
            apply=True,
        )
    )
    shown = succeeded(act("project.show", project=created["project_id"]))["project"]
    assert shown["parent_id"] == parent_id
    assert shown["tags"] == ["immutable", "team-it"]

    immutable = failed(act("project.delete", project=child, confirm=child, apply=True))
    assert immutable["error"].startswith("parameter 'project'")
    assert "immutable" in immutable["error"]
    has_children = failed(
        act("project.delete", project=parent, confirm=parent, apply=True)
    )
    assert has_children["error"].startswith("parameter 'project'")
    assert child in has_children["error"]
    assert find_project(admin_conn, child) is not None
    assert find_project(admin_conn, parent) is not None


# --- dry run = outcome (issue 12 item 8) ----------------------------------------------


def neutron_attaches(conn: Connection, external_id: str, cidr: str, name: str) -> bool:
    """Whether Neutron itself attaches a subnet of ``cidr`` to a router with its
    gateway on the external network (what project.create's real run does); every
    object made here is removed again."""
    network = conn.network.create_network(name=name)
    router = None
    try:
        subnet = conn.network.create_subnet(
            name=name, network_id=network.id, cidr=cidr, ip_version=4
        )
        router = conn.network.create_router(
            name=name, external_gateway_info={"network_id": external_id}
        )
        try:
            conn.network.add_interface_to_router(router, subnet.id)
        except exceptions.BadRequestException:
            return False
        return True
    finally:
        if router is not None:
            networking.delete_router(conn, router.id)
        networking.delete_network(conn, network.id)


@pytest.mark.fault(8)
@pytest.mark.parametrize("where", ["inside", "around", "outside"])
def test_the_dry_run_refuses_the_cidr_exactly_when_neutron_would(
    act: Act,
    admin_conn: Connection,
    seed: dict[str, Any],
    unique_name: Callable[[str], str],
    project_scrubber: Callable[[str], str],
    where: str,
) -> None:
    """``cidr`` inside (or around) the external network's subnet: the dry run and the
    real run refuse it naming ``cidr`` and change nothing, because Neutron would
    refuse the router interface; outside it, both the dry run and Neutron accept."""
    external_id = seed["networks"]["ext-net"]
    ext_subnet = admin_conn.network.get_subnet(seed["subnets"]["ext-subnet"])
    ext = ipaddress.ip_network(ext_subnet.cidr)
    cidr = {
        "inside": str(next(ext.subnets(new_prefix=ext.prefixlen + 2))),
        "around": str(ext.supernet(new_prefix=ext.prefixlen - 4)),
        "outside": "10.79.0.0/24",
    }[where]
    name = project_scrubber(unique_name("overlap"))
    expected = neutron_attaches(admin_conn, external_id, cidr, unique_name("probe"))
    assert expected is (where == "outside")

    params = {"name": name, "network": "external", "cidr": cidr}
    planned = act("project.create", **params)
    if expected:
        assert succeeded(planned)["plan"]
        return
    for outcome in (planned, act("project.create", apply=True, **params)):
        error = failed(outcome)["error"]
        assert error.startswith("parameter 'cidr'"), error
        assert ext_subnet.id in error and ext_subnet.cidr in error
    assert find_project(admin_conn, name) is None
    assert list(admin_conn.network.networks(name=f"{name}-net")) == []
    assert list(admin_conn.network.routers(name=f"{name}-router")) == []


@pytest.mark.fault(8)
def test_the_dry_run_refuses_a_name_taken_in_the_domain(
    act: Act, admin_conn: Connection, seed: dict[str, Any]
) -> None:
    before = [p.id for p in admin_conn.identity.projects(name="web-shop")]
    for dry_run in (True, False):
        result = failed(act("project.create", name="web-shop", apply=not dry_run))
        assert result["error"].startswith("parameter 'name'"), result
        assert "already exists" in result["error"]
    assert [p.id for p in admin_conn.identity.projects(name="web-shop")] == before


@pytest.mark.fault(8)
def test_a_good_dry_runs_plan_is_what_the_real_run_creates(
    act: Act,
    admin_conn: Connection,
    ops_config: dict[str, Any],
    unique_name: Callable[[str], str],
    project_scrubber: Callable[[str], str],
) -> None:
    config = copy.deepcopy(ops_config)
    config["project_networks"] = {
        "default_security_groups": [
            {"name": "ssh", "rules": [{"protocol": "tcp", "port_range_min": 22}]}
        ]
    }
    name = project_scrubber(unique_name("plan"))
    params = {
        "name": name,
        "network": "external",
        "cidr": "10.81.0.0/24",
        "dns_nameservers": ["192.0.2.53"],
        "members": ["alice"],
        "quotas": {"compute": {"instances": 4}},
    }
    plan = succeeded(act("project.create", config=config, **params))["plan"]
    done = succeeded(act("project.create", config=config, apply=True, **params))
    assert len(done["done"]) == len(plan)
    for planned, made in zip(plan, done["done"], strict=True):
        assert planned.items() <= made.items(), (planned, made)
        assert "reconciled" not in made
    pid = done["project_id"]
    ids = {d["action"]: d.get("id") for d in done["done"]}
    subnet = admin_conn.network.get_subnet(ids["create subnet"])
    assert subnet.cidr == "10.81.0.0/24" and subnet.dns_nameservers == ["192.0.2.53"]
    assert admin_conn.network.get_router(ids["create router"]).project_id == pid
    assert [n.id for n in admin_conn.network.networks(project_id=pid)] == [
        ids["create network"]
    ]
