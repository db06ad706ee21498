"""Workflow input checks happen before any hub request."""

from __future__ import annotations

from typing import Any

import pytest

from jupyter_api.client import JupyterHubClient
from jupyter_api.environment import JupyterEnv
from pack_common import Failure, InputError
from workflows import jupyter


class NoRequests(JupyterHubClient):
    """A client that fails the test on any request."""

    def request(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        raise AssertionError(f"unexpected request {args}")


def hub(**env: Any) -> NoRequests:
    return NoRequests(
        JupyterEnv(name="prod", url="http://127.0.0.1:9", token="t", **env)
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda h: jupyter.create_users(h, user="Bad Name"),
        lambda h: jupyter.start_servers(h, user="c", first_index=2, last_index=1),
        lambda h: jupyter.start_servers(h, user="c", wait_timeout=0),
        lambda h: jupyter.prepare_users(h, user="c", wait_timeout=99999),
        lambda h: jupyter.stop_servers(h),
        lambda h: jupyter.delete_users(h, users=["ok", "a/b"], apply=True),
        lambda h: jupyter.list_users(h, inactive_days=-1),
    ],
)
def test_invalid_input_sends_nothing(call: Any) -> None:
    with pytest.raises(InputError):
        call(hub())


def test_protected_env_refuses_without_confirm() -> None:
    with pytest.raises(InputError, match=r"parameter 'confirm'.*'prod' is protected"):
        jupyter.delete_users(hub(protected=True), user="a", apply=True)


def test_cap_refuses_without_confirm() -> None:
    with pytest.raises(
        InputError, match=r"3 users is more than its max_unconfirmed_deletes \(2\)"
    ):
        jupyter.delete_users(
            hub(max_unconfirmed_deletes=2),
            user="a",
            first_index=1,
            last_index=3,
            apply=True,
        )


def test_confirm_must_name_the_environment_even_in_dry_run() -> None:
    with pytest.raises(InputError, match="does not name the jupyter_env 'prod'"):
        jupyter.delete_users(hub(), user="a", confirm="dev")


class HalfBrokenHub(JupyterHubClient):
    """Creates everyone; starting ``b`` fails (fault injection)."""

    def create_users(self, names: Any, admin: bool = False) -> list[str]:  # type: ignore[override]
        return [n for n in names if n != "a"]

    def start_server(self, name: str) -> Any:
        from jupyter_api.client import JupyterHubError
        from jupyter_api.models import StartResult

        if name == "b":
            raise JupyterHubError(
                "prod", "POST /users/b/server", 500, "spawner error", "b"
            )
        return StartResult.STARTED


def test_prepare_reports_each_step_and_fails_when_a_server_fails() -> None:
    env = JupyterEnv(name="prod", url="http://127.0.0.1:9", token="t")
    outcome = jupyter.prepare_users(HalfBrokenHub(env), users=["a", "b", "c"])
    assert isinstance(outcome, Failure)
    rows = {r["user"]: r for r in outcome.result["users"]}
    assert (rows["a"]["account"], rows["a"]["server"]) == ("unchanged", "started")
    assert (rows["c"]["account"], rows["c"]["server"]) == ("created", "started")
    assert rows["b"]["server"] == "failed"
    assert "user 'b'" in rows["b"]["error"] and "spawner error" in rows["b"]["error"]
    assert outcome.result["summary"].startswith("1 of 3 failed: b (")
    assert outcome.result["summary"].endswith(
        "3 users: accounts 1 unchanged, 2 created; servers 2 started"
    )
