"""Server migrations: the guards that decide whether a server may move, and the move.

Guards are pure functions over a ``ServerInfo`` and the compute services listing, so
``server.migrate`` and ``hypervisor.drain`` plan with the same rules and a dry run shows
exactly what a real run would refuse. Flavor rules come from the pack config
(``migration`` key): extra-spec keys that pin a server to its hardware (PCI
passthrough, vGPU) and a vCPU ceiling above which a live move is too disruptive.
"""

from __future__ import annotations

import logging
import re
import time
import warnings
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from openstack import exceptions
from openstack.connection import Connection

from openstack_api import servers as servers_api
from openstack_api.compute_services import ComputeService
from openstack_api.connection import image_v2
from openstack_api.servers import ServerInfo
from pack_common import ConfigError, validation

LOG = logging.getLogger(__name__)

LIVE = "live"
COLD = "cold"
AUTO = "auto"
MIGRATION_TYPES = (LIVE, COLD, AUTO)

#: Server statuses each kind of migration accepts (Nova's own rules).
MOVABLE_STATUSES = {LIVE: ("ACTIVE", "PAUSED"), COLD: ("ACTIVE", "SHUTOFF")}

DEFAULT_REFUSED_EXTRA_SPECS = ("pci_passthrough:alias", "resources:VGPU")
SNAPSHOT_PREFIX = "openstack_ops-premigration"
#: Image property naming the server a pre-migration snapshot was taken of.
SNAPSHOT_PROPERTY = "openstack_ops_snapshot_of"


@dataclass(frozen=True)
class MigrationRules:
    """Pack-config rules refusing flavors that must not be migrated."""

    refused_extra_specs: tuple[str, ...] = DEFAULT_REFUSED_EXTRA_SPECS
    max_vcpus: int = 0  # 0: no limit
    drain_concurrency: int = 2

    @classmethod
    def from_config(cls, pack_config: Mapping[str, Any] | None) -> MigrationRules:
        """Read the ``migration`` entry of the pack config (defaults when absent)."""
        section = (pack_config or {}).get("migration") or {}
        if not isinstance(section, Mapping):
            raise ConfigError("config key 'migration' must be a mapping")
        specs = section.get("refused_extra_specs")
        if specs is None:
            specs = DEFAULT_REFUSED_EXTRA_SPECS
        if isinstance(specs, str) or not all(isinstance(k, str) for k in specs):
            raise ConfigError(
                "config key 'migration.refused_extra_specs' must be a list of strings"
            )
        return cls(
            refused_extra_specs=tuple(specs),
            max_vcpus=_config_int(section, "max_vcpus", 0, 0, "0 means no limit"),
            drain_concurrency=_config_int(section, "drain_concurrency", 2, 1, ""),
        )


def _config_int(
    section: Mapping[str, Any], key: str, default: int, least: int, note: str
) -> int:
    """The whole number at ``migration.<key>`` (``default`` when absent), at least
    ``least`` (``note`` explains the bound), else a ``ConfigError`` naming the key."""
    value = section.get(key)
    value = default if value is None else value
    return validation.config_whole_number(
        f"config key 'migration.{key}'", value, least, note=note
    )


_GROUPED = re.compile(r"^resources\d+:")


def _spec_key(key: str) -> str:
    """Granular request groups (``resources1:VGPU``) count as ``resources:VGPU``."""
    return _GROUPED.sub("resources:", key)


def flavor_refusal(server: ServerInfo, rules: MigrationRules) -> str | None:
    """Why the server's flavor may not migrate, or None."""
    refused = {_spec_key(k) for k in rules.refused_extra_specs}
    hits = sorted(k for k in server.flavor.extra_specs if _spec_key(k) in refused)
    if hits:
        return (
            f"flavor {server.flavor.name} has extra specs refused for migration: "
            + ", ".join(hits)
        )
    if rules.max_vcpus and server.flavor.vcpus > rules.max_vcpus:
        return (
            f"flavor {server.flavor.name} has {server.flavor.vcpus} vCPUs, above the "
            f"migration limit of {rules.max_vcpus}"
        )
    return None


def resolve_type(server: ServerInfo, migration_type: str) -> str:
    """``auto`` becomes live for running servers and cold for the rest."""
    if migration_type != AUTO:
        return migration_type
    return LIVE if server.status in MOVABLE_STATUSES[LIVE] else COLD


def state_refusal(server: ServerInfo, kind: str) -> str | None:
    """Why the server's state forbids a ``kind`` migration, or None."""
    if server.task_state:
        return f"server is busy (task {server.task_state})"
    if server.status not in MOVABLE_STATUSES[kind]:
        allowed = " or ".join(MOVABLE_STATUSES[kind])
        return f"{kind} migration needs status {allowed}, server is {server.status}"
    return None


def destination_refusal(
    destination: str, source: str | None, services: Mapping[str, ComputeService]
) -> str | None:
    """Why ``destination`` cannot take the server, or None."""
    if destination == source:
        return f"{destination} is the server's current host"
    service = services.get(destination)
    if service is None:
        return f"no compute host named {destination!r}"
    if not service.enabled:
        return f"compute host {destination} is disabled ({service.disabled_reason})"
    if not service.up:
        return f"compute host {destination} is down"
    return None


def candidate_hosts(
    source: str | None, services: Mapping[str, ComputeService]
) -> list[str]:
    """Enabled, up compute hosts other than ``source`` (scheduler destinations)."""
    return sorted(h for h, s in services.items() if h != source and s.enabled and s.up)


def snapshot_name(server: ServerInfo, now: datetime | None = None) -> str:
    """Name of the pre-migration snapshot: prefix, server name, UTC timestamp."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"{SNAPSHOT_PREFIX}-{server.name}-{stamp}"


@dataclass(frozen=True)
class MigrationStep:
    """One planned migration (or the reason it is refused)."""

    server: dict[str, str]
    source: str | None
    kind: str
    destination: str | None
    snapshot: str | None = None
    refused: str | None = None
    #: What the refusal is about: ``server`` (its state or flavor) or
    #: ``destination`` (the host given, or no host to move to). Not in ``as_dict``.
    refused_parameter: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready view; ``destination`` None means the scheduler picks."""
        view = asdict(self)
        del view["refused_parameter"]
        return view


def plan_step(
    server: ServerInfo,
    migration_type: str,
    destination: str | None,
    services: Mapping[str, ComputeService],
    rules: MigrationRules,
    snapshot: bool = False,
) -> MigrationStep:
    """Apply every guard, once, to one server and return the planned step (with
    the first refusal and the parameter it is about, if any)."""
    kind = resolve_type(server, migration_type)
    parameter = "server"
    refusal = state_refusal(server, kind) or flavor_refusal(server, rules)
    if refusal is None:
        parameter = "destination"
        if destination is not None:
            refusal = destination_refusal(destination, server.host, services)
        elif not candidate_hosts(server.host, services):
            refusal = "no other enabled and up compute host to move to"
    return MigrationStep(
        server=server.ref(),
        source=server.host,
        kind=kind,
        destination=destination,
        snapshot=snapshot_name(server) if snapshot and refusal is None else None,
        refused=refusal,
        refused_parameter=parameter if refusal else None,
    )


@dataclass
class MigrationOutcome:
    """What happened to one server."""

    server: dict[str, str]
    outcome: str  # migrated | failed | refused
    source: str | None
    destination: str | None = None
    kind: str | None = None
    snapshot_id: str | None = None
    snapshot_status: str | None = None
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready view."""
        return {k: v for k, v in asdict(self).items() if v is not None}


def execute_step(
    conn: Connection, step: MigrationStep, timeout: float
) -> MigrationOutcome:
    """Carry out one planned step: snapshot, migrate, wait, confirm a cold move.

    ``timeout`` bounds the whole step (snapshot, move and confirmation together),
    so the caller's own bound holds.

    Never raises for a failed migration: the outcome carries the error, so a batch
    (``hypervisor.drain``) can report every server.
    """
    deadline = time.monotonic() + timeout
    outcome = MigrationOutcome(
        server=step.server, outcome="refused", source=step.source, kind=step.kind
    )
    if step.refused:
        outcome.error = step.refused
        return outcome
    server_id = step.server["id"]
    try:
        if step.snapshot:
            outcome.snapshot_id, outcome.snapshot_status = _snapshot(
                conn, server_id, step.snapshot, deadline
            )
        if step.kind == LIVE:
            LOG.info("live-migrating %s from %s", step.server["name"], step.source)
            conn.compute.live_migrate_server(
                server_id, host=step.destination, block_migration="auto"
            )
        else:
            LOG.info("cold-migrating %s from %s", step.server["name"], step.source)
            conn.compute.migrate_server(server_id, host=step.destination)
        final = _wait_and_confirm(conn, step, deadline)
    except Exception as error:  # one server's failure must not stop the batch
        LOG.warning("migration of %s failed: %s", step.server["name"], error)
        outcome.outcome = "failed"
        outcome.error = str(error)
        return outcome
    outcome.destination = final.host
    if final.host == step.source or (
        step.destination and final.host != step.destination
    ):
        outcome.outcome = "failed"
        outcome.error = f"server is on {final.host} after the migration" + (
            f" ({final.fault})" if final.fault else ""
        )
    else:
        outcome.outcome = "migrated"
    return outcome


def _idle(server: ServerInfo) -> bool:
    return not server.task_state and server.status != "MIGRATING"


def _left(deadline: float) -> float:
    """Seconds until ``deadline`` (``time.monotonic()``), at least one."""
    return max(1.0, deadline - time.monotonic())


def _wait_and_confirm(
    conn: Connection, step: MigrationStep, deadline: float
) -> ServerInfo:
    """Wait until Nova is done; confirm a cold migration waiting for it."""
    server_id = step.server["id"]
    what = f"{step.kind}-migrating from {step.source}"
    server = servers_api.wait_for(conn, server_id, _idle, _left(deadline), what)
    if step.kind == COLD and server.status == "VERIFY_RESIZE":
        LOG.info("confirming the migration of %s", step.server["name"])
        conn.compute.confirm_server_resize(server_id)
        server = servers_api.wait_for(
            conn,
            server_id,
            lambda s: _idle(s) and s.status != "VERIFY_RESIZE",
            _left(deadline),
            "confirming the migration",
        )
    return server


#: Image statuses that mean the snapshot failed.
SNAPSHOT_FAILED = ("killed", "deleted", "pending_delete")


def _snapshot(
    conn: Connection, server_id: str, name: str, deadline: float
) -> tuple[str, str]:
    """Snapshot the server under ``name``, tagged with its id.

    Waits until Nova has finished the snapshot (the server's task state clears:
    Nova clears it only after the upload), then checks the image did not fail.
    Returns the image id and status. Raises ``RuntimeError`` when the image is
    gone or failed, so the migration does not start without its snapshot.
    """
    LOG.info("snapshotting server %s as %s", server_id, name)
    with warnings.catch_warnings():
        # Filtered, not fixed: create_server_image re-reads the new image through
        # the cloud layer's get_image, whose find_image call leaves ignore_missing
        # at its deprecated default (RemovedInSDK60Warning, openstacksdk's own
        # call; the id it reads was just returned by Nova, so the behaviour the
        # warning is about cannot bite). Matched by message: the warning class
        # exists only in newer openstacksdk 4.x releases.
        warnings.filterwarnings("ignore", "The ignore_missing parameter")
        image = conn.compute.create_server_image(
            server_id, name, metadata={SNAPSHOT_PROPERTY: server_id}
        )
    image_id = str(image.id)
    servers_api.wait_for(
        conn, server_id, _idle, _left(deadline), f"snapshotting as {name}"
    )
    try:
        status = str(image_v2(conn).get_image(image_id).status)
    except exceptions.NotFoundException:
        raise RuntimeError(f"snapshot {name} ({image_id}) disappeared") from None
    if status in SNAPSHOT_FAILED:
        raise RuntimeError(f"snapshot {name} ({image_id}) is {status}")
    LOG.info("snapshot %s (%s) taken, image status %s", name, image_id, status)
    return image_id, status


def snapshots_of(conn: Connection, server_id: str) -> list[Any]:
    """Pre-migration snapshots this pack took of a server (to find and clean up).

    Filtered here, on both the name prefix and the image property: openstacksdk
    drops query parameters it does not know, so a property filter passed to
    ``images()`` would silently match every image.
    """
    return [
        img
        for img in image_v2(conn).images()
        if (img.name or "").startswith(f"{SNAPSHOT_PREFIX}-")
        and _image_property(img, SNAPSHOT_PROPERTY) == server_id
    ]


def _image_property(image: Any, key: str) -> Any:
    """A custom image property, wherever the sdk put it (``properties`` or body)."""
    props = getattr(image, "properties", None) or {}
    if key in props:
        return props[key]
    try:
        return image[key]
    except (KeyError, TypeError):
        return None
