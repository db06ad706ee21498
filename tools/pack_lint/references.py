"""Shared checks for metadata that points at an action: does it exist, which params."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from tools.pack_lint.context import ActionInfo, PackContext, TriggerInfo
from tools.pack_lint.problems import Problem, key_path

_TRIGGER_FIELD = re.compile(r"\btrigger\.(\w+)")


def resolve_action(
    ctx: PackContext, file: str, key: str, ref: Any
) -> tuple[ActionInfo | None, list[Problem]]:
    """The action ``ref`` names, or a problem saying it does not exist."""
    if not isinstance(ref, str) or not ref:
        return None, [Problem(file, key, "missing action ref ('<pack>.<action>')")]
    action = ctx.actions.get(ref)
    if action is None:
        own = sorted(r for r in ctx.actions if r.startswith(f"{ctx.pack_ref}."))
        hint = f"; this pack's actions: {', '.join(own)}" if own else ""
        return None, [Problem(file, key, f"unknown action {ref!r}{hint}")]
    return action, []


def check_action_parameters(
    file: str,
    key: str,
    action: ActionInfo,
    values: Any,
    *,
    require_required: bool,
) -> list[Problem]:
    """Only the action's (and its runner's) parameters; immutable ones are not set.

    With ``require_required`` a required parameter without a default must be given
    (a rule's execution would otherwise fail).
    """
    if values is None:
        values = {}
    if not isinstance(values, Mapping):
        return [Problem(file, key, "must be a mapping of parameter name to value")]
    problems: list[Problem] = []
    known = action.all_parameters
    for name in values:
        spec = known.get(name)
        if spec is None:
            problems.append(
                Problem(
                    file,
                    key_path(key, str(name)),
                    f"action {action.ref!r} has no parameter {name!r} "
                    f"(it has: {', '.join(sorted(known)) or 'none'})",
                )
            )
        elif isinstance(spec, Mapping) and spec.get("immutable") is True:
            problems.append(
                Problem(
                    file,
                    key_path(key, str(name)),
                    f"parameter {name!r} of {action.ref!r} is immutable and cannot be set",
                )
            )
    if require_required:
        for name, spec in action.parameters.items():
            if (
                isinstance(spec, Mapping)
                and spec.get("required") is True
                and "default" not in spec
                and name not in values
            ):
                problems.append(
                    Problem(
                        file,
                        key,
                        f"required parameter {name!r} of {action.ref!r} is not given",
                    )
                )
    return problems


def payload_fields(trigger: TriggerInfo) -> set[str] | None:
    """Top-level payload fields of a trigger, or None when any field may occur."""
    schema = trigger.payload_schema
    if not isinstance(schema, Mapping) or not isinstance(
        schema.get("properties"), Mapping
    ):
        return None
    if schema.get("additionalProperties", True) is not False and trigger.file is None:
        return None
    return set(schema["properties"])


def referenced_trigger_fields(value: Any) -> set[str]:
    """Names ``x`` of every ``trigger.x`` inside (nested) string values."""
    if isinstance(value, str):
        return set(_TRIGGER_FIELD.findall(value))
    if isinstance(value, Mapping):
        return set().union(*(referenced_trigger_fields(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(referenced_trigger_fields(v) for v in value))
    return set()
