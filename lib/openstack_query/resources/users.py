"""Users (Keystone v3): one listing, domain/name/enabled pushed down; project
membership from one role-assignment listing when it is needed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from openstack.identity.v3.role_assignment import RoleAssignment
from openstack.identity.v3.user import User

from openstack_query.bodies import list_bodies
from openstack_query.kinds import PropKind
from openstack_query.properties import (
    Item,
    PropertyDef,
    PropertySet,
    attr,
    body,
    derived,
)
from openstack_query.resource_type import FetchRequest, Link, ResourceType, RunOptions
from openstack_query.resources.common import collect, get_one, stream

PROPERTIES = PropertySet(
    "users",
    [
        PropertyDef("id", PropKind.STRING, attr("id"), ("user_id",)),
        PropertyDef("name", PropKind.STRING, attr("name"), ("user_name",)),
        PropertyDef("email", PropKind.STRING, body("email"), ("user_email",)),
        PropertyDef(
            "description", PropKind.STRING, attr("description"), ("user_description",)
        ),
        PropertyDef(
            "domain_id", PropKind.STRING, attr("domain_id"), ("user_domain_id",)
        ),
        PropertyDef(
            "enabled",
            PropKind.BOOLEAN,
            attr("is_enabled"),
            ("user_enabled", "is_enabled"),
        ),
        PropertyDef(
            "default_project_id",
            PropKind.STRING,
            attr("default_project_id"),
            ("user_default_project_id",),
        ),
        PropertyDef(
            "password_expires_at",
            PropKind.DATETIME,
            attr("password_expires_at"),
            ("user_password_expires_at",),
        ),
        PropertyDef(
            "project_ids",
            PropKind.LIST,
            derived("project_ids", []),
            ("user_project_ids", "projects"),
            enrichment="assignments",
        ),
    ],
)


def pushdown(request: FetchRequest) -> dict[str, Any]:
    """Keystone query parameters: domain, exact name and enabled flag."""
    params: dict[str, Any] = {}
    domain = request.options.domain_id or request.single("domain_id")
    if domain is not None:
        params["domain_id"] = domain
    name = request.single("name")
    if name is not None:
        params["name"] = name
    enabled = request.single("enabled")
    if isinstance(enabled, bool):
        params["is_enabled"] = enabled
    return params


def enrich(conn: Any, items: list[Item], enrichment: str, options: RunOptions) -> None:
    """Add ``project_ids`` (projects where the user has a role, directly or through a
    group) from ONE role-assignment listing."""
    if enrichment != "assignments" or not items:
        return
    query: dict[str, Any] = {"effective": True}
    if len(items) == 1:
        query["user_id"] = items[0].raw.id
    projects: dict[str, list[str]] = {}
    for assignment in collect(
        list_bodies(conn.identity, RoleAssignment, **query), "role assignments"
    ):
        user = (getattr(assignment.raw, "user", None) or {}).get("id")
        scope = getattr(assignment.raw, "scope", None) or {}
        project = (scope.get("project") or {}).get("id")
        if user and project:
            known = projects.setdefault(user, [])
            if project not in known:
                known.append(project)
    for item in items:
        item.derived["project_ids"] = sorted(projects.get(item.raw.id, []))


def fetch(conn: Any, request: FetchRequest) -> Iterable[Item]:
    """A user by id when the query asks for one id (one ``GET /users/{id}``, the
    upstream per-owner pattern), else one user listing (Keystone does not
    paginate). Enrichments are added by the query to the rows it keeps."""
    user_id = request.single("id")
    if user_id is not None:
        raw = get_one(
            conn.identity,
            f"/users/{quote(str(user_id), safe='')}",
            "user",
            User,
            "user",
        )
        return [] if raw is None else [Item(raw)]
    return stream(list_bodies(conn.identity, User, **pushdown(request)), "users")


USERS = ResourceType(
    name="users",
    query_name="USER_QUERY",
    label="user",
    aliases=("user_query", "user", "accounts"),
    properties=PROPERTIES,
    default_select=("id", "name", "email", "domain_id", "enabled"),
    fetch=fetch,
    enrich=enrich,
    domain_prop="domain_id",
    links=(
        Link("servers", "id", "user_id", many=True),
        Link("projects", "project_ids", "id", many=True),
    ),
)
