"""JupyterHub operations: users and their servers in one configured environment.

Every function validates its inputs (user names, index ranges, confirmation) before
any request, reports each user's outcome, and fails the execution (``Failure``) when
any user failed, with the others still reported. Re-running finishes what is left:
users already in the wanted state come back ``unchanged``.

Names: users the pack creates (``create_users``, ``prepare_users``) follow the pack's
strict rule; users an action only finds, starts, stops or deletes may have any name the
hub itself holds (``jupyter_api.names``).

Pace: per-user hub calls run on at most ``workers`` threads, and the whole action
within ``deadline`` seconds (default 540, below StackStorm's 600 s execution timeout);
users not done by then are reported ``not_done`` ("deadline reached") and a re-run
finishes them (``jupyter_api.pace``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from jupyter_api import batch
from jupyter_api.batch import ItemResult
from jupyter_api.client import DeadlineReached, JupyterHubClient
from jupyter_api.inactivity import inactive_users
from jupyter_api.models import HubUser
from jupyter_api.names import MAX_USERS, check_hub_name, target_names
from jupyter_api.pace import (
    DEFAULT_DEADLINE,
    DEFAULT_WORKERS,
    Deadline,
    check_pace,
    for_each,
)
from pack_common import Failure, InputError, validation

MAX_WAIT_TIMEOUT = 3600


def create_users(
    jupyter_hub: JupyterHubClient,
    user: str | None = None,
    first_index: int | None = None,
    last_index: int | None = None,
    users: list[str] | None = None,
    admin: bool = False,
    workers: int = DEFAULT_WORKERS,
    deadline: int = DEFAULT_DEADLINE,
) -> dict[str, Any] | Failure:
    """Create users in one request: ``user``, or ``user-first_index`` …
    ``user-last_index``, or the ``users`` list (names by the pack's rule for new
    users). Existing users are ``unchanged``; with ``admin`` new and existing users
    are made admins (``workers`` at once). Users not done within ``deadline``
    seconds are ``not_done``."""
    names = target_names(user, first_index, last_index, users)
    check_pace(workers, deadline)
    items = batch.create_users(
        jupyter_hub, names, admin=admin, workers=workers, deadline=Deadline(deadline)
    )
    return _outcome(jupyter_hub, items)


def delete_users(
    jupyter_hub: JupyterHubClient,
    user: str | None = None,
    first_index: int | None = None,
    last_index: int | None = None,
    users: list[str] | None = None,
    apply: bool = False,
    confirm: str | None = None,
    workers: int = DEFAULT_WORKERS,
    deadline: int = DEFAULT_DEADLINE,
) -> dict[str, Any] | Failure:
    """Delete users (their running servers are stopped by the hub), ``workers`` at
    once; names may be any the hub holds. Users not done within ``deadline`` seconds
    are ``not_done``.

    A dry run (the default) reports which users exist and would be deleted. Deleting
    in a ``protected`` environment, or more users than its ``max_unconfirmed_deletes``,
    needs ``confirm`` set to the environment's name.
    """
    dry_run = not apply  # nothing changes unless the operator ticks `apply`
    names = target_names(user, first_index, last_index, users, existing=True)
    check_pace(workers, deadline)
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
        plan = batch.plan_deletion(jupyter_hub, names, workers, Deadline(deadline))
        result = _outcome(jupyter_hub, plan)
        body = result.result if isinstance(result, Failure) else result
        body["dry_run"] = True
        body["confirm_required"] = "; ".join(reasons) or False
        return result
    if reasons and confirm != env.name:
        raise InputError(
            "confirm", f"{'; '.join(reasons)}: set confirm={env.name!r} to delete"
        )
    items = batch.delete_users(jupyter_hub, names, workers, Deadline(deadline))
    return _outcome(jupyter_hub, items)


def start_servers(
    jupyter_hub: JupyterHubClient,
    user: str | None = None,
    first_index: int | None = None,
    last_index: int | None = None,
    users: list[str] | None = None,
    wait: bool = False,
    wait_timeout: int = 300,
    workers: int = DEFAULT_WORKERS,
    deadline: int = DEFAULT_DEADLINE,
) -> dict[str, Any] | Failure:
    """Start the users' servers, ``workers`` at once; names may be any the hub
    holds. Already running ones are ``unchanged``; slow spawns are ``pending`` unless
    ``wait`` polls them until ready (at most ``wait_timeout`` seconds; still starting
    then is a failure and a re-run keeps waiting). Nothing runs past ``deadline``
    seconds: users not done by then are ``not_done``."""
    names = target_names(user, first_index, last_index, users, existing=True)
    wait_timeout = _check_wait_timeout(wait_timeout)
    check_pace(workers, deadline)
    items = batch.start_servers(
        jupyter_hub,
        names,
        wait,
        wait_timeout,
        workers=workers,
        deadline=Deadline(deadline),
    )
    return _outcome(jupyter_hub, items)


def stop_servers(
    jupyter_hub: JupyterHubClient,
    user: str | None = None,
    first_index: int | None = None,
    last_index: int | None = None,
    users: list[str] | None = None,
    workers: int = DEFAULT_WORKERS,
    deadline: int = DEFAULT_DEADLINE,
) -> dict[str, Any] | Failure:
    """Stop the users' servers, ``workers`` at once; names may be any the hub holds.
    Servers not running are ``unchanged``; users not done within ``deadline`` seconds
    are ``not_done``."""
    names = target_names(user, first_index, last_index, users, existing=True)
    check_pace(workers, deadline)
    items = batch.stop_servers(jupyter_hub, names, workers, Deadline(deadline))
    return _outcome(jupyter_hub, items)


def list_users(
    jupyter_hub: JupyterHubClient,
    inactive_days: int | None = None,
    name_prefix: str | None = None,
    users: list[str] | None = None,
) -> dict[str, Any]:
    """Every user with admin flag, last activity, idle days and server state, or
    only those inactive for more than ``inactive_days`` days (users who never were
    active count from their creation); optionally only names starting with
    ``name_prefix``, or only the ``users`` named (exact names, any the hub holds;
    those it does not have are listed under ``not_found``)."""
    if inactive_days is not None:
        inactive_days = validation.days("inactive_days", inactive_days)
    wanted = _listed_names(users)
    now = datetime.now(UTC)
    not_found: list[str] = []
    if wanted is None:
        users_found = jupyter_hub.list_users()
    else:
        found = _look_up(jupyter_hub, wanted)
        users_found = [u for u in found.values() if u is not None]
        not_found = [n for n, u in found.items() if u is None]
    listed = _select(users_found, inactive_days, name_prefix, now)
    which = (
        f"inactive for more than {inactive_days} days"
        if inactive_days is not None
        else "listed"
    )
    total = len(users_found) if wanted is None else len(wanted)
    summary = f"{len(listed)} of {total} users {which}"
    if not_found:
        shown = ", ".join(repr(n) for n in not_found[:5])
        more = f" and {len(not_found) - 5} more" if len(not_found) > 5 else ""
        summary += f"; not on the hub: {shown}{more}"
    result: dict[str, Any] = {
        "jupyter_env": jupyter_hub.env.name,
        "summary": summary,
        "count": len(listed),
        "total": total,
        "users": [u.summary(now) for u in listed],
    }
    if wanted is not None:
        result["not_found"] = not_found
    return result


def _listed_names(users: list[str] | None) -> list[str] | None:
    """The exact names ``list_users`` was asked for (hub rule), or None for all."""
    if users is None:
        return None
    if not isinstance(users, list):  # a lone string too
        raise InputError("users", "must be a list of user names")
    if not users:
        raise InputError("users", "is empty: name at least one user, or leave it out")
    if len(users) > MAX_USERS:
        raise InputError("users", f"more than the {MAX_USERS} users one action lists")
    return list(dict.fromkeys(check_hub_name(n, "users") for n in users))


def _look_up(hub: JupyterHubClient, names: list[str]) -> dict[str, HubUser | None]:
    """Each named user (None when the hub has no such user), looked up by exact
    name, ``DEFAULT_WORKERS`` at once within ``DEFAULT_DEADLINE``; a hub error or
    the deadline fails the listing (``JupyterHubError``)."""
    bound = Deadline(DEFAULT_DEADLINE)

    def late(name: str) -> HubUser | None:
        raise DeadlineReached(
            hub.env.name, f"GET /users/{name}", bound, name, hub.env.api_url
        )

    with hub.bounded_by(bound):
        found = for_each(names, hub.get_user, late, DEFAULT_WORKERS, bound)
    return dict(zip(names, found, strict=True))


def _select(
    users: list[HubUser], inactive_days: int | None, prefix: str | None, now: datetime
) -> list[HubUser]:
    """The users to list: by prefix, then the inactive ones (longest idle first) or
    all by name."""
    if prefix:
        users = [u for u in users if u.name.startswith(prefix)]
    if inactive_days is not None:
        return inactive_users(users, inactive_days, now)
    return sorted(users, key=lambda u: u.name)


def prepare_users(
    jupyter_hub: JupyterHubClient,
    user: str | None = None,
    first_index: int | None = None,
    last_index: int | None = None,
    users: list[str] | None = None,
    wait: bool = True,
    wait_timeout: int = 300,
    workers: int = DEFAULT_WORKERS,
    deadline: int = DEFAULT_DEADLINE,
) -> dict[str, Any] | Failure:
    """Get users ready for a session: create them (existing ones are ``unchanged``;
    names by the pack's rule for new users), then start their servers ``workers`` at
    once, waiting until ready unless ``wait`` is false. Each user reports both steps;
    a user whose creation failed is not started. Both steps share one ``deadline``:
    users not done by then are ``not_done`` and a re-run finishes them."""
    names = target_names(user, first_index, last_index, users)
    wait_timeout = _check_wait_timeout(wait_timeout)
    check_pace(workers, deadline)
    bound = Deadline(deadline)
    accounts = batch.create_users(jupyter_hub, names, workers=workers, deadline=bound)
    ready = [i.user for i in accounts if not i.failed]
    started = batch.start_servers(
        jupyter_hub, ready, wait, wait_timeout, workers=workers, deadline=bound
    )
    servers = {i.user: i for i in started}
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
    late = [r for r in rows if batch.NOT_DONE in (r["account"], r["server"])]
    failed = [r for r in rows if "error" in r and r not in late]
    failed_items = [i for i in [*accounts, *servers.values()] if i.failed]
    summary = (
        f"{len(rows)} users: accounts {batch.count_statuses(accounts)}; "
        f"servers {batch.count_statuses(list(servers.values()))}"
    )
    if late:
        summary = f"{len(late)} of {len(rows)} not done: {late[0]['error']}; {summary}"
    if failed:
        shown = "; ".join(f"{r['user']} ({r['error']})" for r in failed[:5])
        more = f"; and {len(failed) - 5} more" if len(failed) > 5 else ""
        summary = f"{len(failed)} of {len(rows)} failed: {shown}{more}; {summary}"
    result = {
        "jupyter_env": jupyter_hub.env.name,
        "summary": summary,
        "failed": len(failed),
        "not_done": len(late),
        "users": rows,
    }
    if not failed and not late:
        return result
    return Failure(
        {**batch.failure_fields(jupyter_hub.env, failed_items, len(rows)), **result}
    )


def _check_wait_timeout(wait_timeout: int) -> int:
    """``wait_timeout``, a whole number of seconds from 1 to ``MAX_WAIT_TIMEOUT``."""
    return validation.whole_number(
        "wait_timeout", wait_timeout, 1, MAX_WAIT_TIMEOUT, note="seconds"
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
        "failed": sum(1 for i in failed if i.status == batch.FAILED),
        "not_done": sum(1 for i in failed if i.status == batch.NOT_DONE),
        "users": [i.as_dict() for i in items],
    }
    if not failed:
        return result
    return Failure({**batch.failure_fields(hub.env, failed, len(items)), **result})
