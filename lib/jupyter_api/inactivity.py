"""Which users have been inactive too long, and whether that set changed.

Used by ``jupyter.user.list`` and by the ``jupyter.inactive_users`` sensor, which
keeps the previous set of names (in the datastore) and dispatches only on a change.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jupyter_api.client import JupyterHubClient
from jupyter_api.environment import JupyterEnv
from jupyter_api.models import HubUser, format_time

TRIGGER = "openstack_ops.jupyter.inactive_users"


def inactive_users(
    users: Iterable[HubUser], threshold_days: float, now: datetime
) -> list[HubUser]:
    """Users idle for more than ``threshold_days`` (never-active users count from
    their creation), sorted by name."""
    return sorted(
        (u for u in users if u.idle_days(now) > threshold_days), key=lambda u: u.name
    )


@dataclass(frozen=True)
class InactivityCheck:
    """One environment's inactive users and whether the set differs from before."""

    env: JupyterEnv
    users: Sequence[HubUser]
    changed: bool

    @property
    def names(self) -> list[str]:
        """The inactive users' names, sorted (what the sensor stores)."""
        return [u.name for u in self.users]

    @property
    def should_dispatch(self) -> bool:
        """Dispatch when the set changed and is not empty (an empty set needs no
        action; it is still stored, so users turning inactive again are reported)."""
        return self.changed and bool(self.users)

    def payload(self) -> dict[str, Any]:
        """The trigger payload (see ``sensors/jupyter_inactive_users.yaml``)."""
        return {
            "env": self.env.name,
            "threshold_days": self.env.inactive_days,
            "protected": self.env.protected,
            "users": [
                {"name": u.name, "last_activity": format_time(u.last_activity)}
                for u in self.users
            ],
        }


def check_environment(
    hub: JupyterHubClient, previous: Sequence[str] | None, now: datetime
) -> InactivityCheck:
    """List the hub's users and compare the inactive ones with ``previous`` names
    (None when never checked)."""
    users = inactive_users(hub.list_users(), hub.env.inactive_days, now)
    names = {u.name for u in users}
    changed = previous is None or names != set(previous)
    return InactivityCheck(env=hub.env, users=users, changed=changed)
