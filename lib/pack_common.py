"""The few helpers shared by every API package and the entry point.

- ``ConfigError`` / ``InputError``: errors whose message names the pack config key or
  the action parameter at fault, reported to the operator as a failed execution.
- ``find_named_entry`` / ``require_named_entry``: look up ``{name: ...}`` entries of
  the pack config lists (``clouds``, ``smtp_accounts``, ``jupyter_envs``).
- ``Failure``: what a workflow returns to report a failed execution that still carries
  a result (e.g. "3 of 40 failed").
- ``KeyValueStore`` / ``ActionServiceStore``: the small key-value store workflows use
  for campaign progress and similar state, backed by the StackStorm datastore.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol


class ConfigError(ValueError):
    """The pack config is missing a key or holds a bad value; the message names it."""


class InputError(ValueError):
    """An action parameter is invalid; the message names the parameter.

    Raised by workflows while validating, before anything is changed.
    """

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"parameter '{parameter}': {message}")
        self.parameter = parameter


@dataclass
class Failure:
    """Returned by a workflow to fail the execution while still reporting ``result``."""

    result: Any


def entry_names(config: Mapping[str, Any], key: str) -> list[str]:
    """Names of the entries of the pack config list ``key`` (empty when absent)."""
    entries = config.get(key) or []
    return [str(e.get("name")) for e in entries if isinstance(e, Mapping)]


def find_named_entry(
    config: Mapping[str, Any], key: str, name: str
) -> dict[str, Any] | None:
    """The entry of the pack config list ``key`` whose ``name`` is ``name``, or None."""
    entries = config.get(key) or []
    if not isinstance(entries, list):
        raise ConfigError(f"pack config '{key}' must be a list of named entries")
    for entry in entries:
        if isinstance(entry, Mapping) and entry.get("name") == name:
            return dict(entry)
    return None


def require_named_entry(
    config: Mapping[str, Any],
    key: str,
    name: str | None,
    parameter: str,
    default_key: str | None = None,
) -> dict[str, Any]:
    """Like ``find_named_entry`` but a missing entry is an error naming both the action
    ``parameter`` and the pack config ``key``. An empty name falls back to the pack
    config's ``default_key`` when one is given."""
    if not name and default_key:
        name = config.get(default_key)
    if not name:
        hint = f" and the pack config has no '{default_key}'" if default_key else ""
        raise ConfigError(f"parameter '{parameter}' is empty{hint}")
    entry = find_named_entry(config, key, name)
    if entry is None:
        known = ", ".join(entry_names(config, key)) or "none configured"
        raise ConfigError(
            f"parameter '{parameter}': no entry named {name!r} in the pack config "
            f"'{key}' (known: {known})"
        )
    return entry


def require_fields(entry: Mapping[str, Any], key: str, fields: tuple[str, ...]) -> None:
    """Raise ``ConfigError`` naming ``key``.<field> for each required field missing."""
    missing = [f for f in fields if entry.get(f) in (None, "")]
    if missing:
        name = entry.get("name", "?")
        raise ConfigError(
            f"pack config '{key}' entry {name!r} lacks required "
            + ", ".join(f"'{f}'" for f in missing)
        )


class KeyValueStore(Protocol):
    """What workflows may do with persistent state."""

    def get(self, key: str) -> Any | None: ...

    def set(self, key: str, value: Any, ttl: int | None = None) -> None: ...

    def delete(self, key: str) -> bool: ...

    def list(self, prefix: str = "") -> dict[str, Any]: ...


class ActionServiceStore:
    """``KeyValueStore`` over a StackStorm ``action_service`` (or its stand-in).

    Values are stored as JSON strings because the StackStorm datastore holds strings;
    keys are pack-local (``local=True``) so they cannot collide with other packs.
    """

    def __init__(self, action_service: Any, namespace: str = "") -> None:
        self._service = action_service
        self._namespace = namespace

    def _key(self, key: str) -> str:
        return f"{self._namespace}{key}"

    def get(self, key: str) -> Any | None:
        raw = self._service.get_value(self._key(key), local=True)
        return None if raw is None else json.loads(raw)

    def set(self, key: str, value: Any, ttl: int | None = None) -> None:
        self._service.set_value(self._key(key), json.dumps(value), ttl=ttl, local=True)

    def delete(self, key: str) -> bool:
        return bool(self._service.delete_value(self._key(key), local=True))

    def list(self, prefix: str = "") -> dict[str, Any]:
        full_prefix = self._key(prefix)
        items = self._service.list_values(local=True, prefix=full_prefix) or []
        result: dict[str, Any] = {}
        for item in items:
            name = item.name.split(":", 1)[-1] if ":" in item.name else item.name
            if name.startswith(full_prefix):
                result[name[len(self._namespace) :]] = json.loads(item.value)
        return result
