"""The single entry point: resolution, injection, outcomes, secrets."""

from __future__ import annotations

import logging
import sys
import types
from typing import Any

import pytest
from pytest_mock import MockerFixture
from src.workflow_actions import WorkflowActions
from st2tests.base import BaseActionTestCase

import openstack_api.connection
from pack_common import Failure, InputError

PASSWORD = "never-show-this-pw"
CONFIG = {
    "clouds": [
        {
            "name": "prod",
            "auth_url": "http://127.0.0.1:1/v3",
            "username": "ops",
            "password": PASSWORD,
            "project_name": "admin",
        }
    ],
    "smtp_accounts": [
        {"name": "mail", "host": "127.0.0.1", "from_address": "ops@example.org"}
    ],
    "jupyter_envs": [{"name": "dev", "url": "http://127.0.0.1:1", "token": "t"}],
}


class FakeConn:
    """Stands in for an openstacksdk connection; records closing."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.closed = False

    def close(self) -> None:
        self.closed = True


def _workflows(**funcs: Any) -> dict[str, types.ModuleType]:
    """A fake ``workflows.fake`` module holding ``funcs``, for sys.modules."""
    module = types.ModuleType("workflows.fake")
    for name, func in funcs.items():
        func.__module__ = module.__name__
        setattr(module, name, func)
    return {"workflows.fake": module}


class WorkflowActionsTest(BaseActionTestCase):
    action_cls = WorkflowActions

    @pytest.fixture(autouse=True)
    def _mocker(self, mocker: MockerFixture) -> None:
        """pytest-mock's ``mocker`` for these unittest-style tests."""
        self.mocker = mocker

    def test_unknown_workflow_fails_naming_the_parameter(self) -> None:
        ok, result = self.get_action_instance(CONFIG).run(workflow="nosuch.thing")
        self.assertFalse(ok)
        self.assertIn("parameter 'workflow'", result["error"])

    def test_plain_parameters_and_result(self) -> None:
        def echo(name: str, count: int = 1) -> dict[str, Any]:
            return {"name": name, "count": count}

        self.mocker.patch.dict(sys.modules, _workflows(echo=echo))
        result = self.get_action_instance(CONFIG).run(
            workflow="fake.echo", name="x", count=3
        )
        self.assertEqual(result, {"name": "x", "count": 3})

    def test_reported_failure_returns_false_with_result(self) -> None:
        def partial() -> Failure:
            return Failure({"summary": "1 of 2 failed"})

        self.mocker.patch.dict(sys.modules, _workflows(partial=partial))
        outcome = self.get_action_instance(CONFIG).run(workflow="fake.partial")
        # the failure contract: every failed result has an error (here its summary)
        self.assertEqual(
            outcome, (False, {"summary": "1 of 2 failed", "error": "1 of 2 failed"})
        )

    def test_input_error_is_a_failed_execution(self) -> None:
        def strict(days: int) -> None:
            raise InputError("days", "must be positive")

        self.mocker.patch.dict(sys.modules, _workflows(strict=strict))
        ok, result = self.get_action_instance(CONFIG).run(
            workflow="fake.strict", days=-1
        )
        self.assertFalse(ok)
        self.assertEqual(result["error"], "parameter 'days': must be positive")

    def test_unknown_parameter_is_rejected(self) -> None:
        def nothing() -> int:
            return 1

        self.mocker.patch.dict(sys.modules, _workflows(nothing=nothing))
        ok, result = self.get_action_instance(CONFIG).run(
            workflow="fake.nothing", bogus=1
        )
        self.assertFalse(ok)
        self.assertIn("parameter 'bogus'", result["error"])

    def test_conn_is_injected_and_always_closed(self) -> None:
        opened: list[FakeConn] = []

        def fake_connect(config: dict, name: str | None) -> FakeConn:
            conn = FakeConn(name or "")
            opened.append(conn)
            return conn

        def uses_conn(conn: FakeConn) -> str:
            return conn.name

        def explodes(conn: FakeConn) -> None:
            raise RuntimeError("boom")

        self.mocker.patch.dict(
            sys.modules, _workflows(uses_conn=uses_conn, explodes=explodes)
        )
        connect = self.mocker.patch.object(
            openstack_api.connection, "connect", autospec=True, side_effect=fake_connect
        )
        action = self.get_action_instance(CONFIG)
        self.assertEqual(
            action.run(workflow="fake.uses_conn", cloud_account="prod"), "prod"
        )
        ok, result = action.run(workflow="fake.explodes", cloud_account="prod")
        self.assertFalse(ok)  # a bug fails the execution, with a result
        self.assertEqual(result["exception"], "RuntimeError")
        self.assertEqual(len(opened), 2)
        self.assertEqual([c.args[1] for c in connect.call_args_list], ["prod", "prod"])
        self.assertTrue(all(c.closed for c in opened))

    def test_unknown_cloud_account_fails_without_leaking_secrets(self) -> None:
        def uses_conn(conn: Any) -> None:
            raise AssertionError("must not be called")

        action = self.get_action_instance(CONFIG)
        self.mocker.patch.dict(sys.modules, _workflows(uses_conn=uses_conn))
        with self.assertLogs(action.logger, level=logging.DEBUG) as logs:
            ok, result = action.run(workflow="fake.uses_conn", cloud_account="nosuch")
        self.assertFalse(ok)
        self.assertIn("parameter 'cloud_account'", result["error"])
        self.assertIn("'clouds'", result["error"])
        self.assertNotIn(PASSWORD, repr(result) + "\n".join(logs.output))

    def test_missing_config_names_the_config_key(self) -> None:
        def mails(smtp_account: Any) -> None:
            raise AssertionError("must not be called")

        self.mocker.patch.dict(sys.modules, _workflows(mails=mails))
        ok, result = self.get_action_instance({}).run(workflow="fake.mails")
        self.assertFalse(ok)
        self.assertIn("parameter 'smtp_account'", result["error"])
        self.assertIn("default_smtp_account", result["error"])

    def test_pack_config_injection_is_a_copy(self) -> None:
        def reads_config(pack_config: dict[str, Any]) -> list[str]:
            names = [c["name"] for c in pack_config["clouds"]]
            pack_config["clouds"].clear()  # must not affect the action's config
            return names

        self.mocker.patch.dict(sys.modules, _workflows(reads_config=reads_config))
        action = self.get_action_instance(CONFIG)
        self.assertEqual(action.run(workflow="fake.reads_config"), ["prod"])
        self.assertEqual(len(CONFIG["clouds"]), 1)

    def test_smtp_jupyter_and_store_injection(self) -> None:
        def everything(
            smtp_account: Any, jupyter_hub: Any, store: Any, note: str
        ) -> dict[str, Any]:
            store.set("seen", note)
            return {
                "smtp": smtp_account.host,
                "hub": jupyter_hub.env.api_url,
                "stored": store.get("seen"),
            }

        self.mocker.patch.dict(sys.modules, _workflows(everything=everything))
        result = self.get_action_instance(CONFIG).run(
            workflow="fake.everything",
            smtp_account="mail",
            jupyter_env="dev",
            note="hello",
        )
        self.assertEqual(
            result,
            {
                "smtp": "127.0.0.1",
                "hub": "http://127.0.0.1:1/hub/api",
                "stored": "hello",
            },
        )
        # the store wrote to the StackStorm datastore of the action
        names = [kv.name for kv in self.action_service.list_values(local=True)]
        self.assertTrue(any(n.endswith(":seen") for n in names), names)


class LibraryProgressTest(BaseActionTestCase):
    """Progress lines logged by lib modules reach the execution's log, and only
    during the run."""

    action_cls = WorkflowActions

    @pytest.fixture(autouse=True)
    def _mocker(self, mocker: MockerFixture) -> None:
        """pytest-mock's ``mocker`` for these unittest-style tests."""
        self.mocker = mocker

    def test_library_progress_reaches_the_action_logger_handlers(self) -> None:
        records: list[logging.LogRecord] = []

        class Collect(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                records.append(record)

        def slow(count: int) -> dict[str, int]:
            logging.getLogger("openstack_api.migrations").info("waiting %d", count)
            logging.getLogger("workflows.fake").debug("too detailed")
            return {"count": count}

        action = self.get_action_instance(CONFIG)
        collector = Collect()
        action.logger.addHandler(collector)
        try:
            self.mocker.patch.dict(sys.modules, _workflows(slow=slow))
            self.assertEqual(action.run(workflow="fake.slow", count=3), {"count": 3})
            logging.getLogger("openstack_api.migrations").info("after the run")
        finally:
            action.logger.removeHandler(collector)
        messages = [r.getMessage() for r in records]
        self.assertIn("waiting 3", messages)
        self.assertNotIn("too detailed", messages)
        self.assertNotIn("after the run", messages)
        self.assertNotIn(collector, logging.getLogger("openstack_api").handlers)
