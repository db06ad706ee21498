"""Servers: look-up by name or id, a plain view, boot, stop and waiting on state.

Servers are found across all projects (the pack runs as a cloud admin). Nova's
``name`` filter is a regular expression, so look-ups anchor and escape it and
``find_one`` re-checks the exact name.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from keystoneauth1 import exceptions as ks_exceptions
from openstack.connection import Connection

from openstack_api.lookup import find_one, not_found_as_none
from pack_common import InputError

LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class FlavorSnapshot:
    """The flavor embedded in a server (microversion 2.47+): what the guards read."""

    name: str | None
    vcpus: int
    ram: int
    disk: int
    extra_specs: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ServerInfo:
    """What operators and the migration guards need to know about a server."""

    id: str
    name: str
    status: str
    task_state: str | None
    vm_state: str | None
    host: str | None
    hypervisor_hostname: str | None
    availability_zone: str | None
    project_id: str | None
    user_id: str | None
    image_id: str | None
    flavor: FlavorSnapshot
    addresses: dict[str, list[str]]
    created_at: str | None
    updated_at: str | None
    fault: str | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready view."""
        return asdict(self)

    def ref(self) -> dict[str, str]:
        """The short form used in plans: id and name."""
        return {"id": self.id, "name": self.name}


def server_info(server: Any) -> ServerInfo:
    """Build a ``ServerInfo`` from an openstacksdk ``Server``."""
    flavor = server.flavor or {}  # an sdk Flavor is a dict as well
    get = flavor.get
    image = server.image or {}
    fault = server.fault or {}
    return ServerInfo(
        id=str(server.id),
        name=server.name,
        status=server.status,
        task_state=server.task_state,
        vm_state=server.vm_state,
        host=server.compute_host,
        hypervisor_hostname=server.hypervisor_hostname,
        availability_zone=server.availability_zone,
        project_id=server.project_id,
        user_id=server.user_id,
        image_id=image.get("id") if isinstance(image, dict) else None,
        flavor=FlavorSnapshot(
            name=get("original_name") or get("name"),
            vcpus=int(get("vcpus") or 0),
            ram=int(get("ram") or 0),
            disk=int(get("disk") or 0),
            extra_specs=dict(get("extra_specs") or {}),
        ),
        addresses={
            net: [a.get("addr") for a in addrs]
            for net, addrs in (server.addresses or {}).items()
        },
        created_at=server.created_at,
        updated_at=server.updated_at,
        fault=fault.get("message") if isinstance(fault, dict) else None,
    )


def find_server(conn: Connection, parameter: str, identifier: str) -> ServerInfo:
    """The server ``identifier`` names (id or exact name, any project)."""
    found = find_one(
        parameter,
        identifier,
        "server",
        not_found_as_none(conn.compute.get_server),
        lambda name: conn.compute.servers(
            details=True, all_projects=True, name=f"^{re.escape(name)}$"
        ),
        describe=lambda s: f"project {s.project_id}, host {s.compute_host}",
    )
    return server_info(found)


def get_server(conn: Connection, server_id: str) -> ServerInfo | None:
    """Re-read one server; None once it is gone."""
    found = not_found_as_none(conn.compute.get_server)(server_id)
    return server_info(found) if found is not None else None


def servers_on_host(conn: Connection, host: str) -> list[ServerInfo]:
    """Every server whose compute host is ``host`` (one listing), sorted by name."""
    found = conn.compute.servers(details=True, all_projects=True, compute_host=host)
    return sorted(
        (s for s in map(server_info, found) if s.host == host),
        key=lambda s: (s.name, s.id),
    )


def create_server(
    conn: Connection,
    name: str,
    flavor_id: str,
    image_id: str,
    network_id: str | None,
    availability_zone: str | None,
) -> ServerInfo:
    """Boot a server (no network when ``network_id`` is None) and return it."""
    attrs: dict[str, Any] = {
        "name": name,
        "flavor_id": flavor_id,
        "image_id": image_id,
        "networks": [{"uuid": network_id}] if network_id else "none",
    }
    if availability_zone:
        attrs["availability_zone"] = availability_zone
    return server_info(conn.compute.create_server(**attrs))


def stop_server(conn: Connection, server_id: str) -> None:
    """Ask Nova to stop (power off) a server."""
    conn.compute.stop_server(server_id)


class WaitTimeout(TimeoutError):
    """A server did not reach the awaited state in time."""


def wait_for(
    conn: Connection,
    server_id: str,
    done: Callable[[ServerInfo], bool],
    timeout: float,
    what: str,
    interval: float = 1.0,
) -> ServerInfo:
    """Re-read the server until ``done`` holds, logging each change of state.

    Raises ``WaitTimeout`` after ``timeout`` seconds, and ``RuntimeError`` when the
    server goes to ERROR or disappears.
    """
    deadline = time.monotonic() + timeout
    seen: tuple[Any, ...] | None = None
    while True:
        server = get_server(conn, server_id)
        if server is None:
            raise RuntimeError(f"server {server_id} disappeared while {what}")
        state = (server.status, server.task_state, server.host)
        if state != seen:
            LOG.info(
                "server %s (%s) %s: status %s, task %s, host %s",
                server.name,
                server.id,
                what,
                *state,
            )
            seen = state
        if done(server):
            return server
        if server.status == "ERROR":
            raise RuntimeError(
                f"server {server.name} went to ERROR while {what}: {server.fault}"
            )
        if time.monotonic() >= deadline:
            raise WaitTimeout(
                f"server {server.name} still {server.status}/{server.task_state} "
                f"on {server.host} after {timeout:.0f}s {what}"
            )
        time.sleep(interval)


def find_network(conn: Connection, parameter: str, identifier: str) -> Any:
    """The Neutron network ``identifier`` names (id or exact name)."""
    return find_one(
        parameter,
        identifier,
        "network",
        not_found_as_none(conn.network.get_network),
        lambda name: conn.network.networks(name=name),
        describe=lambda n: f"project {n.project_id}",
    )


def connection_in_project(
    conn: Connection, project: Any, parameter: str = "project"
) -> Connection:
    """A connection with ``conn``'s credentials scoped to ``project`` (a Keystone
    project): what it creates belongs to that project (Nova takes a server's project
    from the token; its API has no project argument).

    Keystone issues a token scoped to a project only to a user holding a role on it
    (an admin's role on its own project is not enough): without one, an
    ``InputError`` naming ``parameter`` says so and how to grant one. The new
    connection keeps ``conn``'s session class (so its retry rules), timeouts and
    TLS settings; the caller closes it.
    """
    scoped = conn.connect_as(project_id=project.id, project_domain_id=project.domain_id)
    # connect_as builds a plain session; keep the pack's (only idempotent retries).
    scoped.config.set_session_constructor(type(conn.session))
    try:
        scoped.session.get_token()
    except ks_exceptions.Unauthorized:
        scoped.close()
        user = (conn.config.auth or {}).get("username") or conn.current_user_id
        raise InputError(
            parameter,
            f"the cloud account's user {user!r} holds no role on project "
            f"{project.name!r}, so Keystone gives it no token there to create the "
            f"server with; grant one first (./run_action.sh project.add.user.with.role "
            f"project={project.name} users={user} role=member apply=true) or use "
            "an account of that project",
        ) from None
    return scoped


def servers_named(conn: Connection, name: str) -> list[ServerInfo]:
    """The servers of the connection's project named exactly ``name`` (Nova's
    ``name`` filter is a regular expression: anchored, escaped, re-checked)."""
    found = conn.compute.servers(name=f"^{re.escape(name)}$")
    return [server_info(s) for s in found if s.name == name]


def migration_history(conn: Connection, server_id: str) -> list[dict[str, Any]]:
    """Every migration Nova recorded for a server, oldest first as Nova lists them."""
    return [
        {
            "id": m.id,
            "type": m.migration_type,
            "status": m.status,
            "source": m.source_compute,
            "destination": m.dest_compute,
            "created_at": m.created_at,
        }
        for m in conn.compute.migrations(instance_uuid=server_id)
    ]


def delete_server(conn: Connection, server_id: str, wait: int) -> None:
    """Delete a server and wait (``wait`` seconds at most) until Nova has removed it."""
    found = conn.compute.get_server(server_id)
    conn.compute.delete_server(found)
    LOG.info("waiting for server %s to be deleted", server_id)
    conn.compute.wait_for_delete(found, interval=2, wait=wait)
