"""The hypervisor rules fire for exactly the transitions they should, and their action
parameters render against a sample payload into parameters the action accepts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from hypervisor_lifecycle.states import HypervisorState
from openstack_api.compute_services import disabled_by_pack
from tools.pack_meta import load_actions, validate_parameters
from tools.st2_criteria import (
    KeyValueLookup,
    cast_parameters,
    render_parameters,
    rule_matches,
)

PACK_DIR = Path(__file__).resolve().parents[2]
TRIGGER = "openstack_ops.hypervisor.state_change"
STATES = [s.value for s in HypervisorState]
ACTIONS = {f"openstack_ops.{a.name}": a for a in load_actions(PACK_DIR)}


def load_rules() -> dict[str, dict[str, Any]]:
    rules = {}
    for path in sorted((PACK_DIR / "rules").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        rules[data["name"]] = data
    return rules


RULES = load_rules()


def payload(
    previous: str | None, current: str, name: str = "devcloud-hv1"
) -> dict[str, Any]:
    return {
        "hypervisor_name": name,
        "previous_state": previous,
        "current_state": current,
        "reason": "uptime 200.0 days is over the limit of 180 days, 3 servers",
        "observed_at": "2030-02-01T08:00:00Z",
    }


#: rule -> (shipped enabled?, action, which (previous, current) transitions fire it)
EXPECTED: dict[str, tuple[bool, str, Callable[[str | None, str], bool]]] = {
    "hv.maintenance.notify": (
        True,
        "openstack_ops.email.users.with.vms.on.hv.maintenance",
        lambda p, c: p == "RUNNING" and c == "PENDING_MAINTENANCE",
    ),
    "hv.disable.for.maintenance": (
        False,
        "openstack_ops.hypervisor.service.disable",
        lambda p, c: c == "PENDING_MAINTENANCE",
    ),
    "hv.drain.for.maintenance": (
        False,
        "openstack_ops.hypervisor.drain",
        lambda p, c: p == "PENDING_MAINTENANCE" and c == "DRAINING",
    ),
    "hv.down.notify.ops": (
        True,
        "openstack_ops.email.ops.down.disabled.hypervisors",
        lambda p, c: c == "DOWN",
    ),
    "hv.maintenance.silence.start": (
        False,
        "openstack_ops.alertmanager.silence.create",
        lambda p, c: p == "PENDING_MAINTENANCE" and c == "DRAINING",
    ),
    "hv.maintenance.downtime.start": (
        False,
        "openstack_ops.icinga.downtime.schedule",
        lambda p, c: p == "PENDING_MAINTENANCE" and c == "DRAINING",
    ),
    "hv.maintenance.silence.finish": (
        False,
        "openstack_ops.alertmanager.silence.expire",
        lambda p, c: p == "REBOOTED" and c == "EMPTY",
    ),
    "hv.maintenance.downtime.finish": (
        False,
        "openstack_ops.icinga.downtime.remove",
        lambda p, c: p == "REBOOTED" and c == "EMPTY",
    ),
}

TRANSITIONS = [(p, c) for p in [None, *STATES] for c in STATES if p != c]


def test_every_hypervisor_rule_is_expected() -> None:
    on_trigger = {n for n, r in RULES.items() if r["trigger"]["type"] == TRIGGER}
    assert on_trigger == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_rule_fires_for_exactly_its_transitions(name: str) -> None:
    rule = RULES[name]
    enabled, action, fires = EXPECTED[name]
    assert rule["enabled"] is enabled
    assert rule["action"]["ref"] == action
    assert rule["criteria"], "an unconditional rule would fire on every change"
    fired = {(p, c) for p, c in TRANSITIONS if rule_matches(rule, payload(p, c))}
    wanted = {(p, c) for p, c in TRANSITIONS if fires(p, c)}
    assert fired == wanted
    assert fired, "the rule never fires"


#: The datastore values rules read (``{{ st2kv.system.<key> }}``), as an operator sets
#: them before enabling those rules.
DATASTORE = {"hv_maintenance_end": "2026-12-04T08:00:00+00:00"}


def rendered_parameters(
    name: str, sample: dict[str, Any], datastore: dict[str, str] | None = None
) -> dict[str, Any]:
    """The parameters the rule's action runs with: rendered, cast, defaults filled,
    validated against the action's parameters (as StackStorm does)."""
    rule = RULES[name]
    action = ACTIONS[rule["action"]["ref"]]
    system = KeyValueLookup(DATASTORE if datastore is None else datastore)
    rendered = render_parameters(
        rule["action"].get("parameters") or {},
        {"trigger": sample, "st2kv": {"system": system}},
    )
    values = cast_parameters(rendered, action.parameters)
    for param, spec in action.parameters.items():
        if param not in values and "default" in spec:
            values[param] = spec["default"]
    validate_parameters(action, values)
    for param, spec in action.parameters.items():
        if spec.get("immutable"):
            assert values[param] == spec["default"]
    return values


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_rule_parameters_render_into_valid_action_parameters(name: str) -> None:
    values = rendered_parameters(
        name, payload("RUNNING", "PENDING_MAINTENANCE", "hv-42")
    )
    assert "hv-42" in str(values), "the rule must act on the trigger's hypervisor"


def test_notifications_are_dry_runs_until_the_operator_enables_sending() -> None:
    for name in ("hv.maintenance.notify", "hv.down.notify.ops"):
        values = rendered_parameters(name, payload("RUNNING", "DOWN", "hv-42"))
        assert values["send_email"] is False
        assert values["hypervisor_names"] == ["hv-42"]
        assert values["campaign_id"].endswith("hv-42-2030-02-01T08:00:00Z")
    notify = rendered_parameters(
        "hv.maintenance.notify", payload("RUNNING", "DOWN", "x")
    )
    assert notify["all_projects"] is True


def test_disable_marks_its_reason_as_the_packs() -> None:
    values = rendered_parameters(
        "hv.disable.for.maintenance", payload("RUNNING", "PENDING_MAINTENANCE", "hv-42")
    )
    assert values["hypervisor"] == "hv-42"
    assert values["apply"] is True
    assert disabled_by_pack(values["reason"])
    assert "over the limit" in values["reason"]


def test_drain_confirms_the_hypervisor_it_drains() -> None:
    values = rendered_parameters(
        "hv.drain.for.maintenance", payload("PENDING_MAINTENANCE", "DRAINING", "hv-42")
    )
    assert values["hypervisor"] == values["confirm"] == "hv-42"
    assert values["apply"] is True


def test_jupyter_prune_rule_is_wired_and_disabled() -> None:
    rule = RULES["jupyter.prune_inactive"]
    assert rule["enabled"] is False
    sample = {
        "env": "training",
        "threshold_days": 90,
        "protected": False,
        "users": [{"name": "u1", "last_activity": None}],
    }
    assert rule_matches(rule, sample)
    assert not rule_matches(rule, {**sample, "protected": True})
    action = ACTIONS[rule["action"]["ref"]]
    rendered = render_parameters(rule["action"]["parameters"], {"trigger": sample})
    values = cast_parameters(rendered, action.parameters)
    assert values["users"] == ["u1"]
    validate_parameters(action, values)


@pytest.mark.parametrize(
    "name", ["hv.maintenance.silence.start", "hv.maintenance.downtime.start"]
)
def test_maintenance_window_end_per_host_else_the_shared_key(name: str) -> None:
    """hv_maintenance_end.<host> is this host's window; without it the shared
    hv_maintenance_end applies; with neither, end is empty and the action refuses
    it (naming 'end')."""
    sample = payload("PENDING_MAINTENANCE", "DRAINING", "hv-42")
    both = {
        "hv_maintenance_end": "2030-02-01T18:00:00Z",
        "hv_maintenance_end.hv-42": "2030-02-03T12:00:00Z",
        "hv_maintenance_end.hv-7": "2030-03-01T00:00:00Z",
    }
    assert rendered_parameters(name, sample, both)["end"] == "2030-02-03T12:00:00Z"
    shared = {"hv_maintenance_end": "2030-02-01T18:00:00Z"}
    assert rendered_parameters(name, sample, shared)["end"] == "2030-02-01T18:00:00Z"
    assert rendered_parameters(name, sample, {})["end"] == ""
    values = rendered_parameters(name, sample, shared)
    assert values["key"] == "maintenance:hv-42" and values["apply"] is True
    assert "alertmanager_account" not in RULES[name]["action"]["parameters"]
    assert "icinga_account" not in RULES[name]["action"]["parameters"]
