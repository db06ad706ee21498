"""One polling pass: dispatch on change only, TTL re-announce, payload schema."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from st2common.util.schema import CustomValidator, validate

from hypervisor_lifecycle.poll import (
    CONFIG_KEY,
    TRIGGER,
    SensorSettings,
    observation_from_row,
    poll_once,
)
from hypervisor_lifecycle.states import SECONDS_PER_DAY, HypervisorState, Observation
from openstack_api.compute_services import PACK_MARKER
from pack_common import ActionServiceStore, ConfigError
from tools.testing.datastore import DatastoreService, ManualClock

PACK_DIR = Path(__file__).resolve().parents[3]
NOW = datetime(2030, 2, 1, 8, 0, tzinfo=UTC)
TTL = 3600


def trigger_schema() -> dict[str, Any]:
    meta = yaml.safe_load((PACK_DIR / "sensors" / "hypervisor_state.yaml").read_text())
    (trigger,) = meta["trigger_types"]
    assert trigger["name"] == "hypervisor.state_change"
    return trigger["payload_schema"]


def st2_validate(payload: dict[str, Any]) -> None:
    """Validate a payload as StackStorm's trigger dispatcher does (raises if invalid)."""
    validate(
        payload,
        trigger_schema(),
        cls=CustomValidator,
        use_default=True,
        allow_default_none=True,
    )


def st2_accepts(payload: dict[str, Any]) -> bool:
    """Whether StackStorm's trigger dispatcher would dispatch ``payload``."""
    try:
        st2_validate(payload)
    except jsonschema.ValidationError:
        return False
    return True


class Harness:
    """poll_once with a datastore on a manual clock, recording dispatches."""

    def __init__(self, limit_days: float = 30) -> None:
        self.clock = ManualClock()
        self.service = DatastoreService(
            pack_name="openstack_ops",
            class_name="HypervisorStateSensor",
            clock=self.clock,
        )
        self.store = ActionServiceStore(self.service, namespace="hypervisor.state.x.")
        self.settings = SensorSettings(uptime_limit_days=limit_days, state_ttl=TTL)
        self.dispatched: list[dict[str, Any]] = []
        self.warnings: list[str] = []

    def dispatch(self, payload: dict[str, Any]) -> None:
        st2_validate(payload)
        self.dispatched.append(payload)

    def poll(self, *observations: Observation) -> list[tuple[str, str | None, str]]:
        before = len(self.dispatched)
        poll_once(
            list(observations),
            self.store,
            self.settings,
            self.dispatch,
            self.warnings.append,
            now=NOW,
        )
        return [
            (p["hypervisor_name"], p["previous_state"], p["current_state"])
            for p in self.dispatched[before:]
        ]


def hv(name: str, **kw: Any) -> Observation:
    values: dict[str, Any] = {
        "status": "enabled",
        "state": "up",
        "disabled_reason": None,
        "server_count": 2,
        "uptime_seconds": SECONDS_PER_DAY,
    }
    values.update(kw)
    return Observation(name=name, **values)


def test_dispatches_first_sight_then_only_changes() -> None:
    h = Harness()
    assert h.poll(hv("a"), hv("b", state="down")) == [
        ("a", None, "RUNNING"),
        ("b", None, "DOWN"),
    ]
    assert h.poll(hv("a"), hv("b", state="down")) == []
    assert h.poll(
        hv("a", uptime_seconds=31 * SECONDS_PER_DAY), hv("b", state="down")
    ) == [("a", "RUNNING", "PENDING_MAINTENANCE")]
    assert h.warnings == []
    assert h.dispatched[0]["observed_at"] == "2030-02-01T08:00:00Z"
    assert "reason" in h.dispatched[0] and h.dispatched[0]["reason"]


def test_maintenance_cycle_through_reboot() -> None:
    h = Harness(limit_days=30)
    over = 40 * SECONDS_PER_DAY
    reason = f"{PACK_MARKER} maintenance: uptime"
    steps = [
        (hv("a", uptime_seconds=over - 20 * SECONDS_PER_DAY), "RUNNING"),
        (hv("a", uptime_seconds=over), "PENDING_MAINTENANCE"),
        (
            hv("a", status="disabled", disabled_reason=reason, uptime_seconds=over),
            "DRAINING",
        ),
        (
            hv(
                "a",
                status="disabled",
                disabled_reason=reason,
                server_count=0,
                uptime_seconds=over,
            ),
            "DRAINED",
        ),
        (
            hv(
                "a",
                status="disabled",
                state="down",
                disabled_reason=reason,
                server_count=0,
            ),
            "DOWN",
        ),
        (
            hv(
                "a",
                status="disabled",
                disabled_reason=reason,
                server_count=0,
                uptime_seconds=300,
            ),
            "REBOOTED",
        ),
        (hv("a", server_count=0, uptime_seconds=900), "EMPTY"),
    ]
    seen = [h.poll(o)[0][2] for o, _ in steps]
    assert seen == [s for _, s in steps]


def test_ttl_expiry_re_announces_with_no_previous_state() -> None:
    h = Harness()
    assert h.poll(hv("a")) == [("a", None, "RUNNING")]
    h.clock.advance(TTL - 1)
    assert h.poll(hv("a")) == []
    h.clock.advance(2)
    assert h.poll(hv("a")) == [("a", None, "RUNNING")]
    assert h.poll(hv("a")) == []


def test_ttl_is_written_on_change_only() -> None:
    h = Harness()
    h.poll(hv("a"))
    h.clock.advance(TTL / 2)
    h.poll(hv("a"))  # unchanged: the stored state (and its expiry) is not rewritten
    h.clock.advance(TTL / 2 + 1)
    assert h.poll(hv("a")) == [("a", None, "RUNNING")]


def test_a_failing_dispatch_is_not_remembered_and_does_not_stop_the_others() -> None:
    h = Harness()
    calls: list[str] = []

    def dispatch(payload: dict[str, Any]) -> None:
        calls.append(payload["hypervisor_name"])
        if payload["hypervisor_name"] == "a":
            raise RuntimeError("message bus down")

    poll_once([hv("a"), hv("b")], h.store, h.settings, dispatch, h.warnings.append, NOW)
    assert calls == ["a", "b"]
    assert h.store.get("a") is None
    assert h.store.get("b") == {
        "state": "RUNNING",
        "last_up_state": "RUNNING",
        "last_up_uptime_seconds": SECONDS_PER_DAY,
    }
    assert len(h.warnings) == 1 and "'a'" in h.warnings[0]
    assert "message bus down" in h.warnings[0]
    assert h.poll(hv("a"), hv("b")) == [("a", None, "RUNNING")]


def test_unreadable_memory_is_reported_and_replaced() -> None:
    h = Harness()
    h.store.set("a", {"state": "SLEEPING"})
    assert h.poll(hv("a")) == [("a", None, "RUNNING")]
    assert len(h.warnings) == 1 and "SLEEPING" in h.warnings[0]
    assert h.store.get("a")["state"] == "RUNNING"


def test_dispatched_ref_is_the_declared_trigger() -> None:
    meta = yaml.safe_load((PACK_DIR / "sensors" / "hypervisor_state.yaml").read_text())
    pack = yaml.safe_load((PACK_DIR / "pack.yaml").read_text())
    assert TRIGGER == f"{pack['ref']}.{meta['trigger_types'][0]['name']}"


def test_payload_schema_lists_exactly_the_states() -> None:
    schema = trigger_schema()
    states = [s.value for s in HypervisorState]
    assert schema["properties"]["current_state"]["enum"] == states
    assert schema["properties"]["previous_state"]["enum"] == [*states, None]
    assert schema["additionalProperties"] is False
    good = {
        "hypervisor_name": "hv1",
        "previous_state": None,
        "current_state": "DOWN",
        "reason": "compute service is down",
        "observed_at": "2030-02-01T08:00:00Z",
    }
    assert st2_accepts(good)
    assert not st2_accepts({**good, "current_state": "SLEEPING"})
    assert not st2_accepts({**good, "previous_state": "SLEEPING"})
    assert not st2_accepts({**good, "extra": 1})
    for field in good:
        assert not st2_accepts({k: v for k, v in good.items() if k != field}), field


def test_observation_from_query_row() -> None:
    row = {
        "name": "hv1",
        "status": "disabled",
        "state": "up",
        "disabled_reason": "",
        "server_count": 4,
        "uptime": " 08:32:11 up 93 days, 18:25,  1 user,  load average: 0.1",
    }
    o = observation_from_row(row)
    assert o.disabled_reason is None
    assert o.server_count == 4
    assert o.uptime_seconds == 93 * SECONDS_PER_DAY + 18 * 3600 + 25 * 60
    assert observation_from_row({**row, "uptime": None}).uptime_seconds is None
    assert observation_from_row({**row, "uptime": "garbage"}).uptime_seconds is None
    assert observation_from_row({**row, "uptime": 120}).uptime_seconds == 120
    assert observation_from_row({**row, "server_count": None}).server_count is None


def test_settings_defaults_and_validation() -> None:
    assert SensorSettings.from_config({}) == SensorSettings()
    settings = SensorSettings.from_config(
        {
            CONFIG_KEY: {
                "cloud_account": "prod",
                "poll_interval": 60,
                "uptime_limit_days": 365,
                "state_ttl": 7200,
            }
        }
    )
    assert settings == SensorSettings("prod", 60, 365.0, 7200)
    for bad in (
        {"poll_interval": 0},
        {"poll_interval": 1.5},
        {"uptime_limit_days": -1},
        {"state_ttl": "1h"},
        {"state_ttl": True},
        {"cloud_account": 3},
    ):
        with pytest.raises(ConfigError, match=CONFIG_KEY):
            SensorSettings.from_config({CONFIG_KEY: bad})
    with pytest.raises(ConfigError):
        SensorSettings.from_config({CONFIG_KEY: ["not", "a", "mapping"]})
