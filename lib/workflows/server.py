"""Server actions: show, create a test server, migrate one server, stop a host's servers.

Mutating functions validate every input before the first change (``InputError``
naming the parameter), return the exact plan unless ``apply`` is true, and execute
that plan otherwise. Migration guards live in ``openstack_api.migrations`` so
``hypervisor.drain`` applies the same rules.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from openstack.connection import Connection

from openstack_api import compute_services, identity, images, migrations
from openstack_api import flavors as flavors_api
from openstack_api import servers as servers_api
from openstack_api.hypervisors import Hypervisor, find_hypervisor, list_hypervisors
from openstack_api.migrations import MigrationRules
from pack_common import Failure, InputError, validation

LOG = logging.getLogger(__name__)


#: The longest ``create`` and ``shutdown_on_hypervisor`` wait: an hour.
MAX_WAIT_SECONDS = 3600
#: The longest ``migrate`` waits (snapshot, move, confirm): 3 hours.
MAX_MIGRATE_WAIT_SECONDS = 10800


def _check_wait(wait_seconds: Any, maximum: int = MAX_WAIT_SECONDS) -> int:
    """``wait_seconds`` within 1..``maximum``: the runner timeout each action fixes
    in its YAML covers the maximum."""
    return validation.whole_number("wait_seconds", wait_seconds, 1, maximum)


def show(conn: Connection, server: str) -> dict[str, Any]:
    """A server's details (any project) with its migration history.

    ``server`` is a name or an id; an ambiguous name is an error listing candidates.
    """
    found = servers_api.find_server(conn, "server", server)
    history = servers_api.migration_history(conn, found.id)
    return {**found.as_dict(), "migrations": history}


#: Nova's limit on a server name.
MAX_NAME_LENGTH = 255


def check_server_name(value: Any, parameter: str = "name") -> str:
    """A new server's name (see ``validation.new_name``)."""
    return validation.new_name(parameter, value, "server", MAX_NAME_LENGTH)


def create(
    conn: Connection,
    name: str,
    flavor: str,
    image: str,
    network: str | None = None,
    hypervisor: str | None = None,
    project: str | None = None,
    apply: bool = False,
    wait_seconds: int = 300,
) -> dict[str, Any] | Failure:
    """Boot a test server and wait until it is ACTIVE.

    Used to test a hypervisor: ``hypervisor`` pins the server to that host (through
    ``<zone>:<host>``); the host must be enabled and up (Placement offers no
    disabled host to the scheduler, not even for a pinned server).
    ``network`` is a network name or id; empty boots without a network. ``project``
    (name or id) creates the server in that project instead of the cloud account's
    own: the account connects scoped to it, so its user needs a role there (checked
    in the dry run too). A server of that name already existing in the project is
    reported unchanged (a re-run does not boot twice).
    """
    dry_run = not apply  # nothing changes unless the operator ticks `apply`
    name = check_server_name(name)
    wait_seconds = _check_wait(wait_seconds)
    if project is not None and (not isinstance(project, str) or not project.strip()):
        project = None
    target_project: Any = None
    scoped = conn  # no project: the server goes in the account's own project
    if project is not None:
        target_project = identity.find_project(conn, project.strip(), "project")
        scoped = servers_api.connection_in_project(conn, target_project)
    try:
        return _create(
            conn,
            scoped,
            target_project,
            name,
            flavor,
            image,
            network,
            hypervisor,
            dry_run,
            wait_seconds,
        )
    finally:
        if scoped is not conn:
            scoped.close()


def _create(
    conn: Connection,
    owner: Connection,
    project: Any,
    name: str,
    flavor: str,
    image: str,
    network: str | None,
    hypervisor: str | None,
    dry_run: bool,
    wait_seconds: int,
) -> dict[str, Any] | Failure:
    """``create`` once the project is settled: ``owner`` is the connection the
    server is created (and looked for) with, ``project`` the project given (None:
    the account's own)."""
    flavor_obj = flavors_api.find_flavor(conn, "flavor", flavor)
    image_obj = images.find_image(conn, "image", image)
    net = servers_api.find_network(conn, "network", network) if network else None
    target: Hypervisor | None = None
    zone_host: str | None = None
    service = None
    if hypervisor:
        target = find_hypervisor("hypervisor", hypervisor, list_hypervisors(conn))
        service = compute_services.compute_services(conn).get(target.host)
        if service is None:
            raise InputError("hypervisor", f"{target.name} has no compute service")
        if not service.up:
            raise InputError("hypervisor", f"compute host {target.host} is down")
        if not service.enabled:
            raise InputError(
                "hypervisor",
                f"compute host {target.host} is disabled "
                f"({service.disabled_reason}): Nova places no new server on it",
            )
        zone_host = f"{service.zone or 'nova'}:{target.host}"
    plan: dict[str, Any] = {
        "name": name,
        "flavor": {"id": flavor_obj.id, "name": flavor_obj.name},
        "image": {"id": image_obj.id, "name": image_obj.name},
        "network": {"id": net.id, "name": net.name} if net else None,
        "hypervisor": target.name if target else None,
        "availability_zone": zone_host,
    }
    if project is not None:
        plan["project"] = {"id": project.id, "name": project.name}
    existing = servers_api.servers_named(owner, name)
    if existing:
        return {
            "dry_run": dry_run,
            "plan": plan,
            "changed": False,
            "note": f"a server named {name!r} already exists in "
            + (f"project {project.name!r}" if project is not None else "this project"),
            "server": existing[0].as_dict(),
        }
    if dry_run:
        return {"dry_run": True, "plan": plan}
    created = servers_api.create_server(
        owner, name, flavor_obj.id, image_obj.id, net.id if net else None, zone_host
    )
    try:
        final = servers_api.wait_for(
            conn,
            created.id,
            lambda s: s.status == "ACTIVE",
            wait_seconds,
            "booting",
        )
    except (RuntimeError, TimeoutError) as error:
        now = servers_api.get_server(conn, created.id)
        return Failure(
            {
                "dry_run": False,
                "plan": plan,
                "changed": True,
                "error": str(error),
                "server": now.as_dict() if now else {"id": created.id},
            }
        )
    return {"dry_run": False, "plan": plan, "changed": True, "server": final.as_dict()}


def migrate(
    conn: Connection,
    pack_config: dict[str, Any],
    server: str,
    migration_type: str = "live",
    destination: str | None = None,
    snapshot: bool = False,
    apply: bool = False,
    wait_seconds: int = 600,
) -> dict[str, Any] | Failure:
    """Live- or cold-migrate one server, optionally to ``destination``.

    Guards, all checked before anything changes: the server's state suits the kind
    of migration, its flavor is not refused by the pack config ``migration`` rules,
    and the destination (when given) is another compute host, enabled and up.
    ``snapshot`` first takes an image named ``openstack_ops-premigration-<server>-
    <UTC time>`` (property ``openstack_ops_snapshot_of=<server id>``). Waits for the
    migration to finish, confirms a cold one, and logs progress while waiting.
    """
    dry_run = not apply  # nothing changes unless the operator ticks `apply`
    if migration_type not in migrations.MIGRATION_TYPES:
        raise InputError(
            "migration_type", f"must be one of {', '.join(migrations.MIGRATION_TYPES)}"
        )
    wait_seconds = _check_wait(wait_seconds, MAX_MIGRATE_WAIT_SECONDS)
    rules = MigrationRules.from_config(pack_config)
    found = servers_api.find_server(conn, "server", server)
    services = compute_services.compute_services(conn)
    dest_host = None
    if destination:
        dest_host = find_hypervisor(
            "destination", destination, list_hypervisors(conn)
        ).host
    step = migrations.plan_step(
        found, migration_type, dest_host, services, rules, snapshot=snapshot
    )
    if step.refused:  # every guard evaluated once, by plan_step
        parameter = step.refused_parameter or "server"
        if parameter == "server":
            raise InputError(
                parameter, f"{found.name} cannot be migrated: {step.refused}"
            )
        raise InputError(parameter, step.refused)
    if dry_run:
        return {"dry_run": True, "plan": step.as_dict()}
    outcome = migrations.execute_step(conn, step, wait_seconds)
    result = {"dry_run": False, "plan": step.as_dict(), **outcome.as_dict()}
    return Failure(result) if outcome.outcome != "migrated" else result


def _confirm_names(names: list[str]) -> str:
    return ",".join(names)


def shutdown_on_hypervisor(
    conn: Connection,
    hypervisors: list[str],
    confirm: str | None = None,
    apply: bool = False,
    wait_seconds: int = 300,
) -> dict[str, Any] | Failure:
    """Stop every server on the given hypervisors and report each server's outcome.

    A real run needs ``confirm`` equal to the hypervisor names as listed, joined by
    commas (``devcloud-hv4`` for one host). Servers already SHUTOFF are reported
    unchanged; a re-run stops only what is still running.
    """
    dry_run = not apply  # nothing changes unless the operator ticks `apply`
    if not hypervisors or not isinstance(hypervisors, list):
        raise InputError("hypervisors", "at least one hypervisor name or id is needed")
    wait_seconds = _check_wait(wait_seconds)
    listing = list_hypervisors(conn)
    targets: list[Hypervisor] = []
    for ident in hypervisors:
        hyp = find_hypervisor("hypervisors", ident, listing)
        if hyp in targets:
            raise InputError("hypervisors", f"{hyp.name} is listed twice")
        targets.append(hyp)
    expected = _confirm_names([h.name for h in targets])
    if not dry_run and confirm != expected:
        raise InputError("confirm", f"must be {expected!r} to stop these servers")
    plan: list[dict[str, Any]] = []
    for hyp in targets:
        for srv in servers_api.servers_on_host(conn, hyp.host):
            action = "unchanged" if srv.status == "SHUTOFF" else "stop"
            plan.append(
                {
                    **srv.ref(),
                    "hypervisor": hyp.name,
                    "status": srv.status,
                    "action": action,
                }
            )
    result: dict[str, Any] = {
        "dry_run": dry_run,
        "hypervisors": [h.name for h in targets],
        "confirm_needed": expected,
        "servers": plan,
    }
    if dry_run:
        result["summary"] = (
            f"would stop {sum(p['action'] == 'stop' for p in plan)} of "
            f"{len(plan)} servers"
        )
        return result
    outcomes = _stop_all(conn, plan, wait_seconds)
    result["servers"] = outcomes
    failed = [o for o in outcomes if o["outcome"] == "failed"]
    stopped = sum(o["outcome"] == "stopped" for o in outcomes)
    result["summary"] = (
        f"{stopped} stopped, {len(failed)} failed of {len(outcomes)}"
        + (
            ": " + "; ".join(f"{o['name']}: {o['error']}" for o in failed)
            if failed
            else ""
        )
    )
    return Failure(result) if failed else result


def _stop_all(
    conn: Connection, plan: list[dict[str, Any]], wait_seconds: int
) -> list[dict[str, Any]]:
    """Send every stop, then wait for all of them (one re-read per server per poll)."""
    outcomes: dict[str, dict[str, Any]] = {}
    for item in plan:
        outcome = dict(item)
        if item["action"] == "unchanged":
            outcome["outcome"] = "unchanged"
        else:
            try:
                servers_api.stop_server(conn, item["id"])
                outcome["outcome"] = "stopping"
            except Exception as error:  # collect, report, carry on
                outcome.update(outcome="failed", error=str(error))
        outcomes[item["id"]] = outcome
    deadline = time.monotonic() + wait_seconds
    for outcome in outcomes.values():
        if outcome["outcome"] != "stopping":
            continue
        remaining = max(1.0, deadline - time.monotonic())
        try:
            servers_api.wait_for(
                conn,
                outcome["id"],
                lambda s: s.status == "SHUTOFF" and not s.task_state,
                remaining,
                "stopping",
            )
            outcome["outcome"] = "stopped"
        except (RuntimeError, TimeoutError) as error:
            outcome.update(outcome="failed", error=str(error))
    return list(outcomes.values())
