"""Hypervisor capacity and usage from Placement, in a constant number of calls.

What Placement offers in bulk, and why this module uses allocation candidates:

- ``GET /resource_providers`` lists providers (uuid, name, generation, tree), never
  their inventories or usages; ``?resources=VCPU:1`` only filters that list.
- ``GET /resource_providers/{uuid}/inventories`` and ``.../usages`` are per provider.
- ``GET /usages?project_id=`` sums a project's allocations over all providers.
- Nova's ``os-hypervisors`` detail (< 2.88) has Nova's own ``*_used`` counters but
  neither ``reserved`` nor ``allocation_ratio``, so it cannot give Placement's
  capacity, and its usage is the resource tracker's, not Placement's allocations.
- ``GET /allocation_candidates?resources=RC:1`` returns, in ``provider_summaries``
  (microversion 1.27+), ``capacity`` (``(total - reserved) * allocation_ratio``)
  and ``used`` of EVERY resource class of EVERY provider that has one free unit of
  ``RC``, in one unpaginated response.

So one candidates request per resource class (VCPU, then MEMORY_MB, then DISK_GB,
each skipped once every wanted provider is known) covers every provider with any
free VCPU, memory or disk, exactly: at most 3 calls whatever the estate's size.

The one documented exception: a provider with no free unit of ANY of the three
classes (full or over-allocated on all of them, or with none of them in its
inventory) appears in no candidates response, and Placement has no bulk call that
reports it. Its inventories and usages are read directly, two calls per such
provider, for at most ``MAX_DIRECT_PROVIDERS`` providers per run; past that bound
their usage is left unknown (``None``) and a warning is logged, so the cost of a
pathological estate stays bounded and no number is ever guessed. (A deployment
that caps candidates with ``[placement] max_allocation_candidates`` also lands
providers in this path.)
"""

from __future__ import annotations

import logging
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
#: At most this many providers absent from every candidates response are read
#: directly (two calls each); see the module docstring.
MAX_DIRECT_PROVIDERS = 25

LOG = logging.getLogger(__name__)


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
    data = response.json()
    if not isinstance(data, dict):
        raise FetchError(
            f"Placement {path} answered {type(data).__name__}, not an object"
        )
    return data


def _from_summary(summary: dict[str, Any]) -> dict[str, ResourceUsage]:
    resources = summary.get("resources") or {}
    return {
        rc: ResourceUsage(int(data.get("capacity", 0)), int(data.get("used", 0)))
        for rc, data in resources.items()
        if rc in RESOURCE_CLASSES
    }


def provider_usage(
    conn: Any,
    provider_ids: Iterable[str],
    max_direct: int = MAX_DIRECT_PROVIDERS,
) -> dict[str, dict[str, ResourceUsage]]:
    """Usage per resource class for each provider in ``provider_ids``: at most three
    candidates requests, plus two direct calls for each of at most ``max_direct``
    providers that no candidates response includes.

    Providers unknown to Placement, and those past the ``max_direct`` bound, are
    absent from the result (their usage is unknown).
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
    missing = sorted(wanted - found.keys())
    if len(missing) > max_direct:
        LOG.warning(
            "Placement: %d providers have no free VCPU, MEMORY_MB or DISK_GB; "
            "reading %d of them directly, usage of the others is left unknown: %s",
            len(missing),
            max_direct,
            ", ".join(missing[max_direct:]),
        )
    for uuid in missing[:max_direct]:
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
