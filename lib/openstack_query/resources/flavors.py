"""Flavors (Nova): one paginated listing, public and private, with extra specs."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from openstack.compute.v2.flavor import Flavor

from openstack_query.bodies import list_bodies
from openstack_query.kinds import PropKind
from openstack_query.presets import Preset
from openstack_query.properties import Item, PropertyDef, PropertySet, attr
from openstack_query.resource_type import FetchRequest, Link, ResourceType
from openstack_query.resources.common import PAGE_SIZE, stream

PROPERTIES = PropertySet(
    "flavors",
    [
        PropertyDef("id", PropKind.STRING, attr("id"), ("flavor_id",)),
        PropertyDef("name", PropKind.STRING, attr("name"), ("flavor_name",)),
        PropertyDef("vcpus", PropKind.NUMBER, attr("vcpus"), ("flavor_vcpus", "vcpu")),
        PropertyDef("ram", PropKind.NUMBER, attr("ram"), ("flavor_ram", "ram_mb")),
        PropertyDef("disk", PropKind.NUMBER, attr("disk"), ("flavor_disk", "disk_gb")),
        PropertyDef(
            "ephemeral", PropKind.NUMBER, attr("ephemeral"), ("flavor_ephemeral",)
        ),
        PropertyDef("swap", PropKind.NUMBER, attr("swap"), ("flavor_swap",)),
        PropertyDef(
            "is_public", PropKind.BOOLEAN, attr("is_public"), ("flavor_is_public",)
        ),
        PropertyDef(
            "is_disabled", PropKind.BOOLEAN, attr("is_disabled"), ("flavor_disabled",)
        ),
        PropertyDef(
            "description", PropKind.STRING, attr("description"), ("flavor_description",)
        ),
        PropertyDef(
            "extra_specs",
            PropKind.MAPPING,
            attr("extra_specs", {}),
            ("flavor_extra_specs",),
        ),
    ],
)


def _minimum(request: FetchRequest, prop: str) -> int | None:
    """The smallest integer value allowed by ``>``/``>=`` filters on ``prop``
    (Nova's ``minRam``/``minDisk`` mean value >= minimum)."""
    best: int | None = None
    for f in request.on(prop):
        if f.preset is Preset.GREATER_THAN:
            bound = math.floor(f.args.value) + 1
        elif f.preset is Preset.GREATER_THAN_OR_EQUAL_TO:
            bound = math.ceil(f.args.value)
        else:
            continue
        best = bound if best is None else max(best, bound)
    return best


def pushdown(request: FetchRequest) -> dict[str, Any]:
    """Nova flavor parameters: visibility, minimum RAM and disk."""
    params: dict[str, Any] = {"limit": PAGE_SIZE}
    public = request.single("is_public")
    # "None" asks Nova for public and private flavors (admins see all of them).
    params["is_public"] = public if isinstance(public, bool) else "None"
    min_ram = _minimum(request, "ram")
    if min_ram is not None and min_ram > 0:
        params["min_ram"] = min_ram
    min_disk = _minimum(request, "disk")
    if min_disk is not None and min_disk > 0:
        params["min_disk"] = min_disk
    return params


def fetch(conn: Any, request: FetchRequest) -> Iterator[Item]:
    """One paginated flavor listing, streamed (details include extra specs from
    2.61)."""
    return stream(
        list_bodies(
            conn.compute, Flavor, base_path="/flavors/detail", **pushdown(request)
        ),
        "flavors",
    )


FLAVORS = ResourceType(
    name="flavors",
    query_name="FLAVOR_QUERY",
    label="flavor",
    aliases=("flavor_query", "flavor"),
    properties=PROPERTIES,
    default_select=("id", "name", "vcpus", "ram", "disk", "is_public"),
    fetch=fetch,
    links=(Link("servers", "name", "flavor_name", many=True),),
)
