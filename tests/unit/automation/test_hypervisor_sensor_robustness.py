"""The hypervisor.state sensor never lets an exception out of poll()."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import yaml

from tools.testing.services import PackSensorTestCase

PACK_DIR = Path(__file__).resolve().parents[3]
SENSOR_FILE = PACK_DIR / "sensors" / "src" / "hypervisor_state.py"


def load_sensor_class() -> type:
    spec = importlib.util.spec_from_file_location("hypervisor_state", SENSOR_FILE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.HypervisorStateSensor


class HypervisorSensorRobustnessTest(PackSensorTestCase):
    sensor_cls = load_sensor_class()

    def test_unknown_cloud_is_logged_not_raised(self) -> None:
        sensor = self.get_sensor_instance(
            config={"clouds": [], "hypervisor_sensor": {"cloud_account": "nowhere"}}
        )
        sensor.setup()
        with self.assertLogs(sensor._logger, level="ERROR") as logs:
            sensor.poll()
        assert any("'nowhere'" in line for line in logs.output)
        assert self.get_dispatched_triggers() == []

    def test_unreachable_cloud_is_logged_not_raised(self) -> None:
        config = {
            "clouds": [
                {
                    "name": "down",
                    "auth_url": "http://127.0.0.1:9/v3",
                    "username": "u",
                    "password": "p",
                    "project_name": "admin",
                }
            ],
            "hypervisor_sensor": {"cloud_account": "down"},
        }
        sensor = self.get_sensor_instance(config=config)
        with self.assertLogs(sensor._logger, level="ERROR") as logs:
            sensor.poll()
        assert len(logs.output) == 1
        assert "retried next interval" in logs.output[0]
        assert self.get_dispatched_triggers() == []

    def test_bad_settings_are_logged_by_setup_and_poll(self) -> None:
        sensor = self.get_sensor_instance(
            config={"hypervisor_sensor": {"poll_interval": -5}}, poll_interval=300
        )
        with self.assertLogs(sensor._logger, level="ERROR"):
            sensor.setup()
        assert sensor.get_poll_interval() == 300
        with self.assertLogs(sensor._logger, level="ERROR") as logs:
            sensor.poll()
        assert "poll_interval" in logs.output[0]

    def test_setup_takes_the_poll_interval_from_the_config(self) -> None:
        sensor = self.get_sensor_instance(
            config={"hypervisor_sensor": {"poll_interval": 42}}
        )
        sensor.setup()
        assert sensor.get_poll_interval() == 42


def test_sensor_ships_disabled_and_declares_its_trigger() -> None:
    meta = yaml.safe_load((PACK_DIR / "sensors" / "hypervisor_state.yaml").read_text())
    assert meta["enabled"] is False
    assert meta["class_name"] == "HypervisorStateSensor"
    assert [t["name"] for t in meta["trigger_types"]] == ["hypervisor.state_change"]
