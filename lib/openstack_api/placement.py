"""Placement reads for the audits and the capacity report.

Placement has no listing of every consumer or of every inventory: allocations,
inventories and usages are read per resource provider. So these reads cost one
provider listing plus one call per provider and per kind (allocations; or
inventories and usages), independent of the number of servers. A provider is a
compute node (or a nested provider under one), so the cost follows the number of
hosts, which is small next to the servers, users and ports the other audits list.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from openstack import exceptions as sdk_exceptions

from openstack_query import FetchError

#: Placement microversion for these reads (1.12: allocations carry project/user;
#: 1.14: providers carry their parent/root).
MICROVERSION = "1.28"


def _get(conn: Any, path: str) -> dict[str, Any]:
    """GET a Placement path and return its JSON body; errors as ``FetchError``."""
    try:
        response = conn.placement.get(path, microversion=MICROVERSION)
        sdk_exceptions.raise_from_response(response)
    except sdk_exceptions.SDKException as exc:
        raise FetchError(f"Placement {path} failed: {exc}") from exc
    return dict(response.json())


@dataclass(frozen=True)
class Provider:
    """A resource provider (a compute node's is named after its hypervisor)."""

    uuid: str
    name: str
    root_uuid: str | None = None


def providers(conn: Any) -> list[Provider]:
    """Every resource provider, from one Placement listing."""
    return [
        Provider(str(p["uuid"]), str(p.get("name") or ""), p.get("root_provider_uuid"))
        for p in _get(conn, "/resource_providers").get("resource_providers") or []
    ]


def provider_allocations(conn: Any, provider: Provider) -> dict[str, dict[str, int]]:
    """``{consumer_uuid: {resource_class: amount}}`` held on ``provider``."""
    data = _get(conn, f"/resource_providers/{provider.uuid}/allocations")
    return {
        str(consumer): {
            str(rc): int(amount)
            for rc, amount in (alloc.get("resources") or {}).items()
        }
        for consumer, alloc in (data.get("allocations") or {}).items()
    }


@dataclass(frozen=True)
class ConsumerAllocations:
    """A consumer's allocations on every provider, with its project and user."""

    consumer: str
    project_id: str | None
    user_id: str | None
    resources: dict[str, dict[str, int]]


def consumer_allocations(conn: Any, consumer: str) -> ConsumerAllocations:
    """One consumer's allocations (empty when it holds none any more)."""
    data = _get(conn, f"/allocations/{consumer}")
    return ConsumerAllocations(
        consumer=consumer,
        project_id=data.get("project_id"),
        user_id=data.get("user_id"),
        resources={
            str(rp): {str(rc): int(n) for rc, n in (a.get("resources") or {}).items()}
            for rp, a in (data.get("allocations") or {}).items()
        },
    )


@dataclass(frozen=True)
class Inventory:
    """One resource class of a provider, with what is used of it.

    ``capacity`` is Placement's ``int((total - reserved) * allocation_ratio)``.
    """

    resource_class: str
    total: int
    reserved: int
    allocation_ratio: float
    min_unit: int
    max_unit: int
    step_size: int
    used: int

    @property
    def capacity(self) -> int:
        """What may be allocated in all."""
        return int((self.total - self.reserved) * self.allocation_ratio)

    @property
    def free(self) -> int:
        """Capacity not allocated (negative when over-allocated)."""
        return self.capacity - self.used

    def as_dict(self) -> dict[str, Any]:
        """JSON form with capacity and free."""
        return {**asdict(self), "capacity": self.capacity, "free": self.free}


@dataclass(frozen=True)
class ProviderCapacity:
    """A provider's inventories and usages."""

    provider: Provider
    inventories: dict[str, Inventory] = field(default_factory=dict)


def provider_capacity(conn: Any, provider: Provider) -> ProviderCapacity:
    """Inventories and usages of one provider (two calls)."""
    inventories = _get(conn, f"/resource_providers/{provider.uuid}/inventories")
    usages = _get(conn, f"/resource_providers/{provider.uuid}/usages")
    used = usages.get("usages") or {}
    result: dict[str, Inventory] = {}
    for rc, inv in (inventories.get("inventories") or {}).items():
        result[str(rc)] = Inventory(
            resource_class=str(rc),
            total=int(inv.get("total", 0)),
            reserved=int(inv.get("reserved", 0)),
            allocation_ratio=float(inv.get("allocation_ratio", 1.0)),
            min_unit=int(inv.get("min_unit", 1)),
            max_unit=int(inv.get("max_unit", inv.get("total", 0))),
            step_size=int(inv.get("step_size", 1)),
            used=int(used.get(rc, 0)),
        )
    return ProviderCapacity(provider, result)
