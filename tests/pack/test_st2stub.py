"""The test-only StackStorm stand-in behaves like StackStorm where the pack relies on it.

Skipped under a real StackStorm (``st2-run-pack-tests``): there the stand-in is not on
the path and the real classes are used.
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

st2common = pytest.importorskip("st2common")
if not getattr(st2common, "IS_ST2STUB", False):
    pytest.skip(
        "real StackStorm installed: the stand-in is not used", allow_module_level=True
    )

from st2common.runners.base_action import Action  # noqa: E402
from st2reactor.sensor.base import PollingSensor, Sensor  # noqa: E402
from st2tests.base import BaseActionTestCase, BaseSensorTestCase  # noqa: E402
from st2tests.mocks.action import MockActionService  # noqa: E402
from st2tests.mocks.datastore import ManualClock  # noqa: E402
from st2tests.mocks.pack import load_trigger_types  # noqa: E402
from st2tests.mocks.sensor import MockSensorService  # noqa: E402

STUB_DIR = Path(st2common.__file__).resolve().parents[1]
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


def _service(**kwargs: Any) -> MockActionService:
    """An action service of pack ``demo``, class ``Demo``."""
    return MockActionService(pack_name="demo", class_name="Demo", **kwargs)


# ---------------------------------------------------------------- datastore


def test_local_keys_are_namespaced_like_stackstorm() -> None:
    """``local=True`` stores ``<pack>.<Class>:<name>``; ``local=False`` the bare name."""
    service = _service()
    service.set_value("progress", "3")
    service.set_value("shared", "x", local=False)
    assert service.get_value("progress") == "3"
    assert service.get_value("demo.Demo:progress", local=False) == "3"
    assert service.get_value("shared") is None
    assert service.get_value("shared", local=False) == "x"
    other = MockActionService(pack_name="demo", class_name="Other")
    other._items = service._items  # same backing store, different class namespace
    assert other.get_value("progress") is None


def test_list_values_filters_by_prefix_and_returns_full_names() -> None:
    """``list_values`` honours local/prefix and returns KeyValuePair-like objects."""
    service = _service()
    service.set_value("campaign.a", "1")
    service.set_value("campaign.b", "2")
    service.set_value("other", "3")
    service.set_value("campaign.global", "4", local=False)
    local = service.list_values(prefix="campaign.")
    assert [(kvp.name, kvp.value) for kvp in local] == [
        ("demo.Demo:campaign.a", "1"),
        ("demo.Demo:campaign.b", "2"),
    ]
    assert len(service.list_values()) == 3
    assert [
        kvp.name for kvp in service.list_values(local=False, prefix="campaign.")
    ] == ["campaign.global"]
    assert len(service.list_values(local=False)) == 4


def test_ttl_expires_with_the_clock() -> None:
    """An item with a ttl disappears once the clock passes it."""
    clock = ManualClock()
    service = _service(clock=clock)
    service.set_value("lock", "held", ttl=10)
    service.set_value("keep", "forever")
    clock.advance(9)
    assert service.get_value("lock") == "held"
    assert service.list_values(prefix="lock")[0].ttl == 10
    clock.advance(1)
    assert service.get_value("lock") is None
    assert [kvp.name for kvp in service.list_values()] == ["demo.Demo:keep"]
    assert service.delete_value("lock") is False


def test_set_value_overwrites_and_clears_ttl() -> None:
    """Setting again without ttl makes the item permanent."""
    clock = ManualClock()
    service = _service(clock=clock)
    service.set_value("k", "1", ttl=5)
    service.set_value("k", "2")
    clock.advance(100)
    assert service.get_value("k") == "2"


def test_delete_value_reports_whether_it_existed() -> None:
    """``delete_value`` returns True once, then False."""
    service = _service()
    service.set_value("k", "v")
    assert service.delete_value("k") is True
    assert service.delete_value("k") is False
    assert service.get_value("k") is None


@pytest.mark.parametrize("value", [1, 2.5, True, None, {"a": 1}, ["x"]])
def test_values_must_be_strings(value: Any) -> None:
    """Non-string values are refused (serialise them explicitly)."""
    with pytest.raises(TypeError, match="must be a str"):
        _service().set_value("k", value)


@pytest.mark.parametrize("ttl", [0, -1, "10", 1.5, True])
def test_ttl_must_be_a_positive_integer(ttl: Any) -> None:
    """A ttl is whole seconds > 0."""
    with pytest.raises(ValueError, match="ttl"):
        _service().set_value("k", "v", ttl=ttl)


def test_only_the_system_scope_is_supported() -> None:
    """Like StackStorm's datastore service, other scopes raise ValueError."""
    service = _service()
    for call in (
        lambda: service.get_value("k", scope="user"),
        lambda: service.set_value("k", "v", scope="user"),
        lambda: service.delete_value("k", scope="user"),
    ):
        with pytest.raises(ValueError, match="Scope user is unsupported"):
            call()


def test_encrypted_values_need_decrypt() -> None:
    """``encrypt=True`` values read back masked unless ``decrypt=True``."""
    service = _service()
    service.set_value("password", "hunter2", encrypt=True)
    assert service.get_value("password") != "hunter2"
    assert "hunter2" not in service.get_value("password")
    assert service.get_value("password", decrypt=True) == "hunter2"
    kvp = service.list_values()[0]
    assert kvp.secret is True and "hunter2" not in kvp.value


def test_file_backed_store_survives_a_new_service(tmp_path: Path) -> None:
    """With ``path`` state persists across instances, ttl included."""
    path = tmp_path / "state" / "datastore.json"
    clock = ManualClock()
    first = _service(path=path, clock=clock)
    first.set_value("sent", json.dumps(["a@example.org"]))
    first.set_value("lock", "x", ttl=60)
    second = _service(path=path, clock=clock)
    assert json.loads(second.get_value("sent")) == ["a@example.org"]
    assert second.get_value("lock") == "x"
    clock.advance(60)
    assert second.get_value("lock") is None
    assert second.delete_value("sent") is True
    assert first.get_value("sent") is None  # the first instance re-reads the file


def test_file_backed_store_writes_atomically(tmp_path: Path) -> None:
    """The file is valid JSON, private, and no temporary files are left behind."""
    path = tmp_path / "datastore.json"
    service = _service(path=path)
    for index in range(5):
        service.set_value(f"k{index}", str(index))
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["items"]["demo.Demo:k4"]["value"] == "4"
    assert [p.name for p in tmp_path.iterdir()] == ["datastore.json"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_file_backed_store_is_shared_between_processes(tmp_path: Path) -> None:
    """A value written by another process (as by ./run_action.sh) is read back here."""
    path = tmp_path / "datastore.json"
    code = (
        "from st2tests.mocks.action import MockActionService\n"
        f"MockActionService(pack_name='demo', class_name='Demo', path={str(path)!r})"
        ".set_value('from_child', 'yes')\n"
    )
    env = {**os.environ, "PYTHONPATH": str(STUB_DIR)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    assert _service(path=path).get_value("from_child") == "yes"


# ---------------------------------------------------------------- dispatch


def _sensor_service() -> MockSensorService:
    """A sensor service that knows ``demo.server_state``."""
    return MockSensorService(
        pack_name="demo", class_name="DemoSensor", trigger_types=TRIGGERS
    )


def test_dispatch_records_valid_payloads() -> None:
    """A valid dispatch is recorded as (trigger, payload, trace_tag) and dict-style."""
    service = _sensor_service()
    service.dispatch(TRIGGER, {"server_id": "s1", "state": "ERROR"}, trace_tag="t1")
    assert service.rejected_triggers == []
    (record,) = service.dispatched_triggers
    trigger, payload, trace_tag = record
    assert (trigger, payload, trace_tag) == (
        TRIGGER,
        {"server_id": "s1", "state": "ERROR"},
        "t1",
    )
    assert record["trigger"] == TRIGGER and record["trace_context"] == "t1"


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
def test_dispatch_rejects_what_stackstorm_would_drop(
    trigger: str, payload: Any, reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Invalid dispatches are logged and recorded as rejected, never as dispatched."""
    service = _sensor_service()
    service.dispatch(trigger, payload)
    assert service.dispatched_triggers == []
    (rejected,) = service.rejected_triggers
    assert rejected.trigger == trigger and reason in rejected.reason
    assert "Failed to validate payload" in capsys.readouterr().err


def test_load_trigger_types_reads_the_sensor_yaml(tmp_path: Path) -> None:
    """Trigger types come from ``sensors/*.yaml`` with refs ``<pack>.<name>``."""
    _write_demo_pack(tmp_path)
    types = load_trigger_types(tmp_path)
    assert set(types) == {TRIGGER}
    assert types[TRIGGER]["payload_schema"]["properties"]["server_id"]["required"]


def test_sensor_service_logger_writes_to_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``get_logger`` returns a logger that StackStorm would show on stderr."""
    logger = _sensor_service().get_logger("poller")
    assert isinstance(logger, logging.Logger)
    logger.warning("hypervisor down")
    captured = capsys.readouterr()
    assert "hypervisor down" in captured.err and captured.out == ""


# ---------------------------------------------------------------- base classes


class _EchoAction(Action):
    """A minimal action for the base-class tests."""

    def run(self, **kwargs: Any) -> Any:
        """Return the parameters and a config value read with ``.get``."""
        return {"kwargs": kwargs, "region": self.config.get("region")}


def test_action_requires_run() -> None:
    """``run`` is abstract, as in StackStorm."""

    class NoRun(Action):
        pass

    with pytest.raises(TypeError):
        NoRun()  # type: ignore[abstract]


def test_action_config_raises_value_error_on_missing_key(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A missing config key raises ValueError; ``.get`` and ``in`` work; logs go to stderr."""
    action = _EchoAction(config={"region": "RegionOne"}, action_service=_service())
    assert action.run(x=1) == {"kwargs": {"x": 1}, "region": "RegionOne"}
    assert "clouds" not in action.config and action.config.get("clouds") is None
    with pytest.raises(ValueError, match="clouds"):
        action.config["clouds"]
    action.logger.info("running")
    assert "running" in capsys.readouterr().err
    assert _EchoAction().config == {}


def test_sensor_classes_are_abstract_and_poll_interval_settable() -> None:
    """Missing life-cycle methods prevent instantiation; poll interval is adjustable."""

    class Incomplete(Sensor):
        def run(self) -> None:
            pass

    with pytest.raises(TypeError):
        Incomplete(sensor_service=None)  # type: ignore[abstract]

    class Poller(PollingSensor):
        def setup(self) -> None: ...
        def poll(self) -> None: ...
        def cleanup(self) -> None: ...
        def add_trigger(self, trigger: dict[str, Any]) -> None: ...
        def update_trigger(self, trigger: dict[str, Any]) -> None: ...
        def remove_trigger(self, trigger: dict[str, Any]) -> None: ...

    poller = Poller(sensor_service=None, config={"a": 1})
    assert poller.get_poll_interval() == 5
    poller.set_poll_interval(30)
    assert poller.get_poll_interval() == 30
    assert poller.config["a"] == 1
    assert Poller(sensor_service=None, poll_interval=7).get_poll_interval() == 7


class TestBaseActionTestCase(BaseActionTestCase):
    """The stand-in's BaseActionTestCase used as pack tests use it."""

    action_cls = _EchoAction

    def test_instance_is_wired_to_a_fresh_action_service(self) -> None:
        """The instance gets the config and this test's (empty) service."""
        action = self.get_action_instance(config={"region": "r1"})
        self.assertIs(action.action_service, self.action_service)
        self.assertEqual(action.run()["region"], "r1")
        self.assertEqual(self.action_service.list_values(), [])
        action.action_service.set_value("k", "v")
        self.assertEqual(
            [k.name for k in self.action_service.list_values()],
            ["openstack_ops._EchoAction:k"],
        )


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


def test_base_sensor_test_case_validates_against_the_pack(tmp_path: Path) -> None:
    """BaseSensorTestCase finds the sensor's pack, its triggers, and asserts dispatches."""
    module_path = _write_demo_pack(tmp_path)
    spec = importlib.util.spec_from_file_location("demo_sensor_under_test", module_path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # as StackStorm's sensor container imports it
    try:
        spec.loader.exec_module(module)
        result = _run_demo_sensor_test(module.DemoSensor)
    finally:
        del sys.modules[spec.name]
    assert result["ok"], result["problems"]
    assert result["interval"] == 1
    assert [d.payload for d in result["dispatched"]] == [{"server_id": "s1"}]
    assert [r.payload for r in result["rejected"]] == [{"server_id": 1}]


def _run_demo_sensor_test(sensor_cls: type) -> dict[str, Any]:
    """Run a BaseSensorTestCase for ``sensor_cls``; return what it observed."""
    sensor_cls_ = sensor_cls
    outcomes: dict[str, Any] = {}

    class DemoSensorTest(BaseSensorTestCase):
        sensor_cls = sensor_cls_

        def test_poll(self) -> None:
            config = {"payloads": [{"server_id": "s1"}, {"server_id": 1}]}
            sensor = self.get_sensor_instance(config=config, poll_interval=1)
            sensor.poll()
            outcomes["interval"] = sensor.get_poll_interval()
            outcomes["dispatched"] = list(self.get_dispatched_triggers())
            outcomes["rejected"] = list(self.sensor_service.rejected_triggers)
            self.assertTriggerDispatched("demo.server_state", {"server_id": "s1"})
            with self.assertRaisesRegex(
                AssertionError, "hasn't been dispatched.*rejected"
            ):
                self.assertTriggerDispatched("demo.server_state", {"server_id": 1})

    result = unittest.TextTestRunner(stream=io.StringIO(), verbosity=0).run(
        unittest.defaultTestLoader.loadTestsFromTestCase(DemoSensorTest)
    )
    outcomes["ok"] = result.wasSuccessful()
    outcomes["problems"] = [text for _, text in result.failures + result.errors]
    return outcomes
