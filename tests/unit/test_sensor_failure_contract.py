"""The sensors keep the actions' failure contract (issue 12, item 2).

A poll that fails on an unreachable, refusing, broken or stalled service logs ONE
ERROR line naming the account (cloud_account / jupyter_env), the endpoint and the
cause, with the password or token masked, dispatches nothing, and does not raise
(an exception out of ``poll()`` kills the sensor process). Driven against the fault
servers of ``fault_servers``.
"""

from __future__ import annotations

import importlib.util
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fault_servers import (
    CLOSE,
    HANG,
    FaultyCloud,
    FaultyHub,
    Status,
    closed_port,
)

from tools.testing.services import PackSensorService

pytestmark = pytest.mark.fault(2)

SENSORS = Path(__file__).resolve().parents[2] / "sensors" / "src"
PASSWORD = "Sensor-pw-never-logged"
TOKEN = "sensor-token-never-logged"


def load(module_name: str) -> ModuleType:
    """The sensor module ``sensors/src/<module_name>.py``, as StackStorm loads it."""
    spec = importlib.util.spec_from_file_location(
        module_name, SENSORS / f"{module_name}.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def poll_errors(
    sensor_cls: type, config: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> tuple[list[str], PackSensorService]:
    """Poll once; the ERROR lines logged, and the service (for its dispatches)."""
    service = PackSensorService(sensor_cls.__name__)
    sensor = sensor_cls(sensor_service=service, config=config)
    sensor.setup()
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        sensor.poll()  # must not raise
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    return lines, service


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


def cloud_config(auth_url: str) -> dict[str, Any]:
    """A pack config whose ``prod`` cloud is at ``auth_url``, timeout 1 s."""
    return {
        "clouds": [
            {
                "name": "prod",
                "auth_url": auth_url,
                "username": "ops",
                "password": PASSWORD,
                "project_name": "demo",
                "timeout": 1,
            }
        ],
        "hypervisor_sensor": {"cloud_account": "prod"},
    }


HYPERVISORS = "/compute/v2.1/os-hypervisors"


@pytest.mark.parametrize(
    ("match", "fault", "cause"),
    [
        ("POST /v3/auth/tokens", Status(401, "bad"), "401 Unauthorized: bad "),
        (
            "POST /v3/auth/tokens",
            Status(500, "keystone broke"),
            "500 Internal Server Error from identity: keystone broke",
        ),
        (
            HYPERVISORS,
            Status(500, "nova broke"),
            "500 Internal Server Error from compute (nova): nova broke",
        ),
        (HYPERVISORS, Status(403, "nope"), "403 Forbidden from compute (nova): nope"),
        (HYPERVISORS, HANG, "timed out"),
        (HYPERVISORS, CLOSE, "connection closed without a response"),
    ],
    ids=["401", "keystone-500", "nova-500", "nova-403", "stalled", "closed"],
)
def test_hypervisor_sensor_logs_the_account_endpoint_and_cause(
    cloud: FaultyCloud,
    caplog: pytest.LogCaptureFixture,
    match: str,
    fault: Any,
    cause: str,
) -> None:
    cloud.fail(match, fault)
    sensor_cls = load("hypervisor_state").HypervisorStateSensor
    lines, service = poll_errors(sensor_cls, cloud_config(cloud.auth_url), caplog)
    assert len(lines) == 1, lines
    line = lines[0]
    assert "Traceback" not in line
    assert f"cloud_account 'prod': {cause}" in line, line
    assert f"({cloud.url}" in line, line  # the endpoint
    assert PASSWORD not in line
    assert service.dispatched_triggers == []


def test_hypervisor_sensor_unreachable_cloud_with_a_url_password(
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = f"http://ops:{PASSWORD}@127.0.0.1:{closed_port()}/v3"
    sensor_cls = load("hypervisor_state").HypervisorStateSensor
    lines, _ = poll_errors(sensor_cls, cloud_config(url), caplog)
    assert len(lines) == 1, lines
    assert "cloud_account 'prod': connection refused (http://ops:***@" in lines[0]
    assert PASSWORD not in "\n".join(r.getMessage() for r in caplog.records)


def hub_config(url: str) -> dict[str, Any]:
    """A pack config with one JupyterHub environment ``lab`` at ``url``."""
    return {"jupyter_envs": [{"name": "lab", "url": url, "token": TOKEN, "timeout": 1}]}


@pytest.mark.parametrize(
    ("fault", "cause"),
    [
        (Status(403, "missing scopes"), "403 Forbidden from JupyterHub: missing"),
        (Status(502, "proxy down"), "502 Bad Gateway from JupyterHub: proxy down"),
        (HANG, "timed out"),
        (CLOSE, "connection closed without a response"),
    ],
    ids=["403", "502", "stalled", "closed"],
)
def test_jupyter_sensor_logs_the_environment_endpoint_and_cause(
    hub: FaultyHub, caplog: pytest.LogCaptureFixture, fault: Any, cause: str
) -> None:
    hub.fail("/hub/api", fault)
    sensor_cls = load("jupyter_inactive_users").JupyterInactiveUsersSensor
    lines, service = poll_errors(sensor_cls, hub_config(hub.url), caplog)
    assert len(lines) == 1, lines
    assert f"jupyter_env 'lab': {cause}" in lines[0], lines[0]
    assert f"({hub.url}/hub/api" in lines[0], lines[0]
    assert TOKEN not in "\n".join(r.getMessage() for r in caplog.records)
    assert service.dispatched_triggers == []


def test_jupyter_sensor_unreachable_hub(caplog: pytest.LogCaptureFixture) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    sensor_cls = load("jupyter_inactive_users").JupyterInactiveUsersSensor
    lines, _ = poll_errors(sensor_cls, hub_config(url), caplog)
    assert len(lines) == 1, lines
    assert f"jupyter_env 'lab': connection refused ({url}/hub/api" in lines[0]
