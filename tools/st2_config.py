"""StackStorm's pack config loading, for the pack's linter and tests.

A test-only re-implementation of what ``ContentPackConfigLoader.get_config``
(``st2common.util.config_loader``, same in 3.9.0 and HEAD) does with a pack's config;
the real-StackStorm tier checks the example config with StackStorm's own loader:

1. walks the operator's values (not the schema), finding each value's schema item
   through ``properties`` / ``patternProperties`` / ``additionalProperties`` and
   ``items`` / ``additionalItems`` (unknown keys get an empty schema: extra keys stay);
2. renders every string holding ``{{`` or ``{%`` with ``st2kv.system.<key>`` (the
   STORED value: ciphertext for a secret key) and the ``decrypt_kv`` filter, then, when
   the item's schema says ``secret: true``, decrypts the rendered value itself; an
   empty rendering becomes ``None``. So ``{{ st2kv.system.x | decrypt_kv }}`` on a
   secret item decrypts twice and loading fails ("Odd-length string");
3. fills schema defaults, creating nested objects and arrays that have sub-schemas.

The datastore is the pack's test double (``tools.testing.datastore``), whose
"ciphertext" is ``tools.testing.crypto``'s.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import jinja2

from tools.testing.crypto import decrypt

__all__ = [
    "ConfigItem",
    "ContentPackConfigLoader",
    "config_items",
    "double_decryptions",
    "is_jinja_expression",
]


def is_jinja_expression(value: Any) -> bool:
    """A string StackStorm renders: it contains ``{{`` or ``{%``."""
    return isinstance(value, str) and ("{{" in value or "{%" in value)


@dataclass(frozen=True)
class ConfigItem:
    """A leaf of the config values, with the schema item StackStorm uses for it."""

    path: tuple[str | int, ...]
    value: Any
    schema: Mapping[str, Any]

    @property
    def key(self) -> str:
        """The dotted key StackStorm names in its errors (``clouds.0.password``)."""
        return ".".join(str(part) for part in self.path)


def _property_schemas(spec: Any, keys: list[str]) -> dict[str, Any]:
    """Schemas of an object's keys and of every declared property.

    A key takes its ``properties`` schema, else the schemas of the
    ``patternProperties`` it matches (merged), else ``additionalProperties``, else ``{}``.
    """
    spec = spec if isinstance(spec, Mapping) else {}
    props = spec.get("properties") or {}
    result: dict[str, Any] = {key: {} for key in keys}
    result.update(props)
    patterns = spec.get("patternProperties") or {}
    extra = spec.get("additionalProperties")
    for key in (k for k in keys if k not in props):
        matched = [s for p, s in patterns.items() if re.search(p, key)]
        if matched:
            result[key] = {k: v for sub in matched for k, v in sub.items()}
        elif isinstance(extra, Mapping) and extra:
            result[key] = extra
    return result


def _item_schemas(spec: Any, count: int) -> list[Any]:
    """Schema of each array item: ``items`` (one or positional), then additionalItems."""
    spec = spec if isinstance(spec, Mapping) else {}
    items = spec.get("items", [])
    result = [items] * count if isinstance(items, Mapping) else list(items or [])
    extra = spec.get("additionalItems")
    if len(result) < count and isinstance(extra, Mapping) and extra:
        result += [extra] * (count - len(result))
    return result


def _walk(
    value: Any, spec: Any, path: tuple[str | int, ...]
) -> Iterator[tuple[tuple[str | int, ...], Any, Any]]:
    """``(path, value, schema)`` of every leaf below ``value`` (schema may be ``{}``)."""
    if isinstance(value, dict):
        schemas = _property_schemas(spec, list(value))
        for key, sub in value.items():
            yield from _walk(sub, schemas.get(key, {}), (*path, key))
    elif isinstance(value, list):
        schemas = _item_schemas(spec, len(value))
        for index, sub in enumerate(value):
            sub_spec = schemas[index] if index < len(schemas) else {}
            yield from _walk(sub, sub_spec, (*path, index))
    else:
        yield path, value, spec


def config_items(
    schema: Mapping[str, Any], values: Mapping[str, Any]
) -> list[ConfigItem]:
    """Every leaf of ``values`` with its schema item, as the config loader pairs them."""
    return [
        ConfigItem(path, value, spec if isinstance(spec, Mapping) else {})
        for path, value, spec in _walk(dict(values), {"properties": schema}, ())
    ]


def double_decryptions(
    schema: Mapping[str, Any], values: Mapping[str, Any]
) -> list[ConfigItem]:
    """Items that use ``decrypt_kv`` although their schema says ``secret: true``.

    ``ContentPackConfigLoader`` decrypts secret items itself, so these fail to load.
    """
    return [
        item
        for item in config_items(schema, values)
        if is_jinja_expression(item.value)
        and "decrypt_kv" in item.value
        and item.schema.get("secret", False)
    ]


class _KeyLookup:
    """``st2kv.system...`` in a template: attribute access builds the dotted key."""

    def __init__(self, datastore: Any, key: str = "") -> None:
        """Look keys up in ``datastore`` (the pack's test datastore or ``None``)."""
        self._datastore = datastore
        self._key = key

    def __getattr__(self, name: str) -> _KeyLookup:
        """``lookup.a.b`` is the key ``a.b``."""
        if name.startswith("__"):
            raise AttributeError(name)
        return _KeyLookup(self._datastore, f"{self._key}.{name}" if self._key else name)

    __getitem__ = __getattr__

    def __str__(self) -> str:
        """The stored value (ciphertext for secrets), ``""`` when absent."""
        if self._datastore is None:
            return ""
        return self._datastore.get_value(self._key, local=False) or ""

    def key_name(self) -> str:
        """The dotted key this lookup stands for."""
        return self._key


def _decrypt_kv(value: Any) -> str:
    """The ``decrypt_kv`` filter: decrypt a datastore value (fails on plain text)."""
    if isinstance(value, _KeyLookup):
        text = str(value)
        if text == "":
            raise ValueError(
                f'Referenced datastore item "{value.key_name()}" doesn\'t exist or it '
                "contains an empty string"
            )
        value = text
    return decrypt(value)


class ContentPackConfigLoader:
    """Builds the config an action or sensor of pack ``pack_name`` receives.

    StackStorm's class reads values, schema and datastore from its database; this
    one takes them as arguments: ``schema`` (``config.schema.yaml``), ``values``
    (``/opt/stackstorm/configs/<pack>.yaml``) and ``datastore`` (a
    ``tools.testing.datastore.DatastoreService`` whose ``encrypt=True`` items are the
    secret keys).
    """

    def __init__(
        self,
        pack_name: str,
        user: str | None = None,
        *,
        schema: Mapping[str, Any] | None = None,
        values: Mapping[str, Any] | None = None,
        datastore: Any = None,
    ) -> None:
        """Remember what ``get_config`` combines."""
        self.pack_name = pack_name
        self.user = user or "stanley"
        self.schema: dict[str, Any] = dict(schema or {})
        self.values: dict[str, Any] = dict(values or {})
        self.datastore = datastore

    def get_config(self) -> dict[str, Any]:
        """Rendered values with defaults; ``RuntimeError``/``ValueError`` as StackStorm."""
        config = copy.deepcopy(self.values)
        for item in config_items(self.schema, config):
            if is_jinja_expression(item.value):
                _set(config, item.path, self._render(item))
        _fill_defaults(self.schema, config)
        return config

    def _render(self, item: ConfigItem) -> Any:
        """Render one Jinja value and decrypt it when its schema item is secret."""
        env = jinja2.Environment(undefined=jinja2.StrictUndefined)
        env.filters["decrypt_kv"] = _decrypt_kv
        lookup = {"system": _KeyLookup(self.datastore), "user": _KeyLookup(None)}
        try:
            value = env.from_string(item.value).render(st2kv=lookup)
        except Exception as exc:
            raise RuntimeError(
                f'Failed to render dynamic configuration value for key "{item.key}" '
                f'with value "{item.value}" for pack "{self.pack_name}" config: '
                f"{type(exc)} {exc} "
            ) from exc
        if not value:
            return None
        return decrypt(value) if item.schema.get("secret", False) else value


def _set(config: Any, path: tuple[str | int, ...], value: Any) -> None:
    """Replace the value at ``path`` inside ``config``."""
    for part in path[:-1]:
        config = config[part]
    config[path[-1]] = value


def _fill_defaults(schemas: Mapping[Any, Any] | list[Any], config: Any) -> None:
    """Fill defaults (in place); objects/arrays with sub-schemas are created if absent."""
    pairs = schemas.items() if isinstance(schemas, Mapping) else enumerate(schemas)
    for key, spec in pairs:
        present = key in config if isinstance(config, dict) else key < len(config)
        if "default" in spec and not present:
            config[key] = copy.deepcopy(spec["default"])
        try:
            value = config[key]
        except (KeyError, IndexError):
            value = None
        kind = spec.get("type")
        if kind == "object" and any(
            spec.get(k)
            for k in ("properties", "patternProperties", "additionalProperties")
        ):
            if not value:
                value = config[key] = {}
            _fill_defaults(_property_schemas(spec, list(value.keys())), value)
        elif kind == "array" and (spec.get("items") or spec.get("additionalItems")):
            if not value:
                value = config[key] = []
            _fill_defaults(_item_schemas(spec, len(value)), value)
