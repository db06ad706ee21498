"""Rules for sensor metadata (``sensors/*.yaml``) and the trigger types they declare."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import jsonschema

from tools.pack_lint.context import PackContext
from tools.pack_lint.problems import Problem, key_path
from tools.pack_lint.pyfile import top_level_classes
from tools.st2stub.st2common.util import schema as st2_schema

#: The properties of StackStorm's ``SensorTypeAPI`` schema (additionalProperties: false;
#: the same in 3.9.0 and HEAD). A sensor has no ``name``: its ref is
#: ``<pack>.<class_name>``. ``metadata_file`` and ``artifact_uri`` are set by the
#: registrar; ``id``/``ref``/``uid`` are API fields.
ALLOWED_KEYS = frozenset(
    {
        "id",
        "ref",
        "uid",
        "class_name",
        "pack",
        "description",
        "artifact_uri",
        "entry_point",
        "enabled",
        "trigger_types",
        "poll_interval",
        "metadata_file",
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
            hint = " (a sensor's ref is <pack>.<class_name>)" if key == "name" else ""
            report(
                str(key),
                f"key {key!r} is not allowed by StackStorm's SensorTypeAPI schema "
                f"(additionalProperties: false){hint}",
            )
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


#: Who validates each trigger-type schema in StackStorm, for messages.
_VALIDATED_BY = {
    "payload_schema": "StackStorm's trigger dispatcher (validate_trigger_payload) "
    "would reject every payload of this trigger",
    "parameters_schema": "StackStorm's rule validation (validate_trigger_parameters) "
    "would reject every rule on this trigger",
}


def _required_lists(schema: Any, path: tuple[str | int, ...] = ()) -> list[str]:
    """Dotted paths of every draft-4 ``required: [list]`` in ``schema``'s subschemas."""
    if not isinstance(schema, Mapping):
        return []
    found = (
        [key_path(*path, "required")]
        if isinstance(schema.get("required"), list)
        else []
    )
    for word in ("properties", "patternProperties", "definitions"):
        subs = schema.get(word)
        if isinstance(subs, Mapping):
            for name, sub in subs.items():
                found += _required_lists(sub, (*path, word, str(name)))
    for word in ("items", "additionalItems", "additionalProperties", "not"):
        found += _required_lists(schema.get(word), (*path, word))
    for word in ("items", "allOf", "anyOf", "oneOf"):
        if isinstance(schema.get(word), list):
            for index, sub in enumerate(schema[word]):
                found += _required_lists(sub, (*path, word, index))
    return found


def trigger_schema_problem(schema_key: str, schema: Any) -> str | None:
    """Why StackStorm cannot validate with this trigger-type schema, or ``None``.

    Runs what StackStorm runs (the stand-in's ``validate`` with ``CustomValidator``,
    defaults and ``allow_default_none``) on an empty payload: a schema error means no
    payload can ever pass. A ``required: [list]`` is named with the fix.
    """
    consequence = _VALIDATED_BY[schema_key]
    lists = _required_lists(schema)
    if lists:
        return (
            f"draft-4 'required: [list]' at {', '.join(lists)}: StackStorm's "
            "meta-schema wants a boolean 'required: true' on each property, so "
            f"{consequence}"
        )
    if not isinstance(schema, Mapping):
        return f"must be a mapping (a JSON schema): {consequence}"
    try:
        st2_schema.validate(
            {},
            schema,
            cls=st2_schema.CustomValidator,
            use_default=True,
            allow_default_none=True,
        )
    except jsonschema.exceptions.SchemaError as exc:
        where = key_path(*exc.path)
        return (
            f"fails StackStorm's meta-schema at {where}: {exc.message}: {consequence}"
        )
    except jsonschema.exceptions.ValidationError:
        pass  # an empty payload may be invalid; the schema itself is usable
    except Exception as exc:  # StackStorm fails (and drops) on any error too
        return f"{type(exc).__name__}: {exc}: {consequence}"
    return None


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
        message = trigger_schema_problem(schema_key, schema)
        if message is not None:
            problems.append(Problem(file, key_path(key, schema_key), message))
            continue
        if not isinstance(schema, Mapping) or schema.get("type") != "object":
            problems.append(
                Problem(file, key_path(key, schema_key, "type"), "must be 'object'")
            )
    return problems
