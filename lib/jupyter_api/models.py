"""The hub's user model, reduced to what operations need."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


class ServerState(StrEnum):
    """State of a user's default server as the hub reports it."""

    STOPPED = "stopped"
    STARTING = "starting"
    RUNNING = "running"
    STOPPING = "stopping"


class StartResult(StrEnum):
    """What asking the hub to start a server did."""

    STARTED = "started"
    PENDING = "pending"
    ALREADY_RUNNING = "already_running"


def parse_time(value: str | None) -> datetime | None:
    """A hub ISO-8601 timestamp (``...Z``) as an aware UTC datetime; None stays None."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def format_time(value: datetime | None) -> str | None:
    """An aware datetime as the hub writes it (``YYYY-MM-DDTHH:MM:SS.ffffffZ``)."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class HubUser:
    """One hub user: name, admin flag, activity and the default server's state.

    ``last_activity`` is None for users who never logged in or started a server.
    """

    name: str
    admin: bool
    created: datetime | None
    last_activity: datetime | None
    server: ServerState

    @classmethod
    def from_model(cls, model: Mapping[str, Any]) -> HubUser:
        """Build from the hub's JSON user model (fields missing for the token's scopes
        are taken as absent)."""
        return cls(
            name=str(model["name"]),
            admin=bool(model.get("admin", False)),
            created=parse_time(model.get("created")),
            last_activity=parse_time(model.get("last_activity")),
            server=_server_state(model),
        )

    def idle_days(self, now: datetime) -> float:
        """Days since the last activity, or since creation for never-active users
        (a user created yesterday is not idle for months); 0 when neither is known."""
        since = self.last_activity or self.created
        if since is None:
            return 0.0
        return max(0.0, (now - since).total_seconds() / 86400)

    def summary(self, now: datetime) -> dict[str, Any]:
        """Plain data for action results."""
        return {
            "name": self.name,
            "admin": self.admin,
            "last_activity": format_time(self.last_activity),
            "created": format_time(self.created),
            "idle_days": round(self.idle_days(now), 1),
            "server": self.server.value,
        }


def _server_state(model: Mapping[str, Any]) -> ServerState:
    """The default server's state from a user model's ``pending``/``server`` fields."""
    pending = model.get("pending")
    server = (model.get("servers") or {}).get("")
    if server is not None:
        pending = server.get("pending", pending)
    if pending == "spawn":
        return ServerState.STARTING
    if pending == "stop":
        return ServerState.STOPPING
    if model.get("server") or (server is not None and server.get("ready")):
        return ServerState.RUNNING
    return ServerState.STOPPED
