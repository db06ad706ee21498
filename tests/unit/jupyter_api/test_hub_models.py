"""The user model: timestamps, idle days with null activity, server state."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from jupyter_api.models import HubUser, ServerState, format_time, parse_time

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def user(**fields: object) -> HubUser:
    return HubUser.from_model({"name": "u", **fields})


def test_times_round_trip_and_null() -> None:
    parsed = parse_time("2026-01-02T03:04:05.123456Z")
    assert parsed == datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)
    assert format_time(parsed) == "2026-01-02T03:04:05.123456Z"
    assert parse_time(None) is None
    assert format_time(None) is None


def test_idle_days_from_activity_else_creation() -> None:
    active = user(last_activity="2026-05-01T00:00:00Z", created="2020-01-01T00:00:00Z")
    never = user(last_activity=None, created="2026-05-22T00:00:00Z")
    unknown = user()
    assert active.idle_days(NOW) == 31
    assert never.idle_days(NOW) == 10
    assert unknown.idle_days(NOW) == 0


@pytest.mark.parametrize(
    ("fields", "state"),
    [
        ({}, ServerState.STOPPED),
        ({"server": "/user/u/"}, ServerState.RUNNING),
        ({"pending": "spawn"}, ServerState.STARTING),
        ({"pending": "stop", "server": "/user/u/"}, ServerState.STOPPING),
        ({"servers": {"": {"pending": None, "ready": True}}}, ServerState.RUNNING),
        ({"servers": {"": {"pending": "spawn", "ready": False}}}, ServerState.STARTING),
        ({"servers": {"other": {"ready": True}}}, ServerState.STOPPED),
    ],
)
def test_server_state(fields: dict, state: ServerState) -> None:
    assert user(**fields).server is state


def test_summary_is_plain_data() -> None:
    summary = user(
        admin=True, last_activity=None, created="2026-05-22T00:00:00Z"
    ).summary(NOW)
    assert summary == {
        "name": "u",
        "admin": True,
        "last_activity": None,
        "created": "2026-05-22T00:00:00.000000Z",
        "idle_days": 10.0,
        "server": "stopped",
    }
