"""The sensor never lets an exception out of poll() (it would kill the process)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from tools.testing.services import PackSensorTestCase

SENSOR_FILE = (
    Path(__file__).resolve().parents[3]
    / "sensors"
    / "src"
    / "jupyter_inactive_users.py"
)


def load_sensor_class() -> type:
    spec = importlib.util.spec_from_file_location("jupyter_inactive_users", SENSOR_FILE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.JupyterInactiveUsersSensor


class SensorRobustnessTest(PackSensorTestCase):
    sensor_cls = load_sensor_class()

    def test_bad_entries_are_logged_and_skipped(self) -> None:
        config = {
            "jupyter_envs": [
                "not-a-mapping",
                {"name": "no-token", "url": "http://127.0.0.1:9"},
                {
                    "name": "down",
                    "url": "http://127.0.0.1:9",
                    "token": "t",
                    "timeout": 2,
                },
            ]
        }
        sensor = self.get_sensor_instance(config=config)
        with self.assertLogs(sensor._logger, level="ERROR") as logs:
            sensor.poll()
        assert len(logs.output) == 3
        assert any("'no-token'" in line and "'token'" in line for line in logs.output)
        assert any("'down'" in line for line in logs.output)
        assert self.get_dispatched_triggers() == []
        assert (
            self.sensor_service.get_value("jupyter.inactive_users.down", local=True)
            is None
        )

    def test_no_environments_is_quiet(self) -> None:
        sensor = self.get_sensor_instance(config={"jupyter_envs": []})
        sensor.poll()
        assert self.get_dispatched_triggers() == []
