"""Servers (Nova), listed once per run with every filter Nova supports pushed down."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from openstack.compute.v2.flavor import Flavor
from openstack.compute.v2.server import Server

from openstack_query.bodies import list_bodies
from openstack_query.kinds import PropKind
from openstack_query.presets import Preset
from openstack_query.properties import (
    Item,
    PropertyDef,
    PropertySet,
    attr,
    body,
    raw_body,
)
from openstack_query.resource_type import FetchRequest, Link, ResourceType, RunOptions
from openstack_query.resources.common import (
    PAGE_SIZE,
    collect,
    exact_name_regex,
    stream,
)
from openstack_query.timeutil import iso_z

#: Statuses Nova reports for servers that no longer exist (``changes-since`` lists them).
_GONE = frozenset({"DELETED", "SOFT_DELETED"})


def _flavor_body(item: Item) -> dict[str, Any]:
    value = raw_body(item.raw).get("flavor")
    return value if isinstance(value, dict) else {}


def _flavor_name(item: Item) -> str | None:
    flavor = _flavor_body(item)
    return flavor.get("original_name") or flavor.get("name")


def _flavor_id(item: Item) -> str | None:
    flavor = _flavor_body(item)
    if flavor.get("id"):
        return str(flavor["id"])
    found = item.derived.get("flavor_id")
    return None if found is None else str(found)


def _image_id(item: Item) -> str | None:
    image = raw_body(item.raw).get("image")
    if isinstance(image, dict):
        return image.get("id") or None
    return image or None


def _ips(item: Item) -> str:
    """Every address of every network, comma-separated (upstream's ADDRESSES)."""
    addresses = raw_body(item.raw).get("addresses") or {}
    return ", ".join(
        str(entry.get("addr"))
        for network in addresses.values()
        for entry in (network or [])
        if isinstance(entry, dict) and entry.get("addr")
    )


PROPERTIES = PropertySet(
    "servers",
    [
        PropertyDef("id", PropKind.STRING, attr("id"), ("server_id", "uuid")),
        PropertyDef("name", PropKind.STRING, attr("name"), ("server_name",)),
        PropertyDef("status", PropKind.STRING, attr("status"), ("server_status",)),
        PropertyDef(
            "description",
            PropKind.STRING,
            attr("description"),
            ("server_description",),
        ),
        PropertyDef(
            "created_at",
            PropKind.DATETIME,
            attr("created_at"),
            ("server_creation_date", "creation_date", "created"),
        ),
        PropertyDef(
            "updated_at",
            PropKind.DATETIME,
            attr("updated_at"),
            ("server_last_updated_date", "last_updated_date", "updated"),
        ),
        PropertyDef("user_id", PropKind.STRING, attr("user_id"), ("server_user_id",)),
        PropertyDef(
            "project_id", PropKind.STRING, attr("project_id"), ("server_project_id",)
        ),
        PropertyDef(
            "flavor_id",
            PropKind.STRING,
            _flavor_id,
            ("server_flavor_id",),
            enrichment="flavor_ids",
        ),
        PropertyDef("flavor_name", PropKind.STRING, _flavor_name, ("flavor",)),
        PropertyDef("image_id", PropKind.STRING, _image_id, ("server_image_id",)),
        PropertyDef(
            "hypervisor_name",
            PropKind.STRING,
            attr("hypervisor_hostname"),
            ("server_hypervisor_name", "hypervisor_hostname", "node"),
        ),
        PropertyDef(
            "host",
            PropKind.STRING,
            attr("compute_host"),
            ("compute_host", "server_host"),
        ),
        PropertyDef(
            "availability_zone",
            PropKind.STRING,
            attr("availability_zone"),
            ("server_availability_zone", "az"),
        ),
        PropertyDef(
            "addresses",
            PropKind.MAPPING,
            body("addresses", {}),
            ("server_addresses",),
        ),
        PropertyDef(
            "metadata", PropKind.MAPPING, body("metadata", {}), ("server_metadata",)
        ),
        PropertyDef("ips", PropKind.STRING, _ips, ()),
    ],
)


def pushdown(request: FetchRequest) -> dict[str, Any]:
    """The Nova query parameters for ``request``'s filters and scope."""
    options = request.options
    params: dict[str, Any] = {"limit": PAGE_SIZE}
    if options.all_projects or options.project_ids is not None:
        params["all_projects"] = True
    if options.project_ids is not None and len(options.project_ids) == 1:
        params["project_id"] = options.project_ids[0]
    project = request.single("project_id")
    if project is not None and "project_id" not in params:
        params["project_id"] = project
    user = request.single("user_id")
    if user is not None:
        params["user_id"] = user
    for f in request.on("status"):
        wanted = f.values_set()
        if wanted:
            # Nova takes several ``status`` values at once (repeated parameter).
            params["status"] = wanted[0] if len(wanted) == 1 else list(wanted)
            break
    node = request.single("hypervisor_name")
    if node is not None and options.admin_scope:
        params["node"] = node
    host = request.single("host")
    if host is not None and options.admin_scope:
        params["compute_host"] = host
    name = request.single("name")
    if name is not None and (regex := exact_name_regex(name)) is not None:
        params["name"] = regex
    flavor = request.single("flavor_id")
    if flavor is not None:
        params["flavor"] = flavor
    image = request.single("image_id")
    if image is not None:
        params["image"] = image
    az = request.single("availability_zone")
    if az is not None:
        params["availability_zone"] = az
    changes_since = _changes_since(request)
    if changes_since is not None:
        params["changes_since"] = changes_since
    return params


def _changes_since(request: FetchRequest) -> str | None:
    """Nova's ``changes-since`` (updated_at >= t) for a ``younger_than`` on
    ``updated_at``; rounded down to the second so it stays a superset."""
    latest = None
    for f in request.on("updated_at"):
        if f.preset in (Preset.YOUNGER_THAN, Preset.YOUNGER_THAN_OR_EQUAL_TO):
            assert f.args.span is not None
            moment = request.options.now - f.args.span
            moment = moment.replace(microsecond=0)
            if latest is None or moment > latest:
                latest = moment
    return iso_z(latest) if latest is not None else None


def enrich(conn: Any, items: list[Item], enrichment: str, options: RunOptions) -> None:
    """Add flavor ids from ONE flavor listing (Nova 2.47+ embeds only the flavor's
    name in a server; flavor names are unique)."""
    if enrichment != "flavor_ids" or all(_flavor_body(i).get("id") for i in items):
        return
    flavors = collect(
        list_bodies(conn.compute, Flavor, is_public="None", limit=PAGE_SIZE),
        "flavors",
    )
    by_name = {getattr(f.raw, "name", None): f.raw.id for f in flavors}
    for item in items:
        item.derived["flavor_id"] = by_name.get(_flavor_name(item))


def fetch(conn: Any, request: FetchRequest) -> Iterator[Item]:
    """One paginated server listing, streamed (enrichments are added by the query
    to the rows it keeps). Servers deleted since ``changes-since`` are dropped."""
    params = pushdown(request)
    items = stream(
        list_bodies(conn.compute, Server, base_path="/servers/detail", **params),
        "servers",
    )
    if "changes_since" not in params:
        return items
    return (i for i in items if (getattr(i.raw, "status", "") or "") not in _GONE)


SERVERS = ResourceType(
    name="servers",
    query_name="SERVER_QUERY",
    label="server",
    aliases=("server_query", "server", "servers", "instances", "vm"),
    properties=PROPERTIES,
    default_select=("id", "name", "status", "project_id", "user_id", "created_at"),
    fetch=fetch,
    enrich=enrich,
    # the flavor ids enrichment matches a server's embedded flavor by name
    slim_keys=("id", "flavor"),
    project_prop="project_id",
    inherits_project_scope=True,
    links=(
        Link("users", "user_id", "id"),
        Link("projects", "project_id", "id"),
        Link("flavors", "flavor_name", "name"),
        Link("images", "image_id", "id"),
        Link("hypervisors", "hypervisor_name", "name"),
    ),
)
