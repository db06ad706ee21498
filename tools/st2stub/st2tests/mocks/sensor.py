"""Stand-in for ``st2tests.mocks.sensor``: the sensor service of sensor tests."""

from __future__ import annotations

import logging
from typing import Any
from unittest.mock import Mock

from st2common.models.api.trace import TraceContext
from st2tests.mocks.datastore import MockDatastoreService
from st2tests.mocks.datastore import _DatastoreMethods as _SensorService

__all__ = ["MockSensorService", "MockSensorWrapper"]


class MockSensorWrapper:
    """What the sensor service knows of the running sensor: pack and class name."""

    def __init__(self, pack: str, class_name: str) -> None:
        """Name the sensor's pack and class."""
        self._pack = pack
        self._class_name = class_name


class MockSensorService(_SensorService):
    """``self.sensor_service`` of a sensor under test.

    ``dispatch`` records every call in ``dispatched_triggers`` as
    ``{"trigger", "payload", "trace_context"}`` without validating anything;
    ``get_logger`` returns one ``Mock`` logger; the datastore methods use a
    ``MockDatastoreService`` local to the wrapper's pack and class.
    """

    def __init__(self, sensor_wrapper: MockSensorWrapper) -> None:
        """A service with no dispatches and an empty datastore."""
        self._sensor_wrapper = sensor_wrapper
        self._logger = Mock(spec=logging.RootLogger)
        self.dispatched_triggers: list[dict[str, Any]] = []
        self._datastore_service = MockDatastoreService(
            logger=self._logger,
            pack_name=sensor_wrapper._pack,
            class_name=sensor_wrapper._class_name,
        )

    @property
    def datastore_service(self) -> Any:
        """The datastore the service's methods use."""
        return self._datastore_service

    def get_logger(self, name: str) -> Any:
        """The service's ``Mock`` logger, whatever ``name``."""
        return self._logger

    def dispatch(
        self, trigger: str, payload: Any = None, trace_tag: str | None = None
    ) -> dict[str, Any]:
        """Record ``trigger`` with ``payload`` (and a trace context for the tag)."""
        trace_context = TraceContext(trace_tag=trace_tag) if trace_tag else None
        return self.dispatch_with_context(
            trigger=trigger, payload=payload, trace_context=trace_context
        )

    def dispatch_with_context(
        self, trigger: str, payload: Any = None, trace_context: Any = None
    ) -> dict[str, Any]:
        """Record one dispatch and return the record."""
        item = {"trigger": trigger, "payload": payload, "trace_context": trace_context}
        self.dispatched_triggers.append(item)
        return item
