"""Lookups of names the pack config holds (roles, networks), with typed errors, and
the id/name listings that turn an operator's names into ids.

They use ``lookup.find_unique`` (the pack's lookup rule: an id match wins; a name
matching several objects is refused with the candidates), which raises
``UnknownName`` or ``AmbiguousName``; the caller names the pack config key
(``error.for_config``) or the action parameter (``error.for_parameter``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openstack.compute.v2.flavor import Flavor
from openstack.connection import Connection
from openstack.identity.v3.domain import Domain
from openstack.identity.v3.project import Project
from openstack.identity.v3.user import User
from openstack.image.v2.image import Image

from openstack_api.connection import identity_v3
from openstack_api.lookup import find_unique, not_found_as_none
from openstack_query.bodies import list_bodies


def find_role(conn: Connection, identifier: str) -> Any:
    """The Keystone role ``identifier`` names (typed errors, see module)."""
    return find_unique(
        identifier,
        "role",
        not_found_as_none(identity_v3(conn).get_role),
        lambda name: identity_v3(conn).roles(name=name),
        lambda r: f"domain {r.domain_id}" if getattr(r, "domain_id", None) else "",
    )


def ids_and_names(conn: Connection, kind: str) -> list[tuple[str, str]]:
    """(id, name) of every resource of ``kind`` (domain, project, user, flavor or
    image) the account can see: one paginated listing of light API bodies, flavors
    public and private."""
    listing: Iterable[Any]
    if kind == "domain":
        listing = list_bodies(conn.identity, Domain)
    elif kind == "project":
        listing = list_bodies(conn.identity, Project)
    elif kind == "user":
        listing = list_bodies(conn.identity, User)
    elif kind == "flavor":
        listing = list_bodies(
            conn.compute, Flavor, base_path="/flavors/detail", is_public="None"
        )
    elif kind == "image":
        listing = list_bodies(conn.image, Image)
    else:
        raise ValueError(f"no listing of names for {kind!r}")
    return [(str(r.id), str(r.name)) for r in listing]
