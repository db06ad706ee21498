"""Rules for rule metadata (``rules/*.yaml``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tools.pack_lint.context import PackContext, TriggerInfo
from tools.pack_lint.core import CRITERIA_OPERATORS, UNARY_OPERATORS
from tools.pack_lint.problems import Problem, key_path
from tools.pack_lint.references import (
    check_action_parameters,
    payload_fields,
    referenced_trigger_fields,
    resolve_action,
)

ALLOWED_KEYS = frozenset(
    {
        "name",
        "pack",
        "description",
        "enabled",
        "trigger",
        "criteria",
        "action",
        "tags",
        "type",
        "context",
    }
)
TRIGGER_KEYS = frozenset({"type", "parameters", "description"})
ACTION_KEYS = frozenset({"ref", "parameters", "description"})
CRITERION_KEYS = frozenset({"type", "pattern"})


def check_rules(ctx: PackContext) -> list[Problem]:
    """Check every rule file."""
    problems: list[Problem] = []
    for meta in ctx.files.get("rules", []):
        if isinstance(meta.data, dict):
            problems.extend(check_rule(ctx, meta.path, meta.data))
    return problems


def check_rule(ctx: PackContext, file: str, data: Mapping[str, Any]) -> list[Problem]:
    """Check one rule: keys, explicit enabled, trigger, criteria, action."""
    problems: list[Problem] = []

    def report(key: str, message: str) -> None:
        problems.append(Problem(file, key, message))

    for key in data:
        if key not in ALLOWED_KEYS:
            report(str(key), f"unknown rule key {key!r} (StackStorm rejects it)")
    if not isinstance(data.get("name"), str) or not data["name"]:
        report("name", "missing required key 'name'")
    if "enabled" not in data:
        report("enabled", "write 'enabled' explicitly (a rule defaults to DISABLED)")
    elif not isinstance(data["enabled"], bool):
        report("enabled", "must be a boolean")
    if "pack" in data and data["pack"] != ctx.pack_ref:
        report("pack", f"pack {data['pack']!r} is not this pack's ref {ctx.pack_ref!r}")
    trigger = _check_trigger(ctx, file, data.get("trigger"), report)
    _check_criteria(file, data.get("criteria"), trigger, report)
    problems.extend(_check_action(ctx, file, data.get("action"), trigger))
    return problems


def _check_trigger(
    ctx: PackContext, file: str, trigger: Any, report: Any
) -> TriggerInfo | None:
    """``trigger.type`` names a trigger of this pack or of StackStorm's core."""
    if not isinstance(trigger, Mapping):
        report("trigger", "missing required 'trigger' mapping with a 'type'")
        return None
    for key in trigger:
        if key not in TRIGGER_KEYS:
            report(key_path("trigger", str(key)), f"unknown trigger key {key!r}")
    ref = trigger.get("type")
    if not isinstance(ref, str) or not ref:
        report("trigger.type", "missing required 'trigger.type' (a trigger ref)")
        return None
    info = ctx.triggers.get(ref)
    if info is None:
        own = sorted(r for r in ctx.triggers if r.startswith(f"{ctx.pack_ref}."))
        hint = f"; this pack's triggers: {', '.join(own)}" if own else ""
        report(
            "trigger.type",
            f"unknown trigger {ref!r}: not declared by a sensor of this pack nor a "
            f"StackStorm core trigger{hint}",
        )
        return None
    params = trigger.get("parameters") or {}
    if not isinstance(params, Mapping):
        report("trigger.parameters", "must be a mapping")
    elif info.file is None:
        for name in params:
            if name not in info.parameters:
                report(
                    key_path("trigger.parameters", str(name)),
                    f"{ref} has no parameter {name!r}",
                )
        for name, required in info.parameters.items():
            if required and name not in params:
                report("trigger.parameters", f"{ref} needs parameter {name!r}")
    return info


def _check_criteria(
    file: str, criteria: Any, trigger: TriggerInfo | None, report: Any
) -> None:
    """Criteria keys are ``trigger.<field>[#n]``, each with a known operator."""
    if criteria is None:
        return
    if not isinstance(criteria, Mapping):
        report("criteria", "must be a mapping of 'trigger.<field>' to {type, pattern}")
        return
    fields = payload_fields(trigger) if trigger is not None else None
    for raw_key, criterion in criteria.items():
        key = key_path("criteria", str(raw_key))
        path = str(raw_key).split("#", 1)[0]
        if not path.startswith("trigger."):
            report(key, f"criteria key {raw_key!r} must start with 'trigger.'")
        elif fields is not None and path.split(".")[1] not in fields:
            report(
                key,
                f"{path.split('.')[1]!r} is not a field of the trigger's payload "
                f"({', '.join(sorted(fields)) or 'none'})",
            )
        if not isinstance(criterion, Mapping):
            report(key, "must be a mapping with 'type' and 'pattern'")
            continue
        for name in criterion:
            if name not in CRITERION_KEYS:
                report(key_path(key, str(name)), f"unknown criterion key {name!r}")
        operator = criterion.get("type")
        if operator is None:
            report(
                key_path(key, "type"), "missing the operator 'type' (it is mandatory)"
            )
        elif operator not in CRITERIA_OPERATORS:
            report(
                key_path(key, "type"),
                f"unknown criteria operator {operator!r} "
                f"(one of {', '.join(sorted(CRITERIA_OPERATORS))})",
            )
        elif operator not in UNARY_OPERATORS and "pattern" not in criterion:
            report(key_path(key, "pattern"), f"operator {operator!r} needs a 'pattern'")


def _check_action(
    ctx: PackContext, file: str, action: Any, trigger: TriggerInfo | None
) -> list[Problem]:
    """``action.ref`` exists and ``action.parameters`` are its parameters."""
    if not isinstance(action, Mapping):
        return [
            Problem(file, "action", "missing required 'action' mapping with a 'ref'")
        ]
    problems = [
        Problem(file, key_path("action", str(k)), f"unknown action key {k!r}")
        for k in action
        if k not in ACTION_KEYS
    ]
    info, errors = resolve_action(ctx, file, "action.ref", action.get("ref"))
    problems.extend(errors)
    if info is None:
        return problems
    values = action.get("parameters")
    problems.extend(
        check_action_parameters(
            file, "action.parameters", info, values, require_required=True
        )
    )
    fields = payload_fields(trigger) if trigger is not None else None
    if fields is not None and isinstance(values, Mapping):
        for name, value in values.items():
            for field in sorted(referenced_trigger_fields(value) - fields):
                problems.append(
                    Problem(
                        file,
                        key_path("action.parameters", str(name)),
                        f"'trigger.{field}' is not a field of {trigger.ref}'s payload",
                    )
                )
    return problems
