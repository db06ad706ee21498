"""A ``where()`` clause: a preset bound to one property with checked arguments."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from openstack_query.presets import (
    Preset,
    PresetArgs,
    build_args,
    check_kind,
    evaluate,
    resolve_preset,
    value_test,
)
from openstack_query.properties import Item, PropertyDef


@dataclass(frozen=True)
class Filter:
    """One condition of a query; several are ANDed."""

    preset: Preset
    prop: PropertyDef
    args: PresetArgs

    @classmethod
    def build(
        cls, preset: str | Preset, prop: PropertyDef, args: dict[str, Any]
    ) -> Filter:
        """Validate ``preset`` against ``prop``'s kind and check its arguments."""
        resolved = resolve_preset(preset)
        check_kind(resolved, prop.kind, prop.name)
        return cls(resolved, prop, build_args(resolved, prop.kind, prop.name, args))

    def matches(self, item: Item, now: datetime) -> bool:
        """Whether ``item`` satisfies this condition at instant ``now``."""
        return evaluate(
            self.preset, self.prop.kind, self.args, self.prop.value(item), now
        )

    def matcher(self, now: datetime) -> Callable[[Item], bool]:
        """``matches`` with ``now`` bound, specialised once for checking many
        items (a listing's every item)."""
        test = value_test(self.preset, self.prop.kind, self.args, now)
        value = self.prop.value
        return lambda item: test(value(item))

    def single_value(self) -> Any | None:
        """The one value this filter requires (``equal_to`` or a one-value
        ``any_in``), or None; a candidate for an exact API filter."""
        if self.preset is Preset.EQUAL_TO:
            return self.args.value
        if self.preset is Preset.ANY_IN and len(self.args.values) == 1:
            return self.args.values[0]
        return None

    def values_set(self) -> tuple[Any, ...] | None:
        """The values an ``equal_to``/``any_in`` filter accepts, else None."""
        if self.preset is Preset.EQUAL_TO:
            return (self.args.value,)
        if self.preset is Preset.ANY_IN:
            return self.args.values
        return None

    def describe(self) -> str:
        """A short human description, e.g. ``status any_in ['SHUTOFF']``."""
        return f"{self.prop.name} {self.preset.value} {dict(self.args.raw)!r}"
