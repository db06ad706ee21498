"""A credential written into ``auth_url`` (``http://user:password@host/v3``) never
reaches a result or a log line (issue 12, item 7).

The devcloud's Keystone accepts such a URL (requests turns the user part into a Basic
header it ignores), so the actions really run with it: cloud.check shows the URL with
the password masked, and with every logger at DEBUG (keystoneauth logs each request's
URL there) no line of the run carries the password. A failure shows the same.
"""

from __future__ import annotations

import copy
import json
import logging
from typing import Any

import pytest
from os_fixtures_projects import failed, succeeded, workflow_of
from src.workflow_actions import WorkflowActions

from tools.testing.services import PackActionService

pytest_plugins = ["os_fixtures_projects"]
pytestmark = pytest.mark.fault(7)

ADMIN = "devcloud-admin"
URL_PASSWORD = "Url-S3cret-9f2c"


def with_url_credential(config: dict[str, Any], password: str) -> dict[str, Any]:
    """``config`` whose admin cloud's ``auth_url`` carries a user and a password."""
    config = copy.deepcopy(config)
    entry = next(c for c in config["clouds"] if c["name"] == ADMIN)
    scheme, rest = entry["auth_url"].split("://", 1)
    entry["auth_url"] = f"{scheme}://urluser:{URL_PASSWORD}@{rest}"
    entry["password"] = password
    return config


def run(config: dict[str, Any], action: str, **params: Any) -> Any:
    """Run ``action`` through the entry point as the admin account."""
    entry = WorkflowActions(
        config=config, action_service=PackActionService("WorkflowActions")
    )
    return entry.run(workflow=workflow_of(action), cloud_account=ADMIN, **params)


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every record of every logger at DEBUG, as the root logger's handlers get it."""
    caplog.set_level(logging.DEBUG)
    return caplog


def logged(caplog: pytest.LogCaptureFixture) -> str:
    """All captured lines, formatted as a handler emits them."""
    return "\n".join(r.getMessage() for r in caplog.records)


def test_cloud_check_shows_the_auth_url_without_its_password(
    ops_config: dict[str, Any], debug_logs: pytest.LogCaptureFixture
) -> None:
    admin = next(c for c in ops_config["clouds"] if c["name"] == ADMIN)
    config = with_url_credential(ops_config, admin["password"])
    result = succeeded(run(config, "cloud.check"))
    assert result["auth_url"].startswith("http://urluser:***@127.0.0.1:")
    assert result["user"]["name"], result  # it really authenticated
    assert URL_PASSWORD not in json.dumps(result)
    lines = logged(debug_logs)
    assert "urluser:***@" in lines  # keystoneauth's DEBUG lines were there, masked
    assert URL_PASSWORD not in lines


def test_a_search_keeps_the_url_password_out_of_every_log_line(
    ops_config: dict[str, Any], debug_logs: pytest.LogCaptureFixture
) -> None:
    admin = next(c for c in ops_config["clouds"] if c["name"] == ADMIN)
    config = with_url_credential(ops_config, admin["password"])
    rows = succeeded(run(config, "server.list", all_projects=True))
    assert rows, "the seeded estate has servers"
    assert URL_PASSWORD not in logged(debug_logs)
    assert admin["password"] not in logged(debug_logs)


def test_a_failure_shows_the_endpoint_without_the_url_password(
    ops_config: dict[str, Any], debug_logs: pytest.LogCaptureFixture
) -> None:
    config = with_url_credential(ops_config, "wrong-password-7781")
    result = failed(run(config, "server.list"))
    assert result["cause"] == "401 Unauthorized: bad credentials"
    assert "urluser:***@" in result["endpoint"]
    text = json.dumps(result) + logged(debug_logs)
    assert URL_PASSWORD not in text
    assert "wrong-password-7781" not in text
