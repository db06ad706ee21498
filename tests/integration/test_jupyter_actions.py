"""The JupyterHub actions end to end: the pack's entry point, injected client, a real
hub (``jupyterhub_server``)."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pytest
import requests
from src.workflow_actions import WorkflowActions
from st2tests.base import BaseActionTestCase

from jupyter_api.client import JupyterHubClient
from jupyter_api.environment import JupyterEnv
from jupyter_api.models import format_time

if TYPE_CHECKING:
    from jupyterhub_server import RunningHub

pytest_plugins = ["jupyterhub_server"]


class HubActionCase(BaseActionTestCase):
    """Runs actions the way StackStorm would, by workflow name, against the session's
    real hub (helpers only: no tests of its own)."""

    action_cls = WorkflowActions
    hub: RunningHub

    @pytest.fixture(autouse=True)
    def _hub(self, jupyterhub: RunningHub) -> None:
        self.hub = jupyterhub
        self.prefix = f"a{secrets.token_hex(3)}"

    def config(self) -> dict[str, Any]:
        common = {"url": self.hub.url, "token": self.hub.admin_token}
        return {
            "jupyter_envs": [
                {"name": "local", **common},
                {"name": "guarded", **common, "protected": True},
                {"name": "small", **common, "max_unconfirmed_deletes": 2},
            ]
        }

    def run_action(self, workflow: str, **params: Any) -> tuple[bool, Any]:
        """Run ``workflow`` through the entry point: (succeeded, result)."""
        params.setdefault("jupyter_env", "local")
        action = self.get_action_instance(config=self.config())
        outcome = action.run(workflow=workflow, **params)
        if isinstance(outcome, tuple):
            return outcome
        return True, outcome

    def client(self) -> JupyterHubClient:
        return JupyterHubClient(
            JupyterEnv(name="local", url=self.hub.url, token=self.hub.admin_token)
        )

    def statuses(self, result: dict[str, Any], key: str = "status") -> dict[str, str]:
        return {row["user"]: row[key] for row in result["users"]}


class JupyterActionsTest(HubActionCase):
    """Each jupyter action end to end."""

    def test_prepare_creates_users_and_starts_servers_then_is_idempotent(self) -> None:
        ok, result = self.run_action(
            "jupyter.prepare_users", user=self.prefix, first_index=1, last_index=3
        )
        again_ok, again = self.run_action(
            "jupyter.prepare_users", user=self.prefix, first_index=1, last_index=3
        )

        names = [f"{self.prefix}-{i}" for i in (1, 2, 3)]
        assert ok, result
        assert result["summary"] == "3 users: accounts 3 created; servers 3 started"
        assert self.statuses(result, "account") == dict.fromkeys(names, "created")
        assert self.statuses(result, "server") == dict.fromkeys(names, "started")
        with self.client() as hub:
            assert {hub.get_user(n).server.value for n in names} == {"running"}
        assert again_ok, again
        assert self.statuses(again, "account") == dict.fromkeys(names, "unchanged")
        assert self.statuses(again, "server") == dict.fromkeys(names, "unchanged")

    def test_start_fast_spawn_with_wait(self) -> None:
        self.run_action("jupyter.create_users", user=self.prefix)
        ok, result = self.run_action(
            "jupyter.start_servers", user=self.prefix, wait=True
        )
        assert ok, result
        assert self.statuses(result) == {self.prefix: "started"}

    def test_slow_spawn_pending_then_timeout_then_rerun_finishes(self) -> None:
        slow = [f"{self.hub.slow_prefix}{self.prefix}-{i}" for i in (1, 2)]
        self.run_action("jupyter.create_users", users=slow)

        ok1, pending = self.run_action("jupyter.start_servers", user=slow[0])
        ok2, timed_out = self.run_action(
            "jupyter.start_servers", users=slow, wait=True, wait_timeout=1
        )
        self.hub.release(*slow)
        ok3, finished = self.run_action(
            "jupyter.start_servers", users=slow, wait=True, wait_timeout=120
        )

        assert ok1, pending
        assert self.statuses(pending) == {slow[0]: "pending"}
        assert not ok2
        assert self.statuses(timed_out) == dict.fromkeys(slow, "failed")
        assert "still starting after 1 s" in timed_out["summary"]
        assert timed_out["summary"].startswith("2 of 2 failed")
        assert ok3, finished
        assert self.statuses(finished) == dict.fromkeys(slow, "started")
        with self.client() as hub:
            assert {hub.get_user(n).server.value for n in slow} == {"running"}

    def test_stop_then_stop_again_is_unchanged(self) -> None:
        self.run_action("jupyter.prepare_users", user=self.prefix)
        ok, stopped = self.run_action("jupyter.stop_servers", user=self.prefix)
        ok_again, again = self.run_action("jupyter.stop_servers", user=self.prefix)
        assert ok, stopped
        assert self.statuses(stopped)[self.prefix] in ("stopped", "stopping")
        assert ok_again, again
        expected = (
            "unchanged"
            if self.statuses(stopped)[self.prefix] == "stopped"
            else "stopping"
        )
        assert self.statuses(again) == {self.prefix: expected}

    def test_stop_of_an_unknown_user_fails_naming_it(self) -> None:
        ok, result = self.run_action("jupyter.stop_servers", user=f"{self.prefix}-none")
        assert not ok
        assert f"has no user '{self.prefix}-none'" in result["users"][0]["error"]

    def test_delete_is_a_dry_run_by_default_and_deletes_running_users(self) -> None:
        self.run_action("jupyter.prepare_users", user=self.prefix)
        ok, plan = self.run_action(
            "jupyter.delete_users", users=[self.prefix, f"{self.prefix}-absent"]
        )
        with self.client() as hub:
            assert hub.get_user(self.prefix) is not None
        ok_del, deleted = self.run_action(
            "jupyter.delete_users",
            users=[self.prefix, f"{self.prefix}-absent"],
            apply=True,
        )

        assert ok, plan
        assert plan["dry_run"] is True
        assert plan["confirm_required"] is False
        assert self.statuses(plan) == {
            self.prefix: "would_delete",
            f"{self.prefix}-absent": "unchanged",
        }
        assert ok_del, deleted
        assert self.statuses(deleted)[self.prefix] == "deleted"
        with self.client() as hub:
            assert hub.get_user(self.prefix) is None

    def test_protected_env_needs_confirm_naming_it(self) -> None:
        self.run_action("jupyter.create_users", user=self.prefix)
        refused_ok, refused = self.run_action(
            "jupyter.delete_users",
            jupyter_env="guarded",
            user=self.prefix,
            apply=True,
        )
        wrong_ok, wrong = self.run_action(
            "jupyter.delete_users",
            jupyter_env="guarded",
            user=self.prefix,
            apply=True,
            confirm="local",
        )
        with self.client() as hub:
            assert hub.get_user(self.prefix) is not None
        ok, deleted = self.run_action(
            "jupyter.delete_users",
            jupyter_env="guarded",
            user=self.prefix,
            apply=True,
            confirm="guarded",
        )

        assert not refused_ok
        assert "parameter 'confirm'" in refused["error"]
        assert "'guarded' is protected" in refused["error"]
        assert not wrong_ok
        assert "does not name the jupyter_env 'guarded'" in wrong["error"]
        assert ok, deleted
        assert self.statuses(deleted) == {self.prefix: "deleted"}

    def test_more_users_than_the_cap_need_confirm(self) -> None:
        self.run_action(
            "jupyter.create_users", user=self.prefix, first_index=0, last_index=2
        )
        ok, result = self.run_action(
            "jupyter.delete_users",
            jupyter_env="small",
            user=self.prefix,
            first_index=0,
            last_index=2,
            apply=True,
        )
        assert not ok
        assert "more than its max_unconfirmed_deletes (2)" in result["error"]

    def test_list_inactive_users_with_last_activity(self) -> None:
        old = format_time(datetime.now(UTC) - timedelta(days=45))
        names = [f"{self.prefix}-{i}" for i in range(3)]
        self.run_action("jupyter.create_users", users=names)
        with self.client() as hub:
            hub.set_activity(names[0], old)

        ok, inactive = self.run_action(
            "jupyter.list_users", inactive_days=30, name_prefix=self.prefix
        )
        ok_all, everyone = self.run_action(
            "jupyter.list_users", name_prefix=self.prefix
        )

        assert ok, inactive
        assert [u["name"] for u in inactive["users"]] == [names[0]]
        assert inactive["users"][0]["last_activity"] == old
        assert inactive["users"][0]["idle_days"] >= 45
        assert ok_all, everyone
        assert [u["name"] for u in everyone["users"]] == names
        assert everyone["users"][1]["last_activity"] is None

    def test_unknown_environment_fails_naming_the_parameter(self) -> None:
        ok, result = self.run_action("jupyter.list_users", jupyter_env="nope")
        assert not ok
        assert "parameter 'jupyter_env'" in result["error"]


class JupyterHubFaultsTest(HubActionCase):
    """Issue 12 item 10 against the real hub: names the hub holds that the pack would
    not create, a wrong token, and batches through the bounded worker pool."""

    def hub_api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Call the hub's REST API directly, as an admin (not through the pack)."""
        return requests.request(
            method,
            f"{self.hub.api_url}{path}",
            headers={"Authorization": f"token {self.hub.admin_token}"},
            timeout=60,
            **kwargs,
        )

    @pytest.mark.fault(10)
    def test_users_with_names_only_the_hub_accepts_are_found_stopped_deleted(
        self,
    ) -> None:
        names = [f"{self.prefix}+tag@example.org", f"-{self.prefix}"]
        created = self.hub_api("POST", "/users", json={"usernames": names})
        assert created.status_code == 201, created.text
        assert sorted(u["name"] for u in created.json()) == sorted(names)

        refused_ok, refused = self.run_action("jupyter.create_users", users=names)
        ok_start, started = self.run_action(
            "jupyter.start_servers", users=names, wait=True
        )
        ok_list, listed = self.run_action(
            "jupyter.list_users", users=[*names, f"{self.prefix}-absent"]
        )
        ok_stop, stopped = self.run_action("jupyter.stop_servers", users=names)
        ok_plan, plan = self.run_action("jupyter.delete_users", user=names[1])
        ok_del, deleted = self.run_action(
            "jupyter.delete_users", users=names, apply=True
        )

        assert not refused_ok
        assert "parameter 'users'" in refused["error"]
        assert "for a user the pack creates" in refused["error"]
        assert ok_start, started
        assert self.statuses(started) == dict.fromkeys(names, "started")
        assert ok_list, listed
        assert {u["name"]: u["server"] for u in listed["users"]} == dict.fromkeys(
            names, "running"
        )
        assert listed["not_found"] == [f"{self.prefix}-absent"]
        assert ok_stop, stopped
        assert set(self.statuses(stopped).values()) <= {"stopped", "stopping"}
        assert ok_plan, plan
        assert self.statuses(plan) == {names[1]: "would_delete"}
        assert ok_del, deleted
        assert self.statuses(deleted) == dict.fromkeys(names, "deleted")
        for name in names:
            gone = self.hub_api("GET", f"/users/{quote(name, safe='')}")
            assert gone.status_code == 404, (name, gone.text)

    @pytest.mark.fault(10)
    def test_a_wrong_token_fails_every_action_naming_env_endpoint_and_cause(
        self,
    ) -> None:
        config = {
            "jupyter_envs": [
                {"name": "wrong", "url": self.hub.url, "token": "not-the-token"}
            ]
        }
        calls: dict[str, dict[str, Any]] = {
            "jupyter.list_users": {},
            "jupyter.create_users": {"user": self.prefix},
            "jupyter.delete_users": {"user": self.prefix},
            "jupyter.start_servers": {"user": self.prefix},
            "jupyter.stop_servers": {"user": self.prefix},
            "jupyter.prepare_users": {"user": self.prefix},
        }
        for workflow, params in calls.items():
            action = self.get_action_instance(config=config)
            ok, result = action.run(workflow=workflow, jupyter_env="wrong", **params)
            assert ok is False, (workflow, result)
            assert result["account"] == "wrong", (workflow, result)
            assert result["endpoint"].startswith(self.hub.url), (workflow, result)
            assert result["cause"].startswith(
                "403 Forbidden from JupyterHub: Missing or invalid credentials."
            ), (workflow, result)
            assert "does not accept the token of jupyter_env 'wrong'" in (
                result["cause"]
            )
            assert result["error"].startswith("jupyter_env 'wrong': "), result
            assert "not-the-token" not in json.dumps(result)
        with self.client() as hub:
            assert hub.get_user(self.prefix) is None  # nothing was created

    @pytest.mark.fault(10)
    def test_a_batch_goes_through_the_worker_pool_and_finishes(self) -> None:
        names = [f"{self.prefix}-{i}" for i in range(12)]
        pace = {"workers": 4, "deadline": 300}
        ok_prep, prepared = self.run_action(
            "jupyter.prepare_users", users=names, **pace
        )
        ok_stop, stopped = self.run_action("jupyter.stop_servers", users=names, **pace)
        ok_del, deleted = self.run_action(
            "jupyter.delete_users", users=names, apply=True, confirm="local", **pace
        )

        assert ok_prep, prepared
        assert prepared["summary"] == (
            "12 users: accounts 12 created; servers 12 started"
        )
        assert [r["user"] for r in prepared["users"]] == names  # order kept
        assert ok_stop, stopped
        assert set(self.statuses(stopped).values()) <= {"stopped", "stopping"}
        assert ok_del, deleted
        assert self.statuses(deleted) == dict.fromkeys(names, "deleted")
        with self.client() as hub:
            assert not [u for u in hub.list_users() if u.name in names]
