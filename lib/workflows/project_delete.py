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
from collections.abc import Callable
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

#: The removal of one owned resource by id.
_Remove = Callable[[Connection, str], Any]


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
    # in dependency order: inventory kind, step action, removal by id
    removals: list[tuple[str, str, _Remove]] = [
        ("security_groups", "delete security group", networking.delete_security_group),
        ("rbac_policies", "delete rbac policy", networking.delete_rbac_policy),
    ]
    if purge:  # the workload, before the configuration
        removals[:0] = [
            ("floating_ips", "release floating ip", networking.delete_floating_ip),
            ("servers", "delete server", _delete_server),
            ("volumes", "delete volume", _delete_volume),
            (
                "routers",
                "delete router (interfaces, gateway)",
                networking.delete_router,
            ),
            ("ports", "delete port", networking.delete_port),
            ("networks", "delete network (and its subnets)", networking.delete_network),
        ]
    steps = [
        _owned_step(conn, action, owned, remove)
        for kind, action, remove in removals
        for owned in inventory.of(kind)
        if kind != "ports" or _standalone(owned)
    ]
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


def _delete_server(conn: Connection, server_id: str) -> None:
    servers.delete_server(conn, server_id, SERVER_DELETE_WAIT)


def _delete_volume(conn: Connection, volume_id: str) -> None:
    volumes.delete_volume(conn, volume_id, SERVER_DELETE_WAIT)


def _owned_step(conn: Connection, action: str, owned: Owned, remove: _Remove) -> Step:
    """A removal step of one owned resource."""
    return Step(
        action,
        owned.name or owned.id,
        {"id": owned.id, **owned.detail},
        lambda _s: remove(conn, owned.id),
    )
