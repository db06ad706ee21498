"""Alertmanager and Icinga 2 failures as the operator reads them (issue 17).

Each fault is real on the wire: a closed port (refused), a server answering 401 or
500, one that never answers (timed out after the account's timeout). Every action
returns ``(False, result)`` naming the account parameter, the account, the endpoint
and the cause, and never raises; the secrets stay out of the result. Maintenance
refuses to start (nothing changed, the cloud untouched) when either service fails
its preflight.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fault_servers import HANG, Status, _FaultyServer, closed_port
from src.workflow_actions import WorkflowActions

from tools.testing.services import PackActionService

pytestmark = pytest.mark.fault(2)

PASSWORD = "icinga-pw-never-shown"
END = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
TOKEN = "am-token-never-shown"


class FaultyMonitoring(_FaultyServer):
    """Alertmanager's and Icinga's paths, every request answered with the fault."""

    def error_body(self, fault: Status) -> dict[str, Any]:
        """Icinga's error shape (Alertmanager sends a plain string or this)."""
        return {"error": fault.code, "status": fault.message}


@pytest.fixture
def server() -> Iterator[FaultyMonitoring]:
    faulty = FaultyMonitoring()
    yield faulty
    faulty.stop()


def config(url: str) -> dict[str, Any]:
    """A pack config whose Alertmanager and Icinga are both at ``url``."""
    return {
        "alertmanager_accounts": [
            {"name": "am", "url": url, "token": TOKEN, "timeout": 1}
        ],
        "icinga_accounts": [
            {
                "name": "ic",
                "url": url,
                "username": "ops",
                "password": PASSWORD,
                "timeout": 1,
            }
        ],
    }


CASES: list[tuple[str, dict[str, Any], str]] = [
    (
        "monitoring.silence_create",
        {
            "alertmanager_account": "am",
            "key": "k1",
            "matchers": ["instance=hv1"],
            "end": END,
            "apply": True,
        },
        "alertmanager_account",
    ),
    (
        "monitoring.silence_expire",
        {"alertmanager_account": "am", "key": "k1", "apply": True},
        "alertmanager_account",
    ),
    ("monitoring.silence_list", {"alertmanager_account": "am"}, "alertmanager_account"),
    (
        "monitoring.downtime_schedule",
        {
            "icinga_account": "ic",
            "host": "hv1",
            "key": "k1",
            "end": END,
            "apply": True,
        },
        "icinga_account",
    ),
    (
        "monitoring.downtime_remove",
        {"icinga_account": "ic", "key": "k1", "apply": True},
        "icinga_account",
    ),
    ("monitoring.downtime_list", {"icinga_account": "ic"}, "icinga_account"),
]
ACCOUNTS = {"alertmanager_account": "am", "icinga_account": "ic"}


def run(cfg: dict[str, Any], workflow: str, params: dict[str, Any]) -> Any:
    service = PackActionService("WorkflowActions")
    return WorkflowActions(config=cfg, action_service=service).run(
        workflow=workflow, **params
    )


def check(outcome: Any, parameter: str, url: str, cause: str) -> dict[str, Any]:
    assert isinstance(outcome, tuple), outcome
    ok, result = outcome
    assert ok is False
    text = json.dumps(result)
    assert result["account_parameter"] == parameter, result
    assert result["account"] == ACCOUNTS[parameter]
    assert result["endpoint"].startswith(url), result
    assert result["cause"].startswith(cause), result
    assert f"{parameter} {ACCOUNTS[parameter]!r}" in result["error"]
    assert PASSWORD not in text and TOKEN not in text
    return dict(result)


@pytest.mark.parametrize(("workflow", "params", "parameter"), CASES)
def test_unreachable(workflow: str, params: dict[str, Any], parameter: str) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    check(run(config(url), workflow, params), parameter, url, "connection refused")


@pytest.mark.parametrize(("workflow", "params", "parameter"), CASES)
def test_401(
    workflow: str, params: dict[str, Any], parameter: str, server: FaultyMonitoring
) -> None:
    server.fail("/", Status(401, "Unauthorized"))
    result = check(
        run(config(server.url), workflow, params), parameter, server.url, "401"
    )
    assert result["status"] == 401


@pytest.mark.parametrize(("workflow", "params", "parameter"), CASES)
def test_500(
    workflow: str, params: dict[str, Any], parameter: str, server: FaultyMonitoring
) -> None:
    server.fail("/", Status(500, "disk full"))
    result = check(
        run(config(server.url), workflow, params), parameter, server.url, "500"
    )
    assert "disk full" in result["cause"]


@pytest.mark.parametrize(("workflow", "params", "parameter"), CASES[:1] + CASES[3:4])
def test_timeout_is_not_retried(
    workflow: str, params: dict[str, Any], parameter: str, server: FaultyMonitoring
) -> None:
    server.fail("/", HANG)
    check(run(config(server.url), workflow, params), parameter, server.url, "timed out")
    assert len(server.requests) == 1, server.requests


def test_maintenance_refuses_to_start_when_alertmanager_is_unreachable(
    server: FaultyMonitoring,
) -> None:
    """The preflight fails: no step after it runs (the mail, silence, downtime,
    disable and drain steps are listed as not run)."""
    from workflows import maintenance

    class Alert:
        account = type("A", (), {"name": "am", "host_matcher": "instance={host}"})()

        def status(self) -> dict[str, Any]:
            from alertmanager_api.client import AlertmanagerError

            raise AlertmanagerError("am", "GET /api/v2/status", None, "refused", "u")

    book = maintenance.Runbook(dry_run=False, conn=None)  # type: ignore[arg-type]
    book.run("preflight", lambda: maintenance._preflight(Alert(), None, "hv1"))  # type: ignore[arg-type]
    book.run("silence", lambda: pytest.fail("must not run"))
    report = book.report("maintenance of hv1", {})
    assert report["failed_step"] == "preflight"
    assert report["done_steps"] == [] and report["not_run_steps"] == ["silence"]
    assert report["steps"][0]["error"]["account_parameter"] == "alertmanager_account"
