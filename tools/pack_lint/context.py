"""What every checker needs to know about the pack: its ref, actions and triggers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.pack_lint.core import (
    CORE_ACTIONS,
    CORE_TRIGGERS,
    RUNNER_PARAMETERS,
    core_action_parameters,
)
from tools.pack_lint.loader import MetadataFile


@dataclass
class ActionInfo:
    """An action a rule, alias or policy may reference."""

    ref: str
    file: str | None  # None for core actions
    runner_type: str | None
    parameters: dict[str, dict[str, Any]]

    @property
    def all_parameters(self) -> dict[str, dict[str, Any]]:
        """The action's parameters plus its runner's (a rule may set both)."""
        runner = RUNNER_PARAMETERS.get(self.runner_type or "", {})
        return {**runner, **self.parameters}


@dataclass
class TriggerInfo:
    """A trigger type a rule may fire on."""

    ref: str
    file: str | None  # None for core triggers
    payload_schema: Mapping[str, Any] | None
    parameters: dict[str, bool] = field(default_factory=dict)  # name -> required


@dataclass
class PackContext:
    """The parsed pack: metadata files by folder plus the indexes built from them."""

    pack_dir: Path
    pack_ref: str
    files: dict[str, list[MetadataFile]]
    actions: dict[str, ActionInfo] = field(default_factory=dict)
    triggers: dict[str, TriggerInfo] = field(default_factory=dict)

    def index(self) -> None:
        """Fill ``actions`` and ``triggers`` from the pack's files and StackStorm's core."""
        for ref in CORE_ACTIONS:
            self.actions[ref] = ActionInfo(
                ref, None, CORE_ACTIONS[ref][0], core_action_parameters(ref)
            )
        for meta in self.files.get("actions", []):
            data = meta.data
            if isinstance(data, dict) and isinstance(data.get("name"), str):
                params = data.get("parameters")
                self.actions[f"{self.pack_ref}.{data['name']}"] = ActionInfo(
                    ref=f"{self.pack_ref}.{data['name']}",
                    file=meta.path,
                    runner_type=data.get("runner_type"),
                    parameters=dict(params) if isinstance(params, dict) else {},
                )
        for ref, spec in CORE_TRIGGERS.items():
            self.triggers[ref] = TriggerInfo(
                ref, None, spec["payload_schema"], dict(spec["parameters"])
            )
        for meta in self.files.get("sensors", []):
            data = meta.data
            if not isinstance(data, dict) or not isinstance(
                data.get("trigger_types"), list
            ):
                continue
            for trigger in data["trigger_types"]:
                if isinstance(trigger, dict) and isinstance(trigger.get("name"), str):
                    ref = f"{trigger.get('pack') or self.pack_ref}.{trigger['name']}"
                    schema = trigger.get("payload_schema")
                    self.triggers[ref] = TriggerInfo(
                        ref, meta.path, schema if isinstance(schema, Mapping) else None
                    )
