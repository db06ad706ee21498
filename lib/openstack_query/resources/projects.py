"""Projects (Keystone v3): one listing with domain/name/enabled/parent/tags pushed down."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from openstack.identity.v3.project import Project

from openstack_query.bodies import list_bodies
from openstack_query.kinds import PropKind
from openstack_query.properties import Item, PropertyDef, PropertySet, attr, body
from openstack_query.resource_type import FetchRequest, Link, ResourceType
from openstack_query.resources.common import get_one, stream

PROPERTIES = PropertySet(
    "projects",
    [
        PropertyDef("id", PropKind.STRING, attr("id"), ("project_id",)),
        PropertyDef("name", PropKind.STRING, attr("name"), ("project_name",)),
        PropertyDef(
            "description",
            PropKind.STRING,
            attr("description"),
            ("project_description",),
        ),
        PropertyDef(
            "domain_id", PropKind.STRING, attr("domain_id"), ("project_domain_id",)
        ),
        PropertyDef(
            "enabled",
            PropKind.BOOLEAN,
            attr("is_enabled"),
            ("project_enabled", "is_enabled"),
        ),
        PropertyDef(
            "parent_id", PropKind.STRING, attr("parent_id"), ("project_parent_id",)
        ),
        PropertyDef(
            "is_domain", PropKind.BOOLEAN, attr("is_domain"), ("project_is_domain",)
        ),
        PropertyDef("tags", PropKind.LIST, attr("tags", []), ("project_tags",)),
        PropertyDef("email", PropKind.STRING, body("email"), ("project_email",)),
    ],
)


def pushdown(request: FetchRequest) -> dict[str, Any]:
    """Keystone query parameters for projects."""
    params: dict[str, Any] = {}
    domain = request.options.domain_id or request.single("domain_id")
    if domain is not None:
        params["domain_id"] = domain
    for prop, key in (
        ("name", "name"),
        ("parent_id", "parent_id"),
    ):
        value = request.single(prop)
        if value is not None:
            params[key] = value
    for prop, key in (("enabled", "is_enabled"), ("is_domain", "is_domain")):
        value = request.single(prop)
        if isinstance(value, bool):
            params[key] = value
    tags = [f for f in request.on("tags") if f.values_set()]
    if tags:
        # ``tags-any`` is exactly any_in on a list property.
        params["any_tags"] = ",".join(str(t) for t in tags[0].values_set() or ())
    return params


def fetch(conn: Any, request: FetchRequest) -> Iterable[Item]:
    """A project by id when the query asks for one id (one ``GET
    /projects/{id}``), else one project listing, streamed; restricted to
    ``from_projects`` ids locally."""
    project_id = request.single("id")
    if project_id is not None:
        raw = get_one(
            conn.identity,
            f"/projects/{quote(str(project_id), safe='')}",
            "project",
            Project,
            "project",
        )
        return [] if raw is None else [Item(raw)]
    return stream(list_bodies(conn.identity, Project, **pushdown(request)), "projects")


PROJECTS = ResourceType(
    name="projects",
    query_name="PROJECT_QUERY",
    label="project",
    aliases=("project_query", "project", "tenants"),
    properties=PROPERTIES,
    default_select=("id", "name", "domain_id", "enabled", "description"),
    fetch=fetch,
    project_prop="id",
    domain_prop="domain_id",
    links=(
        Link("servers", "id", "project_id", many=True),
        Link("users", "id", "project_ids", many=True),
    ),
)
