"""Stand-in for ``st2tests.base``: ``BaseActionTestCase`` and ``BaseSensorTestCase``.

Method names follow the real st2tests, so the pack's tests run unchanged under
``st2-run-pack-tests``. The pack is found from the file that defines ``action_cls`` /
``sensor_cls`` (the nearest directory with a ``pack.yaml``); its ref names the local
datastore namespace and its sensors' trigger types are what ``dispatch`` validates
against.
"""

from __future__ import annotations

import inspect
import unittest
from pathlib import Path
from typing import Any, ClassVar

from st2tests.mocks.action import MockActionService
from st2tests.mocks.pack import find_pack_dir, load_trigger_types, read_pack_ref
from st2tests.mocks.sensor import DispatchedTrigger, MockSensorService

__all__ = ["BaseActionTestCase", "BaseSensorTestCase"]


def _pack_of(cls: type) -> tuple[str, Path | None]:
    """The ref and directory of the pack that defines ``cls`` (``"tests"`` if none)."""
    try:
        pack_dir = find_pack_dir(Path(inspect.getfile(cls)).parent)
    except (TypeError, OSError):
        pack_dir = None
    if pack_dir is None:
        return "tests", None
    return read_pack_ref(pack_dir), pack_dir


class BaseActionTestCase(unittest.TestCase):
    """Base class of action tests; set ``action_cls`` to the action class."""

    action_cls: ClassVar[type | None] = None

    def setUp(self) -> None:
        """Give every test a fresh in-memory action service."""
        super().setUp()
        if self.action_cls is None:
            raise ValueError(f"{type(self).__name__}.action_cls is not set")
        pack_name, _ = _pack_of(self.action_cls)
        self.action_service = MockActionService(
            pack_name=pack_name, class_name=self.action_cls.__name__
        )

    def get_action_instance(self, config: dict[str, Any] | None = None) -> Any:
        """An instance of ``action_cls`` with ``config`` and this test's service."""
        assert self.action_cls is not None
        return self.action_cls(config=config, action_service=self.action_service)


class BaseSensorTestCase(unittest.TestCase):
    """Base class of sensor tests; set ``sensor_cls`` to the sensor class."""

    sensor_cls: ClassVar[type | None] = None

    def setUp(self) -> None:
        """Give every test a fresh sensor service knowing the pack's trigger types."""
        super().setUp()
        if self.sensor_cls is None:
            raise ValueError(f"{type(self).__name__}.sensor_cls is not set")
        pack_name, pack_dir = _pack_of(self.sensor_cls)
        self.sensor_service = MockSensorService(
            pack_name=pack_name,
            class_name=self.sensor_cls.__name__,
            trigger_types=load_trigger_types(pack_dir) if pack_dir else {},
        )

    def get_sensor_instance(
        self, config: dict[str, Any] | None = None, poll_interval: float | None = None
    ) -> Any:
        """An instance of ``sensor_cls`` wired to this test's sensor service."""
        assert self.sensor_cls is not None
        kwargs: dict[str, Any] = {"sensor_service": self.sensor_service}
        if config:
            kwargs["config"] = config
        if poll_interval is not None:
            kwargs["poll_interval"] = poll_interval
        return self.sensor_cls(**kwargs)

    def get_dispatched_triggers(self) -> list[DispatchedTrigger]:
        """Every accepted ``dispatch`` call, oldest first."""
        return self.sensor_service.dispatched_triggers

    def get_last_dispatched_trigger(self) -> DispatchedTrigger:
        """The most recent accepted ``dispatch`` call."""
        return self.sensor_service.dispatched_triggers[-1]

    def assertTriggerDispatched(
        self, trigger: str, payload: Any = None, trace_context: Any = None
    ) -> bool:
        """Fail unless ``trigger`` was dispatched (with ``payload``, when given)."""
        for item in self.get_dispatched_triggers():
            if item.trigger != trigger:
                continue
            if payload and item.payload != payload:
                continue
            if trace_context and item.trace_tag != trace_context:
                continue
            return True
        rejected = [
            r for r in self.sensor_service.rejected_triggers if r.trigger == trigger
        ]
        hint = f"; rejected: {[r.reason for r in rejected]}" if rejected else ""
        raise AssertionError(f'Trigger "{trigger}" hasn\'t been dispatched{hint}')
