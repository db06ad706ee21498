"""Private flavor access: let a project use a private flavor, or take that away.

Public flavors are usable by every project, so both actions refuse them (changing
access would be meaningless and Nova rejects it). Already in the wanted state is
success, reported unchanged.
"""

from __future__ import annotations

from typing import Any

from openstack.connection import Connection

from openstack_api import flavors as flavors_api
from openstack_api import identity
from pack_common import Failure, InputError


def _prepare(
    conn: Connection, flavor: str, project: str, dry_run: bool, wanted: bool
) -> tuple[dict[str, Any], bool, str, str]:
    flv = flavors_api.find_flavor(conn, "flavor", flavor)
    if flv.is_public:
        raise InputError(
            "flavor", f"{flv.name} is public: every project can use it already"
        )
    proj = identity.find_project(conn, project, "project")
    has = proj.id in flavors_api.access_projects(conn, flv.id)
    change = has != wanted
    result = {
        "dry_run": dry_run,
        "flavor": {"id": flv.id, "name": flv.name},
        "project": {"id": proj.id, "name": proj.name},
        "had_access": has,
        "steps": ["add_access" if wanted else "remove_access"] if change else [],
        "changed": change and not dry_run,
    }
    return result, change, flv.id, proj.id


def add_to_project(
    conn: Connection, flavor: str, project: str, apply: bool = False
) -> dict[str, Any] | Failure:
    """Grant ``project`` access to the private ``flavor``."""
    dry_run = not apply  # nothing changes unless the operator ticks `apply`
    return _set_access(conn, flavor, project, dry_run, wanted=True)


def remove_from_project(
    conn: Connection, flavor: str, project: str, apply: bool = False
) -> dict[str, Any] | Failure:
    """Revoke ``project``'s access to the private ``flavor`` (running servers stay)."""
    dry_run = not apply  # nothing changes unless the operator ticks `apply`
    return _set_access(conn, flavor, project, dry_run, wanted=False)


def _set_access(
    conn: Connection, flavor: str, project: str, dry_run: bool, wanted: bool
) -> dict[str, Any] | Failure:
    """Give (``wanted``) or take away the project's access; unchanged when it
    already is so; the result re-reads the access list after a change."""
    result, change, flavor_id, project_id = _prepare(
        conn, flavor, project, dry_run, wanted=wanted
    )
    if dry_run or not change:
        return result
    change_access = flavors_api.add_access if wanted else flavors_api.remove_access
    try:
        change_access(conn, flavor_id, project_id)
    except Exception as error:
        result.update(changed=False, error=str(error))
        return Failure(result)
    result["has_access"] = project_id in flavors_api.access_projects(conn, flavor_id)
    return result
