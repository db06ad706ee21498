"""Hypervisor actions: service disable/enable, show, finders, and drain.

Every function reads the hypervisor and compute-service listings once and looks
everything up in them. ``drain`` reuses ``server.migrate``'s guards
(``openstack_api.migrations``) so a server refused by ``server.migrate`` is refused
(and listed) by ``drain`` too.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from openstack.connection import Connection

from openstack_api import compute_services, migrations
from openstack_api import hypervisors as hyp_api
from openstack_api import servers as servers_api
from openstack_api.compute_services import ComputeService
from openstack_api.hypervisors import Hypervisor
from openstack_api.migrations import MigrationRules
from pack_common import Failure, InputError, validation

LOG = logging.getLogger(__name__)
#: The most hosts ``find_reinstall_candidates`` lists (``limit``).
MAX_HOSTS = 10000
#: The longest a drain waits for its migrations (``wait_seconds``): 3 hours, so the
#: runner timeout the action fixes (its YAML) covers it.
MAX_WAIT_SECONDS = 10800


def check_wait_seconds(wait_seconds: Any) -> int:
    """A drain's ``wait_seconds``: 1 second to 3 hours."""
    return validation.whole_number(
        "wait_seconds", wait_seconds, 1, MAX_WAIT_SECONDS, note="3 hours"
    )


def _target(conn: Connection, hypervisor: str) -> tuple[Hypervisor, ComputeService]:
    """The hypervisor and its compute service; errors name ``hypervisor``."""
    hyp = hyp_api.find_hypervisor(
        "hypervisor", hypervisor, hyp_api.list_hypervisors(conn)
    )
    service = compute_services.compute_services(conn).get(hyp.host)
    if service is None:
        raise InputError("hypervisor", f"{hyp.name} has no nova-compute service")
    return hyp, service


def _reason(reason: str | None, required: bool) -> str | None:
    if reason is None or not str(reason).strip():
        if required:
            raise InputError("reason", "a reason is required (it is shown to admins)")
        return None
    return str(reason).strip()


def service_disable(
    conn: Connection, hypervisor: str, reason: str, apply: bool = False
) -> dict[str, Any]:
    """Disable the hypervisor's compute service so no new server lands on it.

    The reason is recorded as ``[openstack_ops] <reason>`` (``PACK_MARKER``), so
    automation can tell a host disabled through the pack from one a person disabled.
    Already disabled is success, reported unchanged (the existing reason is kept
    and returned, so a person's reason is never overwritten).
    """
    dry_run = not apply  # nothing changes unless the operator ticks `apply`
    text = compute_services.pack_reason(_reason(reason, required=True) or "")
    hyp, service = _target(conn, hypervisor)
    change = service.enabled
    result: dict[str, Any] = {
        "dry_run": dry_run,
        "hypervisor": hyp.name,
        "host": hyp.host,
        "before": service.as_dict(),
        "steps": [{"disable": {"reason": text}}] if change else [],
        "changed": change and not dry_run,
    }
    if change and not dry_run:
        result["after"] = compute_services.disable(conn, service, text).as_dict()
    return result


def service_enable(
    conn: Connection, hypervisor: str, reason: str | None = None, apply: bool = False
) -> dict[str, Any]:
    """Enable the hypervisor's compute service again; already enabled = unchanged.

    ``reason`` (optional) is logged and returned for the audit trail; Nova keeps no
    reason for enabled services.
    """
    dry_run = not apply  # nothing changes unless the operator ticks `apply`
    text = _reason(reason, required=False)
    hyp, service = _target(conn, hypervisor)
    change = not service.enabled
    result: dict[str, Any] = {
        "dry_run": dry_run,
        "hypervisor": hyp.name,
        "host": hyp.host,
        "reason": text,
        "before": service.as_dict(),
        "steps": ["enable"] if change else [],
        "changed": change and not dry_run,
    }
    if change and not dry_run:
        LOG.info("enabling %s: %s", hyp.host, text or "no reason given")
        result["after"] = compute_services.enable(conn, service).as_dict()
    return result


def show(conn: Connection, hypervisor: str) -> dict[str, Any]:
    """A hypervisor: service state, Placement capacity/usage, servers, aggregates."""
    hyp, service = _target(conn, hypervisor)
    servers = servers_api.servers_on_host(conn, hyp.host)
    return {
        **hyp.as_dict(),
        "servers": [
            {**s.ref(), "status": s.status, "project_id": s.project_id} for s in servers
        ],
        "service": service.as_dict(),
        "usage": hyp_api.placement_usage(conn, hyp.name),
        "aggregates": hyp_api.aggregates_of(conn, hyp.host),
    }


def _summaries(conn: Connection) -> list[tuple[Hypervisor, ComputeService | None]]:
    services = compute_services.compute_services(conn)
    return [(h, services.get(h.host)) for h in hyp_api.list_hypervisors(conn)]


def _row(hyp: Hypervisor, service: ComputeService | None) -> dict[str, Any]:
    return {
        "id": hyp.id,
        "name": hyp.name,
        "host": hyp.host,
        "server_count": len(hyp.servers),
        "uptime_seconds": hyp.uptime_seconds,
        "enabled": bool(service and service.enabled),
        "up": bool(service and service.up),
        "disabled_reason": service.disabled_reason if service else None,
    }


def find_empty(conn: Connection) -> list[dict[str, Any]]:
    """Hypervisors that are enabled, up and hold no server, by name."""
    return [
        _row(h, s)
        for h, s in _summaries(conn)
        if s is not None and s.enabled and s.up and not h.servers
    ]


def find_reinstall_candidates(
    conn: Connection,
    limit: int = 5,
    max_servers: int | None = None,
    include_disabled: bool = False,
) -> list[dict[str, Any]]:
    """Hosts cheapest to reinstall: fewest servers first, then longest uptime.

    ``limit`` caps the list; ``max_servers`` leaves out hosts with more servers;
    disabled hosts (already in someone's maintenance) are left out unless
    ``include_disabled``. Down hosts are always left out.
    """
    limit = validation.whole_number("limit", limit, 1, MAX_HOSTS)
    max_servers = validation.optional_whole_number(
        "max_servers", max_servers, 0, validation.INT32_MAX
    )
    rows = [
        _row(h, s)
        for h, s in _summaries(conn)
        if s is not None
        and s.up
        and (s.enabled or include_disabled)
        and (max_servers is None or len(h.servers) <= max_servers)
    ]
    rows.sort(key=lambda r: (r["server_count"], -(r["uptime_seconds"] or 0), r["name"]))
    return rows[:limit]


def drain(
    conn: Connection,
    pack_config: dict[str, Any],
    hypervisor: str,
    reason: str | None = None,
    confirm: str | None = None,
    migration_type: str = "auto",
    apply: bool = False,
    wait_seconds: int = 900,
) -> dict[str, Any] | Failure:
    """Disable a hypervisor and migrate every server off it.

    The service is disabled first with ``[openstack_ops] drain: <reason>`` (or
    ``[openstack_ops] drain`` without a reason; the marker tells automation this
    pack did it). Each server gets the guards of
    ``server.migrate``; refused servers are listed with the reason. Up to the pack
    config's ``migration.drain_concurrency`` migrations run at once
    (``migration_type`` auto: live for running servers, cold otherwise). A real run
    needs ``confirm`` equal to the hypervisor's name. The execution fails when any
    server was refused or failed, or the host is not empty at the end; a re-run
    picks up only the servers still there.
    """
    dry_run = not apply  # nothing changes unless the operator ticks `apply`
    text = _reason(reason, required=False)
    if migration_type not in migrations.MIGRATION_TYPES:
        raise InputError(
            "migration_type", f"must be one of {', '.join(migrations.MIGRATION_TYPES)}"
        )
    wait_seconds = check_wait_seconds(wait_seconds)
    rules = MigrationRules.from_config(pack_config)
    hyp, service = _target(conn, hypervisor)
    if not dry_run and confirm != hyp.name:
        raise InputError("confirm", f"must be {hyp.name!r} to drain this hypervisor")
    services = compute_services.compute_services(conn)
    on_host = servers_api.servers_on_host(conn, hyp.host)
    steps = [
        migrations.plan_step(s, migration_type, None, services, rules) for s in on_host
    ]
    marked = compute_services.pack_reason(f"drain: {text}" if text else "drain")
    result: dict[str, Any] = {
        "dry_run": dry_run,
        "hypervisor": hyp.name,
        "host": hyp.host,
        "service_before": service.as_dict(),
        "disable": {"reason": marked} if service.enabled else "already disabled",
        "concurrency": rules.drain_concurrency,
        "destinations": migrations.candidate_hosts(hyp.host, services),
        "plan": [s.as_dict() for s in steps],
        "refused": [s.as_dict() for s in steps if s.refused],
    }
    if dry_run:
        result["summary"] = (
            f"would migrate {sum(not s.refused for s in steps)} of {len(steps)} "
            f"servers; {len(result['refused'])} refused"
        )
        return result
    if service.enabled:
        compute_services.disable(conn, service, marked)
    outcomes = _migrate_all(conn, steps, rules.drain_concurrency, wait_seconds)
    left = servers_api.servers_on_host(conn, hyp.host)
    result["servers"] = [o.as_dict() for o in outcomes]
    result["remaining_on_host"] = [s.ref() for s in left]
    counts = {k: sum(o.outcome == k for o in outcomes) for k in ("migrated", "failed")}
    counts["refused"] = len(result["refused"])
    problems = [o for o in outcomes if o.outcome != "migrated"]
    result["summary"] = (
        f"{counts['migrated']} of {len(outcomes)} migrated, {counts['refused']} "
        f"refused, {counts['failed']} failed; {len(left)} left on {hyp.host}"
        + (
            ": " + "; ".join(f"{o.server['name']}: {o.error}" for o in problems)
            if problems
            else ""
        )
    )
    return Failure(result) if problems or left else result


def _migrate_all(
    conn: Connection,
    steps: list[migrations.MigrationStep],
    concurrency: int,
    wait_seconds: int,
) -> list[migrations.MigrationOutcome]:
    """Run the steps, at most ``concurrency`` at a time, keeping the plan's order.

    ``wait_seconds`` bounds the whole batch, so the runner timeout can cover it: a
    step gets what is left when it starts, and a step not started in time fails
    with a reason (it is still on the host: a re-run continues with it).
    """
    deadline = time.monotonic() + wait_seconds

    def run(step: migrations.MigrationStep) -> migrations.MigrationOutcome:
        left = deadline - time.monotonic()
        if left < 1 and not step.refused:
            return migrations.MigrationOutcome(
                server=step.server,
                outcome="failed",
                source=step.source,
                kind=step.kind,
                error=f"not started: the drain's wait_seconds ({wait_seconds} s) "
                "ran out first; a re-run continues",
            )
        return migrations.execute_step(conn, step, max(1.0, left))

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return list(pool.map(run, steps))
