"""Rules for ChatOps action aliases (``aliases/*.yaml``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from tools.pack_lint.context import PackContext
from tools.pack_lint.problems import Problem, key_path
from tools.pack_lint.references import check_action_parameters, resolve_action

ALLOWED_KEYS = frozenset(
    {
        "name",
        "pack",
        "description",
        "enabled",
        "action_ref",
        "formats",
        "ack",
        "result",
        "extra",
        "immutable_parameters",
    }
)
FORMAT_KEYS = frozenset({"display", "representation"})
#: ``{{ name }}`` or ``{{ name=default }}`` in an alias format.
_FORMAT_PARAM = re.compile(r"{{\s*(\w+)\s*(?:=[^}]*)?}}")


def check_aliases(ctx: PackContext) -> list[Problem]:
    """Check every alias file."""
    problems: list[Problem] = []
    for meta in ctx.files.get("aliases", []):
        if isinstance(meta.data, dict):
            problems.extend(check_alias(ctx, meta.path, meta.data))
    return problems


def check_alias(ctx: PackContext, file: str, data: Mapping[str, Any]) -> list[Problem]:
    """An alias names a real action and only that action's parameters."""
    problems = [
        Problem(file, str(k), f"unknown alias key {k!r}")
        for k in data
        if k not in ALLOWED_KEYS
    ]
    if not isinstance(data.get("name"), str) or not data["name"]:
        problems.append(Problem(file, "name", "missing required key 'name'"))
    if "pack" in data and data["pack"] != ctx.pack_ref:
        problems.append(
            Problem(file, "pack", f"pack {data['pack']!r} is not this pack's ref")
        )
    action, errors = resolve_action(ctx, file, "action_ref", data.get("action_ref"))
    problems.extend(errors)
    formats = data.get("formats")
    if not isinstance(formats, list) or not formats:
        problems.append(Problem(file, "formats", "must be a non-empty list of formats"))
        formats = []
    for index, fmt in enumerate(formats):
        key = key_path("formats", index)
        strings: list[tuple[str, str]] = []
        if isinstance(fmt, str):
            strings.append((key, fmt))
        elif isinstance(fmt, Mapping):
            for name in fmt:
                if name not in FORMAT_KEYS:
                    problems.append(
                        Problem(
                            file,
                            key_path(key, str(name)),
                            f"unknown format key {name!r}",
                        )
                    )
            reps = fmt.get("representation")
            if not isinstance(reps, list) or not all(isinstance(r, str) for r in reps):
                problems.append(
                    Problem(
                        file,
                        key_path(key, "representation"),
                        "must be a list of format strings",
                    )
                )
                reps = []
            strings.extend(
                (key_path(key, "representation", i), r) for i, r in enumerate(reps)
            )
            if "display" in fmt and not isinstance(fmt["display"], str):
                problems.append(
                    Problem(file, key_path(key, "display"), "must be a string")
                )
        else:
            problems.append(
                Problem(file, key, "must be a string or {display, representation}")
            )
        if action is None:
            continue
        for where, text in strings:
            for param in _FORMAT_PARAM.findall(text):
                if param not in action.all_parameters:
                    problems.append(
                        Problem(
                            file,
                            where,
                            f"format names {{{{ {param} }}}}, which is not a parameter "
                            f"of {action.ref!r}",
                        )
                    )
    if action is not None and "immutable_parameters" in data:
        problems.extend(
            check_action_parameters(
                file,
                "immutable_parameters",
                action,
                data["immutable_parameters"],
                require_required=False,
            )
        )
    return problems
