"""Resolving a run's scope (``from_projects``, ``from_domain``) to ids, with at most
one Keystone listing or lookup."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from openstack import exceptions as sdk_exceptions
from openstack.identity.v3.project import Project

from openstack_query.bodies import list_bodies, quiet_sdk_construction
from openstack_query.errors import QueryError, ScopeError

_ID = re.compile(r"^[0-9a-f]{32}$")


def project_ids(conn: Any, names_or_ids: Sequence[str]) -> tuple[str, ...]:
    """Ids for project names or ids; ids pass through, names need one listing."""
    values = [str(v).strip() for v in names_or_ids if str(v).strip()]
    if not values:
        raise ScopeError("from_projects", "is empty")
    names = [v for v in values if not _ID.match(v)]
    if not names:
        return tuple(dict.fromkeys(values))
    try:
        projects = list(list_bodies(conn.identity, Project))
    except sdk_exceptions.SDKException as exc:
        raise QueryError(
            f"cannot list projects to resolve from_projects: {exc}"
        ) from exc
    by_name: dict[str, list[str]] = {}
    for project in projects:
        by_name.setdefault(project.name, []).append(project.id)
    ids: list[str] = []
    for value in values:
        if _ID.match(value):
            ids.append(value)
            continue
        matches = by_name.get(value, [])
        if not matches:
            raise ScopeError("from_projects", f"no project named {value!r}")
        if len(matches) > 1:
            raise ScopeError(
                "from_projects",
                f"project name {value!r} is ambiguous "
                f"(ids {', '.join(matches)}); give the id",
            )
        ids.append(matches[0])
    return tuple(dict.fromkeys(ids))


def domain_id(conn: Any, name_or_id: str) -> str:
    """The id of a domain given by name or id."""
    try:
        with quiet_sdk_construction():  # one SDK object; see bodies.py
            domain = conn.identity.find_domain(name_or_id, ignore_missing=False)
    except sdk_exceptions.NotFoundException:
        domain = None
    except sdk_exceptions.SDKException as exc:
        raise QueryError(f"cannot look up domain {name_or_id!r}: {exc}") from exc
    if domain is None:
        raise ScopeError("from_domain", f"no domain {name_or_id!r}")
    return str(domain.id)
