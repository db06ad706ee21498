"""Operator tasks on whole projects: ``project.create``, ``project.delete`` and
``project.show``.

Both mutating tasks are dry runs by default returning the exact step plan; the real
run executes the same plan. ``project.create`` undoes its done steps when one fails
and reports both; ``project.delete`` refuses protected, immutable and non-empty
projects (``purge`` removes what the project owns first, with its own plan).
"""

from __future__ import annotations

from typing import Any

from openstack.connection import Connection

from openstack_api import identity, projects
from pack_common import Failure
from workflows import project_create, project_delete
from workflows.project_settings import ProjectSettings
from workflows.project_steps import plan_of, run_all, run_with_rollback


def create(
    conn: Connection,
    pack_config: dict[str, Any],
    name: str,
    description: str = "",
    contact_email: str = "",
    domain: str = "default",
    parent: str = "",
    immutable: bool = False,
    tags: list[str] | None = None,
    network: str = "none",
    cidr: str = "",
    dns_nameservers: list[str] | None = None,
    floating_ips: int = 1,
    quotas: dict[str, Any] | None = None,
    admins: list[str] | None = None,
    members: list[str] | None = None,
    apply: bool = False,
) -> dict[str, Any] | Failure:
    """Create a project ready for use: details, tags, quotas, network, role grants.

    ``network``: ``none``; ``internal`` shares the configured internal network with
    the project (RBAC) and creates the configured security groups; ``external``
    creates the project's network, subnet (``cidr``, ``dns_nameservers``; defaults
    from the pack config), a router with its gateway on the external network, the
    floating-IP quota and the security groups. ``admins`` and ``members`` get the
    pack config's ``project_roles``. When a step fails the done steps are undone.
    """
    dry_run = not apply  # nothing changes unless the operator ticks `apply`
    settings = ProjectSettings.from_pack_config(pack_config)
    request = project_create.check_offline(
        project_create.ProjectRequest(
            name=name,
            description=description or "",
            contact_email=contact_email or "",
            domain=domain or "default",
            parent=parent or "",
            immutable=bool(immutable),
            tags=list(tags or []),
            network=network or "none",
            cidr=cidr or "",
            dns_nameservers=list(dns_nameservers or []),
            floating_ips=floating_ips,
            quotas=dict(quotas or {}),
            admins=list(admins or []),
            members=list(members or []),
        ),
        settings,
    )
    resolved = project_create.resolve(conn, request, settings)
    steps = project_create.build_steps(conn, request, resolved, settings)
    result: dict[str, Any] = {
        "dry_run": dry_run,
        "project": request.name,
        "network": request.network,
        "plan": plan_of(steps),
        "notes": resolved.quota_notes,
    }
    if dry_run:
        result["summary"] = f"dry run: {len(steps)} steps would create {request.name!r}"
        return result
    state: dict[str, Any] = {}
    outcome = run_with_rollback(steps, state)
    result.pop("plan")
    result.update(outcome.as_dict())
    result["project_id"] = state.get("project_id")
    if not outcome.ok:
        failed = outcome.failed[0] if outcome.failed else {}
        result["project_id"] = None
        result["summary"] = (
            f"step {failed.get('step')} ({failed.get('action')} "
            f"{failed.get('target')}) failed; {len(outcome.rolled_back)} done steps "
            f"undone, {len(outcome.rollback_failed)} could not be undone"
        )
        return Failure(result)
    result["summary"] = f"created project {request.name!r} in {len(steps)} steps"
    return result


def delete(
    conn: Connection,
    pack_config: dict[str, Any],
    project: str,
    confirm: str = "",
    purge: bool = False,
    apply: bool = False,
) -> dict[str, Any] | Failure:
    """Delete a project once it is empty, or with ``purge`` everything it owns first.

    ``confirm`` must equal the project's name. Protected (pack config
    ``protected_projects``) and ``immutable``-tagged projects, and projects with
    child projects, are refused. Without ``purge`` a project owning servers,
    volumes, networks, routers, ports or floating IPs is refused with the list. With ``purge`` the plan removes floating IPs,
    servers, volumes, routers, ports, networks, security groups and RBAC policies,
    then the project; a failed item is reported and keeps the project.
    """
    dry_run = not apply  # nothing changes unless the operator ticks `apply`
    settings = ProjectSettings.from_pack_config(pack_config)
    found = identity.find_project(conn, project)
    project_delete.check_guards(found, confirm, settings)
    project_delete.check_no_children(conn, found)
    inventory = projects.inventory(conn, found.id)
    result: dict[str, Any] = {
        "dry_run": dry_run,
        "project": {"id": found.id, "name": found.name},
        "purge": purge,
        "notes": inventory.notes,
    }
    refused = None if purge else project_delete.refusal(inventory)
    if refused:
        result.update(refused)
        result["summary"] = "refused: " + refused["error"]
        return Failure(result)
    steps, final = project_delete.build_steps(conn, found, inventory, purge)
    if dry_run:
        result["plan"] = plan_of([*steps, final])
        result["summary"] = (
            f"dry run: {len(steps) + 1} steps would delete {found.name!r}"
        )
        return result
    outcome = run_all(steps, {}, final)
    result.update(outcome.as_dict())
    if not outcome.ok:
        result["summary"] = (
            f"{len(outcome.failed)} of {len(steps) + 1} steps failed; "
            f"project {found.name!r} kept"
        )
        return Failure(result)
    result["summary"] = f"deleted project {found.name!r} ({len(steps)} resources first)"
    return result


def show(conn: Connection, project: str) -> dict[str, Any]:
    """A project's details, quotas with usage, what it owns, and its members
    (users and groups) with their roles."""
    from workflows import quota

    found = identity.find_project(conn, project)
    inventory = projects.inventory(conn, found.id)
    members: dict[str, dict[str, Any]] = {}
    for a in identity.project_assignments(conn, found.id):
        kind, ident, label = (
            ("user", a.user_id, a.user) if a.user_id else ("group", a.group_id, a.group)
        )
        entry = members.setdefault(
            f"{kind}:{ident}", {"type": kind, "id": ident, "name": label, "roles": []}
        )
        entry["roles"].append(a.role)
    for entry in members.values():
        entry["roles"].sort()
    quota_report = quota.show(conn, found.id)
    return {
        "project": projects.describe_project(found),
        "quotas": quota_report["quotas"],
        "owned": inventory.counts(),
        "resources": inventory.as_dict(),
        "members": sorted(members.values(), key=lambda m: (m["type"], m["name"] or "")),
        "notes": inventory.notes + quota_report["notes"],
    }
