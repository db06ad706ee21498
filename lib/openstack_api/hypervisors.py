"""Hypervisors: what Nova knows about each compute node, plus Placement usage.

One ``/os-hypervisors/detail?with_servers=true`` listing gives every hypervisor with
its servers; from microversion 2.88 it no longer carries vCPU/memory figures, so
capacity and usage come from Placement (the resource provider named like the node).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from openstack.connection import Connection

from openstack_api.lookup import find_one


@dataclass(frozen=True)
class HypervisorServer:
    """A server as the hypervisor listing shows it (id and name only)."""

    id: str
    name: str


@dataclass(frozen=True)
class Hypervisor:
    """One compute node."""

    id: str
    name: str
    host: str
    status: str
    state: str
    hypervisor_type: str | None
    uptime: str | None
    servers: list[HypervisorServer] = field(default_factory=list)

    @property
    def uptime_seconds(self) -> int | None:
        """``uptime`` parsed to seconds, None when unknown."""
        return parse_uptime(self.uptime)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready view (servers as ``{id, name}``)."""
        data = asdict(self)
        data["server_count"] = len(self.servers)
        data["uptime_seconds"] = self.uptime_seconds
        return data


_UPTIME = re.compile(
    r"up\s+(?:(?P<days>\d+)\s+days?,\s*)?(?:(?P<h>\d+):(?P<m>\d+)|(?P<min>\d+)\s+min)"
)


def parse_uptime(uptime: str | None) -> int | None:
    """Seconds from an ``uptime``-style string ("... up 12 days,  3:04, ...")."""
    if not uptime:
        return None
    match = _UPTIME.search(uptime)
    if not match:
        return None
    days = int(match.group("days") or 0)
    if match.group("min") is not None:
        minutes = int(match.group("min"))
    else:
        minutes = int(match.group("h")) * 60 + int(match.group("m"))
    return days * 86400 + minutes * 60


def _from_sdk(hyp: Any) -> Hypervisor:
    service = hyp.service_details or {}
    return Hypervisor(
        id=str(hyp.id),
        name=hyp.name,
        host=service.get("host") or hyp.name,
        status=hyp.status,
        state=hyp.state,
        hypervisor_type=getattr(hyp, "hypervisor_type", None),
        uptime=getattr(hyp, "uptime", None),
        servers=[
            HypervisorServer(id=s.get("uuid", ""), name=s.get("name", ""))
            for s in (hyp.servers or [])
        ],
    )


def list_hypervisors(conn: Connection) -> list[Hypervisor]:
    """Every hypervisor with its servers, in one API call, sorted by name."""
    found = conn.compute.hypervisors(details=True, with_servers=True)
    return sorted(map(_from_sdk, found), key=lambda h: h.name)


@dataclass(frozen=True)
class _Match:
    """A hypervisor matched by its node name or by its service host name."""

    id: str
    name: str
    hypervisor: Hypervisor


def find_hypervisor(
    parameter: str, identifier: str, hypervisors: list[Hypervisor]
) -> Hypervisor:
    """The hypervisor ``identifier`` (id, node name or service host) names.

    Looks only in ``hypervisors`` (one listing serves every lookup of an action).
    Raises ``InputError`` naming ``parameter`` when none or several match.
    """

    def get_by_id(ident: str) -> _Match | None:
        hyp = next((h for h in hypervisors if h.id == ident), None)
        return _Match(hyp.id, hyp.name, hyp) if hyp else None

    def list_by_name(ident: str) -> list[_Match]:
        return [
            _Match(h.id, ident, h) for h in hypervisors if ident in (h.name, h.host)
        ]

    match: _Match = find_one(
        parameter,
        identifier,
        "hypervisor",
        get_by_id,
        list_by_name,
        describe=lambda m: f"node {m.hypervisor.name}, host {m.hypervisor.host}",
    )
    return match.hypervisor


def placement_usage(conn: Connection, node_name: str) -> dict[str, Any]:
    """Capacity and usage per resource class of the node's Placement provider.

    ``capacity`` is ``(total - reserved) * allocation_ratio``; ``free`` is
    ``capacity - used``. Empty when Placement has no provider of that name.
    """
    providers = [
        rp
        for rp in conn.placement.resource_providers(name=node_name)
        if rp.name == node_name
    ]
    if not providers:
        return {}
    provider = providers[0]
    usages = conn.placement.fetch_resource_provider_usages(provider).usages or {}
    result: dict[str, Any] = {}
    for inv in conn.placement.resource_provider_inventories(provider):
        rc = inv.resource_class
        capacity = int((inv.total - inv.reserved) * inv.allocation_ratio)
        used = int(usages.get(rc, 0))
        result[rc] = {
            "total": inv.total,
            "reserved": inv.reserved,
            "allocation_ratio": inv.allocation_ratio,
            "capacity": capacity,
            "used": used,
            "free": capacity - used,
        }
    return result


def aggregates_of(conn: Connection, host: str) -> list[dict[str, Any]]:
    """Host aggregates containing ``host`` (name, id, availability zone, metadata)."""
    return [
        {
            "id": str(agg.id),
            "name": agg.name,
            "availability_zone": agg.availability_zone,
            "metadata": dict(agg.metadata or {}),
        }
        for agg in conn.compute.aggregates()
        if host in (agg.hosts or [])
    ]
