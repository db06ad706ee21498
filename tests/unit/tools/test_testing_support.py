"""The pack's test support (tools/testing) on StackStorm's test API.

Runs on StackStorm's st2tests and on the stand-in alike: the datastore with
StackStorm's ttl, encryption and scope rules, the services wired to it, and the sensor
service that validates dispatches as StackStorm's trigger dispatcher does.
"""

from __future__ import annotations

import importlib.util
import io
import json
import logging
import os
import stat
import subprocess
import sys
import unittest
from pathlib import Path
from typing import Any

import pytest
from st2tests.mocks.action import MockActionService
from st2tests.mocks.datastore import MockDatastoreService
from st2tests.mocks.sensor import MockSensorService

from tools.testing import crypto
from tools.testing.datastore import DatastoreService, ManualClock
from tools.testing.services import (
    PackActionService,
    PackSensorService,
    PackSensorTestCase,
    load_trigger_types,
)

CHECKOUT = Path(__file__).resolve().parents[3]
TRIGGER = "demo.server_state"
TRIGGERS = {
    TRIGGER: {
        "name": "server_state",
        "description": "A server changed state.",
        "payload_schema": {
            "type": "object",
            "properties": {
                "server_id": {"type": "string", "required": True},
                "state": {"type": "string"},
            },
        },
    }
}


def _store(**kwargs: Any) -> DatastoreService:
    """The datastore of class ``Demo`` of pack ``demo``."""
    return DatastoreService(pack_name="demo", class_name="Demo", **kwargs)


# ---------------------------------------------------------------- datastore


def test_it_is_stackstorms_mock_with_its_key_names() -> None:
    """A MockDatastoreService subclass naming local keys ``<pack>.<Class>:<name>``."""
    store = _store()
    assert isinstance(store, MockDatastoreService)
    store.set_value("progress", "3")
    store.set_value("shared", "x", local=False)
    assert store.get_value("demo.Demo:progress", local=False) == "3"
    assert store.get_value("shared") is None
    assert [k.name for k in store.list_values(local=False)] == [
        "demo.Demo:progress",
        "shared",
    ]


def test_list_values_sorted_with_limit_and_offset() -> None:
    """Sorted by full name; ``limit`` and ``offset`` as the API applies them."""
    store = _store()
    for name in ("c", "a", "b"):
        store.set_value(name, name.upper())
    assert [k.value for k in store.list_values()] == ["A", "B", "C"]
    assert [k.value for k in store.list_values(limit=1, offset=1)] == ["B"]


def test_ttl_expires_with_the_clock() -> None:
    """An item with a ttl disappears once the clock passes it."""
    clock = ManualClock()
    store = _store(clock=clock)
    store.set_value("lock", "held", ttl=10)
    store.set_value("keep", "forever")
    clock.advance(9)
    assert store.get_value("lock") == "held"
    assert store.list_values(prefix="lock")[0].ttl == 10
    clock.advance(1)
    assert store.get_value("lock") is None
    assert [kvp.name for kvp in store.list_values()] == ["demo.Demo:keep"]
    assert store.delete_value("lock") is False


def test_set_value_overwrites_and_clears_ttl() -> None:
    """Setting again without ttl makes the item permanent."""
    clock = ManualClock()
    store = _store(clock=clock)
    store.set_value("k", "1", ttl=5)
    store.set_value("k", "2")
    clock.advance(100)
    assert store.get_value("k") == "2"


@pytest.mark.parametrize("value", [1, 2.5, True, None, {"a": 1}, ["x"]])
def test_values_must_be_strings(value: Any) -> None:
    """Non-string values are refused (StackStorm would store their str())."""
    with pytest.raises(TypeError, match="must be a str"):
        _store().set_value("k", value)


@pytest.mark.parametrize("ttl", [0, -1, "10", 1.5, True])
def test_ttl_must_be_a_positive_integer(ttl: Any) -> None:
    """A ttl is whole seconds > 0."""
    with pytest.raises(ValueError, match="ttl"):
        _store().set_value("k", "v", ttl=ttl)


def test_only_the_system_scope_is_supported() -> None:
    """Like StackStorm's datastore service, other scopes raise ValueError."""
    store = _store()
    for call in (
        lambda: store.get_value("k", scope="user"),
        lambda: store.set_value("k", "v", scope="user"),
        lambda: store.delete_value("k", scope="user"),
    ):
        with pytest.raises(ValueError, match="Scope user is unsupported"):
            call()


def test_encrypted_values_read_back_as_ciphertext_unless_decrypted() -> None:
    """``encrypt=True`` values come back as ciphertext unless ``decrypt=True``."""
    store = _store()
    store.set_value("password", "hunter2", encrypt=True)
    ciphertext = store.get_value("password")
    assert ciphertext is not None and "hunter2" not in ciphertext
    assert crypto.decrypt(ciphertext) == "hunter2"
    assert store.get_value("password", decrypt=True) == "hunter2"
    (kvp,) = store.list_values()
    assert kvp.secret is True and kvp.value == ciphertext


def test_file_backed_store_survives_a_new_service(tmp_path: Path) -> None:
    """With ``path`` state persists across instances, ttl included."""
    path = tmp_path / "state" / "datastore.json"
    clock = ManualClock()
    first = _store(path=path, clock=clock)
    first.set_value("sent", json.dumps(["a@example.org"]))
    first.set_value("lock", "x", ttl=60)
    second = _store(path=path, clock=clock)
    assert json.loads(second.get_value("sent") or "") == ["a@example.org"]
    assert second.get_value("lock") == "x"
    clock.advance(60)
    assert second.get_value("lock") is None
    assert second.delete_value("sent") is True
    assert first.get_value("sent") is None  # the first instance re-reads the file


def test_file_backed_store_writes_atomically(tmp_path: Path) -> None:
    """The file is valid JSON, private, and no temporary files are left behind."""
    path = tmp_path / "datastore.json"
    store = _store(path=path)
    for index in range(5):
        store.set_value(f"k{index}", str(index))
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["items"]["demo.Demo:k4"]["value"] == "4"
    assert [p.name for p in tmp_path.iterdir()] == ["datastore.json"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_file_backed_store_is_shared_between_processes(tmp_path: Path) -> None:
    """A value written by another process (as by ./run_action.sh) is read back here."""
    path = tmp_path / "datastore.json"
    code = (
        "from tools.testing.datastore import DatastoreService\n"
        f"DatastoreService(pack_name='demo', class_name='Demo', path={str(path)!r})"
        ".set_value('from_child', 'yes')\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=CHECKOUT)
    assert _store(path=path).get_value("from_child") == "yes"


# ---------------------------------------------------------------- services


def test_action_service_is_stackstorms_over_the_pack_datastore() -> None:
    """A MockActionService of pack openstack_ops whose methods use the datastore."""
    clock = ManualClock()
    datastore = DatastoreService(class_name="Echo", clock=clock)
    service = PackActionService("Echo", datastore)
    assert isinstance(service, MockActionService)
    assert service.datastore_service is datastore
    service.set_value("lock", "x", ttl=5)
    assert [k.name for k in service.list_values()] == ["openstack_ops.Echo:lock"]
    clock.advance(5)
    assert service.get_value("lock") is None


def _sensor_service() -> PackSensorService:
    """A sensor service that knows ``demo.server_state``."""
    return PackSensorService("DemoSensor", TRIGGERS, pack="demo")


def test_sensor_service_records_valid_dispatches_as_stackstorms_mock() -> None:
    """A valid dispatch is recorded as st2tests records it."""
    service = _sensor_service()
    assert isinstance(service, MockSensorService)
    service.dispatch(TRIGGER, {"server_id": "s1", "state": "ERROR"}, trace_tag="t1")
    assert service.rejected_triggers == []
    (record,) = service.dispatched_triggers
    assert record["trigger"] == TRIGGER
    assert record["payload"] == {"server_id": "s1", "state": "ERROR"}
    assert record["trace_context"].trace_tag == "t1"


@pytest.mark.parametrize(
    ("trigger", "payload", "reason"),
    [
        (TRIGGER, {"state": "ERROR"}, "'server_id' is a required property"),
        (TRIGGER, {"server_id": 42}, "server_id: 42 is not of type 'string'"),
        (TRIGGER, None, "None is not of type 'object'"),
        (TRIGGER, {"server_id": "s1", "when": object()}, "not JSON-serialisable"),
        ("demo.no_such_trigger", {"server_id": "s1"}, "unknown trigger type"),
        ("server_state", {"server_id": "s1"}, "unknown trigger type"),
    ],
    ids=[
        "missing-field",
        "wrong-type",
        "no-payload",
        "not-json",
        "unknown-ref",
        "bare-name",
    ],
)
def test_sensor_service_drops_what_stackstorm_would_drop(
    trigger: str, payload: Any, reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Invalid dispatches are logged and recorded as rejected, never as dispatched."""
    service = _sensor_service()
    with caplog.at_level(logging.WARNING):
        assert service.dispatch(trigger, payload) is None
    assert service.dispatched_triggers == []
    (rejected,) = service.rejected_triggers
    assert rejected.trigger == trigger and reason in rejected.reason
    assert "Failed to validate payload" in caplog.text


def test_sensor_service_loggers_are_real_and_named_like_stackstorms(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """``get_logger`` gives ``SensorWrapper.<pack>.<class>.<name>``, which logs."""
    logger = _sensor_service().get_logger("poller")
    assert logger.name == "SensorWrapper.demo.DemoSensor.poller"
    with caplog.at_level(logging.INFO):
        logger.warning("hypervisor down")
    assert "hypervisor down" in caplog.text


def test_sensor_service_knows_the_pack_triggers_by_default() -> None:
    """Without ``trigger_types`` the pack's own sensors' trigger types are used."""
    assert set(PackSensorService("S").trigger_types) == {
        "openstack_ops.hypervisor.state_change",
        "openstack_ops.jupyter.inactive_users",
    }


def _write_demo_pack(root: Path) -> Path:
    """A tiny pack ``demo`` with one polling sensor; returns the sensor module path."""
    (root / "pack.yaml").write_text("ref: demo\nname: demo\n", encoding="utf-8")
    (root / "sensors").mkdir()
    (root / "sensors" / "demo.yaml").write_text(
        "class_name: DemoSensor\n"
        "entry_point: demo_sensor.py\n"
        "poll_interval: 30\n"
        "trigger_types:\n"
        "  - name: server_state\n"
        "    description: A server changed state.\n"
        "    payload_schema:\n"
        "      type: object\n"
        "      properties:\n"
        "        server_id: {type: string, required: true}\n",
        encoding="utf-8",
    )
    module = root / "sensors" / "demo_sensor.py"
    module.write_text(
        "from st2reactor.sensor.base import PollingSensor\n\n\n"
        "class DemoSensor(PollingSensor):\n"
        "    def setup(self): pass\n"
        "    def poll(self):\n"
        "        for payload in self.config.get('payloads', []):\n"
        "            self.sensor_service.dispatch('demo.server_state', payload)\n"
        "    def cleanup(self): pass\n"
        "    def add_trigger(self, trigger): pass\n"
        "    def update_trigger(self, trigger): pass\n"
        "    def remove_trigger(self, trigger): pass\n",
        encoding="utf-8",
    )
    return module


def test_load_trigger_types_reads_the_sensor_yaml(tmp_path: Path) -> None:
    """Trigger types come from ``sensors/*.yaml`` with refs ``<pack>.<name>``."""
    _write_demo_pack(tmp_path)
    types = load_trigger_types(tmp_path)
    assert set(types) == {TRIGGER}
    assert types[TRIGGER]["payload_schema"]["properties"]["server_id"]["required"]


def test_pack_sensor_test_case_validates_and_names_rejections(tmp_path: Path) -> None:
    """PackSensorTestCase: the pack's service, and refusals named in the assertion."""
    module_path = _write_demo_pack(tmp_path)
    spec = importlib.util.spec_from_file_location("demo_sensor_under_test", module_path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    outcomes: dict[str, Any] = {}

    class DemoSensorTest(PackSensorTestCase):
        sensor_cls = module.DemoSensor

        def setUp(self) -> None:
            super().setUp()
            self.sensor_service = PackSensorService(
                "DemoSensor", load_trigger_types(tmp_path), pack="demo"
            )

        def test_poll(self) -> None:
            config = {"payloads": [{"server_id": "s1"}, {"server_id": 1}]}
            sensor = self.get_sensor_instance(config=config, poll_interval=1)
            sensor.poll()
            outcomes["dispatched"] = [
                d["payload"] for d in self.get_dispatched_triggers()
            ]
            outcomes["rejected"] = [
                r.payload for r in self.sensor_service.rejected_triggers
            ]
            self.assertTriggerDispatched(TRIGGER, {"server_id": "s1"})
            with self.assertRaisesRegex(
                AssertionError, "hasn't been dispatched.*rejected"
            ):
                self.assertTriggerDispatched(TRIGGER, {"server_id": 1})

    result = unittest.TextTestRunner(stream=io.StringIO(), verbosity=0).run(
        unittest.defaultTestLoader.loadTestsFromTestCase(DemoSensorTest)
    )
    assert result.wasSuccessful(), [text for _, text in result.failures + result.errors]
    assert outcomes == {
        "dispatched": [{"server_id": "s1"}],
        "rejected": [{"server_id": 1}],
    }
