"""Fault injection: what each kind of service failure becomes, through the entry point.

Small servers on 127.0.0.1 (``fault_servers``) stand in for Keystone + Nova, a
JupyterHub and an SMTP server, and answer 401 / 403 / 500, close or reset the
connection, or hang. Each test asserts the exact cause the operator reads; the
pack's connection settings (retries included) are the real ones.
"""

from __future__ import annotations

import http.client
import json
import logging
import sys
import types
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from fault_servers import (
    CLOSE,
    HANG,
    RESET,
    RESET_REACHES_CLIENTS,
    FaultyCloud,
    FaultyHub,
    FaultySMTP,
    Status,
)
from openstack import exceptions as sdk_exceptions
from pytest_mock import MockerFixture
from src.workflow_actions import WorkflowActions

from pack_common import exception_chain, network_cause, redact, secret_values
from tools.testing.services import PackActionService

pytestmark = pytest.mark.fault(2)

PASSWORD = "pw-never-in-results"
TOKEN = "hub-token-never-in-results"
FORBIDDEN = "Policy doesn't allow os_compute_api:servers:detail:get_all_tenants"


@pytest.fixture
def cloud() -> Iterator[FaultyCloud]:
    server = FaultyCloud()
    yield server
    server.stop()


@pytest.fixture
def hub() -> Iterator[FaultyHub]:
    server = FaultyHub()
    yield server
    server.stop()


def config_for(
    cloud: FaultyCloud | None = None,
    hub: FaultyHub | None = None,
    smtp_port: int = 1,
    hub_timeout: int = 30,
) -> dict[str, Any]:
    """A pack config pointing at the fault servers."""
    return {
        "clouds": [
            {
                "name": "prod",
                "auth_url": cloud.auth_url if cloud else "http://127.0.0.1:1/v3",
                "username": "ops",
                "password": PASSWORD,
                "project_name": "demo",
            }
        ],
        "default_cloud_account": "prod",
        "smtp_accounts": [
            {
                "name": "mail",
                "host": "127.0.0.1",
                "port": smtp_port,
                "security": "none",
                "from_address": "ops@example.org",
            }
        ],
        "jupyter_envs": [
            {
                "name": "hub",
                "url": hub.url if hub else "http://127.0.0.1:1",
                "token": TOKEN,
                "timeout": hub_timeout,
            }
        ],
    }


def run(config: dict[str, Any], workflow: str, **params: Any) -> Any:
    """The entry point's return value for one execution."""
    service = PackActionService("WorkflowActions")
    action = WorkflowActions(config=config, action_service=service)
    return action.run(workflow=workflow, **params)


def failed(outcome: Any) -> dict[str, Any]:
    """The result of a failed execution, checked against the common contract."""
    assert isinstance(outcome, tuple), f"not a failure: {outcome!r}"
    ok, result = outcome
    assert ok is False
    text = json.dumps(result)
    assert PASSWORD not in text and TOKEN not in text
    assert result["error"] and "\n" not in result["error"]
    return result


SERVER_LIST = {"workflow": "search.server_list", "cloud_account": "prod"}


# --- cloud -----------------------------------------------------------------------


def test_wrong_password_is_401_bad_credentials(cloud: FaultyCloud) -> None:
    cloud.fail("POST /v3/auth/tokens", Status(401, "The request requires auth."))
    result = failed(run(config_for(cloud), **SERVER_LIST))
    assert result["cause"] == "401 Unauthorized: bad credentials"
    assert result["status"] == 401
    assert result["account"] == "prod"
    assert result["endpoint"] == f"{cloud.auth_url}/auth/tokens"
    assert result["error"] == (
        f"cloud_account 'prod': 401 Unauthorized: bad credentials "
        f"({cloud.auth_url}/auth/tokens)"
    )


def test_keystone_500_on_the_token(cloud: FaultyCloud) -> None:
    cloud.fail("POST /v3/auth/tokens", Status(500, "keystone fell over"))
    result = failed(run(config_for(cloud), **SERVER_LIST))
    assert result["cause"].startswith("500 Internal Server Error from identity")
    assert "keystone fell over" in result["cause"]
    assert result["status"] == 500


def test_nova_500_names_the_service_and_what_it_said(cloud: FaultyCloud) -> None:
    cloud.fail("GET /compute/v2.1/servers/detail", Status(500, "nova broke"))
    result = failed(run(config_for(cloud), **SERVER_LIST))
    assert result["cause"] == (
        "500 Internal Server Error from compute (nova): nova broke"
    )
    assert result["service"] == "compute (nova)"
    assert result["endpoint"].startswith(f"{cloud.url}/compute/v2.1/servers/detail")
    assert result["account"] == "prod"


def test_nova_403_for_an_admin_listing_says_the_account_lacks_the_role(
    cloud: FaultyCloud,
) -> None:
    cloud.fail("all_tenants", Status(403, FORBIDDEN))
    result = failed(run(config_for(cloud), **SERVER_LIST, all_projects=True))
    assert result["cause"] == (
        f"403 Forbidden from compute (nova): {FORBIDDEN} (the account holds member "
        "on project 'demo'; this needs the admin role)"
    )
    assert result["status"] == 403


def test_a_403_to_an_admin_says_the_policy_refused_it(cloud: FaultyCloud) -> None:
    """An account that holds admin was refused by the service's policy: telling the
    operator to use an admin account would send them in circles."""
    cloud.roles = ("admin", "member")
    cloud.fail("all_tenants", Status(403, FORBIDDEN))
    result = failed(run(config_for(cloud), **SERVER_LIST, all_projects=True))
    assert result["cause"].endswith(
        "(the account holds admin, member on project 'demo', yet the service's "
        "policy refused it: check the policy for this call, or whether it needs a "
        "token scoped to another project)"
    )
    assert "needs the admin role" not in result["cause"]


def test_403_from_an_admin_operation_workflow(cloud: FaultyCloud) -> None:
    cloud.fail("/os-hypervisors", Status(403, "Policy doesn't allow hypervisors"))
    result = failed(
        run(
            config_for(cloud),
            "hypervisor.service_disable",
            cloud_account="prod",
            hypervisor="hv1",
            reason="maintenance",
        )
    )
    assert result["cause"].startswith("403 Forbidden from compute (nova)")
    assert "/os-hypervisors" in result["endpoint"]


CLOSED = "connection closed without a response"


@pytest.mark.parametrize(
    ("fault", "cause"),
    [(RESET, "connection reset" if RESET_REACHES_CLIENTS else CLOSED), (CLOSE, CLOSED)],
)
def test_connection_lost_mid_listing(
    cloud: FaultyCloud, fault: str, cause: str
) -> None:
    cloud.fail("marker=", fault)  # the second page
    result = failed(run(config_for(cloud), **SERVER_LIST))
    assert result["cause"] == cause
    assert result["endpoint"] == f"{cloud.url}/compute/v2.1/servers/detail"
    assert result["service"] == "compute (nova)"
    # the first page was answered; the second was tried 1 + CONNECT_RETRIES times
    pages = [r for r in cloud.requests if "/servers/detail" in r]
    assert len(pages) == 4 and "marker=" in pages[-1]


def test_unknown_from_projects_names_the_parameter(cloud: FaultyCloud) -> None:
    result = failed(
        run(config_for(cloud), **SERVER_LIST, from_projects=["no-such-project"])
    )
    assert result == {
        "error": "parameter 'from_projects': no project named 'no-such-project'"
    }
    search = failed(
        run(
            config_for(cloud),
            "search.server_by_property",
            cloud_account="prod",
            property_to_search_by="name",
            values=["vm1"],
            from_projects=["no-such-project"],
        )
    )
    assert search["error"] == result["error"]


def test_unknown_from_domain_names_the_parameter(cloud: FaultyCloud) -> None:
    result = failed(
        run(
            config_for(cloud),
            "search.project_by_property",
            cloud_account="prod",
            property_to_search_by="name",
            values=["demo"],
            from_domain="no-such-domain",
        )
    )
    assert result["error"] == "parameter 'from_domain': no domain 'no-such-domain'"


def test_a_cloud_failure_while_resolving_from_projects_is_not_an_input_error(
    cloud: FaultyCloud,
) -> None:
    """The old campaign code matched "from_projects" in the message text and called
    a Keystone outage an input error."""
    cloud.fail("GET /v3/projects", Status(500, "keystone overloaded"))
    result = failed(
        run(
            config_for(cloud),
            "email_campaigns.users_with_shutoff_vms",
            cloud_account="prod",
            smtp_account="mail",
            days_threshold=1,
            from_projects=["demo"],
        )
    )
    assert not result["error"].startswith("parameter")
    assert result["cause"].startswith("500 Internal Server Error from identity")
    assert result["account"] == "prod"


def test_a_healthy_cloud_still_succeeds(cloud: FaultyCloud) -> None:
    """The fault server itself works: without faults the listing succeeds."""
    rows = run(config_for(cloud), **SERVER_LIST, output_type="to_props")
    assert [r["name"] for r in rows] == ["vm1", "vm2"]


# --- JupyterHub --------------------------------------------------------------------


SCOPES = "Action is not authorized with current scopes; requires any of [list:users]"


@pytest.mark.parametrize(
    ("fault", "cause"),
    [
        (Status(403, SCOPES), f"403 Forbidden from JupyterHub: {SCOPES}"),
        (Status(500, "hub broke"), "500 Internal Server Error from JupyterHub"),
        (Status(401, "bad token"), "401 Unauthorized: the hub refused the token"),
        (CLOSE, "connection closed without a response"),
        (HANG, "timed out"),
    ],
)
def test_hub_failures_of_user_list(hub: FaultyHub, fault: Any, cause: str) -> None:
    hub.fail("/hub/api/users", fault)
    result = failed(
        run(config_for(hub=hub, hub_timeout=1), "jupyter.list_users", jupyter_env="hub")
    )
    assert result["cause"].startswith(cause), result
    assert result["account"] == "hub"
    assert result["endpoint"] == f"{hub.url}/hub/api/users"


def test_hub_failure_of_a_batch_names_the_cause(hub: FaultyHub) -> None:
    hub.fail("/hub/api/users", Status(500, "hub broke"))
    result = failed(
        run(
            config_for(hub=hub),
            "jupyter.start_servers",
            jupyter_env="hub",
            users=["alice", "bob"],
        )
    )
    assert result["cause"] == "500 Internal Server Error from JupyterHub: hub broke"
    assert result["error"].startswith("jupyter_env 'hub': 2 of 2 users failed: 500")
    assert result["endpoint"] == hub.url
    assert [u["status"] for u in result["users"]] == ["failed", "failed"]


# --- SMTP --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("greeting", "cause"),
    [
        ("421 4.3.2 too busy", "SMTPConnectError: 421 4.3.2 too busy"),
        (None, "SMTPServerDisconnected: Connection unexpectedly closed"),
    ],
)
def test_smtp_failures_of_email_test(greeting: str | None, cause: str) -> None:
    smtp = FaultySMTP(greeting)
    try:
        result = failed(
            run(
                config_for(smtp_port=smtp.port),
                "email.test",
                smtp_account="mail",
                to=["someone@example.org"],
                send_email=True,
            )
        )
    finally:
        smtp.stop()
    assert result["cause"] == cause
    assert result["account"] == "mail"
    assert result["endpoint"] == f"127.0.0.1:{smtp.port}"


# --- bugs and secrets --------------------------------------------------------------


def _fake_workflows(**funcs: Any) -> dict[str, types.ModuleType]:
    module = types.ModuleType("workflows.fake")
    for name, func in funcs.items():
        func.__module__ = module.__name__
        setattr(module, name, func)
    return {"workflows.fake": module}


def test_a_bug_is_a_failed_result_with_the_traceback_logged(
    caplog: pytest.LogCaptureFixture, mocker: MockerFixture
) -> None:
    def buggy(note: str) -> None:
        raise TypeError(f"cannot add {PASSWORD} and 1")

    config = config_for()
    mocker.patch.dict(sys.modules, _fake_workflows(buggy=buggy))
    with caplog.at_level(logging.ERROR):
        result = failed(run(config, "fake.buggy", note="x"))
    assert result["exception"] == "TypeError"
    assert result["workflow"] == "fake.buggy"
    assert result["error"].startswith("internal error in workflow fake.buggy")
    assert "cannot add *** and 1" in result["error"]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Traceback" in logged and "TypeError" in logged
    assert PASSWORD not in logged


def test_a_bug_while_handling_a_cloud_error_is_still_a_bug(
    mocker: MockerFixture,
) -> None:
    def buggy(conn: Any) -> None:
        try:
            raise sdk_exceptions.NotFoundException("no such server")
        except sdk_exceptions.NotFoundException as exc:
            raise AttributeError("'NoneType' object has no attribute 'id'") from exc

    mocker.patch.dict(sys.modules, _fake_workflows(buggy=buggy))
    result = failed(run(config_for(), "fake.buggy", cloud_account="prod"))
    assert result["exception"] == "AttributeError"
    assert "cause" not in result


def test_network_cause_looks_under_the_wrappers() -> None:
    refused = requests.ConnectionError(
        OSError("wrapped"), ConnectionRefusedError(111, "refused")
    )
    assert network_cause(refused) == "connection refused"
    try:
        try:
            raise http.client.RemoteDisconnected("gone")
        except http.client.RemoteDisconnected as inner:
            raise RuntimeError("outer") from inner
    except RuntimeError as outer:
        assert network_cause(outer) == "connection closed without a response"
        assert len(exception_chain(outer)) == 2
    assert network_cause(TimeoutError("slow")) == "timed out"
    assert network_cause(ValueError("x")) is None


def test_redact_masks_config_secrets_and_url_passwords() -> None:
    secrets = secret_values(config_for())
    assert secrets == {PASSWORD, TOKEN}
    text = f"failed at https://ops:{PASSWORD}@keystone/v3 with {TOKEN}"
    assert redact({"error": [text]}, secrets) == {
        "error": ["failed at https://ops:***@keystone/v3 with ***"]
    }
    assert redact("http://u:other@h/", ()) == "http://u:***@h/"
