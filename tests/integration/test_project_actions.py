"""project.create / project.show / project.delete against the local cloud.

Each test creates projects (and networks) under unique names and scrubs them after.
Seeded projects are only read (the refusal tests check they are left untouched).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from openstack.connection import Connection
from os_fixtures_projects import Act, failed, succeeded

from openstack_api import networking
from pack_common import Failure, InputError
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

    done = succeeded(act("project.create", dry_run=False, **params))
    assert len(done["done"]) == 3 and done["project_id"]

    shown = succeeded(act("project.show", project=name))
    assert shown["project"]["contact_email"] == "owner@example.org"
    assert shown["project"]["tags"] == ["team-it"]
    assert shown["quotas"]["compute"]["instances"]["limit"] == 3
    assert {"type": "user", "name": "alice", "roles": ["member"]}.items() <= next(
        m for m in shown["members"] if m["name"] == "alice"
    ).items()

    wrong = failed(act("project.delete", project=name, confirm="nope", dry_run=False))
    assert "parameter 'confirm'" in wrong["error"]
    assert find_project(admin_conn, name) is not None

    plan = succeeded(act("project.delete", project=done["project_id"], confirm=name))
    assert plan["plan"][-1]["action"] == "delete project"
    assert find_project(admin_conn, name) is not None

    succeeded(
        act("project.delete", project=done["project_id"], confirm=name, dry_run=False)
    )
    assert find_project(admin_conn, name) is None


def test_internal_project_shares_the_configured_network(
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
    result = project.create(admin_conn, config, name=name, network="internal", dry_run=False)
    assert not isinstance(result, Failure), result
    pid = result["project_id"]
    policy = networking.shared_network_policy(admin_conn, network.id, pid)
    assert policy is not None
    assert "ssh" in {g.name for g in groups_of(admin_conn, pid)}

    # only configuration is left: a plain delete removes it with the project
    deleted = project.delete(admin_conn, config, name, confirm=name, dry_run=False)
    assert not isinstance(deleted, Failure), deleted
    assert networking.shared_network_policy(admin_conn, network.id, pid) is None
    assert groups_of(admin_conn, pid) == []
    assert find_project(admin_conn, name) is None


def bootable_image(
    conn: Connection, seed: dict[str, Any], name: str, cleanup: Callable[..., None]
) -> str:
    """The seeded cirros image when it is there, else a tiny public image made here
    (the fake hypervisors never read it)."""
    seeded = conn.image.find_image(seed["images"]["cirros-0.6"], ignore_missing=True)
    if seeded is not None and seeded.status == "active":
        return seeded.id
    image = conn.image.create_image(
        name=name,
        data=b"\0" * 1024,
        disk_format="raw",
        container_format="bare",
        visibility="public",
    )
    cleanup(conn.image.delete_image, image.id)
    return image.id


def boot_in_project(
    conn: Connection, seed: dict[str, Any], image_id: str, network_id: str
) -> Any:
    """Boot the smallest flavor on the network; wait for ACTIVE."""
    server = conn.compute.create_server(
        name="it-acceptance-vm",
        flavor_id=seed["flavors"]["m1.tiny"],
        image_id=image_id,
        networks=[{"uuid": network_id}],
    )
    return conn.compute.wait_for_server(server, interval=2, wait=180)


def test_external_project_works_and_purge_removes_everything(
    act: Act,
    admin_conn: Connection,
    seed: dict[str, Any],
    unique_name: Callable[[str], str],
    project_scrubber: Callable[[str], str],
    cleanup: Callable[..., None],
) -> None:
    name = project_scrubber(unique_name("ext"))
    result = succeeded(
        act(
            "project.create",
            name=name,
            network="external",
            cidr="10.77.0.0/24",
            dns_nameservers=["192.0.2.53"],
            floating_ips=2,
            members=["admin"],
            dry_run=False,
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

    refused = failed(act("project.delete", project=name, confirm=name, dry_run=False))
    assert {"servers", "networks", "routers", "ports"} <= set(refused["owned"])
    assert refused["owned"]["servers"][0]["name"] == "it-acceptance-vm"
    assert find_project(admin_conn, name) is not None

    plan = succeeded(act("project.delete", project=name, confirm=name, purge=True))
    actions = [s["action"] for s in plan["plan"]]
    assert actions.index("delete server") < actions.index(
        "delete router (interfaces, gateway)"
    ) < actions.index("delete network (and its subnets)") < actions.index(
        "delete project"
    )
    assert find_project(admin_conn, name) is not None

    done = succeeded(
        act("project.delete", project=name, confirm=name, purge=True, dry_run=False)
    )
    assert len(done["done"]) == len(plan["plan"])
    assert find_project(admin_conn, name) is None
    assert list(admin_conn.network.networks(project_id=pid)) == []
    assert list(admin_conn.network.routers(project_id=pid)) == []


def test_failure_midway_is_rolled_back(
    admin_conn: Connection,
    ops_config: dict[str, Any],
    unique_name: Callable[[str], str],
    project_scrubber: Callable[[str], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken_router(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("injected fault: router creation")

    monkeypatch.setattr(networking, "create_router", broken_router)
    name = project_scrubber(unique_name("rollback"))
    result = project.create(
        admin_conn, ops_config, name=name, network="external", dry_run=False
    )
    assert isinstance(result, Failure)
    report = result.result
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
    ("which", "reason"), [("protected_project", "protected"), ("immutable_project", "immutable")]
)
def test_protected_and_immutable_projects_are_refused(
    act: Act, admin_conn: Connection, seed: dict[str, Any], which: str, reason: str
) -> None:
    name = seed[which]
    before = find_project(admin_conn, name)
    result = failed(
        act("project.delete", project=name, confirm=name, purge=True, dry_run=False)
    )
    assert "parameter 'project'" in result["error"] and reason in result["error"]
    after = find_project(admin_conn, name)
    assert after is not None and after.tags == before.tags


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"network": "external", "cidr": "10.1.0.0/40"}, "cidr"),
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
    result = failed(act("project.create", name=name, dry_run=False, **params))
    assert result["error"].startswith(f"parameter '{parameter}'")
    assert find_project(admin_conn, name) is None


def test_existing_name_is_refused(admin_conn: Connection, seed: dict[str, Any]) -> None:
    with pytest.raises(InputError) as error:
        project.create(admin_conn, {}, name="web-shop", dry_run=False)
    assert error.value.parameter == "name"
