"""Rules for ``config.schema.yaml`` and the example config ``<ref>.yaml.example``."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

import jsonschema
from jsonschema import validators

from tools.pack_lint.context import PackContext
from tools.pack_lint.loader import load_yaml
from tools.pack_lint.problems import Problem, key_path
from tools.pack_lint.schema_rules import (
    SchemaChecker,
    check_parameter_names,
    is_jinja,
    object_schema,
)

SCHEMA_FILE = "config.schema.yaml"
#: Property names that must be ``secret: true``.
SECRET_NAME = re.compile(r"password|token|secret", re.IGNORECASE)


def check_config(ctx: PackContext) -> tuple[int, list[Problem]]:
    """Check the config schema and the example; return (top-level keys, problems)."""
    if not (ctx.pack_dir / SCHEMA_FILE).is_file():
        return 0, []
    schema, problems = load_yaml(ctx.pack_dir, SCHEMA_FILE)
    if problems:
        return 0, problems
    if schema is None:
        schema = {}
    if not isinstance(schema, Mapping):
        return 0, [
            Problem(SCHEMA_FILE, "(document)", "must be a mapping of properties")
        ]
    problems.extend(check_parameter_names(SCHEMA_FILE, "", schema))
    checker = SchemaChecker(SCHEMA_FILE, require_description=True)
    for name, spec in schema.items():
        checker.check(str(name), spec)
    problems.extend(checker.problems)
    for path, name, spec in _properties(schema):
        if SECRET_NAME.search(name) and spec.get("secret") is not True:
            problems.append(
                Problem(
                    SCHEMA_FILE,
                    key_path(path, "secret"),
                    f"{name!r} looks like a credential: mark it 'secret: true'",
                )
            )
    if not any(p.file == SCHEMA_FILE for p in problems):
        problems.extend(check_example(ctx, schema))
    return len(schema), problems


def _properties(
    schema: Mapping[str, Any], prefix: str = ""
) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """Every property (top-level and nested) as ``(key path, name, schema)``."""
    for name, spec in schema.items():
        if not isinstance(spec, Mapping):
            continue
        path = key_path(prefix, str(name))
        yield path, str(name), spec
        yield from _nested(spec, path)


def _nested(
    spec: Mapping[str, Any], path: str
) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """Properties below ``spec`` (through ``properties`` and ``items``)."""
    props = spec.get("properties")
    if isinstance(props, Mapping):
        yield from _properties(props, key_path(path, "properties"))
    items = spec.get("items")
    if isinstance(items, Mapping):
        yield from _nested(items, key_path(path, "items"))


def _skip_for_jinja(original: Any) -> Any:
    """Wrap a keyword validator so Jinja strings (rendered later) are not checked."""

    def validate(validator: Any, value: Any, instance: Any, schema: Any) -> Any:
        if is_jinja(instance):
            return iter(())
        return original(validator, value, instance, schema)

    return validate


_Draft4 = jsonschema.Draft4Validator
#: Draft-4 where a Jinja string (``{{ st2kv.system.x }}``) passes the string checks.
ConfigValidator = validators.extend(
    _Draft4,
    {
        name: _skip_for_jinja(_Draft4.VALIDATORS[name])
        for name in ("enum", "pattern", "minLength", "maxLength")
    },
)


def check_example(ctx: PackContext, schema: Mapping[str, Any]) -> list[Problem]:
    """``<ref>.yaml.example`` validates against the schema (extra keys allowed)."""
    rel = f"{ctx.pack_ref}.yaml.example"
    if not (ctx.pack_dir / rel).is_file():
        return [
            Problem(
                rel, "(file)", "missing example config (ship one next to the schema)"
            )
        ]
    example, problems = load_yaml(ctx.pack_dir, rel)
    if problems:
        return problems
    if example is None:
        example = {}
    json_schema = object_schema(schema)
    for error in sorted(
        ConfigValidator(json_schema).iter_errors(example), key=lambda e: list(e.path)
    ):
        key = key_path(
            *[p if isinstance(p, int) else str(p) for p in error.absolute_path]
        )
        problems.append(
            Problem(rel, key, f"does not match {SCHEMA_FILE}: {error.message}")
        )
    return problems
