"""Inactive-user detection and change tracking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from jupyter_api.client import JupyterHubClient
from jupyter_api.environment import JupyterEnv
from jupyter_api.inactivity import check_environment, inactive_users
from jupyter_api.models import HubUser, ServerState

NOW = datetime(2026, 6, 1, tzinfo=UTC)
ENV = JupyterEnv(name="dev", url="http://127.0.0.1:9", token="t", inactive_days=30)


def user(name: str, idle: float | None, created_days_ago: float = 400) -> HubUser:
    last = None if idle is None else NOW - timedelta(days=idle)
    return HubUser(
        name, False, NOW - timedelta(days=created_days_ago), last, ServerState.STOPPED
    )


def test_threshold_is_strict_and_null_counts_from_creation() -> None:
    users = [
        user("z-old", 31),
        user("exact", 30),
        user("fresh", 1),
        user("never-new", None, created_days_ago=2),
        user("a-never-old", None, created_days_ago=60),
    ]
    assert [u.name for u in inactive_users(users, 30, NOW)] == ["a-never-old", "z-old"]


class ListedHub(JupyterHubClient):
    def __init__(self, users: list[HubUser]) -> None:
        super().__init__(ENV)
        self.users = users

    def list_users(self, page_size: int | None = None) -> list[HubUser]:
        return self.users


def test_change_detection_and_payload() -> None:
    hub = ListedHub([user("a", 40), user("b", 2)])
    first = check_environment(hub, None, NOW)
    same = check_environment(hub, ["a"], NOW)
    more = check_environment(ListedHub([user("a", 40), user("b", 50)]), ["a"], NOW)
    none_left = check_environment(ListedHub([user("a", 1)]), ["a"], NOW)

    assert first.changed and first.should_dispatch
    assert first.payload() == {
        "env": "dev",
        "threshold_days": 30,
        "protected": False,
        "users": [{"name": "a", "last_activity": "2026-04-22T00:00:00.000000Z"}],
    }
    assert not same.changed and not same.should_dispatch
    assert more.should_dispatch and more.names == ["a", "b"]
    assert none_left.changed and not none_left.should_dispatch
    assert none_left.names == []
