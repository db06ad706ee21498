"""Rules for sensor metadata (``sensors/*.yaml``) and the trigger types they declare."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import jsonschema

from tools.pack_lint.context import PackContext
from tools.pack_lint.problems import Problem, key_path
from tools.pack_lint.pyfile import top_level_classes

ALLOWED_KEYS = frozenset(
    {
        "name",
        "class_name",
        "entry_point",
        "description",
        "enabled",
        "poll_interval",
        "trigger_types",
        "pack",
    }
)
TRIGGER_KEYS = frozenset(
    {"name", "description", "payload_schema", "parameters_schema", "tags", "pack"}
)
TRIGGER_NAME = re.compile(r"^\w[\w.-]*$", re.ASCII)


def check_sensors(ctx: PackContext) -> list[Problem]:
    """Check every sensor file and that trigger refs are unique across them."""
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for meta in ctx.files.get("sensors", []):
        if not isinstance(meta.data, dict):
            continue
        problems.extend(check_sensor(ctx, meta.path, meta.data))
        for index, trigger in enumerate(meta.data.get("trigger_types") or []):
            if isinstance(trigger, dict) and isinstance(trigger.get("name"), str):
                ref = f"{trigger.get('pack') or ctx.pack_ref}.{trigger['name']}"
                if ref in seen:
                    problems.append(
                        Problem(
                            meta.path,
                            key_path("trigger_types", index, "name"),
                            f"trigger {ref!r} is also declared in {seen[ref]}",
                        )
                    )
                seen.setdefault(ref, meta.path)
    return problems


def check_sensor(ctx: PackContext, file: str, data: Mapping[str, Any]) -> list[Problem]:
    """Check one sensor: keys, entry point and class, poll interval, trigger types."""
    problems: list[Problem] = []

    def report(key: str, message: str) -> None:
        problems.append(Problem(file, key, message))

    for key in data:
        if key not in ALLOWED_KEYS:
            report(str(key), f"unknown sensor key {key!r}")
    class_name = data.get("class_name")
    if not isinstance(class_name, str) or not class_name:
        report("class_name", "missing required key 'class_name'")
    entry = data.get("entry_point")
    if not isinstance(entry, str) or not entry:
        report("entry_point", "missing 'entry_point' (path relative to sensors/)")
    elif not (ctx.pack_dir / "sensors" / entry).is_file():
        report("entry_point", f"sensors/{entry} does not exist")
    elif isinstance(class_name, str) and class_name:
        classes = top_level_classes(ctx.pack_dir / "sensors" / entry)
        if isinstance(classes, str):
            report("entry_point", classes)
        elif class_name not in classes:
            report(
                "class_name",
                f"class {class_name!r} is not defined in sensors/{entry} "
                f"(classes there: {', '.join(sorted(classes)) or 'none'})",
            )
    if "pack" in data and data["pack"] != ctx.pack_ref:
        report("pack", f"pack {data['pack']!r} is not this pack's ref {ctx.pack_ref!r}")
    if "enabled" in data and not isinstance(data["enabled"], bool):
        report("enabled", "must be a boolean")
    interval = data.get("poll_interval")
    if "poll_interval" in data and (
        isinstance(interval, bool)
        or not isinstance(interval, int | float)
        or interval <= 0
    ):
        report(
            "poll_interval", f"must be a positive number of seconds, got {interval!r}"
        )
    triggers = data.get("trigger_types")
    if triggers is None:
        return problems
    if not isinstance(triggers, list):
        report("trigger_types", "must be a list of trigger type definitions")
        return problems
    for index, trigger in enumerate(triggers):
        problems.extend(
            _check_trigger_type(file, key_path("trigger_types", index), trigger)
        )
    return problems


def _check_trigger_type(file: str, key: str, trigger: Any) -> list[Problem]:
    """A trigger type has a name, a description and a valid draft-4 payload_schema."""
    if not isinstance(trigger, Mapping):
        return [
            Problem(file, key, "must be a mapping with name/description/payload_schema")
        ]
    problems: list[Problem] = []
    for name in trigger:
        if name not in TRIGGER_KEYS:
            problems.append(
                Problem(
                    file, key_path(key, str(name)), f"unknown trigger type key {name!r}"
                )
            )
    name = trigger.get("name")
    if not isinstance(name, str) or not TRIGGER_NAME.match(name):
        problems.append(
            Problem(
                file,
                key_path(key, "name"),
                f"trigger name {name!r} is missing or invalid",
            )
        )
    if not isinstance(trigger.get("description"), str) or not trigger["description"]:
        problems.append(
            Problem(
                file,
                key_path(key, "description"),
                "every trigger type needs a description",
            )
        )
    for schema_key in ("payload_schema", "parameters_schema"):
        if schema_key not in trigger:
            if schema_key == "payload_schema":
                problems.append(
                    Problem(
                        file,
                        key_path(key, schema_key),
                        "missing payload_schema (StackStorm validates dispatched payloads)",
                    )
                )
            continue
        schema = trigger[schema_key]
        try:
            jsonschema.Draft4Validator.check_schema(schema)
        except jsonschema.exceptions.SchemaError as exc:
            where = ".".join(str(p) for p in exc.path)
            problems.append(
                Problem(
                    file,
                    key_path(key, schema_key),
                    f"not a valid draft-4 JSON schema"
                    f"{f' at {where}' if where else ''}: {exc.message}",
                )
            )
            continue
        if not isinstance(schema, Mapping) or schema.get("type") != "object":
            problems.append(
                Problem(file, key_path(key, schema_key, "type"), "must be 'object'")
            )
    return problems
