"""Every preset: aliases, kind checks, argument checks and evaluation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from openstack_query.errors import PresetError
from openstack_query.kinds import PropKind
from openstack_query.presets import (
    Preset,
    build_args,
    check_kind,
    evaluate,
    resolve_preset,
)

NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)


def check(preset: Preset, kind: PropKind, actual: object, **args: object) -> bool:
    built = build_args(preset, kind, "p", args)
    return evaluate(preset, kind, built, actual, NOW)


@pytest.mark.parametrize(
    ("alias", "preset"),
    [
        ("==", Preset.EQUAL_TO),
        ("equal_to", Preset.EQUAL_TO),
        ("!=", Preset.NOT_EQUAL_TO),
        ("in", Preset.ANY_IN),
        ("not_in", Preset.NOT_ANY_IN),
        (">", Preset.GREATER_THAN),
        (">=", Preset.GREATER_THAN_OR_EQUAL_TO),
        ("<", Preset.LESS_THAN),
        ("<=", Preset.LESS_THAN_OR_EQUAL_TO),
        ("older_than", Preset.OLDER_THAN),
        ("younger_than_or_equal_to", Preset.YOUNGER_THAN_OR_EQUAL_TO),
        ("regex", Preset.MATCHES_REGEX),
        ("NOT_MATCHES_REGEX", Preset.NOT_MATCHES_REGEX),
    ],
)
def test_aliases_resolve(alias: str, preset: Preset) -> None:
    assert resolve_preset(alias) is preset


def test_unknown_preset_lists_known() -> None:
    with pytest.raises(PresetError, match=r"unknown preset 'about'.*equal_to"):
        resolve_preset("about")


@pytest.mark.parametrize(
    ("preset", "kind"),
    [
        (Preset.OLDER_THAN, PropKind.STRING),
        (Preset.GREATER_THAN, PropKind.DATETIME),
        (Preset.MATCHES_REGEX, PropKind.NUMBER),
        (Preset.EQUAL_TO, PropKind.MAPPING),
        (Preset.ANY_IN, PropKind.BOOLEAN),
    ],
)
def test_wrong_kind_names_preset_and_property(preset: Preset, kind: PropKind) -> None:
    with pytest.raises(PresetError) as err:
        check_kind(preset, kind, "the_prop")
    assert preset.value in str(err.value) and "the_prop" in str(err.value)


def test_equal_and_not_equal() -> None:
    assert check(Preset.EQUAL_TO, PropKind.STRING, "a", value="a")
    assert not check(Preset.EQUAL_TO, PropKind.STRING, "A", value="a")
    assert not check(Preset.EQUAL_TO, PropKind.STRING, None, value="a")
    assert check(Preset.NOT_EQUAL_TO, PropKind.STRING, None, value="a")
    assert check(Preset.EQUAL_TO, PropKind.NUMBER, 2048, value="2048")
    assert check(Preset.EQUAL_TO, PropKind.BOOLEAN, False, value="false")
    assert not check(Preset.EQUAL_TO, PropKind.BOOLEAN, None, value=False)


def test_any_in_and_not_any_in() -> None:
    assert check(Preset.ANY_IN, PropKind.STRING, "b", values=["a", "b"])
    assert not check(Preset.ANY_IN, PropKind.STRING, "c", values=["a", "b"])
    assert check(Preset.NOT_ANY_IN, PropKind.STRING, "c", values=["a", "b"])
    assert check(Preset.ANY_IN, PropKind.LIST, ["x", "y"], values=["y"])
    assert not check(Preset.ANY_IN, PropKind.LIST, [], values=["y"])
    assert check(Preset.ANY_IN, PropKind.NUMBER, 4, values=["4", 8])


@pytest.mark.parametrize("bad", [[], "abc", None, 3])
def test_any_in_needs_a_non_empty_list(bad: object) -> None:
    with pytest.raises(PresetError, match="values"):
        build_args(Preset.ANY_IN, PropKind.STRING, "p", {"values": bad})


def test_numeric_comparisons_both_directions() -> None:
    assert check(Preset.GREATER_THAN, PropKind.NUMBER, 2049, value=2048)
    assert not check(Preset.GREATER_THAN, PropKind.NUMBER, 2048, value=2048)
    assert check(Preset.GREATER_THAN_OR_EQUAL_TO, PropKind.NUMBER, 2048, value=2048)
    assert check(Preset.LESS_THAN, PropKind.NUMBER, 1, value=1.5)
    assert not check(Preset.LESS_THAN, PropKind.NUMBER, 2, value=2)
    assert check(Preset.LESS_THAN_OR_EQUAL_TO, PropKind.NUMBER, 2, value=2)
    assert not check(Preset.LESS_THAN, PropKind.NUMBER, None, value=2)


def test_numeric_value_must_be_a_number() -> None:
    with pytest.raises(PresetError, match="expected a number"):
        build_args(Preset.GREATER_THAN, PropKind.NUMBER, "ram", {"value": "lots"})


def test_dates_relative_to_now_in_utc() -> None:
    old = (NOW - timedelta(days=61)).strftime("%Y-%m-%dT%H:%M:%SZ")
    edge = (NOW - timedelta(days=60)).isoformat()
    young = "2025-06-01T11:00:00"  # no zone: UTC by contract
    assert check(Preset.OLDER_THAN, PropKind.DATETIME, old, days=60)
    assert not check(Preset.OLDER_THAN, PropKind.DATETIME, edge, days=60)
    assert check(Preset.OLDER_THAN_OR_EQUAL_TO, PropKind.DATETIME, edge, days=60)
    assert check(Preset.YOUNGER_THAN, PropKind.DATETIME, young, hours=2)
    assert not check(Preset.YOUNGER_THAN, PropKind.DATETIME, young, minutes=30)
    assert check(
        Preset.YOUNGER_THAN_OR_EQUAL_TO, PropKind.DATETIME, young, seconds=3600
    )
    assert not check(Preset.OLDER_THAN, PropKind.DATETIME, None, days=1)
    # an offset is converted, not ignored: 20:00+09:00 is 11:00 UTC
    assert check(
        Preset.YOUNGER_THAN, PropKind.DATETIME, "2025-06-01T20:00:00+09:00", hours=2
    )


def test_date_arguments_checked() -> None:
    with pytest.raises(PresetError, match="at least one of days"):
        build_args(Preset.OLDER_THAN, PropKind.DATETIME, "created_at", {})
    with pytest.raises(PresetError, match="does not take weeks"):
        build_args(Preset.OLDER_THAN, PropKind.DATETIME, "created_at", {"weeks": 1})
    with pytest.raises(PresetError, match="negative"):
        build_args(Preset.OLDER_THAN, PropKind.DATETIME, "created_at", {"days": -1})


def test_regexes() -> None:
    assert check(Preset.MATCHES_REGEX, PropKind.STRING, "web-01", regex=r"^web-\d+$")
    assert not check(Preset.MATCHES_REGEX, PropKind.STRING, "db-01", regex="^web")
    assert check(Preset.NOT_MATCHES_REGEX, PropKind.STRING, "db-01", regex="^web")
    assert check(Preset.MATCHES_REGEX, PropKind.STRING, "x", regex_string="x")
    with pytest.raises(PresetError, match="invalid regex"):
        build_args(Preset.MATCHES_REGEX, PropKind.STRING, "name", {"regex": "("})
