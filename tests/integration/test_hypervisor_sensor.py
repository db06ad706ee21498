"""The hypervisor.state sensor against the local OpenStack (devcloud).

Read-only on devcloud-hv1/hv2. devcloud-hv3 (disabled by the seed with a person's
reason) is re-disabled for a few seconds with the pack's marker and its seeded reason
is restored in a ``finally``. DRAINING and DRAINED are driven on the scratch host
devcloud-hv4: a server of the test's own is booted there, the host is disabled with
the pack's marker (DRAINING), the server deleted (DRAINED), the host re-enabled
(EMPTY).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest
from openstack.connection import Connection

from openstack_api.compute_services import PACK_MARKER
from tools.run_action.config import devcloud_dir, load_config
from tools.testing.datastore import ManualClock
from tools.testing.services import PackSensorTestCase

pytest_plugins = ["os_fixtures_compute"]

SENSOR_FILE = (
    Path(__file__).resolve().parents[2] / "sensors" / "src" / "hypervisor_state.py"
)
TRIGGER = "openstack_ops.hypervisor.state_change"
DISABLED_HOST = "devcloud-hv3"
SERVER_HOSTS = ("devcloud-hv1", "devcloud-hv2")
SCRATCH_HOST = "devcloud-hv4"
WATCHED = (*SERVER_HOSTS, DISABLED_HOST, SCRATCH_HOST)
TTL = 600


def load_sensor_class() -> type:
    """Load the sensor by file path, as StackStorm does."""
    spec = importlib.util.spec_from_file_location("hypervisor_state", SENSOR_FILE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.HypervisorStateSensor


def compute_service(conn: Connection, host: str) -> Any:
    found = [s for s in conn.compute.services(binary="nova-compute") if s.host == host]
    assert len(found) == 1, f"no nova-compute service on {host}"
    return found[0]


def set_disabled_reason(conn: Connection, service: Any, reason: str) -> None:
    """Re-disable a disabled service with another reason, in one request (the SDK's
    disable_service sends nothing when the status does not change)."""
    response = conn.compute.put(
        f"/os-services/{service.id}",
        json={"status": "disabled", "disabled_reason": reason},
        microversion="2.53",
    )
    assert response.status_code == 200, response.text


def sensor_config() -> dict[str, Any]:
    """The devcloud's pack config with the sensor pointed at its admin cloud."""
    config, _path = load_config(str(devcloud_dir() / "openstack_ops.yaml"))
    config["hypervisor_sensor"] = {
        "cloud_account": "devcloud-admin",
        "uptime_limit_days": 180,
        "state_ttl": TTL,
    }
    return config


class HypervisorStateSensorTest(PackSensorTestCase):
    sensor_cls = load_sensor_class()
    conn: Connection
    seeded_reason: str

    @pytest.fixture(autouse=True)
    def _cloud(self, admin_conn: Connection, seed: dict[str, Any]) -> None:
        self.conn = admin_conn
        assert seed["disabled_service"]["host"] == DISABLED_HOST
        self.seeded_reason = seed["disabled_service"]["reason"]

    def changes(self, start: int = 0) -> dict[str, dict[str, Any]]:
        """Payloads of the watched hosts dispatched since ``start``, by host."""
        found: dict[str, dict[str, Any]] = {}
        for item in self.get_dispatched_triggers()[start:]:
            assert item["trigger"] == TRIGGER
            if item["payload"]["hypervisor_name"] in WATCHED:
                assert (
                    item["payload"]["hypervisor_name"] not in found
                ), "dispatched twice"
                found[item["payload"]["hypervisor_name"]] = item["payload"]
        return found

    def test_states_dispatch_on_change_and_ttl_re_announces(self) -> None:
        clock = ManualClock()
        self.sensor_service.datastore_service.clock = clock
        service = compute_service(self.conn, DISABLED_HOST)
        assert service.status == "disabled"
        assert service.disabled_reason == self.seeded_reason, "hv3 is not as seeded"
        sensor = self.get_sensor_instance(config=sensor_config())
        sensor.setup()

        sensor.poll()
        first = self.changes()
        assert set(first) == set(WATCHED)
        assert first[DISABLED_HOST]["previous_state"] is None
        assert first[DISABLED_HOST]["current_state"] == "DISABLED"
        assert self.seeded_reason in first[DISABLED_HOST]["reason"]
        for host in SERVER_HOSTS:
            assert first[host]["current_state"] in ("RUNNING", "PENDING_MAINTENANCE")
        assert first[SCRATCH_HOST]["current_state"] in ("EMPTY", "RUNNING")

        mark = len(self.get_dispatched_triggers())
        sensor.poll()
        assert self.changes(mark) == {}, "an unchanged state was dispatched again"

        marked = f"{PACK_MARKER} maintenance: it-hypervisor-sensor"
        try:
            set_disabled_reason(self.conn, service, marked)
            mark = len(self.get_dispatched_triggers())
            sensor.poll()
            by_pack = self.changes(mark)
        finally:
            set_disabled_reason(self.conn, service, self.seeded_reason)
        assert (
            compute_service(self.conn, DISABLED_HOST).disabled_reason
            == self.seeded_reason
        )
        assert set(by_pack) == {DISABLED_HOST}
        assert by_pack[DISABLED_HOST]["previous_state"] == "DISABLED"
        assert by_pack[DISABLED_HOST]["current_state"] == "DRAINED"
        assert marked in by_pack[DISABLED_HOST]["reason"]

        mark = len(self.get_dispatched_triggers())
        sensor.poll()
        restored = self.changes(mark)
        assert set(restored) == {DISABLED_HOST}
        assert restored[DISABLED_HOST]["previous_state"] == "DRAINED"
        assert restored[DISABLED_HOST]["current_state"] == "DISABLED"

        clock.advance(TTL + 1)
        mark = len(self.get_dispatched_triggers())
        sensor.poll()
        again = self.changes(mark)
        assert set(again) == set(WATCHED)
        assert all(p["previous_state"] is None for p in again.values())
        assert again[DISABLED_HOST]["current_state"] == "DISABLED"
        assert self.sensor_service.rejected_triggers == []
        stored = self.sensor_service.list_values(local=True, prefix="hypervisor.state.")
        assert {i.name.rsplit(".", 1)[-1] for i in stored} >= {"devcloud-hv1"}


class HypervisorDrainStatesTest(PackSensorTestCase):
    """DRAINING → DRAINED → EMPTY on the scratch host, with a server of our own."""

    sensor_cls = HypervisorStateSensorTest.sensor_cls
    conn: Connection

    @pytest.fixture(autouse=True)
    def _cloud(
        self, admin_conn: Connection, scratch_host: str, boot_server: Any
    ) -> None:
        self.conn = admin_conn
        self.host = scratch_host
        self.boot_server = boot_server

    def state_of(self, sensor: Any) -> dict[str, Any] | None:
        """Poll once; the scratch host's payload if its state changed."""
        mark = len(self.get_dispatched_triggers())
        sensor.poll()
        found = [
            item["payload"]
            for item in self.get_dispatched_triggers()[mark:]
            if item["payload"]["hypervisor_name"] == self.host
        ]
        assert len(found) <= 1
        return found[0] if found else None

    def test_pack_disable_with_servers_drains_then_empty(self) -> None:
        server = self.boot_server(self.host, label="sensor")
        service = compute_service(self.conn, self.host)
        sensor = self.get_sensor_instance(config=sensor_config())
        sensor.setup()
        first = self.state_of(sensor)
        assert first is not None and first["current_state"] == "RUNNING"

        marked = f"{PACK_MARKER} drain: it-hypervisor-sensor"
        try:
            self.conn.compute.disable_service(service, disabled_reason=marked)
            draining = self.state_of(sensor)
            assert draining is not None
            assert (draining["previous_state"], draining["current_state"]) == (
                "RUNNING",
                "DRAINING",
            )
            assert marked in draining["reason"]
            assert self.state_of(sensor) is None, "unchanged state dispatched"

            self.conn.compute.delete_server(server)
            self.conn.compute.wait_for_delete(server, wait=120)
            drained = self.state_of(sensor)
            assert drained is not None
            assert (drained["previous_state"], drained["current_state"]) == (
                "DRAINING",
                "DRAINED",
            )
        finally:
            self.conn.compute.enable_service(compute_service(self.conn, self.host))
        empty = self.state_of(sensor)
        assert empty is not None
        assert (empty["previous_state"], empty["current_state"]) == ("DRAINED", "EMPTY")
        assert self.sensor_service.rejected_triggers == []
