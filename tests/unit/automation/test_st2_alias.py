"""The alias format matcher behaves like StackStorm's (examples from its docs)."""

from __future__ import annotations

import pytest

from tools.st2_alias import (
    AliasParseError,
    cast_parameters,
    extract_parameters,
    matching_formats,
)


@pytest.mark.parametrize(
    ("fmt", "command", "expected"),
    [
        (
            "run {{cmd}} on {{hosts}}",
            "run date on localhost",
            {"cmd": "date", "hosts": "localhost"},
        ),
        (
            "run {{cmd}} on {{hosts}}",
            "run date on 10.0.10.1,10.0.10.2",
            {"cmd": "date", "hosts": "10.0.10.1,10.0.10.2"},
        ),
        (
            "run {{cmd}} {{hosts=localhost}}",
            "run date",
            {"cmd": "date", "hosts": "localhost"},
        ),
        (
            "run {{cmd}} {{hosts=localhost}}",
            "run date 10.0.10.1",
            {"cmd": "date", "hosts": "10.0.10.1"},
        ),
        (
            "run {{cmd}} on {{hosts}}",
            "run date on localhost timeout=120",
            {"cmd": "date", "hosts": "localhost", "timeout": "120"},
        ),
        (
            "run {{cmd}} on {{hosts}}",
            'run "ls -l" on localhost note="two words" x=\'y z\'',
            {"cmd": "ls -l", "hosts": "localhost", "note": "two words", "x": "y z"},
        ),
        (
            "(run|execute) {{cmd}}( on {{hosts=localhost}})?[!.]?",
            "execute uptime!",
            {"cmd": "uptime", "hosts": "localhost"},
        ),
        (
            "list sensors from {{ pack }}",
            "list sensors from examples limit=2",
            {"pack": "examples", "limit": "2"},
        ),
        ("list sensors", "  list sensors  ", {}),
        ("show {{ thing={'key': 'value'} }}", "show", {"thing": "{'key': 'value'}"}),
        (
            "deploy {{ pack }} to {{ host }}",
            "deploy a b to c",
            {"pack": "a b", "host": "c"},
        ),
        ("sensors list", "sensors list pack=examples", {"pack": "examples"}),
    ],
)
def test_extracts_like_stackstorm(
    fmt: str, command: str, expected: dict[str, str]
) -> None:
    assert extract_parameters(fmt, command) == expected


@pytest.mark.parametrize(
    ("fmt", "command"),
    [
        ("run {{cmd}} on {{hosts}}", "run date"),
        ("run {{cmd}} on {{hosts}}", "please run date on localhost"),
        ("list sensors", "list sensors now"),
        ("show {{ x }}", "show"),
        ("hello {{ x }}", "hello x=1"),
    ],
)
def test_non_matching_commands_raise(fmt: str, command: str) -> None:
    with pytest.raises(AliasParseError):
        extract_parameters(fmt, command)


def test_matching_formats_reports_every_match() -> None:
    aliases = [
        {"name": "a", "action_ref": "p.a", "formats": ["deploy {{ pack }}"]},
        {
            "name": "b",
            "action_ref": "p.b",
            "formats": [
                {"display": "d", "representation": ["deploy {{ pack }} to {{ host }}"]}
            ],
        },
    ]
    assert [m.alias for m in matching_formats(aliases, "deploy x to y")] == ["a", "b"]
    assert [m.alias for m in matching_formats(aliases, "deploy x")] == ["a"]
    assert matching_formats(aliases, "undeploy x") == []


def test_casts_like_the_alias_execution_api() -> None:
    params = {
        "values": {"type": "array"},
        "n": {"type": "integer"},
        "flag": {"type": "boolean"},
        "obj": {"type": "object"},
        "s": {"type": "string"},
    }
    assert cast_parameters(
        {
            "values": "ERROR, SHUTOFF",
            "n": "30",
            "flag": "true",
            "obj": '{"a": 1}',
            "s": "x",
            "other": "y",
        },
        params,
    ) == {
        "values": ["ERROR", "SHUTOFF"],
        "n": 30,
        "flag": True,
        "obj": {"a": 1},
        "s": "x",
        "other": "y",
    }
    with pytest.raises(ValueError):
        cast_parameters({"n": "thirty"}, params)
