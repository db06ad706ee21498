"""Hypervisor capacity and usage from Placement, in a constant number of calls.

Placement has no "list every provider's inventory" call, but an allocation-candidates
request returns, in ``provider_summaries`` (microversion 1.27+), the capacity and
usage of EVERY resource class of every provider that can take the request, where
capacity is ``(total - reserved) * allocation_ratio``. Asking for one unit of VCPU,
then MEMORY_MB, then DISK_GB covers every provider with any free resource; only a
provider exhausted on all three needs its own inventories and usages.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from openstack import exceptions as sdk_exceptions

from openstack_query.errors import FetchError

#: Resource classes reported for hypervisors, with the property prefix of each.
RESOURCE_CLASSES: dict[str, str] = {
    "VCPU": "vcpus",
    "MEMORY_MB": "memory_mb",
    "DISK_GB": "disk_gb",
}
_SUMMARY_MICROVERSION = "1.27"


@dataclass(frozen=True)
class ResourceUsage:
    """Capacity (honouring reserved and allocation ratio), usage and what is free."""

    total: int
    used: int

    @property
    def free(self) -> int:
        """Capacity not allocated (may be negative on an over-allocated host)."""
        return self.total - self.used


def capacity(total: int, reserved: int, allocation_ratio: float) -> int:
    """Placement's capacity formula: ``int((total - reserved) * allocation_ratio)``."""
    return int((total - reserved) * allocation_ratio)


def _get(conn: Any, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """GET a Placement path and return its JSON body, raising ``FetchError``."""
    try:
        response = conn.placement.get(
            path, params=params or {}, microversion=_SUMMARY_MICROVERSION
        )
        sdk_exceptions.raise_from_response(response)
    except sdk_exceptions.SDKException as exc:
        raise FetchError(f"Placement {path} failed: {exc}") from exc
    return response.json()


def _from_summary(summary: dict[str, Any]) -> dict[str, ResourceUsage]:
    resources = summary.get("resources") or {}
    return {
        rc: ResourceUsage(int(data.get("capacity", 0)), int(data.get("used", 0)))
        for rc, data in resources.items()
        if rc in RESOURCE_CLASSES
    }


def provider_usage(
    conn: Any, provider_ids: Iterable[str]
) -> dict[str, dict[str, ResourceUsage]]:
    """Usage per resource class for each provider in ``provider_ids``.

    Providers unknown to Placement are absent from the result.
    """
    wanted = set(provider_ids)
    found: dict[str, dict[str, ResourceUsage]] = {}
    for rc in RESOURCE_CLASSES:
        if not wanted - found.keys():
            break
        data = _get(conn, "/allocation_candidates", {"resources": f"{rc}:1"})
        for uuid, summary in (data.get("provider_summaries") or {}).items():
            if uuid in wanted and uuid not in found:
                found[uuid] = _from_summary(summary)
    for uuid in sorted(wanted - found.keys()):
        usage = _exhausted_provider(conn, uuid)
        if usage is not None:
            found[uuid] = usage
    return found


def _exhausted_provider(conn: Any, uuid: str) -> dict[str, ResourceUsage] | None:
    """Inventories and usages of one provider no candidate request returned (full on
    every class, or unknown to Placement)."""
    try:
        inventories = _get(conn, f"/resource_providers/{uuid}/inventories")
    except FetchError:
        return None
    usages = _get(conn, f"/resource_providers/{uuid}/usages").get("usages") or {}
    result: dict[str, ResourceUsage] = {}
    for rc, inv in (inventories.get("inventories") or {}).items():
        if rc in RESOURCE_CLASSES:
            result[rc] = ResourceUsage(
                capacity(
                    int(inv.get("total", 0)),
                    int(inv.get("reserved", 0)),
                    float(inv.get("allocation_ratio", 1.0)),
                ),
                int(usages.get(rc, 0)),
            )
    return result
