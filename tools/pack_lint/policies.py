"""Rules for policies (``policies/*.yaml``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tools.pack_lint.context import PackContext
from tools.pack_lint.problems import Problem, key_path
from tools.pack_lint.references import resolve_action

ALLOWED_KEYS = frozenset(
    {
        "name",
        "pack",
        "description",
        "enabled",
        "resource_ref",
        "policy_type",
        "parameters",
    }
)

#: Policy types and their parameters: name -> (required, allowed values or type).
POLICY_TYPES: dict[str, dict[str, tuple[bool, Any]]] = {
    "action.concurrency": {
        "threshold": (True, int),
        "action": (False, ("delay", "cancel")),
    },
    "action.concurrency.attr": {
        "threshold": (True, int),
        "action": (False, ("delay", "cancel")),
        "attributes": (True, list),
    },
    "action.retry": {
        "retry_on": (True, ("failure", "timeout")),
        "max_retry_count": (False, int),
        "delay": (False, int),
    },
}


def check_policies(ctx: PackContext) -> list[Problem]:
    """Check every policy file."""
    problems: list[Problem] = []
    for meta in ctx.files.get("policies", []):
        if isinstance(meta.data, dict):
            problems.extend(check_policy(ctx, meta.path, meta.data))
    return problems


def check_policy(ctx: PackContext, file: str, data: Mapping[str, Any]) -> list[Problem]:
    """A known policy type on an existing action, with that type's parameters."""
    problems = [
        Problem(file, str(k), f"unknown policy key {k!r}")
        for k in data
        if k not in ALLOWED_KEYS
    ]
    if not isinstance(data.get("name"), str) or not data["name"]:
        problems.append(Problem(file, "name", "missing required key 'name'"))
    if "enabled" in data and not isinstance(data["enabled"], bool):
        problems.append(Problem(file, "enabled", "must be a boolean"))
    action, errors = resolve_action(ctx, file, "resource_ref", data.get("resource_ref"))
    problems.extend(errors)
    policy_type = data.get("policy_type")
    spec = POLICY_TYPES.get(policy_type) if isinstance(policy_type, str) else None
    if spec is None:
        problems.append(
            Problem(
                file,
                "policy_type",
                f"unknown policy type {policy_type!r} "
                f"(one of {', '.join(sorted(POLICY_TYPES))})",
            )
        )
        return problems
    params = data.get("parameters") or {}
    if not isinstance(params, Mapping):
        problems.append(Problem(file, "parameters", "must be a mapping"))
        return problems
    for name, value in params.items():
        key = key_path("parameters", str(name))
        if name not in spec:
            problems.append(
                Problem(file, key, f"{policy_type} has no parameter {name!r}")
            )
            continue
        expected = spec[name][1]
        if isinstance(expected, tuple):
            if value not in expected:
                problems.append(Problem(file, key, f"must be one of {list(expected)}"))
        elif isinstance(value, bool) or not isinstance(value, expected):
            problems.append(Problem(file, key, f"must be of type {expected.__name__}"))
    for name, (required, _) in spec.items():
        if required and name not in params:
            problems.append(
                Problem(file, "parameters", f"{policy_type} needs parameter {name!r}")
            )
    attributes = params.get("attributes")
    if action is not None and isinstance(attributes, list):
        for index, attr in enumerate(attributes):
            if attr not in action.parameters:
                problems.append(
                    Problem(
                        file,
                        key_path("parameters", "attributes", index),
                        f"{attr!r} is not a parameter of {action.ref!r}",
                    )
                )
    return problems
