"""Stand-in for ``st2common.util.schema``: StackStorm's schema validation semantics.

The one place the stand-in and the offline linter validate trigger payloads, action
parameters and the pack config the way StackStorm does (facts observed by running
StackStorm 3.9.0 and HEAD; the code here is the stand-in's own):

- ``CustomValidator`` checks a schema against draft 4's meta-schema changed in the
  places StackStorm changes it: ``required`` is a BOOLEAN on each property (a draft-4
  ``required: [list]`` is a ``SchemaError``), ``secret``/``immutable`` are booleans,
  ``position`` a number >= 0; unknown keys stay allowed. It validates instances with
  draft-4 keywords, except that a property's ``required: true`` makes it mandatory and
  the object-level ``required`` keyword is ignored.
- ``validate(..., use_default=True)`` fills ``default`` values first (top-level object
  properties and, below a given value, nested objects and array items).
- ``allow_default_none=True`` lets an optional property (or one whose default is
  ``None``) be ``null``; a property without ``type`` then becomes a nullable STRING.

It imports nothing of the stand-in, so the linter can import this module as
``tools.st2stub.st2common.util.schema`` while tests import ``st2common.util.schema``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import jsonschema
from jsonschema import Draft3Validator, Draft4Validator

__all__ = [
    "CustomValidator",
    "assign_default_values",
    "get_schema_for_action_parameters",
    "get_schema_for_resource_parameters",
    "get_validator",
    "modify_schema_allow_default_none",
    "validate",
]


def _custom_meta_schema() -> dict[str, Any]:
    """Draft 4's meta-schema with StackStorm's parameter extensions."""
    meta = copy.deepcopy(Draft4Validator.META_SCHEMA)
    boolean = {"type": "boolean", "default": False}
    meta["properties"].update(
        required=dict(boolean),
        secret=dict(boolean),
        immutable=dict(boolean),
        position={"type": "number", "minimum": 0},
    )
    return meta


#: The meta-schema every schema is checked against before validating with it.
_CUSTOM_META_SCHEMA = _custom_meta_schema()

_KEYWORDS = {
    name: check
    for name, check in Draft4Validator.VALIDATORS.items()
    if name != "required"
}
_KEYWORDS["properties"] = Draft3Validator.VALIDATORS["properties"]

#: Draft 4 with per-property boolean ``required`` (not registered for any ``$schema``).
CustomValidator = jsonschema.validators.create(
    meta_schema=_CUSTOM_META_SCHEMA,
    validators=_KEYWORDS,
    type_checker=Draft4Validator.TYPE_CHECKER,
    id_of=Draft4Validator.ID_OF,
)

#: What an empty parameter schema (``name: {}``) stands for: any non-null value.
SCHEMA_ANY_TYPE: dict[str, Any] = {
    "anyOf": [
        {"type": name}
        for name in ("array", "boolean", "integer", "number", "object", "string")
    ]
}


def get_validator(version: str = "custom") -> type:
    """``CustomValidator`` for ``"custom"``, jsonschema's draft 4 for ``"draft4"``."""
    return {"custom": CustomValidator, "draft4": Draft4Validator}[version]


def _types(spec: Mapping[str, Any]) -> list[Any]:
    """The ``type`` of a schema as a list (``[]`` when absent)."""
    declared = spec.get("type")
    if declared is None:
        return []
    return list(declared) if isinstance(declared, list) else [declared]


def _has_null(options: list[Any]) -> bool:
    """Whether ``anyOf``/``oneOf`` options or a ``type`` list already allow null."""
    return any(
        option == "null"
        or (isinstance(option, Mapping) and option.get("type", "string") == "null")
        for option in options
    )


def _nullable(prop: dict[str, Any]) -> None:
    """Let ``prop`` also accept ``null`` (in place), StackStorm's way."""
    if "anyOf" in prop and not _has_null(prop["anyOf"]):
        prop["anyOf"].append({"type": "null"})
    elif "oneOf" in prop and not _has_null(prop["oneOf"]):
        prop["oneOf"].append({"type": "null"})
    elif isinstance(prop.get("type"), list):
        if "null" not in prop["type"]:
            prop["type"].append("null")
    elif "anyOf" not in prop and "oneOf" not in prop:
        # A single type (a missing one counts as "string"); even "null" gets a
        # second "null", which the meta-schema then rejects (uniqueItems).
        prop["type"] = [prop.get("type", "string"), "null"]


def modify_schema_allow_default_none(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``schema`` whose optional or default-``None`` properties allow null.

    Applied to ``properties``, recursively to objects with properties and to the
    ``items`` (a single schema with properties) of arrays.
    """
    result = copy.deepcopy(dict(schema))
    for prop in (result.get("properties") or {}).values():
        optional = not prop.get("required", False)
        if ("default" in prop or optional) and prop.get("default") is None:
            _nullable(prop)
        types = _types(prop)
        items = prop.get("items")
        if "array" in types and items:
            if not isinstance(items, Mapping):
                raise TypeError(
                    "StackStorm's allow_default_none handling fails on positional "
                    f"'items' (a list): {items!r}"
                )
            if items.get("properties"):
                prop["items"] = modify_schema_allow_default_none(items)
        if "object" in types and prop.get("properties"):
            prop.update(modify_schema_allow_default_none(prop))
    return result


def assign_default_values(instance: Any, schema: Mapping[str, Any]) -> Any:
    """A copy of ``instance`` with schema defaults filled in where values are missing.

    A missing or ``None`` property takes its ``default``; given objects and arrays are
    filled recursively. An absent object is not created.
    """
    instance = copy.deepcopy(instance)
    if isinstance(instance, dict) and schema.get("type") == "object":
        return _defaults_in_object(instance, schema)
    if isinstance(instance, list) and schema.get("type") == "array":
        return _defaults_in_array(instance, schema)
    return instance


def _defaults_in_value(value: Any, spec: Mapping[str, Any]) -> Any:
    """Recurse into an array or object value according to its schema's type."""
    types = _types(spec)
    if "array" in types:
        value = _defaults_in_array(value, spec)
    if "object" in types:
        value = _defaults_in_object(value, spec)
    return value


def _dependencies_met(
    name: str, schema: Mapping[str, Any], instance: Mapping[str, Any]
) -> bool:
    """A default of a property with ``dependencies`` applies only when they are met."""
    properties = schema.get("properties") or {}
    for needed in (schema.get("dependencies") or {}).get(name, ()):
        if "default" not in properties.get(needed, {}) and needed not in instance:
            return False
    return True


def _defaults_in_object(instance: Any, schema: Mapping[str, Any]) -> Any:
    """Fill the defaults of ``schema["properties"]`` into the dict ``instance``."""
    if not isinstance(instance, dict):
        return instance
    for name, spec in (schema.get("properties") or {}).items():
        if (
            "default" in spec
            and instance.get(name) is None
            and _dependencies_met(name, schema, instance)
        ):
            instance[name] = copy.deepcopy(spec["default"])
        if instance.get(name) is not None:
            instance[name] = _defaults_in_value(instance[name], spec)
    return instance


def _defaults_in_array(instance: Any, schema: Mapping[str, Any]) -> Any:
    """Fill item defaults (``items``: one schema or a positional list) into a list."""
    items = schema.get("items")
    if not isinstance(instance, list) or not items:
        return instance
    specs = [items] * len(instance) if isinstance(items, Mapping) else list(items)
    for index, spec in enumerate(specs[: len(instance)]):
        if "default" in spec and instance[index] is None:
            instance[index] = copy.deepcopy(spec["default"])
        if instance[index] is not None:
            instance[index] = _defaults_in_value(instance[index], spec)
    return instance


def _prepare(
    instance: Any,
    schema: Mapping[str, Any],
    use_default: bool,
    allow_default_none: bool,
) -> tuple[Any, Mapping[str, Any]]:
    """The instance (defaults filled) and schema (nulls allowed) StackStorm validates."""
    instance = copy.deepcopy(instance)
    if use_default and allow_default_none:
        schema = modify_schema_allow_default_none(schema)
    if use_default and schema.get("type") == "object" and isinstance(instance, dict):
        instance = assign_default_values(instance, schema)
    return instance, schema


def validate(
    instance: Any,
    schema: Mapping[str, Any],
    cls: type | None = None,
    use_default: bool = True,
    allow_default_none: bool = False,
    *args: Any,
    **kwargs: Any,
) -> Any:
    """Validate ``instance`` like StackStorm's ``st2common.util.schema.validate``.

    Returns a copy of ``instance`` with defaults filled in (for an object schema and a
    dict instance, when ``use_default``). Raises ``jsonschema.SchemaError`` when the
    schema fails ``cls``'s meta-schema and ``jsonschema.ValidationError`` (the best
    match) when the instance does not validate. StackStorm passes
    ``cls=CustomValidator`` for trigger payloads, action parameters and pack configs.
    """
    instance, schema = _prepare(instance, schema, use_default, allow_default_none)
    jsonschema.validate(instance, schema, cls, *args, **kwargs)
    return instance


def get_schema_for_resource_parameters(
    parameters_schema: Mapping[str, Any], allow_additional_properties: bool = False
) -> dict[str, Any]:
    """The object schema StackStorm validates a parameters dict (or a config) with.

    ``parameters_schema`` maps names to parameter schemas (an empty one means any
    non-null value); an empty mapping gives an empty schema (anything goes).
    """
    if not parameters_schema:
        return {}
    return {
        "type": "object",
        "properties": {
            name: dict(spec) if spec else copy.deepcopy(SCHEMA_ANY_TYPE)
            for name, spec in parameters_schema.items()
        },
        "additionalProperties": allow_additional_properties,
    }


#: Runner-parameter attributes an action may change (others must stay equal).
RUNNER_PARAM_OVERRIDABLE_ATTRS = [
    "default",
    "description",
    "enum",
    "immutable",
    "required",
]


def get_schema_for_action_parameters(
    action_db: Any, runnertype_db: Any = None
) -> dict[str, Any]:
    """The schema StackStorm validates an execution's parameters with.

    ``action_db`` needs ``ref``, ``name``, ``description`` and ``parameters``;
    ``runnertype_db`` needs ``runner_parameters``. An action parameter named like a
    runner parameter is merged into it, attribute by attribute; changing an attribute
    outside ``RUNNER_PARAM_OVERRIDABLE_ATTRS`` raises ``ValueError``. StackStorm looks
    the runner up in its database when ``runnertype_db`` is omitted; the stand-in has
    no database, so it must be given.
    """
    if runnertype_db is None:
        raise ValueError("the stand-in needs runnertype_db (it has no database)")
    runner = runnertype_db.runner_parameters or {}
    merged = copy.deepcopy(dict(runner))
    for name, spec in (action_db.parameters or {}).items():
        for attr, value in spec.items():
            if (
                name in runner
                and attr not in RUNNER_PARAM_OVERRIDABLE_ATTRS
                and runner[name].get(attr) != value
            ):
                raise ValueError(
                    f'The attribute "{attr}" for the runner parameter "{name}" in '
                    f'action "{action_db.ref}" cannot be overridden.'
                )
        merged[name] = {**merged.get(name, {}), **copy.deepcopy(spec)}
    schema = get_schema_for_resource_parameters(merged)
    if merged:
        schema["title"] = action_db.name
        if action_db.description:
            schema["description"] = action_db.description
    return schema
