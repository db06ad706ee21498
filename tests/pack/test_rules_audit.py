"""The weekly audit rule: a disabled CronTimer rule whose parameters render into
valid audit.all parameters that mail one report per week."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tools.pack_lint.core import CORE_TRIGGERS
from tools.pack_meta import load_actions, validate_parameters
from tools.st2_criteria import cast_parameters, render_parameters

PACK_DIR = Path(__file__).resolve().parents[2]
RULE = yaml.safe_load((PACK_DIR / "rules" / "audit.weekly.report.yaml").read_text())
ACTIONS = {f"openstack_ops.{a.name}": a for a in load_actions(PACK_DIR)}


def rendered(executed_at: str) -> dict[str, Any]:
    """audit.all's parameters for a timer firing at ``executed_at``, as StackStorm
    renders, casts and defaults them."""
    action = ACTIONS[RULE["action"]["ref"]]
    values = cast_parameters(
        render_parameters(
            RULE["action"]["parameters"],
            {"trigger": {"executed_at": executed_at, "schedule": {}}},
        ),
        action.parameters,
    )
    for name, spec in action.inputs.items():
        if name not in values and "default" in spec:
            values[name] = spec["default"]
    validate_parameters(action, values)
    return values


def test_shipped_disabled_on_a_weekly_cron_timer() -> None:
    assert RULE["enabled"] is False
    trigger = RULE["trigger"]
    assert trigger["type"] == "core.st2.CronTimer"
    assert set(trigger["parameters"]) <= set(
        CORE_TRIGGERS[trigger["type"]]["parameters"]
    )
    assert trigger["parameters"]["day_of_week"] == "mon"
    assert RULE["action"]["ref"] == "openstack_ops.audit.all"


def test_each_week_is_its_own_mailed_campaign() -> None:
    monday = rendered("2030-02-04 06:00:00.000001+00:00")
    assert monday["send_email"] is True and monday["all_projects"] is True
    assert monday["campaign_id"] == "audit-all-2030-02-04"
    assert monday["workflow"] == "audit.all_audits"
    next_week = rendered("2030-02-11 06:00:00+00:00")
    assert next_week["campaign_id"] != monday["campaign_id"]
