"""Rules for ``config.schema.yaml`` and the example config ``<ref>.yaml.example``."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

import jsonschema

from tools import st2_config
from tools.pack_lint.context import PackContext
from tools.pack_lint.loader import load_yaml
from tools.pack_lint.problems import Problem, key_path
from tools.pack_lint.schema_rules import (
    SchemaChecker,
    check_parameter_names,
    st2_errors,
)
from tools.st2stub.st2common.util import schema as st2_schema

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


def check_example(ctx: PackContext, schema: Mapping[str, Any]) -> list[Problem]:
    """``<ref>.yaml.example`` would register and load in StackStorm.

    Registration (``st2ctl reload --register-configs``) validates the raw values, Jinja
    strings included, with ``CustomValidator`` (defaults filled, extra keys allowed);
    loading (``ContentPackConfigLoader``) decrypts ``secret: true`` items itself.
    """
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
    if not isinstance(example, Mapping):
        return [Problem(rel, "(document)", "must be a mapping of config keys")]
    resource_schema = st2_schema.get_schema_for_resource_parameters(
        schema, allow_additional_properties=True
    )
    try:
        errors = st2_errors(
            example, resource_schema, use_default=True, allow_default_none=True
        )
    except jsonschema.exceptions.SchemaError as exc:
        return [Problem(SCHEMA_FILE, key_path(*exc.path), f"invalid: {exc.message}")]
    for error in errors:
        problems.append(
            Problem(
                rel,
                key_path(*error.absolute_path),
                f"does not match {SCHEMA_FILE}: {error.message}",
            )
        )
    for item in st2_config.double_decryptions(schema, example):
        value = str(item.value)
        plain = re.sub(r"\s*\|\s*decrypt_kv\b", "", value)
        problems.append(
            Problem(
                rel,
                key_path(*item.path),
                f"config key {item.key!r} is 'secret: true': StackStorm's "
                "ContentPackConfigLoader decrypts it itself, so '| decrypt_kv' "
                'decrypts twice and loading the config fails ("Odd-length '
                f'string"); write {plain!r}',
            )
        )
    return problems
