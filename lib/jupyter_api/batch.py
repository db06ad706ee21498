"""Operations over many users, each user's outcome recorded instead of stopping at
the first failure.

Every function returns one ``ItemResult`` per user. Statuses say what happened
(``created``, ``started``, ``deleted`` …) or ``unchanged`` when the user was already
in the wanted state, so a re-run after a partial failure finishes the job without
repeating what was done; ``failed`` items carry the error, which names the user.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from jupyter_api.client import JupyterHubClient, JupyterHubError
from jupyter_api.environment import JupyterEnv
from jupyter_api.models import ServerState, StartResult
from pack_common import ServiceFailure

FAILED = "failed"
UNCHANGED = "unchanged"


@dataclass
class ItemResult:
    """What happened to one user."""

    user: str
    status: str
    error: str | None = None
    #: The hub failure behind ``error``, when a hub call failed.
    failure: ServiceFailure | None = None

    @classmethod
    def hub_failed(
        cls, user: str, exc: JupyterHubError, error: str | None = None
    ) -> ItemResult:
        """A user failed by the hub error ``exc`` (``error`` replaces its text)."""
        return cls(user, FAILED, error or str(exc), exc.failure())

    @property
    def failed(self) -> bool:
        """True when this user's operation failed."""
        return self.status == FAILED

    def as_dict(self) -> dict[str, Any]:
        """Plain data for action results (``error`` only when there is one)."""
        data: dict[str, Any] = {"user": self.user, "status": self.status}
        if self.error:
            data["error"] = self.error
        return data


def count_statuses(items: Sequence[ItemResult]) -> str:
    """``"2 created, 1 unchanged"`` (failures left out), or ``"none"``."""
    counts = Counter(i.status for i in items)
    return ", ".join(f"{n} {s}" for s, n in counts.items() if s != FAILED) or "none"


def summarise(items: Sequence[ItemResult], what: str = "users") -> str:
    """``"3 users: 2 created, 1 unchanged"``, or with failures
    ``"1 of 3 failed: course-2 (reason); 2 created"``."""
    others = count_statuses(items) if any(not i.failed for i in items) else ""
    failed = [i for i in items if i.failed]
    if not failed:
        return f"{len(items)} {what}: {others or 'nothing to do'}"
    shown = "; ".join(f"{i.user} ({i.error})" for i in failed[:5])
    more = f"; and {len(failed) - 5} more" if len(failed) > 5 else ""
    rest = f"; {others}" if others else ""
    return f"{len(failed)} of {len(items)} failed: {shown}{more}{rest}"


def failure_fields(
    env: JupyterEnv, failed: Sequence[ItemResult], total: int
) -> dict[str, Any]:
    """The top of a failed batch's result: ``error`` (one line), the environment
    (``account``), its ``endpoint`` and the hub-level ``cause`` of the failures."""
    causes = list(dict.fromkeys(i.failure.cause for i in failed if i.failure))
    error = f"jupyter_env {env.name!r}: {len(failed)} of {total} users failed"
    fields: dict[str, Any] = {
        "account": env.name,
        "endpoint": env.url,
        "account_parameter": "jupyter_env",
    }
    if causes:
        fields["cause"] = "; ".join(causes)
        error += f": {fields['cause']}"
    return {"error": error, **fields}


def create_users(
    hub: JupyterHubClient, names: Sequence[str], admin: bool = False
) -> list[ItemResult]:
    """Create the users in one request; existing ones are ``unchanged`` (or, with
    ``admin``, ``updated`` when they had to be made admins)."""
    try:
        created = set(hub.create_users(names, admin=admin))
    except JupyterHubError as exc:
        return [ItemResult.hub_failed(n, exc) for n in names]
    items = []
    for name in names:
        if name in created:
            items.append(ItemResult(name, "created"))
        elif admin:
            items.append(_ensure_admin(hub, name))
        else:
            items.append(ItemResult(name, UNCHANGED))
    return items


def _ensure_admin(hub: JupyterHubClient, name: str) -> ItemResult:
    """Make an existing user an admin unless it already is one."""
    try:
        user = hub.get_user(name)
        if user is None:
            return ItemResult(name, FAILED, "the user vanished while being created")
        if user.admin:
            return ItemResult(name, UNCHANGED)
        hub.set_admin(name, True)
        return ItemResult(name, "updated")
    except JupyterHubError as exc:
        return ItemResult.hub_failed(name, exc)


def start_servers(
    hub: JupyterHubClient,
    names: Sequence[str],
    wait: bool = False,
    wait_timeout: float = 300,
    poll_interval: float = 1.0,
) -> list[ItemResult]:
    """Start each user's server: ``started``, ``unchanged`` (already running) or,
    without ``wait``, ``pending``. With ``wait`` the pending ones are polled until
    ready; still starting after ``wait_timeout`` seconds is a failure (a re-run keeps
    waiting without starting anything twice)."""
    items: dict[str, ItemResult] = {}
    for name in names:
        try:
            outcome = hub.start_server(name)
        except JupyterHubError as exc:
            items[name] = ItemResult.hub_failed(name, exc, _explain(exc, hub))
            continue
        status = {
            StartResult.STARTED: "started",
            StartResult.PENDING: "pending",
            StartResult.ALREADY_RUNNING: UNCHANGED,
        }[outcome]
        items[name] = ItemResult(name, status)
    pending = [n for n, item in items.items() if item.status == "pending"]
    if wait and pending:
        lost: JupyterHubError | None = None
        try:
            states = hub.wait_for_servers(pending, wait_timeout, poll_interval)
        except JupyterHubError as exc:
            states = {}
            lost = exc
        for name in pending:
            if name not in states:
                items[name] = (
                    ItemResult.hub_failed(name, lost)
                    if lost
                    else ItemResult(name, FAILED, "")
                )
            else:
                items[name] = _after_wait(name, states[name], wait_timeout)
    return [items[n] for n in names]


def _after_wait(name: str, state: ServerState | None, timeout: float) -> ItemResult:
    """The outcome of waiting for one server."""
    if state is ServerState.RUNNING:
        return ItemResult(name, "started")
    if state is ServerState.STARTING:
        return ItemResult(
            name,
            FAILED,
            f"server of {name!r} still starting after {timeout:g} s "
            "(run again to keep waiting)",
        )
    if state is None:
        return ItemResult(name, FAILED, f"user {name!r} was deleted while starting")
    return ItemResult(
        name, FAILED, f"server of {name!r} failed to start (see the hub's log)"
    )


def stop_servers(hub: JupyterHubClient, names: Sequence[str]) -> list[ItemResult]:
    """Stop each user's server: ``stopped``, ``stopping`` (the hub is still at it) or
    ``unchanged`` (not running)."""
    items = []
    for name in names:
        try:
            user = hub.get_user(name)
            if user is None:
                items.append(ItemResult(name, FAILED, _no_such_user(hub, name)))
                continue
            if user.server is ServerState.STOPPED:
                items.append(ItemResult(name, UNCHANGED))
                continue
            state = hub.stop_server(name)
            status = "stopping" if state is ServerState.STOPPING else "stopped"
            items.append(ItemResult(name, status))
        except JupyterHubError as exc:
            items.append(ItemResult.hub_failed(name, exc))
    return items


def delete_users(hub: JupyterHubClient, names: Sequence[str]) -> list[ItemResult]:
    """Delete each user (the hub stops running servers): ``deleted`` or ``unchanged``
    (already absent)."""
    items = []
    for name in names:
        try:
            deleted = hub.delete_user(name)
            items.append(ItemResult(name, "deleted" if deleted else UNCHANGED))
        except JupyterHubError as exc:
            items.append(ItemResult.hub_failed(name, exc))
    return items


def _no_such_user(hub: JupyterHubClient, name: str) -> str:
    """The error for a user the hub does not know."""
    return f"jupyter_env {hub.env.name!r} has no user {name!r}"


def _explain(exc: JupyterHubError, hub: JupyterHubClient) -> str:
    """A hub error as an item error; a 404 becomes 'no such user'."""
    if exc.status == 404 and exc.user:
        return _no_such_user(hub, exc.user)
    return str(exc)
