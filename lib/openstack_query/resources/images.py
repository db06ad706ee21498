"""Images (Glance v2, never Nova's image proxy): one paginated listing with name,
owner, status, visibility, size and date filters pushed down."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from openstack.image.v2.image import Image

from openstack_query.bodies import list_bodies
from openstack_query.kinds import PropKind
from openstack_query.presets import Preset
from openstack_query.properties import Item, PropertyDef, PropertySet, attr, body
from openstack_query.resource_type import FetchRequest, Link, ResourceType
from openstack_query.resources.common import PAGE_SIZE, stream
from openstack_query.timeutil import iso_z

PROPERTIES = PropertySet(
    "images",
    [
        PropertyDef("id", PropKind.STRING, attr("id"), ("image_id",)),
        PropertyDef("name", PropKind.STRING, attr("name"), ("image_name",)),
        PropertyDef("status", PropKind.STRING, attr("status"), ("image_status",)),
        PropertyDef(
            "visibility", PropKind.STRING, attr("visibility"), ("image_visibility",)
        ),
        PropertyDef(
            "owner", PropKind.STRING, attr("owner_id"), ("image_owner", "project_id")
        ),
        PropertyDef(
            "created_at",
            PropKind.DATETIME,
            attr("created_at"),
            ("image_creation_date", "creation_date"),
        ),
        PropertyDef(
            "updated_at",
            PropKind.DATETIME,
            attr("updated_at"),
            ("image_last_updated_date", "last_updated_date"),
        ),
        PropertyDef("size", PropKind.NUMBER, attr("size"), ("image_size",)),
        PropertyDef(
            "min_ram", PropKind.NUMBER, attr("min_ram"), ("image_minimum_ram",)
        ),
        PropertyDef(
            "min_disk", PropKind.NUMBER, attr("min_disk"), ("image_minimum_disk",)
        ),
        PropertyDef("os_distro", PropKind.STRING, body("os_distro"), ()),
        PropertyDef("os_version", PropKind.STRING, body("os_version"), ()),
        PropertyDef("os_type", PropKind.STRING, body("os_type"), ()),
        PropertyDef("architecture", PropKind.STRING, body("architecture"), ()),
        PropertyDef("disk_format", PropKind.STRING, attr("disk_format"), ()),
        PropertyDef("container_format", PropKind.STRING, attr("container_format"), ()),
        PropertyDef("protected", PropKind.BOOLEAN, attr("is_protected"), ()),
        PropertyDef("tags", PropKind.LIST, attr("tags", []), ("image_tags",)),
        PropertyDef("progress", PropKind.NUMBER, body("progress"), ()),
    ],
)

_GLANCE_OPERATORS = {
    Preset.OLDER_THAN: "lt",
    Preset.OLDER_THAN_OR_EQUAL_TO: "lte",
    Preset.YOUNGER_THAN: "gt",
    Preset.YOUNGER_THAN_OR_EQUAL_TO: "gte",
}


def _date_filter(request: FetchRequest, prop: str) -> str | None:
    """Glance's ``<op>:<time>`` filter for the first date preset on ``prop``,
    widened by a second so rounding never drops a row (re-checked locally)."""
    for f in request.on(prop):
        operator = _GLANCE_OPERATORS.get(f.preset)
        if operator is None or f.args.span is None:
            continue
        moment = (request.options.now - f.args.span).replace(microsecond=0)
        if operator in ("lt", "lte"):
            return f"lte:{iso_z(moment + timedelta(seconds=1))}"
        return f"gte:{iso_z(moment)}"
    return None


def pushdown(request: FetchRequest) -> dict[str, Any]:
    """Glance v2 query parameters for ``request``."""
    params: dict[str, Any] = {"limit": PAGE_SIZE}
    for prop, key in (("name", "name"), ("status", "status"), ("owner", "owner")):
        value = request.single(prop)
        if value is not None:
            params[key] = value
    if "owner" not in params and request.options.project_ids is not None:
        if len(request.options.project_ids) == 1:
            params["owner"] = request.options.project_ids[0]
    visibility = request.single("visibility")
    # Without a visibility filter Glance hides community images; "all" lists them.
    params["visibility"] = visibility if visibility is not None else "all"
    for f in request.on("size"):
        if f.preset is Preset.GREATER_THAN:
            params["size_min"] = math.floor(f.args.value) + 1
        elif f.preset is Preset.GREATER_THAN_OR_EQUAL_TO:
            params["size_min"] = math.ceil(f.args.value)
        elif f.preset is Preset.LESS_THAN:
            params["size_max"] = max(0, math.ceil(f.args.value) - 1)
        elif f.preset is Preset.LESS_THAN_OR_EQUAL_TO:
            params["size_max"] = math.floor(f.args.value)
    for prop in ("created_at", "updated_at"):
        value = _date_filter(request, prop)
        if value is not None:
            params[prop] = value
    return params


def fetch(conn: Any, request: FetchRequest) -> Iterator[Item]:
    """One paginated Glance v2 listing, streamed."""
    return stream(list_bodies(conn.image, Image, **pushdown(request)), "images")


IMAGES = ResourceType(
    name="images",
    query_name="IMAGE_QUERY",
    label="image",
    aliases=("image_query", "image"),
    properties=PROPERTIES,
    default_select=("id", "name", "status", "visibility", "size", "created_at"),
    fetch=fetch,
    project_prop="owner",
    links=(Link("servers", "id", "image_id", many=True),),
)
