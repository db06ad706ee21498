"""Lookups of names the pack config holds (roles, networks), with typed errors.

They use ``lookup.find_unique`` (the pack's lookup rule: an id match wins; a name
matching several objects is refused with the candidates), which raises
``UnknownName`` or ``AmbiguousName``; the caller names the pack config key
(``error.for_config``) or the action parameter (``error.for_parameter``).
"""

from __future__ import annotations

from typing import Any

from openstack.connection import Connection

from openstack_api.connection import identity_v3
from openstack_api.lookup import find_unique, not_found_as_none


def find_role(conn: Connection, identifier: str) -> Any:
    """The Keystone role ``identifier`` names (typed errors, see module)."""
    return find_unique(
        identifier,
        "role",
        not_found_as_none(identity_v3(conn).get_role),
        lambda name: identity_v3(conn).roles(name=name),
        lambda r: f"domain {r.domain_id}" if getattr(r, "domain_id", None) else "",
    )
