"""Stand-in for ``st2tests.sensors``: ``BaseSensorTestCase``."""

from __future__ import annotations

from typing import Any, ClassVar

from st2tests.mocks.sensor import MockSensorService, MockSensorWrapper
from st2tests.pack_resource import BasePackResourceTestCase

__all__ = ["BaseSensorTestCase"]


class BaseSensorTestCase(BasePackResourceTestCase):
    """Base class of sensor tests; set ``sensor_cls`` to the sensor class.

    Every test gets a fresh ``self.sensor_service`` of pack ``"tests"``, which records
    dispatches without validating them.
    """

    sensor_cls: ClassVar[Any] = None

    def setUp(self) -> None:
        """A fresh sensor service for ``sensor_cls``."""
        super().setUp()
        wrapper = MockSensorWrapper(pack="tests", class_name=self.sensor_cls.__name__)
        self.sensor_service = MockSensorService(sensor_wrapper=wrapper)

    def get_sensor_instance(
        self, config: dict[str, Any] | None = None, poll_interval: float | None = None
    ) -> Any:
        """An instance of ``sensor_cls`` wired to this test's sensor service."""
        kwargs: dict[str, Any] = {"sensor_service": self.sensor_service}
        if config:
            kwargs["config"] = config
        if poll_interval is not None:
            kwargs["poll_interval"] = poll_interval
        return self.sensor_cls(**kwargs)

    def get_dispatched_triggers(self) -> list[dict[str, Any]]:
        """Every ``dispatch`` call, oldest first."""
        return self.sensor_service.dispatched_triggers

    def get_last_dispatched_trigger(self) -> dict[str, Any]:
        """The most recent ``dispatch`` call."""
        return self.sensor_service.dispatched_triggers[-1]

    def assertTriggerDispatched(
        self, trigger: str, payload: Any = None, trace_context: Any = None
    ) -> bool:
        """``True`` if ``trigger`` was dispatched (with ``payload`` and
        ``trace_context``, when given and truthy); ``AssertionError`` otherwise."""
        for item in self.get_dispatched_triggers():
            if (
                item["trigger"] == trigger
                and (not payload or item["payload"] == payload)
                and (not trace_context or item["trace_context"] == trace_context)
            ):
                return True
        raise AssertionError(f'Trigger "{trigger}" hasn\'t been dispatched')
