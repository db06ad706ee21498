"""Rules for action metadata (``actions/*.yaml``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jsonschema

from tools.pack_lint.context import PackContext
from tools.pack_lint.core import (
    KNOWN_RUNNERS,
    OVERRIDABLE_RUNNER_PARAMETERS,
    RUNNER_OVERRIDABLE,
    RUNNER_PARAMETERS,
    RUNNERS_WITH_ENTRY_POINT,
)
from tools.pack_lint.problems import Problem, key_path
from tools.pack_lint.pyfile import defines_method, top_level_classes
from tools.pack_lint.schema_rules import (
    SchemaChecker,
    check_parameter_names,
    check_positions,
)

ALLOWED_KEYS = frozenset(
    {
        "name",
        "runner_type",
        "description",
        "enabled",
        "entry_point",
        "parameters",
        "output_schema",
        "tags",
        "notify",
        "pack",
    }
)
REQUIRED_KEYS = ("name", "runner_type")
ACTION_NAME = re.compile(r"^[\w.-]+$", re.ASCII)


def check_actions(ctx: PackContext) -> list[Problem]:
    """Check every action file, and that action names are unique."""
    problems: list[Problem] = []
    names: dict[str, str] = {}
    for meta in ctx.files.get("actions", []):
        if not isinstance(meta.data, dict):
            continue
        problems.extend(check_action(ctx, meta.path, meta.data))
        name = meta.data.get("name")
        if isinstance(name, str):
            if name in names:
                problems.append(
                    Problem(
                        meta.path, "name", f"action {name!r} is also in {names[name]}"
                    )
                )
            names.setdefault(name, meta.path)
    return problems


def check_action(ctx: PackContext, file: str, data: Mapping[str, Any]) -> list[Problem]:
    """Check one action's metadata against the contract."""
    problems: list[Problem] = []

    def report(key: str, message: str) -> None:
        problems.append(Problem(file, key, message))

    for key in data:
        if key not in ALLOWED_KEYS:
            report(str(key), f"unknown action key {key!r} (StackStorm rejects it)")
    for key in REQUIRED_KEYS:
        if key not in data:
            report(key, f"missing required key {key!r}")
    name = data.get("name")
    if "name" in data and not (isinstance(name, str) and ACTION_NAME.match(name)):
        report(
            "name", f"action name {name!r} must be a string of letters, digits, _ . -"
        )
    elif isinstance(name, str) and Path(file).stem != name:
        report("name", f"action {name!r} must live in actions/{name}.yaml")
    runner = data.get("runner_type")
    if "runner_type" in data and runner not in KNOWN_RUNNERS:
        report("runner_type", f"unknown runner_type {runner!r}")
    if "pack" in data and data["pack"] != ctx.pack_ref:
        report("pack", f"pack {data['pack']!r} is not this pack's ref {ctx.pack_ref!r}")
    if "enabled" in data and not isinstance(data["enabled"], bool):
        report("enabled", "must be a boolean")
    if "description" in data and not isinstance(data["description"], str):
        report("description", "must be a string")
    if "tags" in data and not isinstance(data["tags"], list):
        report("tags", "must be a list")
    problems.extend(_check_entry_point(ctx, file, data, runner))
    if "output_schema" in data:
        try:
            jsonschema.Draft4Validator.check_schema(data["output_schema"])
        except jsonschema.exceptions.SchemaError as exc:
            report("output_schema", f"not a valid draft-4 JSON schema: {exc.message}")
    params = data.get("parameters", {})
    if params is None:
        params = {}
    if not isinstance(params, Mapping):
        report("parameters", "must be a mapping of parameter name to schema")
        return problems
    problems.extend(check_parameter_names(file, "parameters", params))
    runner_params = RUNNER_PARAMETERS.get(runner, {}) if isinstance(runner, str) else {}
    checker = SchemaChecker(file)
    for pname, spec in params.items():
        key = key_path("parameters", str(pname))
        if pname in runner_params:
            problems.extend(
                _check_runner_override(
                    file, key, str(runner), str(pname), spec, runner_params
                )
            )
            if isinstance(spec, Mapping):
                checker.check(key, {**runner_params[pname], **spec})
        else:
            checker.check(key, spec)
    problems.extend(checker.problems)
    problems.extend(check_positions(file, "parameters", params))
    return problems


def _check_entry_point(
    ctx: PackContext, file: str, data: Mapping[str, Any], runner: Any
) -> list[Problem]:
    """The entry point exists; a python-script file has exactly one class with run()."""
    entry = data.get("entry_point")
    if entry is None:
        if runner in RUNNERS_WITH_ENTRY_POINT:
            return [
                Problem(file, "entry_point", f"a {runner} action needs an entry_point")
            ]
        return []
    if not isinstance(entry, str) or not entry:
        return [Problem(file, "entry_point", "must be a path relative to actions/")]
    path = ctx.pack_dir / "actions" / entry
    if not path.is_file():
        return [Problem(file, "entry_point", f"actions/{entry} does not exist")]
    if runner != "python-script":
        return []
    classes = top_level_classes(path)
    if isinstance(classes, str):
        return [Problem(file, "entry_point", classes)]
    with_run = sorted(n for n, c in classes.items() if defines_method(c, "run"))
    if len(with_run) != 1:
        return [
            Problem(
                file,
                "entry_point",
                f"actions/{entry} must define exactly one class with run() "
                f"(StackStorm runs the first alphabetically); found {with_run or 'none'}",
            )
        ]
    without_run = sorted(n for n, c in classes.items() if not defines_method(c, "run"))
    if without_run:
        return [
            Problem(
                file,
                "entry_point",
                f"actions/{entry} defines classes without run() {without_run}: "
                "StackStorm's plugin loader (st2common.util.loader.register_plugin) "
                "checks every class of the entry-point module against Action and logs "
                "an IncompatiblePluginException traceback for each on every run; "
                "move them to lib/",
            )
        ]
    return []


def _check_runner_override(
    file: str,
    key: str,
    runner: str,
    name: str,
    spec: Any,
    runner_params: Mapping[str, Mapping[str, Any]],
) -> list[Problem]:
    """A parameter named like a runner parameter overrides it: only a few attributes.

    A spec that declares its own ``type`` is a new parameter that clashes with the
    runner's (it would never reach ``run()``); any other attribute outside StackStorm's
    overridable list must equal the runner's.
    """
    allowed = ", ".join(sorted(RUNNER_OVERRIDABLE))
    if not isinstance(spec, Mapping):
        return []
    if "type" in spec and name not in OVERRIDABLE_RUNNER_PARAMETERS:
        return [
            Problem(
                file,
                key,
                f"{name!r} is a {runner} runner parameter: it is never passed to run(); "
                f"rename the parameter (an override sets only {allowed})",
            )
        ]
    return [
        Problem(
            file,
            key_path(key, str(attr)),
            f"runner parameter {name!r} may only override {allowed} "
            f"(its {attr!r} is {runner_params[name].get(attr)!r})",
        )
        for attr, value in spec.items()
        if attr not in RUNNER_OVERRIDABLE and runner_params[name].get(attr) != value
    ]
