"""Nova flavors: look-up by name or id (public and private) and private-flavor access."""

from __future__ import annotations

from typing import Any

from openstack.connection import Connection

from openstack_api.lookup import find_one, not_found_as_none


def find_flavor(conn: Connection, parameter: str, identifier: str) -> Any:
    """The flavor ``identifier`` names (id or exact name, public or private)."""
    return find_one(
        parameter,
        identifier,
        "flavor",
        not_found_as_none(conn.compute.get_flavor),
        lambda name: [
            f
            for f in conn.compute.flavors(details=True, is_public="none")
            if f.name == name
        ],
        describe=lambda f: "public" if f.is_public else "private",
    )


def access_projects(conn: Connection, flavor_id: str) -> list[str]:
    """Project ids allowed to use a private flavor."""
    return sorted(a["tenant_id"] for a in conn.compute.get_flavor_access(flavor_id))


def add_access(conn: Connection, flavor_id: str, project_id: str) -> None:
    """Let the project use the private flavor."""
    conn.compute.flavor_add_tenant_access(flavor_id, project_id)


def remove_access(conn: Connection, flavor_id: str, project_id: str) -> None:
    """Stop the project from using the private flavor."""
    conn.compute.flavor_remove_tenant_access(flavor_id, project_id)
