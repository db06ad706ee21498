"""Parse and check action parameters the way ``st2 run`` and the action runner do.

``key=value`` strings are cast to the parameter's declared type (arrays as comma lists
or JSON, objects as JSON, booleans, integers, numbers); unknown parameters, missing
required ones, values outside the enum and attempts to change an immutable parameter
are rejected before anything runs; defaults are filled in.
"""

from __future__ import annotations

import json
from typing import Any

from tools.pack_meta import ActionMeta

RUNNER_PARAMETERS = frozenset(
    {"timeout", "env", "debug", "log_level", "content_version"}
)
_TRUE = {"true", "yes", "on", "1", "y"}
_FALSE = {"false", "no", "off", "0", "n"}


class ParameterError(ValueError):
    """A parameter given on the command line is unknown or invalid (message names it)."""


def split_assignments(pairs: list[str]) -> dict[str, str]:
    """``["a=1", "b=x=y"]`` -> ``{"a": "1", "b": "x=y"}``; a pair without ``=`` is an
    error."""
    result: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ParameterError(f"{pair!r} is not of the form key=value")
        result[key] = value
    return result


def cast(name: str, schema: dict[str, Any], raw: str) -> Any:
    """Cast the command-line string ``raw`` to the type ``schema`` declares."""
    kind = schema.get("type", "string")
    try:
        if kind == "string":
            return raw
        if kind == "integer":
            return int(raw)
        if kind == "number":
            number = float(raw)
            return int(number) if number.is_integer() and "." not in raw else number
        if kind == "boolean":
            lowered = raw.strip().lower()
            if lowered in _TRUE:
                return True
            if lowered in _FALSE:
                return False
            raise ValueError("expected true or false")
        if kind == "array":
            return _cast_array(name, schema, raw)
        if kind == "object":
            value = json.loads(raw)
            if not isinstance(value, dict):
                raise ValueError("expected a JSON object")
            return value
        if kind == "null":
            return None
    except (ValueError, json.JSONDecodeError) as exc:
        raise ParameterError(
            f"parameter '{name}': {raw!r} is not a valid {kind} ({exc})"
        ) from None
    raise ParameterError(f"parameter '{name}': unsupported type {kind!r}")


def _cast_array(name: str, schema: dict[str, Any], raw: str) -> list[Any]:
    """An array from JSON (``[..]``) or a comma list, items cast to ``items.type``."""
    stripped = raw.strip()
    if stripped.startswith("["):
        value = json.loads(stripped)
        if not isinstance(value, list):
            raise ValueError("expected a JSON array")
        return value
    if not stripped:
        return []
    item_schema = schema.get("items") or {"type": "string"}
    return [cast(name, item_schema, part.strip()) for part in stripped.split(",")]


def resolve(meta: ActionMeta, given: dict[str, str]) -> dict[str, Any]:
    """The parameters to pass to ``run()``: given values cast, defaults filled, and
    every check StackStorm makes before running. Runner parameters are left out."""
    unknown = sorted(set(given) - set(meta.parameters))
    if unknown:
        known = ", ".join(sorted(meta.parameters))
        raise ParameterError(
            f"unknown parameter(s) {', '.join(unknown)} for action '{meta.name}' "
            f"(known: {known})"
        )
    values: dict[str, Any] = {}
    for name, schema in meta.parameters.items():
        if name in given:
            value = cast(name, schema, given[name])
            if schema.get("immutable") and value != schema.get("default"):
                raise ParameterError(f"parameter '{name}' is immutable")
        elif "default" in schema:
            value = schema["default"]
        elif schema.get("required"):
            raise ParameterError(
                f"parameter '{name}' is required for action '{meta.name}'"
            )
        else:
            value = None
        enum = schema.get("enum")
        if enum is not None and value is not None and value not in enum:
            raise ParameterError(
                f"parameter '{name}': {value!r} is not one of {', '.join(map(str, enum))}"
            )
        if name not in RUNNER_PARAMETERS:
            values[name] = value
    return values
