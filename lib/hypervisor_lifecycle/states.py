"""The life-cycle states of a hypervisor and the pure function that decides them.

``classify`` looks at one observation of a hypervisor (compute service status and
disabled reason, up/down, server count, uptime) plus what was remembered from the
previous polls, and returns the state with a human-readable reason. It does no I/O.

Precedence, first match wins:

1. UNKNOWN: the service status is not enabled/disabled or the state not up/down.
2. DOWN: the compute service is down (its heartbeat stopped, or forced down).
3. Disabled by a person (the reason lacks the pack's marker): DISABLED.
4. Disabled by the pack: DRAINING while it still has servers; when empty, REBOOTED
   if it was DRAINED with its uptime over the limit and the uptime is now back under
   it (a REBOOTED host stays REBOOTED until it is enabled again), else DRAINED.
   Unknown server count: UNKNOWN.
5. Enabled: PENDING_MAINTENANCE when the uptime is over the limit; else EMPTY
   without servers, RUNNING with servers (unknown server count: UNKNOWN).

An unknown uptime is never over the limit. A DOWN or UNKNOWN observation keeps the
last "up" state in memory, so a drained host that goes down for its reboot and comes
back with a low uptime is still recognised as REBOOTED.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from openstack_api.compute_services import disabled_by_pack

SECONDS_PER_DAY = 86400


class HypervisorState(StrEnum):
    """Where a hypervisor is in its life cycle (the trigger's state values)."""

    RUNNING = "RUNNING"
    PENDING_MAINTENANCE = "PENDING_MAINTENANCE"
    DRAINING = "DRAINING"
    DRAINED = "DRAINED"
    REBOOTED = "REBOOTED"
    EMPTY = "EMPTY"
    DOWN = "DOWN"
    DISABLED = "DISABLED"
    UNKNOWN = "UNKNOWN"


#: States that say nothing about the host itself (its last "up" state is kept).
TRANSIENT_STATES = frozenset({HypervisorState.DOWN, HypervisorState.UNKNOWN})


def reason_is_from_pack(reason: str | None) -> bool:
    """A disabled reason written by this pack (``compute_services.PACK_MARKER``)."""
    return disabled_by_pack(reason)


@dataclass(frozen=True)
class Observation:
    """One hypervisor as one listing shows it."""

    name: str
    status: str | None  # compute service: "enabled" / "disabled"
    state: str | None  # compute service: "up" / "down"
    disabled_reason: str | None
    server_count: int | None
    uptime_seconds: int | None


@dataclass(frozen=True)
class Memory:
    """What the sensor remembers of a hypervisor between polls."""

    state: HypervisorState
    last_up_state: HypervisorState | None = None
    last_up_uptime_seconds: int | None = None

    def to_json(self) -> dict[str, Any]:
        """Plain data for the datastore."""
        return {
            "state": self.state.value,
            "last_up_state": self.last_up_state.value if self.last_up_state else None,
            "last_up_uptime_seconds": self.last_up_uptime_seconds,
        }

    @classmethod
    def from_json(cls, data: Any) -> Memory:
        """Inverse of ``to_json``; raises ``ValueError`` on anything else."""
        if not isinstance(data, dict):
            raise ValueError(f"stored hypervisor state is not a mapping: {data!r}")
        last = data.get("last_up_state")
        uptime = data.get("last_up_uptime_seconds")
        if uptime is not None and (
            isinstance(uptime, bool) or not isinstance(uptime, int)
        ):
            raise ValueError(f"stored uptime is not an integer: {uptime!r}")
        return cls(
            state=HypervisorState(str(data.get("state"))),
            last_up_state=HypervisorState(last) if last is not None else None,
            last_up_uptime_seconds=uptime,
        )


@dataclass(frozen=True)
class Classification:
    """The state a hypervisor is in, and why."""

    state: HypervisorState
    reason: str

    def remember(self, observation: Observation, previous: Memory | None) -> Memory:
        """The memory to keep after this classification."""
        if self.state in TRANSIENT_STATES:
            return Memory(
                state=self.state,
                last_up_state=previous.last_up_state if previous else None,
                last_up_uptime_seconds=(
                    previous.last_up_uptime_seconds if previous else None
                ),
            )
        return Memory(
            state=self.state,
            last_up_state=self.state,
            last_up_uptime_seconds=observation.uptime_seconds,
        )


def _days(seconds: int) -> str:
    return f"{seconds / SECONDS_PER_DAY:.1f} days"


def _servers(count: int) -> str:
    return f"{count} server{'s' if count != 1 else ''}"


def classify(
    observation: Observation,
    uptime_limit_days: float,
    previous: Memory | None = None,
    from_pack: Callable[[str | None], bool] = reason_is_from_pack,
) -> Classification:
    """Classify one hypervisor (see the module docstring for the precedence).

    ``uptime_limit_days``: an uptime strictly over it means maintenance is due.
    ``previous``: the memory of earlier polls (None when there is none).
    ``from_pack``: tells a disabled reason written by this pack from a person's.
    """
    obs = observation
    limit = uptime_limit_days * SECONDS_PER_DAY
    uptime = obs.uptime_seconds
    over_limit = uptime is not None and uptime > limit
    uptime_text = (
        f"uptime {_days(uptime)}" if uptime is not None else "uptime unknown"
    ) + f" (limit {uptime_limit_days:g} days)"
    if obs.status not in ("enabled", "disabled") or obs.state not in ("up", "down"):
        return Classification(
            HypervisorState.UNKNOWN,
            f"compute service status {obs.status!r}, state {obs.state!r}",
        )
    if obs.state == "down":
        return Classification(
            HypervisorState.DOWN, f"compute service is down ({obs.status})"
        )
    count = obs.server_count
    if obs.status == "disabled":
        reason = obs.disabled_reason or ""
        if not from_pack(obs.disabled_reason):
            return Classification(
                HypervisorState.DISABLED,
                (
                    f"disabled by a person: {reason!r}"
                    if reason
                    else "disabled, no reason"
                ),
            )
        if count is None:
            return Classification(
                HypervisorState.UNKNOWN,
                f"disabled by the pack ({reason!r}), server count unknown",
            )
        if count > 0:
            return Classification(
                HypervisorState.DRAINING,
                f"disabled by the pack ({reason!r}), {_servers(count)} left",
            )
        last = previous.last_up_state if previous else None
        last_uptime = previous.last_up_uptime_seconds if previous else None
        back_under = uptime is not None and not over_limit
        was_drained_over = (
            last == HypervisorState.DRAINED
            and last_uptime is not None
            and last_uptime > limit
        )
        if back_under and (was_drained_over or last == HypervisorState.REBOOTED):
            return Classification(
                HypervisorState.REBOOTED,
                f"disabled by the pack ({reason!r}), empty, {uptime_text}: "
                "rebooted after the drain",
            )
        return Classification(
            HypervisorState.DRAINED,
            f"disabled by the pack ({reason!r}), empty, {uptime_text}",
        )
    if over_limit:
        assert uptime is not None
        servers = _servers(count) if count is not None else "server count unknown"
        return Classification(
            HypervisorState.PENDING_MAINTENANCE,
            f"uptime {_days(uptime)} is over the limit of {uptime_limit_days:g} days, "
            f"{servers}",
        )
    if count is None:
        return Classification(
            HypervisorState.UNKNOWN,
            f"enabled and up, server count unknown, {uptime_text}",
        )
    if count == 0:
        return Classification(
            HypervisorState.EMPTY, f"enabled and up, no servers, {uptime_text}"
        )
    return Classification(
        HypervisorState.RUNNING, f"enabled and up, {_servers(count)}, {uptime_text}"
    )
