"""Keystone: find domains, projects, users, groups and roles; grants and memberships.

Lookups take a name or an id and go through ``lookup.find_one`` so an ambiguous
name is an error listing the candidates (with their domain), never a guess. Grant and
membership helpers check first and report whether anything changed, so the actions
built on them are idempotent.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from openstack import exceptions as sdk_exceptions
from openstack.connection import Connection

from openstack_api.connection import identity_v3
from openstack_api.lookup import find_one, not_found_as_none


def _domain_of(resource: Any) -> str:
    """The domain shown next to a candidate in an ambiguity error."""
    return f"domain {getattr(resource, 'domain_id', None) or '?'}"


def find_domain(conn: Connection, identifier: str, parameter: str = "domain") -> Any:
    """The Keystone domain named (or with the id) ``identifier``."""
    return find_one(
        parameter,
        identifier,
        "domain",
        not_found_as_none(identity_v3(conn).get_domain),
        lambda name: identity_v3(conn).domains(name=name),
    )


def find_project(
    conn: Connection,
    identifier: str,
    parameter: str = "project",
    domain_id: str | None = None,
) -> Any:
    """The project ``identifier`` names; ``domain_id`` narrows a name lookup."""

    def by_name(name: str) -> Any:
        query: dict[str, Any] = {"name": name}
        if domain_id:
            query["domain_id"] = domain_id
        return identity_v3(conn).projects(**query)

    return find_one(
        parameter,
        identifier,
        "project",
        not_found_as_none(identity_v3(conn).get_project),
        by_name,
        _domain_of,
    )


def child_projects(conn: Connection, project_id: str) -> list[Any]:
    """The projects whose parent is ``project_id``, sorted by name."""
    children = identity_v3(conn).projects(parent_id=project_id)
    return sorted(children, key=lambda p: str(p.name))


def _find_by_kind(conn: Connection, kind: str, identifier: str, parameter: str) -> Any:
    """The Keystone ``kind`` (user, group, role) ``identifier`` names, by id or by
    name; an ambiguous name lists each candidate's domain."""
    return find_one(
        parameter,
        identifier,
        kind,
        not_found_as_none(getattr(identity_v3(conn), f"get_{kind}")),
        lambda name: getattr(identity_v3(conn), f"{kind}s")(name=name),
        _domain_of,
    )


def find_user(conn: Connection, identifier: str, parameter: str = "user") -> Any:
    """The user ``identifier`` names (all domains are searched for a name)."""
    return _find_by_kind(conn, "user", identifier, parameter)


def find_group(conn: Connection, identifier: str, parameter: str = "group") -> Any:
    """The group ``identifier`` names (all domains are searched for a name)."""
    return _find_by_kind(conn, "group", identifier, parameter)


def find_role(conn: Connection, identifier: str, parameter: str = "role") -> Any:
    """The role ``identifier`` names."""
    return _find_by_kind(conn, "role", identifier, parameter)


@dataclass(frozen=True)
class Ref:
    """A Keystone object as reported in results: its id and name."""

    id: str
    name: str

    @classmethod
    def of(cls, resource: Any) -> Ref:
        """The reference of an openstacksdk resource."""
        return cls(id=resource.id, name=resource.name)

    def as_dict(self) -> dict[str, str]:
        """JSON form."""
        return asdict(self)


# --- project role grants -----------------------------------------------------------


def _role_request(
    conn: Connection,
    method: str,
    project_id: str,
    kind: str,
    subject_id: str,
    role_id: str,
) -> bool:
    """One call on ``/projects/{p}/{users|groups}/{id}/roles/{r}``: True on 2xx,
    False on 404 (a HEAD's "does not hold it"); any other answer raises.

    openstacksdk's project role helpers answer False for EVERY non-204 status, so a
    403 or a 503 would read as "does not hold the role" or as a grant that "worked";
    Keystone's answer is checked here instead.
    """
    url = f"/projects/{project_id}/{kind}/{subject_id}/roles/{role_id}"
    response = getattr(identity_v3(conn), method)(url)
    if response.status_code == 404 and method == "head":
        return False
    sdk_exceptions.raise_from_response(response)
    return True


def has_role(
    conn: Connection, project_id: str, kind: str, subject_id: str, role_id: str
) -> bool:
    """Whether the subject (``kind`` "users" or "groups") holds ``role_id``
    directly on ``project_id``."""
    return _role_request(conn, "head", project_id, kind, subject_id, role_id)


def grant_role(
    conn: Connection, project_id: str, kind: str, subject_id: str, role_id: str
) -> bool:
    """Grant the role; False (nothing done) when the subject already holds it."""
    if has_role(conn, project_id, kind, subject_id, role_id):
        return False
    return _role_request(conn, "put", project_id, kind, subject_id, role_id)


def revoke_role(
    conn: Connection, project_id: str, kind: str, subject_id: str, role_id: str
) -> bool:
    """Revoke the role; False (nothing done) when the subject does not hold it."""
    if not has_role(conn, project_id, kind, subject_id, role_id):
        return False
    return _role_request(conn, "delete", project_id, kind, subject_id, role_id)


def user_has_role(
    conn: Connection, project_id: str, user_id: str, role_id: str
) -> bool:
    """Whether ``user_id`` holds ``role_id`` directly on ``project_id``."""
    return has_role(conn, project_id, "users", user_id, role_id)


def grant_user_role(
    conn: Connection, project_id: str, user_id: str, role_id: str
) -> bool:
    """Grant the role; False (nothing done) when the user already holds it."""
    return grant_role(conn, project_id, "users", user_id, role_id)


def revoke_user_role(
    conn: Connection, project_id: str, user_id: str, role_id: str
) -> bool:
    """Revoke the role; False (nothing done) when the user does not hold it."""
    return revoke_role(conn, project_id, "users", user_id, role_id)


# --- group membership --------------------------------------------------------------


def in_group(conn: Connection, group_id: str, user_id: str) -> bool:
    """Whether ``user_id`` is a member of ``group_id``."""
    return bool(identity_v3(conn).check_user_in_group(user_id, group_id))


def add_to_group(conn: Connection, group_id: str, user_id: str) -> bool:
    """Add the user; False (nothing done) when already a member."""
    if in_group(conn, group_id, user_id):
        return False
    identity_v3(conn).add_user_to_group(user_id, group_id)
    return True


def remove_from_group(conn: Connection, group_id: str, user_id: str) -> bool:
    """Remove the user; False (nothing done) when not a member."""
    if not in_group(conn, group_id, user_id):
        return False
    identity_v3(conn).remove_user_from_group(user_id, group_id)
    return True


def group_members(conn: Connection, group_id: str) -> list[dict[str, str]]:
    """The members of a group, sorted by name."""
    users = identity_v3(conn).group_users(group_id)
    return sorted((Ref.of(u).as_dict() for u in users), key=lambda r: r["name"])


# --- assignments -------------------------------------------------------------------


@dataclass(frozen=True)
class Assignment:
    """One role assignment: who (user or group) holds which role where."""

    role: str
    role_id: str
    project: str | None
    project_id: str | None
    user: str | None = None
    user_id: str | None = None
    group: str | None = None
    group_id: str | None = None
    inherited: bool = False

    @classmethod
    def from_sdk(cls, assignment: Any) -> Assignment:
        """Build from a ``RoleAssignment`` listed with ``include_names``."""
        role = assignment.role or {}
        scope = assignment.scope or {}
        project = scope.get("project") or {}
        user = assignment.user or {}
        group = assignment.group or {}
        return cls(
            role=role.get("name", ""),
            role_id=role.get("id", ""),
            project=project.get("name"),
            project_id=project.get("id"),
            user=user.get("name"),
            user_id=user.get("id"),
            group=group.get("name"),
            group_id=group.get("id"),
            inherited="OS-INHERIT:inherited_to" in scope,
        )


def project_assignments(conn: Connection, project_id: str) -> list[Assignment]:
    """Direct role assignments on a project (users and groups), with names."""
    found = identity_v3(conn).role_assignments(
        scope_project_id=project_id, include_names=True
    )
    return [Assignment.from_sdk(a) for a in found]


def user_assignments(conn: Connection, user_id: str) -> list[Assignment]:
    """The project role assignments a user holds directly and through its groups
    (each group's grant is listed as that group's assignment). Implied roles are not
    expanded: these are the grants an operator made and can revoke."""
    found = list(
        identity_v3(conn).role_assignments(user_id=user_id, include_names=True)
    )
    for group in identity_v3(conn).user_groups(user_id):
        found += identity_v3(conn).role_assignments(
            group_id=group.id, include_names=True
        )
    return [Assignment.from_sdk(a) for a in found if (a.scope or {}).get("project")]


def user_groups(conn: Connection, user_id: str) -> list[dict[str, str]]:
    """The groups a user belongs to, sorted by name."""
    groups = identity_v3(conn).user_groups(user_id)
    return sorted((Ref.of(g).as_dict() for g in groups), key=lambda r: r["name"])
