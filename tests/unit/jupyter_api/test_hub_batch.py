"""Batch operations: per-user outcomes, failures collected, summaries."""

from __future__ import annotations

from jupyter_api import batch
from jupyter_api.batch import ItemResult, summarise
from jupyter_api.client import JupyterHubClient, JupyterHubError
from jupyter_api.environment import JupyterEnv
from jupyter_api.models import ServerState, StartResult

ENV = JupyterEnv(name="dev", url="http://127.0.0.1:9", token="t")


class FaultyHub(JupyterHubClient):
    """Start/wait answers scripted per user; ``boom`` users fail (fault injection)."""

    def __init__(self, starts: dict[str, StartResult], waits: dict[str, ServerState]):
        super().__init__(ENV)
        self.starts = starts
        self.waits = waits
        self.waited: list[str] = []

    def start_server(self, name: str) -> StartResult:
        if name.startswith("boom"):
            raise JupyterHubError(
                "dev", f"POST /users/{name}/server", 500, "exploded", name
            )
        if name.startswith("ghost"):
            raise JupyterHubError(
                "dev", f"POST /users/{name}/server", 404, "Not Found", name
            )
        return self.starts[name]

    def wait_for_servers(self, names, timeout, interval=1.0, **kw):  # type: ignore[override]
        self.waited = list(names)
        return {n: self.waits[n] for n in names}


def test_summary_counts_and_failures() -> None:
    ok = [
        ItemResult("a", "created"),
        ItemResult("b", "unchanged"),
        ItemResult("c", "created"),
    ]
    assert summarise(ok) == "3 users: 2 created, 1 unchanged"
    mixed = [*ok, ItemResult("d", "failed", "no")]
    assert summarise(mixed) == "1 of 4 failed: d (no); 2 created, 1 unchanged"
    many = [ItemResult(f"u{i}", "failed", "x") for i in range(7)]
    assert summarise(many).endswith("; and 2 more")


def test_start_collects_failures_and_waits_only_for_pending() -> None:
    hub = FaultyHub(
        starts={
            "a": StartResult.STARTED,
            "b": StartResult.ALREADY_RUNNING,
            "c": StartResult.PENDING,
            "d": StartResult.PENDING,
        },
        waits={"c": ServerState.RUNNING, "d": ServerState.STARTING},
    )
    items = batch.start_servers(
        hub, ["a", "boom", "b", "c", "d", "ghost"], wait=True, wait_timeout=5
    )
    by_user = {i.user: i for i in items}
    assert [i.user for i in items] == ["a", "boom", "b", "c", "d", "ghost"]
    assert hub.waited == ["c", "d"]
    assert by_user["a"].status == "started"
    assert by_user["b"].status == "unchanged"
    assert by_user["c"].status == "started"
    assert by_user["d"].failed and "still starting after 5 s" in by_user["d"].error
    assert by_user["boom"].failed and "user 'boom'" in by_user["boom"].error
    assert by_user["ghost"].error == "jupyter_env 'dev' has no user 'ghost'"


def test_start_without_wait_reports_pending() -> None:
    hub = FaultyHub(starts={"c": StartResult.PENDING}, waits={})
    assert batch.start_servers(hub, ["c"])[0].status == "pending"
    assert hub.waited == []


class CreateHub(JupyterHubClient):
    def __init__(self, error: JupyterHubError | None = None) -> None:
        super().__init__(ENV)
        self.error = error

    def create_users(self, names, admin=False):  # type: ignore[override]
        if self.error:
            raise self.error
        return [n for n in names if n.startswith("new")]


def test_create_reports_existing_as_unchanged() -> None:
    items = batch.create_users(CreateHub(), ["new-1", "old-1"])
    assert [(i.user, i.status) for i in items] == [
        ("new-1", "created"),
        ("old-1", "unchanged"),
    ]


def test_create_failure_fails_every_user() -> None:
    error = JupyterHubError("dev", "POST /users", 403, "denied")
    items = batch.create_users(CreateHub(error), ["a", "b"])
    assert all(i.failed and "denied" in i.error for i in items)
