"""Operations over many users, each user's outcome recorded instead of stopping at
the first failure.

Every function returns one ``ItemResult`` per user. Statuses say what happened
(``created``, ``started``, ``deleted`` …) or ``unchanged`` when the user was already
in the wanted state, so a re-run after a partial failure finishes the job without
repeating what was done; ``failed`` items carry the error, which names the user.

Per-user calls run on at most ``workers`` threads at once, and the whole batch within
a ``Deadline`` (``pace``): users not done when it is spent are ``not_done`` ("deadline
reached"), never lost, and a re-run finishes them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from jupyter_api.client import DeadlineReached, JupyterHubClient, JupyterHubError
from jupyter_api.environment import JupyterEnv
from jupyter_api.models import ServerState, StartResult
from jupyter_api.pace import DEFAULT_DEADLINE, DEFAULT_WORKERS, Deadline, for_each
from pack_common import ServiceFailure

FAILED = "failed"
UNCHANGED = "unchanged"
#: Not attempted, or cut short, because the batch's deadline was reached.
NOT_DONE = "not_done"


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
        """A user failed by the hub error ``exc`` (``error`` replaces its one-line
        text); a reached deadline makes the user ``not_done`` instead."""
        if isinstance(exc, DeadlineReached):
            return cls.late(user, exc.deadline)
        return cls(user, FAILED, error or exc.short(), exc.failure())

    @classmethod
    def late(cls, user: str, deadline: Deadline) -> ItemResult:
        """A user not done because ``deadline`` was reached."""
        return cls(user, NOT_DONE, deadline.message)

    @property
    def failed(self) -> bool:
        """True when this user is not in the wanted state: its operation failed or
        was not done by the deadline (the action fails either way)."""
        return self.status in (FAILED, NOT_DONE)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for action results (``error`` only when there is one)."""
        data: dict[str, Any] = {"user": self.user, "status": self.status}
        if self.error:
            data["error"] = self.error
        return data


def count_statuses(items: Sequence[ItemResult]) -> str:
    """``"2 created, 1 unchanged"`` (failed and not-done users left out), or
    ``"none"``."""
    counts = Counter(i.status for i in items if not i.failed)
    return ", ".join(f"{n} {s}" for s, n in counts.items()) or "none"


def not_done_note(items: Sequence[ItemResult], total: int) -> str:
    """``"2 of 40 not done: deadline reached: ..."``, or ``""`` when every user was
    done."""
    late = [i for i in items if i.status == NOT_DONE]
    if not late:
        return ""
    return f"{len(late)} of {total} not done: {late[0].error}"


def summarise(items: Sequence[ItemResult], what: str = "users") -> str:
    """``"3 users: 2 created, 1 unchanged"``, or with failures
    ``"1 of 3 failed: course-2 (reason); 2 created"``, and users the deadline left
    undone ``"...; 5 of 40 not done: deadline reached: ... (run again to finish)"``."""
    others = count_statuses(items) if any(not i.failed for i in items) else ""
    failed = [i for i in items if i.status == FAILED]
    late = not_done_note(items, len(items))
    if not failed and not late:
        return f"{len(items)} {what}: {others or 'nothing to do'}"
    parts = []
    if failed:
        shown = "; ".join(f"{i.user} ({i.error})" for i in failed[:5])
        more = f"; and {len(failed) - 5} more" if len(failed) > 5 else ""
        parts.append(f"{len(failed)} of {len(items)} failed: {shown}{more}")
    if late:
        parts.append(late)
    if others:
        parts.append(others)
    return "; ".join(parts)


def failure_fields(
    env: JupyterEnv, failed: Sequence[ItemResult], total: int
) -> dict[str, Any]:
    """The top of a failed batch's result: ``error`` (one line), the environment
    (``account``), its ``endpoint`` and the hub-level ``cause`` of the failures
    (the deadline, when users were left undone)."""
    causes = list(dict.fromkeys(i.failure.cause for i in failed if i.failure))
    late = [i for i in failed if i.status == NOT_DONE]
    if late and late[0].error:
        causes.append(late[0].error)
    broken = len(failed) - len(late)
    counts = [f"{broken} of {total} users failed"] if broken else []
    if late:
        counts.append(f"{len(late)} of {total} users not done")
    error = f"jupyter_env {env.name!r}: {', '.join(counts)}"
    fields: dict[str, Any] = {
        "account": env.name,
        "endpoint": env.url,
        "account_parameter": "jupyter_env",
    }
    if causes:
        fields["cause"] = "; ".join(causes)
        error += f": {fields['cause']}"
    return {"error": error, **fields}


def _pace(deadline: Deadline | None) -> Deadline:
    """The batch's deadline: the caller's, else ``DEFAULT_DEADLINE`` from now."""
    return deadline if deadline is not None else Deadline(DEFAULT_DEADLINE)


def each_user(
    hub: JupyterHubClient,
    names: Sequence[str],
    work: Callable[[str], ItemResult],
    workers: int = DEFAULT_WORKERS,
    deadline: Deadline | None = None,
) -> list[ItemResult]:
    """``work(name)`` for every user, ``workers`` at once, every request bounded by
    ``deadline``; a hub error becomes the user's failure (or ``not_done`` when the
    deadline cut it short) and a user whose turn comes after the deadline is
    ``not_done``. One result per name, in order."""
    bound = _pace(deadline)

    def attempt(name: str) -> ItemResult:
        try:
            return work(name)
        except JupyterHubError as exc:
            return ItemResult.hub_failed(name, exc, _explain(exc, hub))

    with hub.bounded_by(bound):
        return for_each(
            names, attempt, lambda n: ItemResult.late(n, bound), workers, bound
        )


def create_users(
    hub: JupyterHubClient,
    names: Sequence[str],
    admin: bool = False,
    workers: int = DEFAULT_WORKERS,
    deadline: Deadline | None = None,
) -> list[ItemResult]:
    """Create the users in one request; existing ones are ``unchanged`` (or, with
    ``admin``, ``updated`` when they had to be made admins, one call per user on
    ``workers`` threads)."""
    bound = _pace(deadline)
    try:
        with hub.bounded_by(bound):
            created = set(hub.create_users(names, admin=admin))
    except JupyterHubError as exc:
        return [ItemResult.hub_failed(n, exc) for n in names]
    if not admin:
        return [ItemResult(n, "created" if n in created else UNCHANGED) for n in names]

    def admin_of(name: str) -> ItemResult:
        if name in created:
            return ItemResult(name, "created")
        return _ensure_admin(hub, name)

    return each_user(hub, names, admin_of, workers, bound)


def _ensure_admin(hub: JupyterHubClient, name: str) -> ItemResult:
    """Make an existing user an admin unless it already is one."""
    user = hub.get_user(name)
    if user is None:
        return ItemResult(name, FAILED, "the user vanished while being created")
    if user.admin:
        return ItemResult(name, UNCHANGED)
    hub.set_admin(name, True)
    return ItemResult(name, "updated")


def start_servers(
    hub: JupyterHubClient,
    names: Sequence[str],
    wait: bool = False,
    wait_timeout: float = 300,
    poll_interval: float = 1.0,
    workers: int = DEFAULT_WORKERS,
    deadline: Deadline | None = None,
) -> list[ItemResult]:
    """Start each user's server (``workers`` at once): ``started``, ``unchanged``
    (already running) or, without ``wait``, ``pending``. With ``wait`` the pending
    ones are polled until ready; still starting after ``wait_timeout`` seconds is a
    failure, still starting at the ``deadline`` is ``not_done`` (a re-run keeps
    waiting without starting anything twice)."""
    bound = _pace(deadline)
    statuses = {
        StartResult.STARTED: "started",
        StartResult.PENDING: "pending",
        StartResult.ALREADY_RUNNING: UNCHANGED,
    }

    def start(name: str) -> ItemResult:
        return ItemResult(name, statuses[hub.start_server(name)])

    items = {i.user: i for i in each_user(hub, names, start, workers, bound)}
    pending = [n for n, item in items.items() if item.status == "pending"]
    if wait and pending:
        items.update(_wait_for(hub, pending, wait_timeout, poll_interval, bound))
    return [items[n] for n in names]


def _wait_for(
    hub: JupyterHubClient,
    pending: list[str],
    wait_timeout: float,
    poll_interval: float,
    deadline: Deadline,
) -> dict[str, ItemResult]:
    """The outcome of waiting for the pending servers, at most ``wait_timeout``
    seconds and never past ``deadline``."""
    if deadline.reached():
        return {n: ItemResult.late(n, deadline) for n in pending}
    lost: JupyterHubError | None = None
    left = deadline.remaining()
    clipped = left < wait_timeout  # the deadline, not wait_timeout, ends the wait
    try:
        with hub.bounded_by(deadline):
            states = hub.wait_for_servers(
                pending, min(wait_timeout, left), poll_interval
            )
    except JupyterHubError as exc:
        states = {}
        lost = exc
    outcome = {}
    for name in pending:
        if name not in states:
            outcome[name] = (
                ItemResult.hub_failed(name, lost)
                if lost
                else ItemResult(name, FAILED, f"server of {name!r}: no state known")
            )
        elif states[name] is ServerState.STARTING and (clipped or deadline.reached()):
            outcome[name] = ItemResult.late(name, deadline)
        else:
            outcome[name] = _after_wait(name, states[name], wait_timeout)
    return outcome


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


def stop_servers(
    hub: JupyterHubClient,
    names: Sequence[str],
    workers: int = DEFAULT_WORKERS,
    deadline: Deadline | None = None,
) -> list[ItemResult]:
    """Stop each user's server (``workers`` at once): ``stopped``, ``stopping`` (the
    hub is still at it) or ``unchanged`` (not running)."""

    def stop(name: str) -> ItemResult:
        user = hub.get_user(name)
        if user is None:
            return ItemResult(name, FAILED, _no_such_user(hub, name))
        if user.server is ServerState.STOPPED:
            return ItemResult(name, UNCHANGED)
        state = hub.stop_server(name)
        return ItemResult(
            name, "stopping" if state is ServerState.STOPPING else "stopped"
        )

    return each_user(hub, names, stop, workers, deadline)


def delete_users(
    hub: JupyterHubClient,
    names: Sequence[str],
    workers: int = DEFAULT_WORKERS,
    deadline: Deadline | None = None,
) -> list[ItemResult]:
    """Delete each user (``workers`` at once; the hub stops running servers):
    ``deleted`` or ``unchanged`` (already absent)."""

    def delete(name: str) -> ItemResult:
        return ItemResult(name, "deleted" if hub.delete_user(name) else UNCHANGED)

    return each_user(hub, names, delete, workers, deadline)


def plan_deletion(
    hub: JupyterHubClient,
    names: Sequence[str],
    workers: int = DEFAULT_WORKERS,
    deadline: Deadline | None = None,
) -> list[ItemResult]:
    """What deleting the users would do (``workers`` lookups at once):
    ``would_delete`` for users that exist, ``unchanged`` for those that do not."""

    def look(name: str) -> ItemResult:
        found = hub.get_user(name) is not None
        return ItemResult(name, "would_delete" if found else UNCHANGED)

    return each_user(hub, names, look, workers, deadline)


def _no_such_user(hub: JupyterHubClient, name: str) -> str:
    """The error for a user the hub does not know (with a hint when the name has
    upper case: the hub's default login lower-cases names)."""
    hint = ""
    if name != name.lower():
        hint = f" (hub names are usually lower case: {name.lower()!r}?)"
    return f"jupyter_env {hub.env.name!r} has no user {name!r}{hint}"


def _explain(exc: JupyterHubError, hub: JupyterHubClient) -> str | None:
    """A hub error as an item error: a 404 becomes 'no such user'; None keeps the
    error's own one-line text."""
    if exc.status == 404 and exc.user:
        return _no_such_user(hub, exc.user)
    return None
