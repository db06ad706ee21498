"""The inactive-users sensor against a real hub (``jupyterhub_server``)."""

from __future__ import annotations

import importlib.util
import json
import secrets
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from jupyter_api.client import JupyterHubClient
from jupyter_api.environment import JupyterEnv
from jupyter_api.models import format_time
from tools.testing.services import PackSensorTestCase

if TYPE_CHECKING:
    from jupyterhub_server import RunningHub

pytest_plugins = ["jupyterhub_server"]

SENSOR_FILE = (
    Path(__file__).resolve().parents[2]
    / "sensors"
    / "src"
    / "jupyter_inactive_users.py"
)
TRIGGER = "openstack_ops.jupyter.inactive_users"


def load_sensor_class() -> type:
    """Load the sensor by file path, as StackStorm does."""
    spec = importlib.util.spec_from_file_location("jupyter_inactive_users", SENSOR_FILE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # as StackStorm's sensor container imports it
    spec.loader.exec_module(module)
    return module.JupyterInactiveUsersSensor


class InactiveUsersSensorTest(PackSensorTestCase):
    sensor_cls = load_sensor_class()
    hub: RunningHub

    @pytest.fixture(autouse=True)
    def _hub(self, jupyterhub: RunningHub) -> None:
        self.hub = jupyterhub
        self.prefix = f"s{secrets.token_hex(3)}"

    def dispatched(self) -> list[dict[str, Any]]:
        return [
            t["payload"]
            for t in self.get_dispatched_triggers()
            if t["trigger"] == TRIGGER
        ]

    def inactive_names(self, payload: dict[str, Any]) -> set[str]:
        return {
            u["name"] for u in payload["users"] if u["name"].startswith(self.prefix)
        }

    def test_dispatches_on_change_only_and_survives_a_broken_environment(self) -> None:
        config = {
            "jupyter_envs": [
                {
                    "name": "broken",
                    "url": "http://127.0.0.1:9",
                    "token": "x",
                    "timeout": 5,
                },
                {
                    "name": "local",
                    "url": self.hub.url,
                    "token": self.hub.admin_token,
                    "inactive_days": 30,
                },
            ]
        }
        sensor = self.get_sensor_instance(config=config)
        sensor.setup()
        old = format_time(datetime.now(UTC) - timedelta(days=60))
        first, second = f"{self.prefix}-1", f"{self.prefix}-2"
        env = JupyterEnv(name="local", url=self.hub.url, token=self.hub.admin_token)
        with JupyterHubClient(env) as hub:
            hub.create_users([first, second])
            hub.set_activity(first, old)

            with self.assertLogs(sensor._logger, level="ERROR") as logs:
                sensor.poll()
            sensor.poll()
            after_no_change = len(self.dispatched())
            hub.set_activity(second, old)
            sensor.poll()

        payloads = self.dispatched()
        assert self.sensor_service.rejected_triggers == []
        assert after_no_change == 1
        assert len(payloads) == 2
        assert payloads[0]["env"] == "local"
        assert payloads[0]["threshold_days"] == 30
        assert payloads[0]["protected"] is False
        assert self.inactive_names(payloads[0]) == {first}
        assert {"name": first, "last_activity": old} in payloads[0]["users"]
        assert self.inactive_names(payloads[1]) == {first, second}
        stored = json.loads(
            self.sensor_service.get_value("jupyter.inactive_users.local", local=True)
        )
        assert {first, second} <= set(stored)
        assert any("'broken'" in line for line in logs.output)
