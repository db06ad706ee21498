"""Find and load the pack config for local runs, filling defaults like StackStorm.

Search order: ``--config FILE``, ``$OPENSTACK_OPS_CONFIG``, then the local development
cloud's config (``$OPENSTACK_OPS_DEVCLOUD_DIR/openstack_ops.yaml``, by default
``.devcloud/openstack_ops.yaml`` in the checkout). With none found the config is empty
and actions that need an account fail naming the missing config key.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import yaml

PACK_DIR = Path(__file__).resolve().parents[2]


def devcloud_dir() -> Path:
    """The local development cloud's state directory."""
    return Path(os.environ.get("OPENSTACK_OPS_DEVCLOUD_DIR", PACK_DIR / ".devcloud"))


def searched(explicit: str | None) -> list[tuple[str, str]]:
    """Where ``find_config`` looks, in order, each with what it found there: the
    lines of the "no pack config found" notice."""
    from_env = os.environ.get("OPENSTACK_OPS_CONFIG")
    local = devcloud_dir() / "openstack_ops.yaml"
    return [
        ("--config FILE", explicit or "not given"),
        ("$OPENSTACK_OPS_CONFIG", from_env or "not set"),
        (
            str(local),
            "present" if local.is_file() else "no such file (the local cloud's config)",
        ),
    ]


def find_config(explicit: str | None) -> Path | None:
    """The config file to use, or None when there is none."""
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise FileNotFoundError(f"--config: no such file {explicit}")
        return path
    from_env = os.environ.get("OPENSTACK_OPS_CONFIG")
    if from_env:
        path = Path(from_env)
        if not path.is_file():
            raise FileNotFoundError(f"OPENSTACK_OPS_CONFIG: no such file {from_env}")
        return path
    local = devcloud_dir() / "openstack_ops.yaml"
    return local if local.is_file() else None


def load_schema(pack_dir: Path = PACK_DIR) -> dict[str, Any]:
    """The pack's ``config.schema.yaml``."""
    with open(pack_dir / "config.schema.yaml", encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def fill_defaults(schema: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``config`` with schema defaults filled in, nested objects and the
    objects inside arrays too, as StackStorm does when it loads a pack config."""
    result = copy.deepcopy(config)
    for key, prop in schema.items():
        if key not in result and "default" in prop:
            result[key] = copy.deepcopy(prop["default"])
        if key in result:
            result[key] = _fill_value(prop, result[key])
    return result


def _fill_value(prop: dict[str, Any], value: Any) -> Any:
    """Fill defaults inside one value according to its property schema."""
    if prop.get("type") == "object" and isinstance(value, dict):
        return fill_defaults(prop.get("properties") or {}, value)
    if prop.get("type") == "array" and isinstance(value, list):
        items = prop.get("items") or {}
        return [_fill_value(items, item) for item in value]
    return value


def load_config(explicit: str | None) -> tuple[dict[str, Any], Path | None]:
    """The pack config with defaults filled, and the file it came from."""
    path = find_config(explicit)
    raw: dict[str, Any] = {}
    if path is not None:
        with open(path, encoding="utf-8") as handle:
            raw = yaml.safe_load(handle) or {}
        if not isinstance(raw, dict):
            raise ValueError(f"{path}: the pack config must be a mapping")
    return fill_defaults(load_schema(), raw), path
