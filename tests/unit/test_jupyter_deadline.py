"""Bounded concurrency and the overall deadline against a hub that hangs (issue 12
item 10): 40 users no longer cost 40 timeouts one after another.

The hub is ``fault_servers.FaultyHub`` (a real HTTP server on 127.0.0.1) taught just
enough of JupyterHub's user API to hold state, so a re-run after the deadline can be
seen finishing the job. Assertions are on reported outcomes and on what the hub saw
(requests, calls in flight at once), not on the clock: a deadline of a few seconds
against a hang of 30 only decides which outcome each user gets.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import unquote

import pytest
import requests
from fault_servers import HANG, FaultyHub
from requests.adapters import HTTPAdapter

from jupyter_api.client import JupyterHubClient
from jupyter_api.environment import JupyterEnv
from jupyter_api.pace import MAX_WORKERS, Deadline, for_each
from pack_common import Failure, InputError
from workflows import jupyter

pytestmark = pytest.mark.fault(10)

USERS = [f"course-{i}" for i in range(1, 41)]


class StatefulHub(FaultyHub):
    """``FaultyHub`` with users and default servers: ``GET/DELETE /users/{u}``,
    ``POST/DELETE /users/{u}/server``, ``POST /users``. Servers of ``slow`` users
    stay pending (202) until ``release()``."""

    def __init__(self, running: Sequence[str] = (), slow: bool = False) -> None:
        super().__init__()
        self.servers: dict[str, str | None] = {n: "running" for n in running}
        self.slow = slow
        self.lock = threading.Lock()

    def release(self) -> None:
        """Pending spawns become running servers."""
        with self.lock:
            for name, state in self.servers.items():
                if state == "pending":
                    self.servers[name] = "running"

    def answer(
        self, method: str, path: str, body: bytes
    ) -> tuple[int, Any, dict[str, str]]:
        parts = path.split("?", 1)[0].split("/")  # '', hub, api, users, name, server
        with self.lock:
            if parts[3:] == ["users"] and method == "POST":
                wanted = json.loads(body)["usernames"]
                new = [n for n in wanted if n not in self.servers]
                self.servers.update(dict.fromkeys(new))
                return 201, [self._model(n) for n in new], {}
            name = unquote(parts[4]) if len(parts) > 4 else ""
            if name not in self.servers:
                return 404, {"status": 404, "message": "Not Found"}, {}
            state = self.servers[name]
            if len(parts) == 5 and method == "GET":
                return 200, self._model(name), {}
            if len(parts) == 5 and method == "DELETE":
                del self.servers[name]
                return 204, None, {}
            if method == "POST":
                if state is not None:
                    return (
                        400,
                        {"status": 400, "message": f"{name} is already {state}"},
                        {},
                    )
                self.servers[name] = "pending" if self.slow else "running"
                return (202 if self.slow else 201), None, {}
            self.servers[name] = None
            return 204, None, {}

    def _model(self, name: str) -> dict[str, Any]:
        state = self.servers[name]
        pending = "spawn" if state == "pending" else None
        server = {"ready": state == "running", "pending": pending}
        return {
            "name": name,
            "admin": False,
            "pending": pending,
            "server": f"/user/{name}/" if state == "running" else None,
            "servers": {"": server} if state else {},
            "last_activity": None,
            "created": "2024-01-01T00:00:00.000000Z",
        }


@pytest.fixture
def hub() -> Iterator[StatefulHub]:
    server = StatefulHub(running=USERS)
    yield server
    server.stop()


class CountingSession(requests.Session):
    """A requests session that counts the requests it has in flight at once."""

    def __init__(self) -> None:
        super().__init__()
        self.mount("http://", HTTPAdapter(pool_maxsize=MAX_WORKERS))
        self.lock = threading.Lock()
        self.in_flight = 0
        self.most_in_flight = 0

    def request(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        with self.lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            return super().request(*args, **kwargs)
        finally:
            with self.lock:
                self.in_flight -= 1


def client(hub: FaultyHub, timeout: int = 30) -> JupyterHubClient:
    """A client of ``hub`` whose requests wait at most ``timeout`` seconds; its
    session (``hub_client._session``) counts the calls in flight."""
    return JupyterHubClient(
        JupyterEnv(name="lab", url=hub.url, token="t", timeout=timeout),
        session=CountingSession(),
    )


def most_in_flight(hub_client: JupyterHubClient) -> int:
    """The most requests the client had in flight at once."""
    session = hub_client._session
    assert isinstance(session, CountingSession)
    return session.most_in_flight


def statuses(outcome: dict[str, Any] | Failure) -> dict[str, str]:
    result = outcome.result if isinstance(outcome, Failure) else outcome
    return {row["user"]: row["status"] for row in result["users"]}


def test_a_hung_hub_costs_one_deadline_not_a_timeout_per_user(
    hub: StatefulHub,
) -> None:
    """40 users against a hub that never answers, 30 s timeout each (20 minutes one
    after another): with 8 workers and a 2 s deadline, 8 calls are sent, all cut at
    the deadline, and every user is reported not done."""
    hub.fail("/hub/api/users", HANG)
    with client(hub, timeout=30) as hub_client:
        outcome = jupyter.stop_servers(hub_client, users=USERS, workers=8, deadline=2)
    assert isinstance(outcome, Failure)
    result = outcome.result
    assert statuses(outcome) == dict.fromkeys(USERS, "not_done")
    assert len(hub.requests) == 8  # the other 32 were never sent
    assert most_in_flight(hub_client) == 8
    deadline = "deadline reached: not done within the action's 2 s deadline"
    assert all(row["error"].startswith(deadline) for row in result["users"])
    assert (result["failed"], result["not_done"]) == (0, 40)
    assert result["error"] == (
        f"jupyter_env 'lab': 40 of 40 users not done: {deadline} (run again to finish)"
    )
    assert result["summary"].startswith(f"40 of 40 not done: {deadline}")
    assert (result["account"], result["endpoint"]) == ("lab", hub.url)
    assert result["account_parameter"] == "jupyter_env"


def test_hung_calls_time_out_side_by_side_within_the_deadline(
    hub: StatefulHub,
) -> None:
    """With a 1 s timeout, one after another 40 hung users would take 40 s and the
    20 s deadline would leave about half not done; 8 at a time they all end as
    timed out, each one's own failure, and none is left undone."""
    hub.fail("/hub/api/users", HANG)
    with client(hub, timeout=1) as hub_client:
        outcome = jupyter.delete_users(
            hub_client, users=USERS, apply=False, workers=8, deadline=20
        )
    assert isinstance(outcome, Failure)
    assert statuses(outcome) == dict.fromkeys(USERS, "failed")
    assert outcome.result["not_done"] == 0
    # one request per user, none re-sent after its timeout (the server may not have
    # read the last ones yet when their clients gave up: a loaded box, or eventlet)
    assert len(hub.requests) == len(set(hub.requests)) <= 40
    assert most_in_flight(hub_client) == 8
    for row in outcome.result["users"]:
        assert row["error"] == (
            f"user {row['user']!r}: GET /users/{row['user']} failed: "
            "timed out after 1 s"
        )
    assert outcome.result["cause"] == "timed out after 1 s"


def test_a_rerun_finishes_what_the_deadline_left(hub: StatefulHub) -> None:
    """One user's stop hangs: it alone is not done; the rest are stopped. Once the
    hub answers again, a re-run stops it and reports the others unchanged."""
    names = USERS[:12]
    hub.fail("/hub/api/users/course-3/server", HANG)
    with client(hub) as hub_client:
        first = jupyter.stop_servers(hub_client, users=names, workers=4, deadline=2)
        hub.faults.clear()
        second = jupyter.stop_servers(hub_client, users=names, workers=4, deadline=2)
    assert isinstance(first, Failure)
    assert statuses(first) == {
        **dict.fromkeys(names, "stopped"),
        "course-3": "not_done",
    }
    assert first.result["summary"].endswith("; 11 stopped")
    assert not isinstance(second, Failure), second
    assert statuses(second) == {
        **dict.fromkeys(names, "unchanged"),
        "course-3": "stopped",
    }
    assert {hub.servers[n] for n in names} == {None}


def test_waiting_for_spawns_stops_at_the_deadline_and_a_rerun_keeps_waiting() -> None:
    names = USERS[:5]
    hub = StatefulHub(slow=True)
    hub.servers.update(dict.fromkeys(names))
    try:
        with client(hub) as hub_client:
            first = jupyter.start_servers(
                hub_client, users=names, wait=True, wait_timeout=300, deadline=2
            )
            hub.release()
            second = jupyter.start_servers(
                hub_client, users=names, wait=True, wait_timeout=300, deadline=60
            )
    finally:
        hub.stop()
    assert isinstance(first, Failure)
    assert statuses(first) == dict.fromkeys(names, "not_done")
    assert "run again to finish" in first.result["users"][0]["error"]
    assert statuses(second) == dict.fromkeys(names, "unchanged")
    posts = sorted(r for r in hub.requests if r.startswith("POST"))
    assert posts == sorted(2 * [f"POST /hub/api/users/{n}/server" for n in names])
    assert {hub.servers[n] for n in names} == {"running"}


def test_prepare_shares_one_deadline_between_create_and_start(
    hub: StatefulHub,
) -> None:
    """Creation hangs until the deadline: nobody is created or started, every user is
    reported not done at the account step and skipped at the server step."""
    hub.fail("POST /hub/api/users", HANG)
    names = ["new-1", "new-2"]
    with client(hub) as hub_client:
        outcome = jupyter.prepare_users(hub_client, users=names, deadline=2)
    assert isinstance(outcome, Failure)
    rows = {r["user"]: (r["account"], r["server"]) for r in outcome.result["users"]}
    assert rows == dict.fromkeys(names, ("not_done", "skipped"))
    assert outcome.result["not_done"] == 2
    assert outcome.result["summary"].startswith("2 of 2 not done: deadline reached")
    assert not any(n in hub.servers for n in names)


@pytest.mark.parametrize(
    ("workers", "deadline", "parameter"),
    [
        (0, 10, "workers"),
        (33, 10, "workers"),
        (True, 10, "workers"),
        (8, 0, "deadline"),
        (8, 3601, "deadline"),
        (8, 1.5, "deadline"),
    ],
)
def test_bad_pace_is_refused_before_any_request(
    workers: Any, deadline: Any, parameter: str
) -> None:
    hub = StatefulHub(running=["a"])
    try:
        with client(hub) as hub_client, pytest.raises(InputError) as caught:
            jupyter.stop_servers(
                hub_client, user="a", workers=workers, deadline=deadline
            )
    finally:
        hub.stop()
    assert caught.value.parameter == parameter
    assert hub.requests == []


def test_for_each_gives_every_name_a_result_in_order() -> None:
    """Names whose turn comes after the deadline get the late result; a bug in the
    work function is raised, not swallowed."""
    spent = Deadline(0)
    assert for_each(["a", "b"], str.upper, lambda n: f"late {n}", 2, spent) == [
        "late a",
        "late b",
    ]
    assert for_each(["a", "b"], str.upper, str, 1, Deadline(60)) == ["A", "B"]
    with pytest.raises(ZeroDivisionError):
        for_each(["a"], lambda n: 1 // 0, str, 1, Deadline(60))
