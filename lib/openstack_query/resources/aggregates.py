"""Host aggregates (Nova): one listing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from openstack.compute.v2.aggregate import Aggregate

from openstack_query.bodies import list_bodies
from openstack_query.kinds import PropKind
from openstack_query.properties import Item, PropertyDef, PropertySet, attr, body
from openstack_query.resource_type import FetchRequest, Link, ResourceType
from openstack_query.resources.common import stream


def _metadata(key: str, default: Any = None) -> Callable[[Item], Any]:
    """A getter reading one key of the aggregate's metadata."""

    def getter(item: Item) -> Any:
        return (getattr(item.raw, "metadata", None) or {}).get(key, default)

    return getter


def _gpunum(item: Item) -> int | None:
    """The ``gpunum`` metadata as a number (0 when absent, as upstream)."""
    value = _metadata("gpunum", 0)(item)
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


PROPERTIES = PropertySet(
    "aggregates",
    [
        PropertyDef("id", PropKind.STRING, attr("id"), ("aggregate_id",)),
        PropertyDef("uuid", PropKind.STRING, attr("uuid"), ("aggregate_uuid",)),
        PropertyDef("name", PropKind.STRING, attr("name"), ("aggregate_name",)),
        PropertyDef(
            "availability_zone",
            PropKind.STRING,
            attr("availability_zone"),
            ("aggregate_availability_zone", "az"),
        ),
        PropertyDef("hosts", PropKind.LIST, attr("hosts", []), ("aggregate_hosts",)),
        PropertyDef(
            "metadata", PropKind.MAPPING, attr("metadata", {}), ("aggregate_metadata",)
        ),
        PropertyDef("created_at", PropKind.DATETIME, attr("created_at"), ()),
        PropertyDef("updated_at", PropKind.DATETIME, attr("updated_at"), ()),
        PropertyDef("deleted", PropKind.BOOLEAN, body("deleted"), ()),
        PropertyDef("deleted_at", PropKind.DATETIME, body("deleted_at"), ()),
        PropertyDef("gpunum", PropKind.NUMBER, _gpunum, ()),
        PropertyDef("hosttype", PropKind.STRING, _metadata("hosttype"), ()),
        PropertyDef(
            "local_storage_type", PropKind.STRING, _metadata("local_storage_type"), ()
        ),
    ],
)


def fetch(conn: Any, request: FetchRequest) -> Iterator[Item]:
    """Nova lists every aggregate in one response."""
    return stream(list_bodies(conn.compute, Aggregate), "aggregates")


AGGREGATES = ResourceType(
    name="aggregates",
    query_name="AGGREGATE_QUERY",
    label="aggregate",
    aliases=("aggregate_query", "aggregate", "host_aggregates"),
    properties=PROPERTIES,
    default_select=("id", "name", "availability_zone", "hosts"),
    fetch=fetch,
    links=(Link("hypervisors", "hosts", "host", many=True),),
)
