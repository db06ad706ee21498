"""Parse and check action parameters exactly as ``st2 run`` and StackStorm do.

Two steps, as in StackStorm 3.9 (and HEAD, which does not differ here):

1. ``parse_arguments``: what st2client does with ``key=value`` words before it calls
   the API. Each value is read according to the parameter's type (the runner's
   parameters looked up first, then the action's); an unknown parameter stays a string.

   - boolean: the capitalised word read as a Python literal, so ``true``/``FALSE`` are
     booleans, ``yes``/``on`` are errors and ``1``/``0`` become integers;
   - integer: ``int()``; number: ``float()`` (``2`` is ``2.0``); string: as given;
   - array: a lone integer becomes a one-element list (``51`` -> ``[51]``), else JSON
     if it parses (``"x"`` is then a string, ``1.5`` an error), else a comma split with
     each element stripped (``''`` -> ``['']``, ``1,2`` -> ``['1', '2']``); repeating
     an array parameter appends to it;
   - object: JSON when it starts with ``{``, else ``k=v,k2=v2`` pairs (other pieces
     are dropped, so ``[1]`` is ``{}``);
   - ``@key=path`` sends the file's text as is; a word without ``=`` ends the
     parameters and, with the words after it, becomes the parameter ``cmd``.

2. ``check``: what the API does before it schedules an execution: values cast to the
   declared type (``render_live_params``; this only changes ``@file`` text), then
   validated against the action's parameters merged into the runner's
   (``create_request``): draft 4 with ``required`` a boolean per parameter, defaults
   filled for missing or null values, null accepted where the default is null or the
   parameter optional, unknown parameters refused, and any explicit value for an
   immutable parameter refused, even its default.

Runner parameters (``timeout``, ``env``, ``debug``, ``log_level``, ``content_version``
for python-script) are accepted but never passed to the action's ``run()``.
"""

from __future__ import annotations

import ast
import copy
import json
import math
from pathlib import Path
from typing import Any

from jsonschema import Draft3Validator, Draft4Validator, ValidationError, validators

from tools.pack_lint.core import RUNNER_PARAMETERS
from tools.pack_meta import ActionMeta

#: StackStorm's parameter validator: draft 4, but ``required`` is draft 3's boolean on
#: each property (checked by draft 3's ``properties``), not draft 4's list.
ParameterValidator = validators.extend(
    Draft4Validator,
    {"properties": Draft3Validator.VALIDATORS["properties"], "required": None},
)

_JINJA_MARKERS = ("{{", "{%")


class ParameterError(ValueError):
    """A parameter given on the command line is unknown or invalid (message names it)."""


def runner_parameters(meta: ActionMeta) -> dict[str, dict[str, Any]]:
    """The parameters of ``meta``'s runner (one definition: ``tools.pack_lint.core``)."""
    return RUNNER_PARAMETERS.get(meta.runner_type, {})


def parameter_schemas(meta: ActionMeta) -> dict[str, dict[str, Any]]:
    """The action's parameters deep-merged into its runner's, as StackStorm builds the
    schema it validates with (an action may override attributes of a runner
    parameter)."""
    return _deep_merge(copy.deepcopy(runner_parameters(meta)), meta.parameters)


def _deep_merge(target: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """``update`` merged into ``target`` (nested mappings merged, not replaced)."""
    for key, value in update.items():
        if isinstance(value, dict):
            target[key] = _deep_merge(dict(target.get(key) or {}), value)
        else:
            target[key] = value
    return target


# --- step 1: st2client ------------------------------------------------------------


def parse_arguments(
    meta: ActionMeta, arguments: list[str], base_dir: Path | None = None
) -> dict[str, Any]:
    """``key=value`` words read as ``st2 run`` reads them (see the module docstring).
    ``@key=path`` files are found relative to ``base_dir`` (default: the current
    directory)."""
    runner = runner_parameters(meta)
    result: dict[str, Any] = {}
    for index, argument in enumerate(arguments):
        key, sep, raw = argument.partition("=")
        if not sep:
            result["cmd"] = " ".join(arguments[index:])
            break
        if key.startswith("@"):
            result[key[1:]] = _read_file(key[1:], (base_dir or Path.cwd()) / raw)
            continue
        param = runner[key] if key in runner else meta.parameters.get(key)
        kind = param["type"] if param else None
        value = _parse_value(key, kind, raw)
        if kind == "array" and key in result:
            try:
                result[key] += value
            except TypeError:
                raise ParameterError(
                    f"parameter '{key}': cannot append {raw!r} to {result[key]!r}"
                ) from None
        else:
            result[key] = value
    return result


def _read_file(name: str, path: Path) -> str:
    """The text of ``path`` for ``@name=path``."""
    try:
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ParameterError(f"parameter '{name}': cannot read {path}: {exc}") from None


def _parse_value(name: str, kind: str | None, raw: str) -> Any:
    """``raw`` read as st2client reads a value for a parameter of type ``kind``."""
    try:
        if kind == "boolean":
            return ast.literal_eval(raw.capitalize())
        if kind == "integer":
            return int(raw)
        if kind == "number":
            return float(raw)
        if kind == "array":
            return _parse_array(raw)
        if kind == "object":
            return _parse_object(raw)
        return raw
    except Exception as exc:  # st2client gives up on any error; so do we
        why = "write true or false (any case)" if kind == "boolean" else exc
        raise ParameterError(
            f"parameter '{name}': st2 run cannot read {raw!r} as {kind}: {why}"
        ) from None


def _parse_array(raw: str) -> Any:
    """An array value: a lone integer, else JSON, else a comma list."""
    try:
        return [int(raw)]
    except ValueError:
        pass
    try:
        value = json.loads(raw)
    except ValueError:
        return [part.strip() for part in raw.split(",")]
    if not isinstance(value, (list, dict, str)):
        # st2client iterates what JSON gave; a number, true, false or null fails.
        raise TypeError(f"JSON {raw} is not an array")
    return value


def _parse_object(raw: str) -> dict[str, Any]:
    """An object value: JSON when it starts with ``{``, else ``k=v,k2=v2`` pairs."""
    if raw.startswith("{"):
        return json.loads(raw)
    return dict(pair.split("=", 1) for pair in raw.split(",") if "=" in pair)


# --- step 2: the StackStorm API ---------------------------------------------------


def check(meta: ActionMeta, given: dict[str, Any]) -> dict[str, Any]:
    """Every parameter, runner parameters included, once StackStorm has accepted
    ``given`` (parsed values): cast, defaults filled, validated. Raises
    ``ParameterError`` listing every problem, each naming its parameter."""
    schemas = parameter_schemas(meta)
    unknown = sorted(set(given) - set(schemas))
    if unknown:
        hint = (
            " (st2 run sends the words from the first one without '=' as 'cmd')"
            if "cmd" in unknown
            else ""
        )
        runner = runner_parameters(meta)
        own = [
            name
            for name, schema in meta.parameters.items()
            if not schema.get("immutable")
        ]
        extra = [name for name in runner if name not in meta.parameters]
        raise ParameterError(
            f"unknown parameter(s) {', '.join(map(repr, unknown))} for action "
            f"'{meta.name}'{hint} (known: {', '.join(own) or 'none'}; runner "
            f"parameters: {', '.join(extra) or 'none'}; see ./run_action.sh "
            f"{meta.name} --help)"
        )
    runner = runner_parameters(meta)
    values = {
        name: _cast(
            name, value, runner[name] if name in runner else meta.parameters[name]
        )
        for name, value in given.items()
    }
    for name, schema in schemas.items():
        if values.get(name) is None and "default" in schema:
            values[name] = copy.deepcopy(schema["default"])
    problems = [
        _describe(error)
        for error in ParameterValidator(_validation_schema(schemas)).iter_errors(values)
    ]
    immutable = [name for name in given if schemas[name].get("immutable")]
    problems += [
        f"parameter '{name}' is immutable: StackStorm refuses any value for it, "
        "even its default"
        for name in immutable
    ]
    if problems:
        raise ParameterError("\n".join(sorted(problems)))
    return {name: values.get(name) for name in schemas}


def _as_stored(value: Any) -> Any:
    """``value`` as StackStorm stores a request's parameters (JSON): NaN and
    ±Infinity become null, at any depth (found by the real-StackStorm tier:
    ``value=nan`` reaches create_request as None)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list):
        return [_as_stored(item) for item in value]
    if isinstance(value, dict):
        return {key: _as_stored(item) for key, item in value.items()}
    return value


def _cast(name: str, value: Any, schema: dict[str, Any]) -> Any:
    """``value`` cast to ``schema``'s type as the API does before validating.
    Values from ``key=value`` already have their type; ``@file`` text is read here."""
    value = _as_stored(value)
    if isinstance(value, (list, dict, str)) and any(
        marker in str(value) for marker in _JINJA_MARKERS
    ):
        raise ParameterError(
            f"parameter '{name}': {value!r} is a Jinja expression; StackStorm would "
            "render it, run_action.sh does not: give the value itself"
        )
    kind = schema.get("type")
    try:
        if value is None:
            return None
        if kind in ("array", "object") and isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                return ast.literal_eval(value)
        if kind == "boolean" and isinstance(value, str):
            return ast.literal_eval(value.capitalize())
        if kind == "integer":
            return int(value)
        if kind == "number":
            return float(value)
        if kind == "string" and not isinstance(value, str):
            raise ValueError(f"{type(value).__name__} {value!r} is not a string")
    except Exception as exc:  # the API refuses the request on any error
        why = {
            "array": "neither JSON nor a Python literal",
            "object": "neither JSON nor a Python literal",
            "boolean": "write true or false",
        }.get(str(kind), exc)
        raise ParameterError(
            f"parameter '{name}': StackStorm cannot cast {value!r} to {kind}: {why}"
        ) from None
    return value


def _validation_schema(schemas: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The object schema StackStorm validates parameters with: no other properties,
    and null allowed where the default is null (or absent on an optional one)."""
    properties = {}
    for name, schema in schemas.items():
        schema = dict(schema)
        nullable = not schema.get("required") or "default" in schema
        if schema and nullable and schema.get("default") is None:
            schema["type"] = [schema.get("type", "string"), "null"]
        properties[name] = schema
    return {"type": "object", "properties": properties, "additionalProperties": False}


def _describe(error: ValidationError) -> str:
    """A validation error as one line naming the parameter (and item), with a hint
    for the type errors ``st2 run``'s parsing leads to."""
    path = list(error.absolute_path)
    if not path:
        return error.message
    where = f"parameter '{path[0]}'" + "".join(f"[{step!r}]" for step in path[1:])
    hint = ""
    if (
        error.validator == "enum"
        and isinstance(error.instance, str)
        and error.instance not in error.validator_value
    ):
        same = [
            value
            for value in error.validator_value
            if isinstance(value, str) and value.lower() == error.instance.lower()
        ]
        if same:
            hint = f" (values are case-sensitive: write {path[0]}={same[0]})"
    if error.validator == "type" and type(error.instance) in (int, float):
        expected = error.validator_value
        if "boolean" in (expected if isinstance(expected, list) else [expected]):
            hint = " (st2 run reads 1 and 0 as numbers: write true or false)"
        elif len(path) > 1:
            hint = ' (st2 run reads a lone integer as a list of it: write ["51"])'
    return f"{where}: {error.message}{hint}"


def resolve(
    meta: ActionMeta, arguments: list[str], base_dir: Path | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(action parameters for run(), runner parameters given)`` for the
    command-line words ``arguments``, or ``ParameterError``."""
    given = parse_arguments(meta, arguments, base_dir)
    values = check(meta, given)
    runner = runner_parameters(meta)
    action = {name: value for name, value in values.items() if name not in runner}
    return action, {name: values[name] for name in given if name in runner}
