"""Rules for StackStorm parameter schemas (action parameters and the config schema).

StackStorm validates each parameter against a draft-4 meta-schema with its own
extensions and ``additionalProperties: false``: ONE ``type`` (never a list), boolean
``required``/``secret``/``immutable``, integer ``position`` and no ``format``. Nested
``items``/``properties`` follow the same rules.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import jsonschema

from tools.pack_lint.problems import Problem, key_path
from tools.st2stub.st2common.util import schema as st2_schema

#: JSON-schema types, plus StackStorm's ``raw_string`` (a string Jinja leaves alone).
PARAMETER_TYPES = frozenset(
    {"array", "boolean", "integer", "null", "number", "object", "string", "raw_string"}
)

#: Keys StackStorm's parameter meta-schema accepts (draft-4 minus ``format``, plus
#: its extensions ``required`` as a boolean, ``secret``, ``immutable``, ``position``).
ALLOWED_PARAMETER_KEYS = frozenset(
    {
        "$schema",
        "id",
        "title",
        "description",
        "default",
        "type",
        "enum",
        "required",
        "secret",
        "immutable",
        "position",
        "items",
        "additionalItems",
        "properties",
        "additionalProperties",
        "patternProperties",
        "dependencies",
        "definitions",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minLength",
        "maxLength",
        "pattern",
        "minItems",
        "maxItems",
        "uniqueItems",
        "minProperties",
        "maxProperties",
        "allOf",
        "anyOf",
        "oneOf",
        "not",
    }
)

#: StackStorm extensions that are not JSON-schema validation keywords.
_ST2_EXTENSIONS = ("required", "secret", "immutable", "position")
_BOOLEAN_KEYS = ("required", "secret", "immutable", "uniqueItems")
PARAMETER_NAME = re.compile(r"^\w+$", re.ASCII)
_JINJA = re.compile(r"{{.*}}|{%.*%}", re.DOTALL)


def st2_errors(
    instance: Any,
    schema: Mapping[str, Any],
    use_default: bool = True,
    allow_default_none: bool = False,
) -> list[jsonschema.ValidationError]:
    """Every error StackStorm's ``validate(..., cls=CustomValidator)`` picks its one
    from, in path order: the same defaults filled and nulls allowed first.

    Raises ``jsonschema.SchemaError`` as ``validate`` does.
    """
    if use_default and allow_default_none:
        schema = st2_schema.modify_schema_allow_default_none(schema)
    if use_default and schema.get("type") == "object" and isinstance(instance, dict):
        instance = st2_schema.assign_default_values(instance, schema)
    validator = st2_schema.CustomValidator
    validator.check_schema(schema)
    return sorted(validator(schema).iter_errors(instance), key=lambda e: list(e.path))


def is_jinja(value: Any) -> bool:
    """True for a string StackStorm renders as Jinja before casting it."""
    return isinstance(value, str) and bool(_JINJA.search(value))


def matches_type(value: Any, type_name: str) -> bool:
    """Whether ``value`` (parsed YAML) is of JSON-schema type ``type_name``."""
    checks: dict[str, Any] = {
        "string": lambda v: isinstance(v, str),
        "raw_string": lambda v: isinstance(v, str),
        "boolean": lambda v: isinstance(v, bool),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "array": lambda v: isinstance(v, list),
        "object": lambda v: isinstance(v, dict),
        "null": lambda v: v is None,
    }
    check = checks.get(type_name)
    return bool(check and check(value))


def _describe(value: Any) -> str:
    """A short rendering of a YAML value for messages."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class SchemaChecker:
    """Checks one parameter schema (recursively) and collects problems.

    ``require_description`` makes every property (not ``items``) need a description
    (the config schema); ``allow_position`` is False below the top level.
    """

    def __init__(self, file: str, require_description: bool = False) -> None:
        """Collect problems for ``file``."""
        self.file = file
        self.require_description = require_description
        self.problems: list[Problem] = []

    def report(self, key: str, message: str) -> None:
        """Record a problem at ``key``."""
        self.problems.append(Problem(self.file, key, message))

    def check(self, key: str, spec: Any, *, is_property: bool = True) -> None:
        """Check the schema ``spec`` found at ``key``."""
        if not isinstance(spec, Mapping):
            self.report(
                key, f"must be a mapping (a JSON schema), got {_describe(spec)}"
            )
            return
        for name in spec:
            if name == "format":
                self.report(
                    key_path(key, "format"),
                    "'format' is rejected by StackStorm's parameter schema; "
                    "validate in the workflow or use 'pattern'",
                )
            elif name not in ALLOWED_PARAMETER_KEYS:
                self.report(
                    key_path(key, str(name)),
                    f"unknown key {name!r} (StackStorm rejects unknown parameter keys)",
                )
        type_ok = self._check_type(key, spec)
        for flag in _BOOLEAN_KEYS:
            if flag in spec and not isinstance(spec[flag], bool):
                self.report(
                    key_path(key, flag),
                    f"'{flag}' must be a boolean (true/false), got {_describe(spec[flag])}",
                )
        if "description" in spec and not isinstance(spec["description"], str):
            self.report(key_path(key, "description"), "must be a string")
        elif is_property and self.require_description and not spec.get("description"):
            self.report(
                key_path(key, "description"), "every property needs a description"
            )
        if spec.get("immutable") is True and "default" not in spec:
            self.report(
                key_path(key, "immutable"),
                "an immutable parameter always takes its default, so it needs a 'default'",
            )
        if "position" in spec:
            position = spec["position"]
            if (
                isinstance(position, bool)
                or not isinstance(position, int)
                or position < 0
            ):
                self.report(
                    key_path(key, "position"),
                    f"'position' must be an integer >= 0, got {_describe(position)}",
                )
        for bound in ("minimum", "maximum", "multipleOf"):
            value = spec.get(bound)
            if bound in spec and (
                isinstance(value, bool) or not isinstance(value, int | float)
            ):
                self.report(
                    key_path(key, bound), f"must be a number, got {_describe(value)}"
                )
        enum_ok = self._check_enum(key, spec, type_ok)
        if type_ok and enum_ok:
            self._check_default(key, spec)
        self._check_children(key, spec)

    def _check_type(self, key: str, spec: Mapping[str, Any]) -> bool:
        """Exactly one known ``type``; returns whether later type checks can rely on it."""
        if "type" not in spec:
            if not any(k in spec for k in ("anyOf", "oneOf", "allOf")):
                self.report(key_path(key, "type"), "missing 'type' (exactly one type)")
            return False
        type_name = spec["type"]
        if isinstance(type_name, list):
            self.report(
                key_path(key, "type"),
                f"'type' must be ONE type, not a list {_describe(type_name)} "
                "(StackStorm rejects type lists; use anyOf or a default)",
            )
            return False
        if not isinstance(type_name, str) or type_name not in PARAMETER_TYPES:
            self.report(
                key_path(key, "type"),
                f"unknown type {_describe(type_name)} "
                f"(one of {', '.join(sorted(PARAMETER_TYPES))})",
            )
            return False
        return True

    def _check_enum(self, key: str, spec: Mapping[str, Any], type_ok: bool) -> bool:
        """``enum`` is a non-empty list of distinct values of the declared type."""
        if "enum" not in spec:
            return True
        enum = spec["enum"]
        if not isinstance(enum, list) or not enum:
            self.report(key_path(key, "enum"), "'enum' must be a non-empty list")
            return False
        ok = True
        if len({repr(v) for v in enum}) != len(enum):
            self.report(key_path(key, "enum"), "'enum' values must be unique")
            ok = False
        if type_ok:
            for index, value in enumerate(enum):
                if not matches_type(value, spec["type"]):
                    self.report(
                        key_path(key, "enum", index),
                        f"{_describe(value)} is not of type {spec['type']!r}",
                    )
                    ok = False
        return ok

    def _check_default(self, key: str, spec: Mapping[str, Any]) -> None:
        """The default has the declared type, lies in the enum and fits the schema."""
        if "default" not in spec or spec["default"] is None:
            return
        default = spec["default"]
        if is_jinja(default):
            return  # rendered (and cast) by StackStorm at run time
        where = key_path(key, "default")
        if not matches_type(default, spec["type"]):
            self.report(
                where,
                f"default {_describe(default)} is not of the declared type "
                f"{spec['type']!r}",
            )
            return
        if "enum" in spec and default not in spec["enum"]:
            self.report(
                where,
                f"default {_describe(default)} is not one of the enum values "
                f"{_describe(spec['enum'])}",
            )
            return
        self._check_default_validates(key, spec)

    def _check_default_validates(self, key: str, spec: Mapping[str, Any]) -> None:
        """The default passes StackStorm's validation of an omitted parameter.

        StackStorm fills the default in and validates the parameters object with
        ``CustomValidator`` (nested ``required: true``, defaults, nullable optionals).
        """
        param = {k: v for k, v in spec.items() if k != "default"}
        wrapper = {"type": "object", "properties": {"value": param}}
        where = key_path(key, "default")
        try:
            errors = st2_errors(
                {"value": spec["default"]},
                wrapper,
                use_default=True,
                allow_default_none=True,
            )
        except jsonschema.exceptions.SchemaError as exc:
            inner = key_path(key, *list(exc.path)[2:])
            self.report(
                inner, f"fails StackStorm's parameter meta-schema: {exc.message}"
            )
            return
        except Exception as exc:  # StackStorm fails the execution on any error too
            self.report(key, f"StackStorm cannot validate it: {exc!r}")
            return
        error = jsonschema.exceptions.best_match(errors)
        if error is not None:
            at = "".join(f"[{p}]" for p in list(error.absolute_path)[1:])
            self.report(where, f"default{at}: {error.message}")

    def _check_children(self, key: str, spec: Mapping[str, Any]) -> None:
        """Recurse into ``properties`` and ``items``; they must suit the type."""
        type_name = spec.get("type")
        props = spec.get("properties")
        if props is not None:
            if type_name not in (None, "object"):
                self.report(
                    key_path(key, "properties"), f"'properties' on a {type_name!r} type"
                )
            if not isinstance(props, Mapping):
                self.report(key_path(key, "properties"), "must be a mapping of schemas")
            else:
                for name, sub in props.items():
                    self.check(key_path(key, "properties", str(name)), sub)
        items = spec.get("items")
        if items is not None:
            if type_name not in (None, "array"):
                self.report(key_path(key, "items"), f"'items' on a {type_name!r} type")
            if isinstance(items, list):
                for index, sub in enumerate(items):
                    self.check(key_path(key, "items", index), sub, is_property=False)
            else:
                self.check(key_path(key, "items"), items, is_property=False)
        extra = spec.get("additionalProperties")
        if isinstance(extra, Mapping):
            self.check(key_path(key, "additionalProperties"), extra, is_property=False)


def check_parameter_names(file: str, prefix: str, names: Any) -> list[Problem]:
    """Every parameter name matches ``^\\w+$`` (StackStorm's patternProperties)."""
    return [
        Problem(
            file,
            key_path(prefix, str(name)),
            f"parameter name {str(name)!r} must match ^\\w+$ (letters, digits, _)",
        )
        for name in names
        if not isinstance(name, str) or not PARAMETER_NAME.match(name)
    ]


def check_positions(file: str, prefix: str, params: Mapping[str, Any]) -> list[Problem]:
    """``position`` values are unique and contiguous (StackStorm: from the lowest)."""
    problems: list[Problem] = []
    positioned = sorted(
        (spec["position"], name)
        for name, spec in params.items()
        if isinstance(spec, Mapping)
        and isinstance(spec.get("position"), int)
        and not isinstance(spec.get("position"), bool)
    )
    seen: dict[int, str] = {}
    expected = positioned[0][0] if positioned else 0
    for position, name in positioned:
        if position in seen:
            problems.append(
                Problem(
                    file,
                    key_path(prefix, name, "position"),
                    f"position {position} is already used by {seen[position]!r}",
                )
            )
            continue
        seen[position] = name
        if position != expected:
            problems.append(
                Problem(
                    file,
                    key_path(prefix, name, "position"),
                    f"positions must be contiguous: expected {expected}, "
                    f"got {position}",
                )
            )
        expected = position + 1
    return problems
