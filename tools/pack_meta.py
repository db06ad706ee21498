"""Read the pack's action metadata (``actions/*.yaml``) for developer tools.

Used by the local action runner and the README action-table generator.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

PACK_DIR = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class ActionMeta:
    """What the developer tools need from ``actions/<name>.yaml``."""

    name: str
    description: str
    runner_type: str
    entry_point: str
    enabled: bool
    parameters: dict[str, dict[str, Any]]
    path: Path

    @property
    def inputs(self) -> dict[str, dict[str, Any]]:
        """The parameters ``run()`` receives: every one but the runner's own, which
        an action may only override (StackStorm never passes them to ``run()``)."""
        return run_inputs(self.runner_type, self.parameters)

    @property
    def workflow(self) -> str | None:
        """The workflow reference of a workflow action, else None."""
        return (self.parameters.get("workflow") or {}).get("default")


def run_inputs(
    runner_type: str, parameters: dict[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """``parameters`` without the runner's own (``timeout``, ``log_level``, ...)."""
    from tools.pack_lint.core import RUNNER_PARAMETERS

    runner = RUNNER_PARAMETERS.get(runner_type, {})
    return {name: spec for name, spec in parameters.items() if name not in runner}


def load_action(path: Path) -> ActionMeta:
    """Parse one action metadata file."""
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    return ActionMeta(
        name=str(data.get("name", path.stem)),
        description=" ".join(str(data.get("description", "")).split()),
        runner_type=str(data.get("runner_type", "")),
        entry_point=str(data.get("entry_point", "")),
        enabled=bool(data.get("enabled", True)),
        parameters=dict(data.get("parameters") or {}),
        path=path,
    )


def load_actions(pack_dir: Path = PACK_DIR) -> list[ActionMeta]:
    """Every action of the pack, sorted by name."""
    paths = sorted((pack_dir / "actions").glob("*.yaml"))
    return sorted((load_action(p) for p in paths), key=lambda a: a.name)


def find_action(name: str, pack_dir: Path = PACK_DIR) -> ActionMeta | None:
    """The action called ``name`` (with or without the ``openstack_ops.`` prefix)."""
    short = name.removeprefix("openstack_ops.")
    for action in load_actions(pack_dir):
        if action.name == short:
            return action
    return None


def validate_parameters(meta: ActionMeta, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` checked as StackStorm checks an execution's parameters.

    The action's parameters merged into its runner's, then ``validate`` with
    ``CustomValidator``, defaults filled and ``allow_default_none``, from whichever
    ``st2common.util.schema`` is importable (StackStorm's or the stand-in's). Returns
    the values with defaults; raises ``jsonschema.ValidationError``/``SchemaError``.
    """
    from types import SimpleNamespace

    from st2common.util.schema import (
        CustomValidator,
        get_schema_for_action_parameters,
        validate,
    )

    from tools.pack_lint.core import RUNNER_PARAMETERS

    action = SimpleNamespace(
        ref=f"openstack_ops.{meta.name}",
        name=meta.name,
        description=meta.description,
        parameters=meta.parameters,
    )
    runner = SimpleNamespace(
        runner_parameters=RUNNER_PARAMETERS.get(meta.runner_type, {})
    )
    schema = get_schema_for_action_parameters(action, runner)
    return validate(
        values, schema, cls=CustomValidator, use_default=True, allow_default_none=True
    )
