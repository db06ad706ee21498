"""One polling pass of the ``hypervisor.state`` sensor.

``observe`` reads every hypervisor from ONE paginated hypervisor listing of the
Query library (service status and disabled reason, state up/down, server count,
uptime). ``poll_once`` classifies each one against its remembered state, calls
``dispatch`` with the trigger payload for every hypervisor whose state changed (or
that has no remembered state: first sight, or its memory expired), and only then
stores the new memory with ``state_ttl``. The TTL is written on a change only, so an
unchanged state is re-announced (``previous_state: null``) once per TTL: nothing
stays stuck forever, and a rule whose action failed gets another chance.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hypervisor_lifecycle.states import (
    Classification,
    HypervisorState,
    Memory,
    Observation,
    classify,
)
from openstack_api.hypervisors import parse_uptime
from openstack_query import HypervisorQuery
from pack_common import ConfigError, KeyValueStore

TRIGGER = "openstack_ops.hypervisor.state_change"
CONFIG_KEY = "hypervisor_sensor"
STORE_NAMESPACE = "hypervisor.state."

DEFAULT_POLL_INTERVAL = 300
DEFAULT_UPTIME_LIMIT_DAYS = 180
DEFAULT_STATE_TTL = 86400

_COLUMNS = ("name", "status", "state", "disabled_reason", "server_count", "uptime")


@dataclass(frozen=True)
class SensorSettings:
    """The pack config ``hypervisor_sensor`` entry, validated."""

    cloud_account: str | None = None
    poll_interval: int = DEFAULT_POLL_INTERVAL
    uptime_limit_days: float = DEFAULT_UPTIME_LIMIT_DAYS
    state_ttl: int = DEFAULT_STATE_TTL

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SensorSettings:
        """Read ``hypervisor_sensor`` (all keys optional); raise ``ConfigError``."""
        entry = config.get(CONFIG_KEY) or {}
        if not isinstance(entry, Mapping):
            raise ConfigError(f"pack config {CONFIG_KEY!r} must be a mapping")

        def positive(key: str, default: float, kind: type) -> Any:
            value = entry.get(key)
            if value is None:
                return default
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ConfigError(f"{CONFIG_KEY}.{key} must be a number, got {value!r}")
            if value <= 0 or (kind is int and value != int(value)):
                raise ConfigError(
                    f"{CONFIG_KEY}.{key} must be a positive {kind.__name__}, "
                    f"got {value!r}"
                )
            return kind(value)

        cloud = entry.get("cloud_account")
        if cloud is not None and not isinstance(cloud, str):
            raise ConfigError(f"{CONFIG_KEY}.cloud_account must be a string")
        return cls(
            cloud_account=cloud or None,
            poll_interval=positive("poll_interval", DEFAULT_POLL_INTERVAL, int),
            uptime_limit_days=positive(
                "uptime_limit_days", DEFAULT_UPTIME_LIMIT_DAYS, float
            ),
            state_ttl=positive("state_ttl", DEFAULT_STATE_TTL, int),
        )


@dataclass(frozen=True)
class Transition:
    """A hypervisor whose state changed (what the sensor dispatches)."""

    hypervisor_name: str
    previous_state: HypervisorState | None
    current: Classification
    observed_at: datetime

    def payload(self) -> dict[str, Any]:
        """The trigger payload (see ``sensors/hypervisor_state.yaml``)."""
        return {
            "hypervisor_name": self.hypervisor_name,
            "previous_state": (
                self.previous_state.value if self.previous_state else None
            ),
            "current_state": self.current.state.value,
            "reason": self.current.reason,
            "observed_at": self.observed_at.astimezone(UTC).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            ),
        }


def _count(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def observation_from_row(row: Mapping[str, Any]) -> Observation:
    """An ``Observation`` from a Query row with the ``_COLUMNS``."""
    uptime = row.get("uptime")
    return Observation(
        name=str(row.get("name") or ""),
        status=row.get("status"),
        state=row.get("state"),
        disabled_reason=row.get("disabled_reason") or None,
        server_count=_count(row.get("server_count")),
        uptime_seconds=(
            uptime
            if isinstance(uptime, int) and not isinstance(uptime, bool)
            else parse_uptime(uptime if isinstance(uptime, str) else None)
        ),
    )


def observe(conn: Any) -> list[Observation]:
    """Every hypervisor, from one hypervisor listing (servers ride along)."""
    rows = HypervisorQuery().select(*_COLUMNS).run(conn).to_props()
    assert isinstance(rows, list)
    return sorted(
        (observation_from_row(r) for r in rows if r.get("name")),
        key=lambda o: o.name,
    )


def load_memory(
    store: KeyValueStore, name: str, warn: Callable[[str], None]
) -> Memory | None:
    """The remembered state of ``name``; an unreadable one is reported and dropped."""
    raw = store.get(name)
    if raw is None:
        return None
    try:
        return Memory.from_json(raw)
    except ValueError as exc:
        warn(f"hypervisor {name!r}: ignoring unreadable stored state: {exc}")
        return None


def poll_once(
    observations: list[Observation],
    store: KeyValueStore,
    settings: SensorSettings,
    dispatch: Callable[[dict[str, Any]], None],
    warn: Callable[[str], None],
    now: datetime,
) -> list[Transition]:
    """Classify every observation, dispatch and remember the changes.

    A failure for one hypervisor (dispatch or store) is reported through ``warn``
    and does not stop the others; its memory is not written, so the change is
    dispatched again next time.
    """
    transitions: list[Transition] = []
    for obs in observations:
        previous = load_memory(store, obs.name, warn)
        current = classify(obs, settings.uptime_limit_days, previous)
        if previous is not None and previous.state == current.state:
            continue
        transition = Transition(
            obs.name, previous.state if previous else None, current, now
        )
        try:
            dispatch(transition.payload())
            store.set(
                obs.name,
                current.remember(obs, previous).to_json(),
                ttl=settings.state_ttl,
            )
        except Exception as exc:  # one hypervisor must not stop the others
            warn(f"hypervisor {obs.name!r}: {type(exc).__name__}: {exc}")
            continue
        transitions.append(transition)
    return transitions
