"""Client logic that needs no hub: error messages, waiting, paging guards."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from jupyter_api.client import JupyterHubClient, JupyterHubError, hub_message
from jupyter_api.environment import JupyterEnv
from jupyter_api.models import HubUser, ServerState

ENV = JupyterEnv(name="dev", url="http://127.0.0.1:9", token="tok", timeout=5)


def response(status: int, body: Any) -> requests.Response:
    resp = requests.Response()
    resp.status_code = status
    resp._content = json.dumps(body).encode() if not isinstance(body, bytes) else body
    return resp


class ScriptedSession(requests.Session):
    """Answers requests from a list (fault injection for paths a real hub can't show)."""

    def __init__(self, answers: list[requests.Response]) -> None:
        super().__init__()
        self.answers = answers
        self.calls: list[tuple[str, str, Any]] = []

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        self.calls.append((method, url, kwargs.get("params")))
        return self.answers.pop(0)


def test_hub_message_from_json_or_text() -> None:
    assert hub_message(response(400, {"status": 400, "message": "bad"})) == "bad"
    assert hub_message(response(502, b"<html>gateway</html>")) == "<html>gateway</html>"


def test_403_names_user_scope_and_fix() -> None:
    message = (
        "Action is not authorized with current scopes; requires any of [admin:users]"
    )
    session = ScriptedSession([response(403, {"status": 403, "message": message})])
    with (
        JupyterHubClient(ENV, session=session) as hub,
        pytest.raises(JupyterHubError) as caught,
    ):
        hub.set_admin("alice", True)
    text = str(caught.value)
    assert caught.value.status == 403
    assert text.startswith(
        "jupyter_env 'dev', user 'alice': PATCH /users/alice failed (403)"
    )
    assert "lacks a scope among [admin:users]" in text
    assert "admin role" in text
    assert "tok" not in text.replace("token", "")


def test_unreachable_hub_is_a_hub_error_without_status() -> None:
    with JupyterHubClient(ENV) as hub, pytest.raises(JupyterHubError) as caught:
        hub.list_users()
    assert caught.value.status is None
    assert "jupyter_env 'dev'" in str(caught.value)


def test_paging_stops_when_next_does_not_advance() -> None:
    page = {
        "items": [{"name": "a"}],
        "_pagination": {"next": {"offset": 0, "limit": 1}},
    }
    session = ScriptedSession([response(200, page)])
    with JupyterHubClient(ENV, session=session) as hub:
        assert [u.name for u in hub.list_users()] == ["a"]
    assert len(session.calls) == 1


def test_paging_follows_next_offset_and_limit() -> None:
    pages = [
        {"items": [{"name": "a"}], "_pagination": {"next": {"offset": 1, "limit": 1}}},
        {"items": [{"name": "b"}], "_pagination": {"next": None}},
    ]
    session = ScriptedSession([response(200, p) for p in pages])
    with JupyterHubClient(ENV, session=session) as hub:
        assert [u.name for u in hub.list_users()] == ["a", "b"]
    assert [c[2] for c in session.calls] == [{"offset": 0}, {"offset": 1, "limit": 1}]


def test_bulk_create_409_means_all_exist() -> None:
    session = ScriptedSession([response(409, {"message": "All 2 users already exist"})])
    with JupyterHubClient(ENV, session=session) as hub:
        assert hub.create_users(["a", "b"]) == []


class ScriptedStates(JupyterHubClient):
    """``get_user`` answers from per-user state sequences (last one repeats)."""

    def __init__(self, states: dict[str, list[ServerState | None]]) -> None:
        super().__init__(ENV)
        self.states = states

    def get_user(self, name: str) -> HubUser | None:
        seq = self.states[name]
        state = seq.pop(0) if len(seq) > 1 else seq[0]
        if state is None:
            return None
        return HubUser(name, False, None, None, state)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_wait_returns_each_final_state() -> None:
    hub = ScriptedStates(
        {
            "ready": [ServerState.STARTING, ServerState.RUNNING],
            "broken": [ServerState.STARTING, ServerState.STOPPED],
            "slow": [ServerState.STARTING],
            "gone": [None],
        }
    )
    clock = FakeClock()
    states = hub.wait_for_servers(
        ["ready", "broken", "slow", "gone"],
        timeout=10,
        interval=2,
        clock=clock,
        sleep=clock.sleep,
    )
    assert states == {
        "ready": ServerState.RUNNING,
        "broken": ServerState.STOPPED,
        "slow": ServerState.STARTING,
        "gone": None,
    }
    assert clock.now == 10


def test_wait_stops_polling_once_all_are_ready() -> None:
    hub = ScriptedStates({"a": [ServerState.RUNNING]})
    clock = FakeClock()
    hub.wait_for_servers(["a"], timeout=100, clock=clock, sleep=clock.sleep)
    assert clock.now == 0
