"""The listing fast paths give exactly what the general code gives: compiled
preset tests equal ``evaluate``, and the GC pause restores the collector."""

from __future__ import annotations

import gc
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from openstack_query.bodies import paused_gc
from openstack_query.kinds import PropKind
from openstack_query.presets import Preset, build_args, evaluate, value_test

NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)
VALUES: list[Any] = [
    None,
    "",
    "a",
    "b",
    "A",
    5,
    5.0,
    True,
    ["a"],
    NOW - timedelta(days=3),
    (NOW - timedelta(days=1)).isoformat(),
    "2025-05-29T12:00:00",
    "not a date",
]
CASES: list[tuple[Preset, PropKind, dict[str, Any]]] = [
    (Preset.ANY_IN, PropKind.STRING, {"values": ["a", "5", "True"]}),
    (Preset.NOT_ANY_IN, PropKind.STRING, {"values": ["a", "5"]}),
    (Preset.EQUAL_TO, PropKind.STRING, {"value": "a"}),
    (Preset.NOT_EQUAL_TO, PropKind.STRING, {"value": "5"}),
    (Preset.ANY_IN, PropKind.LIST, {"values": ["a"]}),
    (Preset.EQUAL_TO, PropKind.NUMBER, {"value": 5}),
    (Preset.GREATER_THAN, PropKind.NUMBER, {"value": 4}),
    (Preset.MATCHES_REGEX, PropKind.STRING, {"regex": "^a"}),
    *(
        (p, PropKind.DATETIME, {"days": 2})
        for p in (
            Preset.OLDER_THAN,
            Preset.OLDER_THAN_OR_EQUAL_TO,
            Preset.YOUNGER_THAN,
            Preset.YOUNGER_THAN_OR_EQUAL_TO,
        )
    ),
    (Preset.OLDER_THAN, PropKind.DATETIME, {"days": 3}),  # the boundary itself
]


@pytest.mark.parametrize(("preset", "kind", "args"), CASES)
def test_value_test_equals_evaluate(
    preset: Preset, kind: PropKind, args: dict[str, Any]
) -> None:
    built = build_args(preset, kind, "p", args)
    test = value_test(preset, kind, built, NOW)
    for value in VALUES:
        if kind is PropKind.LIST and not isinstance(value, list | type(None)):
            continue  # list presets see lists (or nothing)
        assert test(value) == evaluate(preset, kind, built, value, NOW), value


def test_gc_pause_nests_and_restores_the_collector() -> None:
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause still holds
    assert gc.isenabled()
    with pytest.raises(RuntimeError), paused_gc():
        raise RuntimeError("listing failed")
    assert gc.isenabled()


def test_gc_pause_leaves_a_disabled_collector_disabled() -> None:
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
