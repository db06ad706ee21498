"""Operator tasks on role grants and group membership, and ``user.show``.

Every name is resolved (and an ambiguous one refused) before any change. Each grant
or membership is checked first: one already in the wanted state is reported
``unchanged`` and counts as success, so re-running an action is harmless. A dry run
(the default) reports what each item would do; the real run does it item by item,
collects failures and fails the execution when any item failed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from openstack.connection import Connection

from openstack_api import identity
from pack_common import Failure, validation

LOG = logging.getLogger(__name__)


@dataclass
class Item:
    """One grant/revoke/membership change of a batch."""

    target: dict[str, str]
    needed: bool
    apply: Callable[[], bool]


def _run_items(
    verb: str, context: dict[str, Any], items: list[Item], dry_run: bool
) -> dict[str, Any] | Failure:
    """Report (dry run) or apply each item; the batch fails when any item failed."""
    results = []
    failed = 0
    for item in items:
        entry: dict[str, Any] = dict(item.target)
        if not item.needed:
            entry["outcome"] = "unchanged"
        elif dry_run:
            entry["outcome"] = f"would {verb}"
        else:
            LOG.info("%s: %s", verb, item.target)
            try:
                changed = item.apply()
            except Exception as error:  # collected, summarised below
                failed += 1
                entry["outcome"] = "failed"
                entry["error"] = f"{type(error).__name__}: {error}"
            else:
                entry["outcome"] = "done" if changed else "unchanged"
        results.append(entry)
    counts: dict[str, int] = {}
    for entry in results:
        counts[entry["outcome"]] = counts.get(entry["outcome"], 0) + 1
    summary = ", ".join(f"{n} {outcome}" for outcome, n in counts.items())
    result = {"dry_run": dry_run, **context, "items": results, "summary": summary}
    if failed:
        result["summary"] = f"{failed} of {len(items)} failed: {summary}"
        return Failure(result)
    return result


def _ref(resource: Any) -> dict[str, str]:
    return identity.Ref.of(resource).as_dict()


def project_add_users(
    conn: Connection,
    project: str,
    users: list[str],
    role: str,
    apply: bool = False,
) -> dict[str, Any] | Failure:
    """Grant ``role`` on ``project`` to each of ``users`` (names or ids); a user
    already holding the role is reported unchanged."""
    dry_run = not apply  # nothing changes unless the operator ticks `apply`
    return _change_users_role(conn, project, users, role, True, dry_run)


def project_remove_users(
    conn: Connection,
    project: str,
    users: list[str],
    role: str,
    apply: bool = False,
) -> dict[str, Any] | Failure:
    """Revoke ``role`` on ``project`` from each of ``users``; a user not holding it
    is reported unchanged."""
    dry_run = not apply  # nothing changes unless the operator ticks `apply`
    return _change_users_role(conn, project, users, role, False, dry_run)


def project_add_group(
    conn: Connection,
    project: str,
    group: str,
    role: str,
    apply: bool = False,
) -> dict[str, Any] | Failure:
    """Grant ``role`` on ``project`` to ``group``; already held is unchanged."""
    dry_run = not apply  # nothing changes unless the operator ticks `apply`
    return _change_group_role(conn, project, group, role, True, dry_run)


def project_remove_group(
    conn: Connection,
    project: str,
    group: str,
    role: str,
    apply: bool = False,
) -> dict[str, Any] | Failure:
    """Revoke ``role`` on ``project`` from ``group``; not held is unchanged."""
    dry_run = not apply  # nothing changes unless the operator ticks `apply`
    return _change_group_role(conn, project, group, role, False, dry_run)


def _find_users(conn: Connection, names: list[str]) -> list[Any]:
    """Each user by name or id (errors name the ``users`` parameter)."""
    return [identity.find_user(conn, u, "users") for u in names]


def _change_users_role(
    conn: Connection,
    project: str,
    users: list[str],
    role: str,
    grant: bool,
    dry_run: bool,
) -> dict[str, Any] | Failure:
    """Grant (or revoke) ``role`` on ``project`` for each of ``users``."""
    names = validation.name_list("users", users)
    return _change_project_role(
        conn, project, role, "user", lambda: _find_users(conn, names), grant, dry_run
    )


def _change_group_role(
    conn: Connection, project: str, group: str, role: str, grant: bool, dry_run: bool
) -> dict[str, Any] | Failure:
    """Grant (or revoke) ``role`` on ``project`` for the one ``group``."""
    return _change_project_role(
        conn,
        project,
        role,
        "group",
        lambda: [identity.find_group(conn, group)],
        grant,
        dry_run,
    )


def _change_project_role(
    conn: Connection,
    project: str,
    role: str,
    kind: str,
    find_subjects: Callable[[], list[Any]],
    grant: bool,
    dry_run: bool,
) -> dict[str, Any] | Failure:
    """Grant (or revoke) ``role`` on ``project`` for each subject (users or groups,
    looked up after the project and role); one already so is unchanged."""
    found = identity.find_project(conn, project)
    found_role = identity.find_role(conn, role)
    subjects = find_subjects()
    kinds = f"{kind}s"  # the Keystone path segment: users, groups
    change = identity.grant_role if grant else identity.revoke_role
    items = [
        Item(
            {kind: s.name, f"{kind}_id": s.id},
            identity.has_role(conn, found.id, kinds, s.id, found_role.id) != grant,
            partial(change, conn, found.id, kinds, s.id, found_role.id),
        )
        for s in subjects
    ]
    context = {"project": _ref(found), "role": _ref(found_role)}
    return _run_items("grant" if grant else "revoke", context, items, dry_run)


def group_add_users(
    conn: Connection, group: str, users: list[str], apply: bool = False
) -> dict[str, Any] | Failure:
    """Add each of ``users`` to ``group``; members already are unchanged."""
    dry_run = not apply  # nothing changes unless the operator ticks `apply`
    return _change_membership(conn, group, users, True, dry_run)


def group_remove_users(
    conn: Connection, group: str, users: list[str], apply: bool = False
) -> dict[str, Any] | Failure:
    """Remove each of ``users`` from ``group``; non-members are unchanged."""
    dry_run = not apply  # nothing changes unless the operator ticks `apply`
    return _change_membership(conn, group, users, False, dry_run)


def _change_membership(
    conn: Connection, group: str, users: list[str], add: bool, dry_run: bool
) -> dict[str, Any] | Failure:
    """Add (or remove) each user; one already so is unchanged."""
    names = validation.name_list("users", users)
    found = identity.find_group(conn, group)
    apply = identity.add_to_group if add else identity.remove_from_group
    items = [
        Item(
            {"user": u.name, "user_id": u.id},
            identity.in_group(conn, found.id, u.id) != add,
            partial(apply, conn, found.id, u.id),
        )
        for u in _find_users(conn, names)
    ]
    return _run_items(
        "add" if add else "remove", {"group": _ref(found)}, items, dry_run
    )


def user_show(conn: Connection, user: str) -> dict[str, Any]:
    """A user's details, groups, and the projects they hold roles on, directly or
    through a group: ``roles`` lists every role, ``grants`` says where each comes
    from (``user`` or ``group <name>``)."""
    found = identity.find_user(conn, user)
    by_project: dict[str, dict[str, Any]] = {}
    for a in identity.user_assignments(conn, found.id):
        entry = by_project.setdefault(
            a.project_id or "",
            {"id": a.project_id, "name": a.project, "roles": [], "grants": []},
        )
        if a.role not in entry["roles"]:
            entry["roles"].append(a.role)
        via = f"group {a.group}" if a.group_id else "user"
        grant = {"role": a.role, "via": via}
        if grant not in entry["grants"]:
            entry["grants"].append(grant)
    for entry in by_project.values():
        entry["roles"].sort()
        entry["grants"].sort(key=lambda g: (g["role"], g["via"]))
    return {
        "user": {
            "id": found.id,
            "name": found.name,
            "domain_id": found.domain_id,
            "email": getattr(found, "email", None),
            "enabled": bool(found.is_enabled),
            "default_project_id": found.default_project_id,
        },
        "groups": identity.user_groups(conn, found.id),
        "projects": sorted(by_project.values(), key=lambda p: p["name"] or ""),
    }
