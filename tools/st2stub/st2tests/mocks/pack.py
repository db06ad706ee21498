"""Reading the bits of a pack's metadata the stand-in's services need."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

__all__ = ["find_pack_dir", "load_trigger_types", "read_pack_ref"]


def find_pack_dir(start: str | os.PathLike[str]) -> Path | None:
    """The nearest directory at or above ``start`` that holds a ``pack.yaml``."""
    path = Path(start).resolve()
    for candidate in [path, *path.parents]:
        if (candidate / "pack.yaml").is_file():
            return candidate
    return None


def read_pack_ref(pack_dir: str | os.PathLike[str]) -> str:
    """The pack's ref: ``ref`` from pack.yaml, else its ``name``."""
    meta = yaml.safe_load(Path(pack_dir, "pack.yaml").read_text(encoding="utf-8"))
    meta = meta if isinstance(meta, dict) else {}
    return str(meta.get("ref") or meta.get("name") or Path(pack_dir).name)


def load_trigger_types(pack_dir: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    """Trigger types declared by the pack's sensors, keyed by ``<pack>.<name>``.

    Parsed from ``sensors/*.yaml`` ``trigger_types`` as StackStorm registers them; a
    trigger type may set its own ``pack``, which then replaces the pack ref.
    """
    pack_ref = read_pack_ref(pack_dir)
    result: dict[str, dict[str, Any]] = {}
    for path in sorted(Path(pack_dir, "sensors").glob("*.yaml")):
        meta = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(meta, dict):
            continue
        for trigger in meta.get("trigger_types") or []:
            if isinstance(trigger, dict) and isinstance(trigger.get("name"), str):
                ref = f"{trigger.get('pack') or pack_ref}.{trigger['name']}"
                result[ref] = trigger
    return result
