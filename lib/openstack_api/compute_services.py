"""Nova compute services: the enabled/disabled switch and the up/down heartbeat of a host.

A hypervisor accepts new servers only while its ``nova-compute`` service is enabled and
up, so disabling that service is how operators take a host out of scheduling. A reason
written by this pack starts with ``PACK_MARKER`` so automation (e.g. a re-enable rule)
can tell a pack's maintenance from a person's.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from openstack.connection import Connection

COMPUTE_BINARY = "nova-compute"

#: Prefix of every disabled reason this pack writes (``hypervisor.service.disable``,
#: ``hypervisor.drain``): a service disabled with a reason starting with it was
#: disabled through the pack; any other reason was written by a person or a tool.
PACK_MARKER = "[openstack_ops]"


def disabled_by_pack(reason: str | None) -> bool:
    """True when a compute service's disabled ``reason`` was written by this pack."""
    return isinstance(reason, str) and reason.strip().startswith(PACK_MARKER)


@dataclass(frozen=True)
class ComputeService:
    """The ``nova-compute`` service of one host."""

    id: str
    host: str
    zone: str | None
    status: str
    state: str
    disabled_reason: str | None
    forced_down: bool
    updated_at: str | None

    @property
    def enabled(self) -> bool:
        """Nova schedules new servers to this host."""
        return self.status == "enabled"

    @property
    def up(self) -> bool:
        """The service reports its heartbeat (and was not forced down)."""
        return self.state == "up" and not self.forced_down

    @property
    def disabled_by_pack(self) -> bool:
        """Disabled with a reason written by this pack (see ``PACK_MARKER``)."""
        return not self.enabled and disabled_by_pack(self.disabled_reason)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready view, with the derived flags."""
        data = asdict(self)
        data.update(
            enabled=self.enabled, up=self.up, disabled_by_pack=self.disabled_by_pack
        )
        return data


def _from_sdk(service: Any) -> ComputeService:
    return ComputeService(
        id=str(service.id),
        host=service.host,
        zone=getattr(service, "availability_zone", None),
        status=service.status,
        state=service.state,
        disabled_reason=service.disabled_reason or None,
        forced_down=bool(getattr(service, "is_forced_down", False)),
        updated_at=service.updated_at,
    )


def compute_services(conn: Connection) -> dict[str, ComputeService]:
    """Every compute service, by host name (one API call)."""
    return {
        s.host: s
        for s in map(_from_sdk, conn.compute.services(binary=COMPUTE_BINARY))
        if s.host
    }


def pack_reason(reason: str) -> str:
    """``reason`` marked as written by this pack (idempotent)."""
    reason = reason.strip()
    return reason if reason.startswith(PACK_MARKER) else f"{PACK_MARKER} {reason}"


def disable(conn: Connection, service: ComputeService, reason: str) -> ComputeService:
    """Disable ``service`` with ``reason`` and return its new state."""
    conn.compute.disable_service(service.id, disabled_reason=reason)
    return _reread(conn, service)


def enable(conn: Connection, service: ComputeService) -> ComputeService:
    """Enable ``service`` and return its new state."""
    conn.compute.enable_service(service.id)
    return _reread(conn, service)


def _reread(conn: Connection, service: ComputeService) -> ComputeService:
    return compute_services(conn).get(service.host, service)
