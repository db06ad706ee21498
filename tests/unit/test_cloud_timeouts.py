"""Every request to a cloud has a timeout: a stalled service fails the execution.

``FaultyCloud`` (``fault_servers``) stands in for Keystone + Nova on 127.0.0.1; its
``HANG`` fault accepts a request and answers nothing. With the pack config's per-cloud
``timeout`` set small, ``server.list`` against a stalled Nova ends as a failed result
naming the account, the endpoint and "timed out" (no timing assertion: without a
timeout the hang would last until the fault server gives up and the cause would be
"connection closed without a response").
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fault_servers import HANG, FaultyCloud
from src.workflow_actions import WorkflowActions

from openstack_api.connection import DEFAULT_TIMEOUT, CloudAccount, connect
from pack_common import ConfigError

pytestmark = pytest.mark.fault(4)


@pytest.fixture
def cloud() -> Iterator[FaultyCloud]:
    server = FaultyCloud()
    yield server
    server.stop()


def entry(auth_url: str = "http://127.0.0.1:1/v3", **extra: Any) -> dict[str, Any]:
    """A pack config ``clouds`` entry named ``prod``."""
    return {
        "name": "prod",
        "auth_url": auth_url,
        "username": "ops",
        "password": "pw-never-in-results",
        "project_name": "demo",
        **extra,
    }


def test_a_stalled_nova_fails_the_execution_as_timed_out(cloud: FaultyCloud) -> None:
    cloud.fail("GET /compute/v2.1/servers/detail", HANG)
    config = {"clouds": [entry(cloud.auth_url, timeout=1)]}
    action = WorkflowActions(config=config, action_service=None)
    outcome = action.run(workflow="search.server_list", cloud_account="prod")
    assert isinstance(outcome, tuple), outcome
    ok, result = outcome
    assert ok is False
    assert result["cause"] == "timed out"
    assert result["account"] == "prod"
    assert result["service"] == "compute (nova)"
    assert result["endpoint"].startswith(f"{cloud.url}/compute/v2.1/servers/detail")
    assert result["error"].startswith("cloud_account 'prod': timed out")
    # sent once: a timed-out request is not retried (each retry would cost another
    # whole timeout: 3x the configured wait with keystoneauth's own retries)
    listings = [r for r in cloud.requests if "/servers/detail" in r]
    assert len(listings) == 1, cloud.requests


def test_the_pack_config_timeout_reaches_the_session() -> None:
    conn = CloudAccount.from_config(entry(timeout=7)).connect()
    try:
        assert conn.session.timeout == 7
    finally:
        conn.close()


def test_without_a_timeout_the_default_applies() -> None:
    conn = CloudAccount.from_config(entry()).connect()
    try:
        assert conn.session.timeout == DEFAULT_TIMEOUT == 60
    finally:
        conn.close()


@pytest.mark.parametrize("bad", [0, -5, "10", True, 1.5])
def test_a_bad_timeout_is_a_config_error_naming_the_key(bad: Any) -> None:
    with pytest.raises(ConfigError, match="'clouds' entry 'prod': 'timeout'"):
        CloudAccount.from_config(entry(timeout=bad))


@pytest.mark.parametrize(
    ("yaml_timeout", "expected"), [("", DEFAULT_TIMEOUT), ("    api_timeout: 9\n", 9)]
)
def test_clouds_yaml_accounts_have_a_timeout(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    yaml_timeout: str,
    expected: int,
) -> None:
    """A clouds.yaml cloud gets its own ``api_timeout``, else the default."""
    clouds = tmp_path / "clouds.yaml"
    clouds.write_text(
        "clouds:\n  lab:\n    auth:\n      auth_url: http://127.0.0.1:1/v3\n"
        "      username: ops\n      password: pw\n      project_name: admin\n"
        + yaml_timeout
    )
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(clouds))
    conn = connect({}, "lab")
    try:
        assert conn.session.timeout == expected
    finally:
        conn.close()
