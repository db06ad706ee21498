"""JupyterHub operations: users and their servers in one configured environment.

Every function validates its inputs (user names, index ranges, confirmation) before
any request, reports each user's outcome, and fails the execution (``Failure``) when
any user failed, with the others still reported. Re-running finishes what is left:
users already in the wanted state come back ``unchanged``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from jupyter_api import batch
from jupyter_api.batch import ItemResult
from jupyter_api.client import JupyterHubClient, JupyterHubError
from jupyter_api.inactivity import inactive_users
from jupyter_api.names import target_names
from pack_common import Failure, InputError

MAX_WAIT_TIMEOUT = 3600


def create_users(
    jupyter_hub: JupyterHubClient,
    user: str | None = None,
    first_index: int | None = None,
    last_index: int | None = None,
    users: list[str] | None = None,
    admin: bool = False,
) -> dict[str, Any] | Failure:
    """Create users in one request: ``user``, or ``user-first_index`` …
    ``user-last_index``, or the ``users`` list. Existing users are ``unchanged``; with
    ``admin`` new and existing users are made admins."""
    names = target_names(user, first_index, last_index, users)
    items = batch.create_users(jupyter_hub, names, admin=admin)
    return _outcome(jupyter_hub, items)


def delete_users(
    jupyter_hub: JupyterHubClient,
    user: str | None = None,
    first_index: int | None = None,
    last_index: int | None = None,
    users: list[str] | None = None,
    dry_run: bool = True,
    confirm: str | None = None,
) -> dict[str, Any] | Failure:
    """Delete users (their running servers are stopped by the hub).

    A dry run (the default) reports which users exist and would be deleted. Deleting
    in a ``protected`` environment, or more users than its ``max_unconfirmed_deletes``,
    needs ``confirm`` set to the environment's name.
    """
    names = target_names(user, first_index, last_index, users)
    env = jupyter_hub.env
    reasons = []
    if env.protected:
        reasons.append(f"jupyter_env {env.name!r} is protected")
    if len(names) > env.max_unconfirmed_deletes:
        reasons.append(
            f"{len(names)} users is more than its max_unconfirmed_deletes "
            f"({env.max_unconfirmed_deletes})"
        )
    if confirm and confirm != env.name:
        raise InputError(
            "confirm", f"{confirm!r} does not name the jupyter_env {env.name!r}"
        )
    if dry_run:
        result = _outcome(jupyter_hub, _plan_deletion(jupyter_hub, names))
        body = result.result if isinstance(result, Failure) else result
        body["dry_run"] = True
        body["confirm_required"] = "; ".join(reasons) or False
        return result
    if reasons and confirm != env.name:
        raise InputError(
            "confirm", f"{'; '.join(reasons)}: set confirm={env.name!r} to delete"
        )
    return _outcome(jupyter_hub, batch.delete_users(jupyter_hub, names))


def _plan_deletion(hub: JupyterHubClient, names: list[str]) -> list[ItemResult]:
    """What a deletion would do: ``would_delete`` (noting a running server) or
    ``unchanged`` for users that do not exist."""
    items = []
    for name in names:
        try:
            found = hub.get_user(name)
        except JupyterHubError as exc:
            items.append(ItemResult.hub_failed(name, exc))
            continue
        if found is None:
            items.append(ItemResult(name, batch.UNCHANGED))
        else:
            items.append(ItemResult(name, "would_delete"))
    return items


def start_servers(
    jupyter_hub: JupyterHubClient,
    user: str | None = None,
    first_index: int | None = None,
    last_index: int | None = None,
    users: list[str] | None = None,
    wait: bool = False,
    wait_timeout: int = 300,
) -> dict[str, Any] | Failure:
    """Start the users' servers. Already running ones are ``unchanged``; slow spawns
    are ``pending`` unless ``wait`` polls them until ready (at most ``wait_timeout``
    seconds; still starting then is a failure and a re-run keeps waiting)."""
    names = target_names(user, first_index, last_index, users)
    _check_wait_timeout(wait_timeout)
    items = batch.start_servers(jupyter_hub, names, wait, wait_timeout)
    return _outcome(jupyter_hub, items)


def stop_servers(
    jupyter_hub: JupyterHubClient,
    user: str | None = None,
    first_index: int | None = None,
    last_index: int | None = None,
    users: list[str] | None = None,
) -> dict[str, Any] | Failure:
    """Stop the users' servers; servers not running are ``unchanged``."""
    names = target_names(user, first_index, last_index, users)
    return _outcome(jupyter_hub, batch.stop_servers(jupyter_hub, names))


def list_users(
    jupyter_hub: JupyterHubClient,
    inactive_days: int | None = None,
    name_prefix: str | None = None,
) -> dict[str, Any]:
    """Every user with admin flag, last activity, idle days and server state, or
    only those inactive for more than ``inactive_days`` days (users who never were
    active count from their creation); optionally only names starting with
    ``name_prefix``."""
    if inactive_days is not None and (
        isinstance(inactive_days, bool) or inactive_days < 0
    ):
        raise InputError("inactive_days", f"must be 0 or more, got {inactive_days!r}")
    now = datetime.now(UTC)
    users = jupyter_hub.list_users()
    total = len(users)
    if name_prefix:
        users = [u for u in users if u.name.startswith(name_prefix)]
    if inactive_days is not None:
        users = inactive_users(users, inactive_days, now)
    else:
        users = sorted(users, key=lambda u: u.name)
    which = (
        f"inactive for more than {inactive_days} days"
        if inactive_days is not None
        else "listed"
    )
    return {
        "jupyter_env": jupyter_hub.env.name,
        "summary": f"{len(users)} of {total} users {which}",
        "count": len(users),
        "total": total,
        "users": [u.summary(now) for u in users],
    }


def prepare_users(
    jupyter_hub: JupyterHubClient,
    user: str | None = None,
    first_index: int | None = None,
    last_index: int | None = None,
    users: list[str] | None = None,
    wait: bool = True,
    wait_timeout: int = 300,
) -> dict[str, Any] | Failure:
    """Get users ready for a session: create them (existing ones are ``unchanged``),
    then start their servers, waiting until ready unless ``wait`` is false. Each user
    reports both steps; a user whose creation failed is not started."""
    names = target_names(user, first_index, last_index, users)
    _check_wait_timeout(wait_timeout)
    accounts = batch.create_users(jupyter_hub, names)
    ready = [i.user for i in accounts if not i.failed]
    servers = {
        i.user: i for i in batch.start_servers(jupyter_hub, ready, wait, wait_timeout)
    }
    rows = []
    for account in accounts:
        server = servers.get(account.user)
        row: dict[str, Any] = {
            "user": account.user,
            "account": account.status,
            "server": server.status if server else "skipped",
        }
        error = account.error or (server.error if server else None)
        if error:
            row["error"] = error
        rows.append(row)
    failed = [r for r in rows if "error" in r]
    failed_items = [i for i in [*accounts, *servers.values()] if i.failed]
    summary = (
        f"{len(rows)} users: accounts {batch.count_statuses(accounts)}; "
        f"servers {batch.count_statuses(list(servers.values()))}"
    )
    if failed:
        shown = "; ".join(f"{r['user']} ({r['error']})" for r in failed[:5])
        more = f"; and {len(failed) - 5} more" if len(failed) > 5 else ""
        summary = f"{len(failed)} of {len(rows)} failed: {shown}{more}; {summary}"
    result = {
        "jupyter_env": jupyter_hub.env.name,
        "summary": summary,
        "failed": len(failed),
        "users": rows,
    }
    if not failed:
        return result
    return Failure(
        {**batch.failure_fields(jupyter_hub.env, failed_items, len(rows)), **result}
    )


def _check_wait_timeout(wait_timeout: int) -> None:
    """``wait_timeout`` is a sensible number of seconds."""
    if (
        isinstance(wait_timeout, bool)
        or not isinstance(wait_timeout, int)
        or not 1 <= wait_timeout <= MAX_WAIT_TIMEOUT
    ):
        raise InputError(
            "wait_timeout",
            f"must be between 1 and {MAX_WAIT_TIMEOUT} seconds, got {wait_timeout!r}",
        )


def _outcome(
    hub: JupyterHubClient, items: list[ItemResult]
) -> dict[str, Any] | Failure:
    """The action result for per-user items; a ``Failure`` when any failed, naming
    the environment, its URL and the hub-level cause."""
    failed = [i for i in items if i.failed]
    result = {
        "jupyter_env": hub.env.name,
        "summary": batch.summarise(items),
        "failed": len(failed),
        "users": [i.as_dict() for i in items],
    }
    if not failed:
        return result
    return Failure({**batch.failure_fields(hub.env, failed, len(items)), **result})
