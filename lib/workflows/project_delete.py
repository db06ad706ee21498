"""``project.delete``: guards, then a plan removing the project (and, with
``purge``, everything it owns in dependency order).

Guards, all checked before any change: ``confirm`` equals the project's name; the
project is not protected (pack config ``protected_projects``) nor tagged
``immutable``, and has no child projects; without ``purge`` it owns no servers, volumes, networks, routers,
ports or floating IPs. Its security groups and the RBAC policies sharing networks
with it are configuration, not workload: they are removed with the project.
"""

from __future__ import annotations

import logging
from typing import Any

from openstack.connection import Connection

from openstack_api import identity, networking, projects, servers, volumes
from openstack_api.projects import Inventory, Owned
from pack_common import InputError
from workflows.project_settings import ProjectSettings
from workflows.project_steps import Step

LOG = logging.getLogger(__name__)

#: Ports removed together with their owner (server, router, DHCP, floating IP).
_PORTS_REMOVED_WITH_OWNER = (
    "compute:",
    "network:router",
    "network:dhcp",
    "network:floatingip",
)

#: How long purge waits for one server to be deleted, in seconds.
SERVER_DELETE_WAIT = 300


def check_guards(project: Any, confirm: str, settings: ProjectSettings) -> None:
    """Refuse a wrong confirmation, a protected or an immutable project."""
    if confirm != project.name:
        raise InputError(
            "confirm",
            f"must equal the project's name {project.name!r} to delete it",
        )
    if projects.is_protected(project, list(settings.protected_projects)):
        raise InputError(
            "project",
            f"{project.name!r} is protected (pack config 'protected_projects')",
        )
    if projects.is_immutable(project):
        raise InputError("project", f"{project.name!r} is tagged immutable")


def check_no_children(conn: Connection, project: Any) -> None:
    """Refuse a project that still has child projects (Keystone would refuse to
    delete it only at the last step, after its resources were removed)."""
    children = identity.child_projects(conn, project.id)
    if children:
        listed = ", ".join(f"{c.name} [{c.id}]" for c in children)
        raise InputError(
            "project",
            f"{project.name!r} has {len(children)} child projects; delete them "
            f"first: {listed}",
        )


def refusal(inventory: Inventory) -> dict[str, Any] | None:
    """What keeps a project from being deleted without purge, or None."""
    blocking = inventory.blocking()
    if not blocking:
        return None
    counts = ", ".join(f"{len(v)} {k}" for k, v in blocking.items())
    return {
        "error": f"parameter 'purge': the project still owns {counts}; "
        "remove them or set purge=true",
        "owned": {k: [o.as_dict() for o in v] for k, v in blocking.items()},
    }


def build_steps(
    conn: Connection, project: Any, inventory: Inventory, purge: bool
) -> tuple[list[Step], Step]:
    """The removal steps (workload only with ``purge``) and the final project delete."""
    steps: list[Step] = []
    if purge:
        steps += [_fip_step(conn, o) for o in inventory.of("floating_ips")]
        steps += [_server_step(conn, o) for o in inventory.of("servers")]
        steps += [_volume_step(conn, o) for o in inventory.of("volumes")]
        steps += [_router_step(conn, o) for o in inventory.of("routers")]
        steps += [_port_step(conn, o) for o in inventory.of("ports") if _standalone(o)]
        steps += [_network_step(conn, o) for o in inventory.of("networks")]
    steps += [_group_step(conn, o) for o in inventory.of("security_groups")]
    steps += [_rbac_step(conn, o) for o in inventory.of("rbac_policies")]
    final = Step(
        "delete project",
        project.name,
        {"id": project.id},
        lambda _state: projects.delete_project(conn, project.id),
    )
    return steps, final


def _standalone(port: Owned) -> bool:
    """A port not removed together with its owner."""
    owner = port.detail.get("device_owner") or ""
    return not owner.startswith(_PORTS_REMOVED_WITH_OWNER)


def _owned_step(action: str, owned: Owned, run: Any) -> Step:
    """A removal step of one owned resource."""
    return Step(action, owned.name or owned.id, {"id": owned.id, **owned.detail}, run)


def _fip_step(conn: Connection, fip: Owned) -> Step:
    return _owned_step(
        "release floating ip",
        fip,
        lambda _s: networking.delete_floating_ip(conn, fip.id),
    )


def _server_step(conn: Connection, server: Owned) -> Step:
    return _owned_step(
        "delete server",
        server,
        lambda _s: servers.delete_server(conn, server.id, SERVER_DELETE_WAIT),
    )


def _volume_step(conn: Connection, volume: Owned) -> Step:
    return _owned_step(
        "delete volume",
        volume,
        lambda _s: volumes.delete_volume(conn, volume.id, SERVER_DELETE_WAIT),
    )


def _router_step(conn: Connection, router: Owned) -> Step:
    return _owned_step(
        "delete router (interfaces, gateway)",
        router,
        lambda _s: networking.delete_router(conn, router.id),
    )


def _port_step(conn: Connection, port: Owned) -> Step:
    return _owned_step(
        "delete port", port, lambda _s: networking.delete_port(conn, port.id)
    )


def _network_step(conn: Connection, network: Owned) -> Step:
    return _owned_step(
        "delete network (and its subnets)",
        network,
        lambda _s: networking.delete_network(conn, network.id),
    )


def _group_step(conn: Connection, group: Owned) -> Step:
    return _owned_step(
        "delete security group",
        group,
        lambda _s: networking.delete_security_group(conn, group.id),
    )


def _rbac_step(conn: Connection, policy: Owned) -> Step:
    return _owned_step(
        "delete rbac policy",
        policy,
        lambda _s: networking.delete_rbac_policy(conn, policy.id),
    )
