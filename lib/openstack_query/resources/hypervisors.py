"""Hypervisors: one paginated Nova listing (state, status, host, uptime and, when
asked for, server counts) and Placement usage in a constant number of calls."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from openstack.compute.v2.hypervisor import Hypervisor

from openstack_query.bodies import list_bodies
from openstack_query.kinds import PropKind
from openstack_query.placement_usage import RESOURCE_CLASSES, provider_usage
from openstack_query.properties import Item, PropertyDef, PropertySet, attr
from openstack_query.resource_type import FetchRequest, Link, ResourceType, RunOptions
from openstack_query.resources.common import PAGE_SIZE, stream


def _service(key: str) -> Callable[[Item], Any]:
    def getter(item: Item) -> Any:
        return (getattr(item.raw, "service_details", None) or {}).get(key)

    return getter


def _usage(resource_class: str, field: str) -> Callable[[Item], Any]:
    def getter(item: Item) -> Any:
        usage = (item.derived.get("usage") or {}).get(resource_class)
        return None if usage is None else getattr(usage, field)

    return getter


_UPTIME = re.compile(r"up\s+(?:(\d+)\s*days?,\s*)?(?:(\d+):(\d+)|(\d+)\s*min)")


def _uptime_days(item: Item) -> float | None:
    """Days up, from the ``uptime`` text ("... up 3 days, 4:05", "up 4:05",
    "up 7 min"), rounded to hundredths; None when the text has no uptime."""
    text = getattr(item.raw, "uptime", None)
    found = _UPTIME.search(text) if isinstance(text, str) else None
    if found is None:
        return None
    days, hours, minutes, only_minutes = found.groups()
    total = float(days or 0)
    if hours is not None:
        total += int(hours) / 24 + int(minutes) / 1440
    elif only_minutes is not None:
        total += int(only_minutes) / 1440
    return round(total, 2)


def _server_count(item: Item) -> int | None:
    servers = getattr(item.raw, "servers", None)
    if servers is None:
        return 0 if item.derived.get("with_servers") else None
    return len(servers)


_USAGE_PROPERTIES = [
    PropertyDef(
        f"{prefix}_{field}",
        PropKind.NUMBER,
        _usage(rc, field),
        (f"hypervisor_{prefix}_{field}",),
        enrichment="usage",
    )
    for rc, prefix in RESOURCE_CLASSES.items()
    for field in ("total", "used", "free")
]

PROPERTIES = PropertySet(
    "hypervisors",
    [
        PropertyDef("id", PropKind.STRING, attr("id"), ("hypervisor_id",)),
        PropertyDef(
            "name",
            PropKind.STRING,
            attr("name"),
            ("hypervisor_name", "hypervisor_hostname", "hostname"),
        ),
        PropertyDef("state", PropKind.STRING, attr("state"), ("hypervisor_state",)),
        PropertyDef("status", PropKind.STRING, attr("status"), ("hypervisor_status",)),
        PropertyDef(
            "disabled_reason",
            PropKind.STRING,
            _service("disabled_reason"),
            ("hypervisor_disabled_reason",),
        ),
        PropertyDef("host_ip", PropKind.STRING, attr("host_ip"), ("hypervisor_ip",)),
        PropertyDef(
            "host", PropKind.STRING, _service("host"), ("service_host", "compute_host")
        ),
        PropertyDef(
            "hypervisor_type", PropKind.STRING, attr("hypervisor_type"), ("type",)
        ),
        *_USAGE_PROPERTIES,
        PropertyDef(
            "server_count",
            PropKind.NUMBER,
            _server_count,
            ("hypervisor_server_count", "running_vms"),
            enrichment="servers",
        ),
        PropertyDef("uptime", PropKind.STRING, attr("uptime"), ("hypervisor_uptime",)),
        PropertyDef("uptime_days", PropKind.NUMBER, _uptime_days, ()),
    ],
)


def enrich(conn: Any, items: list[Item], enrichment: str, options: RunOptions) -> None:
    """Add Placement usage to every item (a constant number of Placement calls)."""
    if enrichment != "usage" or not items:
        return
    usage = provider_usage(conn, [str(i.raw.id) for i in items])
    for item in items:
        item.derived["usage"] = usage.get(str(item.raw.id), {})


def fetch(conn: Any, request: FetchRequest) -> Iterator[Item]:
    """One paginated hypervisor listing, streamed; server lists ride along in the
    same listing when ``server_count`` is used (Placement usage is added by the
    query to the rows it keeps)."""
    params: dict[str, Any] = {"limit": PAGE_SIZE}
    with_servers = "servers" in request.enrichments
    if with_servers:
        params["with_servers"] = True
    for item in stream(
        list_bodies(
            conn.compute, Hypervisor, base_path="/os-hypervisors/detail", **params
        ),
        "hypervisors",
    ):
        item.derived["with_servers"] = with_servers
        yield item


HYPERVISORS = ResourceType(
    name="hypervisors",
    query_name="HYPERVISOR_QUERY",
    label="hypervisor",
    aliases=("hypervisor_query", "hypervisor", "hosts", "compute_nodes"),
    properties=PROPERTIES,
    default_select=(
        "name",
        "state",
        "status",
        "vcpus_total",
        "vcpus_used",
        "memory_mb_total",
        "memory_mb_used",
        "disk_gb_total",
        "disk_gb_used",
    ),
    fetch=fetch,
    enrich=enrich,
    listing_enrichments=frozenset({"servers"}),
    links=(
        Link("servers", "name", "hypervisor_name", many=True),
        Link("aggregates", "host", "hosts", many=True),
    ),
)
