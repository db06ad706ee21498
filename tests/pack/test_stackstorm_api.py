"""StackStorm's pack-test API behaves as the pack's tests rely on it.

Runs unchanged against StackStorm's own st2common/st2reactor/st2tests (under
``st2-run-pack-tests`` and the real-StackStorm tier) and against the stand-in in
``tools/st2stub`` otherwise, so each assertion here is a fact about StackStorm that the
stand-in must reproduce (the tier also compares the two APIs name by name).
"""

from __future__ import annotations

from typing import Any

import pytest
from pytest_mock import MockerFixture
from st2common.runners.base_action import Action
from st2common.runners.utils import PackConfigDict
from st2reactor.sensor.base import PollingSensor, Sensor
from st2tests.base import BaseActionTestCase, BaseSensorTestCase
from st2tests.mocks.action import MockActionService, MockActionWrapper
from st2tests.mocks.datastore import MockDatastoreService
from st2tests.mocks.sensor import MockSensorService, MockSensorWrapper


class _EchoAction(Action):
    """A minimal action."""

    def run(self, **kwargs: Any) -> Any:
        """The parameters and a config value read with ``.get``."""
        return {"kwargs": kwargs, "region": self.config.get("region")}


class _Poller(PollingSensor):
    """A minimal polling sensor that dispatches its config's payloads."""

    def setup(self) -> None: ...
    def cleanup(self) -> None: ...
    def add_trigger(self, trigger: dict[str, Any]) -> None: ...
    def update_trigger(self, trigger: dict[str, Any]) -> None: ...
    def remove_trigger(self, trigger: dict[str, Any]) -> None: ...

    def poll(self) -> None:
        """Dispatch ``demo.t`` with each configured payload."""
        for payload in self.config.get("payloads", []):
            self.sensor_service.dispatch("demo.t", payload)


def _datastore(mocker: MockerFixture) -> MockDatastoreService:
    """The mock datastore of class ``Demo`` of pack ``demo``."""
    return MockDatastoreService(
        logger=mocker.Mock(), pack_name="demo", class_name="Demo"
    )


# ---------------------------------------------------------------- datastore mock


def test_local_keys_are_named_pack_class_name(mocker: MockerFixture) -> None:
    """``local=True`` stores ``<pack>.<Class>:<name>``; ``local=False`` the bare name."""
    store = _datastore(mocker)
    store.set_value("progress", "3")
    store.set_value("shared", "x", local=False)
    assert store.get_value("progress") == "3"
    assert store.get_value("demo.Demo:progress", local=False) == "3"
    assert store.get_value("shared") is None
    assert store.get_value("shared", local=False) == "x"


def test_list_values_filters_by_prefix_and_returns_full_names(
    mocker: MockerFixture,
) -> None:
    """Items with the full name, local or global, optionally by prefix."""
    store = _datastore(mocker)
    for name, value in (("campaign.a", "1"), ("campaign.b", "2"), ("other", "3")):
        store.set_value(name, value)
    store.set_value("campaign.global", "4", local=False)
    local = store.list_values(prefix="campaign.")
    assert [(kvp.name, kvp.value) for kvp in local] == [
        ("demo.Demo:campaign.a", "1"),
        ("demo.Demo:campaign.b", "2"),
    ]
    assert len(store.list_values()) == 3
    assert [k.name for k in store.list_values(local=False, prefix="campaign.")] == [
        "campaign.global"
    ]
    assert len(store.list_values(local=False)) == 4


def test_the_mock_keeps_values_as_given_and_does_not_expire_them(
    mocker: MockerFixture,
) -> None:
    """No ttl, no encryption, no str(): what the pack's DatastoreService adds."""
    logger = mocker.Mock()
    store = MockDatastoreService(logger=logger, pack_name="demo", class_name="Demo")
    store.set_value("n", 3)  # type: ignore[arg-type]
    store.set_value("lock", "held", ttl=1)
    store.set_value("password", "hunter2", encrypt=True)
    assert store.get_value("n") == 3
    assert store.get_value("lock") == "held"
    assert store.get_value("password") == "hunter2"
    assert [k.ttl for k in store.list_values(prefix="lock")] == [1]
    logger.warning.assert_called_once()  # "not able to expire keys based on ttl"


def test_delete_value_reports_whether_it_existed(mocker: MockerFixture) -> None:
    """``delete_value`` returns True once, then False."""
    store = _datastore(mocker)
    store.set_value("k", "v")
    assert store.delete_value("k") is True
    assert store.delete_value("k") is False
    assert store.get_value("k") is None


# ---------------------------------------------------------------- services


def test_action_service_forwards_to_its_datastore() -> None:
    """The action service's datastore methods use ``datastore_service``."""
    service = MockActionService(action_wrapper=MockActionWrapper("demo", "Demo"))
    service.set_value("k", "v")
    assert service.datastore_service.get_value("demo.Demo:k", local=False) == "v"
    assert [k.name for k in service.list_values()] == ["demo.Demo:k"]
    assert service.delete_value("k") is True


def test_sensor_service_records_every_dispatch_unvalidated() -> None:
    """Records are dicts; a trace tag becomes a trace context; nothing is refused."""
    service = MockSensorService(sensor_wrapper=MockSensorWrapper("demo", "DemoSensor"))
    service.dispatch("no.such.trigger", {"anything": object()})
    service.dispatch("demo.t", {"x": 1}, trace_tag="t1")
    first, second = service.dispatched_triggers
    assert first["trigger"] == "no.such.trigger" and first["trace_context"] is None
    assert second["payload"] == {"x": 1}
    assert second["trace_context"].trace_tag == "t1"
    assert service.get_logger("a") is service.get_logger("b")


# ---------------------------------------------------------------- base classes


def test_action_requires_run() -> None:
    """``run`` is abstract."""

    class NoRun(Action):
        pass

    with pytest.raises(TypeError):
        NoRun()  # type: ignore[abstract]


def test_action_config_raises_value_error_on_a_missing_key() -> None:
    """``self.config`` is a PackConfigDict: a missing key is a ValueError naming it."""
    action = _EchoAction(config={"region": "RegionOne"})
    assert isinstance(action.config, PackConfigDict)
    assert action.run(x=1) == {"kwargs": {"x": 1}, "region": "RegionOne"}
    assert "clouds" not in action.config and action.config.get("clouds") is None
    with pytest.raises(ValueError, match="clouds"):
        action.config["clouds"]
    assert _EchoAction().config == {}
    assert action.logger.name == "st2.actions.python._EchoAction"


def test_sensor_classes_are_abstract_and_config_is_a_plain_dict() -> None:
    """Missing life-cycle methods prevent instantiation; the poll interval is
    adjustable; a sensor's config is the dict given (KeyError on a missing key)."""

    class Incomplete(Sensor):
        def run(self) -> None:
            pass

    with pytest.raises(TypeError):
        Incomplete(sensor_service=None)  # type: ignore[abstract]
    poller = _Poller(sensor_service=None, config={"a": 1})
    assert poller.get_poll_interval() == 5
    poller.set_poll_interval(30)
    assert poller.get_poll_interval() == 30
    assert poller.config == {"a": 1}
    with pytest.raises(KeyError):
        poller.config["b"]
    assert _Poller(sensor_service=None, poll_interval=7).get_poll_interval() == 7


class TestBaseActionTestCase(BaseActionTestCase):
    """BaseActionTestCase as pack tests use it."""

    action_cls = _EchoAction

    def test_instance_is_wired_to_a_fresh_service_of_pack_tests(self) -> None:
        """The instance gets the config and this test's (empty) service; local keys
        are in pack ``tests`` (StackStorm does not look the pack up)."""
        action = self.get_action_instance(config={"region": "r1"})
        self.assertIs(action.action_service, self.action_service)
        self.assertEqual(action.run()["region"], "r1")
        self.assertEqual(self.action_service.list_values(), [])
        action.action_service.set_value("k", "v")
        names = [k.name for k in self.action_service.list_values()]
        self.assertEqual(names, ["tests._EchoAction:k"])


class TestBaseSensorTestCase(BaseSensorTestCase):
    """BaseSensorTestCase as pack tests use it."""

    sensor_cls = _Poller

    def test_dispatches_are_asserted(self) -> None:
        """``assertTriggerDispatched`` matches trigger and payload."""
        config = {"payloads": [{"server_id": "s1"}, {"server_id": 1}]}
        sensor = self.get_sensor_instance(config=config, poll_interval=1)
        sensor.poll()
        self.assertEqual(sensor.get_poll_interval(), 1)
        self.assertTrue(self.assertTriggerDispatched("demo.t", {"server_id": "s1"}))
        self.assertEqual(
            self.get_last_dispatched_trigger()["payload"], {"server_id": 1}
        )
        self.assertEqual(len(self.get_dispatched_triggers()), 2)
        with self.assertRaisesRegex(AssertionError, "hasn't been dispatched"):
            self.assertTriggerDispatched("demo.t", {"server_id": "s2"})
