"""Project quotas of compute (Nova), network (Neutron) and volume (Cinder).

Each service's quota API is called through its openstacksdk proxy with the
service's own key names (``cores``, ``floatingip``, ``gigabytes``...), the names
operators see in ``openstack quota show``, so ``quota.show`` and ``quota.set`` use
the same vocabulary. ``-1`` means unlimited everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from openstack.connection import Connection

from openstack_api.projects import has_service

UNLIMITED = -1
#: The largest limit Nova, Neutron and Cinder accept: their ``MAX_INT`` (2**31-1,
#: a 32-bit ``INT`` column); each answers 400 above it.
MAX_LIMIT = 2**31 - 1


@dataclass(frozen=True)
class QuotaValue:
    """One quota of one service: the limit, what is in use and what is reserved."""

    limit: int
    in_use: int
    reserved: int = 0

    def as_dict(self) -> dict[str, int]:
        """JSON form."""
        return asdict(self)


@dataclass(frozen=True)
class QuotaService:
    """How to read and write one service's project quotas."""

    name: str
    catalog_type: str
    proxy: Callable[[Connection], Any]
    show_path: str
    update_path: str
    body_key: str
    used_key: str
    microversion: str | None = None
    #: The service itself refuses (400) a limit below usage unless ``force``.
    refuses_below_usage: bool = False
    #: ... and counts reservations as usage (Nova: "already used and reserved").
    counts_reserved: bool = False
    #: The service's project name, for messages.
    api: str = ""

    def minimum(self, value: QuotaValue) -> int:
        """The lowest limit the service accepts without ``force``: in use, plus
        reserved for Nova. The pack holds a service that does not check (Cinder
        unless asked to) to the same rule, so a plan reads the same everywhere."""
        return value.in_use + (value.reserved if self.counts_reserved else 0)

    def available(self, conn: Connection) -> bool:
        """Whether the cloud has this service."""
        return has_service(conn, self.catalog_type)


SERVICES: dict[str, QuotaService] = {
    "compute": QuotaService(
        "compute",
        "compute",
        lambda c: c.compute,
        "/os-quota-sets/{project}/detail",
        "/os-quota-sets/{project}",
        "quota_set",
        "in_use",
        # 2.36 drops the deprecated proxies of network quotas (floating_ips...)
        "2.36",
        # Nova: "Quota limit 0 for instances must be greater than or equal to
        # already used and reserved 2" (400) unless force.
        refuses_below_usage=True,
        counts_reserved=True,
        api="Nova",
    ),
    "network": QuotaService(
        "network",
        "network",
        lambda c: c.network,
        "/quotas/{project}/details",
        "/quotas/{project}",
        "quota",
        "used",
        # Neutron (default since 2025.1): "Quota limit 0 for network must be greater
        # than or equal to already used 1" (400) unless force; reserved not counted.
        refuses_below_usage=True,
        api="Neutron",
    ),
    "volume": QuotaService(
        "volume",
        "block-storage",
        lambda c: c.block_storage,
        "/os-quota-sets/{project}?usage=true",
        "/os-quota-sets/{project}",
        "quota_set",
        "in_use",
        api="Cinder",
    ),
}


def parse_quotas(body: dict[str, Any], used_key: str) -> dict[str, QuotaValue]:
    """The quotas of a detailed quota response (values that are not
    ``{limit, in_use|used, reserved}`` objects, like ``id``, are ignored)."""
    values: dict[str, QuotaValue] = {}
    for key, value in body.items():
        if isinstance(value, dict) and "limit" in value:
            values[key] = QuotaValue(
                limit=int(value["limit"]),
                in_use=int(value.get(used_key) or 0),
                reserved=int(value.get("reserved") or 0),
            )
    return dict(sorted(values.items()))


def get_quotas(
    conn: Connection, project_id: str, service: str
) -> dict[str, QuotaValue]:
    """The project's quotas of ``service`` with usage and reservations."""
    spec = SERVICES[service]
    response = spec.proxy(conn).get(
        spec.show_path.format(project=project_id), microversion=spec.microversion
    )
    _raise_for(response)
    return parse_quotas(response.json()[spec.body_key], spec.used_key)


def update_quotas(
    conn: Connection,
    project_id: str,
    service: str,
    values: dict[str, int],
    force: bool = False,
) -> None:
    """Set the given quotas of ``service`` (the others are left alone).

    ``force`` lets Nova and Neutron accept a limit below current usage (both refuse
    it otherwise: Neutron with its ``quota-check-limit-default`` extension; Cinder
    does not check by default).
    """
    spec = SERVICES[service]
    body: dict[str, Any] = dict(values)
    if force and service in ("compute", "network"):
        body["force"] = True
    response = spec.proxy(conn).put(
        spec.update_path.format(project=project_id),
        json={spec.body_key: body},
        microversion=spec.microversion,
    )
    _raise_for(response)


def reset_quotas(conn: Connection, project_id: str, service: str) -> None:
    """Return the project's quotas of ``service`` to the defaults."""
    spec = SERVICES[service]
    response = spec.proxy(conn).delete(
        spec.update_path.format(project=project_id), microversion=spec.microversion
    )
    if response.status_code != 404:
        _raise_for(response)


def _raise_for(response: Any) -> None:
    """Raise openstacksdk's exception for an error response."""
    from openstack import exceptions

    exceptions.raise_from_response(response)


def available_services(conn: Connection) -> list[str]:
    """The quota services this cloud has, in a stable order."""
    return [name for name, spec in SERVICES.items() if spec.available(conn)]
