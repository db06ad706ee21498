"""Stand-in for ``st2reactor.sensor.base``: ``Sensor`` and ``PollingSensor``.

As in StackStorm the life-cycle methods are abstract, so a sensor that does not
implement all of them cannot be instantiated, and ``self.config`` is the plain dict
given (an absent key raises ``KeyError``; use ``.get``).
"""

from __future__ import annotations

import abc
import time
from typing import Any

__all__ = ["PollingSensor", "Sensor"]


class BaseSensor(abc.ABC):
    """Common base of passive and polling sensors."""

    def __init__(self, sensor_service: Any, config: dict[str, Any] | None = None):
        """Keep the sensor service (datastore, logger, dispatch) and the pack config."""
        self._sensor_service = sensor_service
        self.sensor_service = sensor_service
        self._config: dict[str, Any] = config or {}
        self.config = self._config

    @abc.abstractmethod
    def setup(self) -> None:
        """Initialise the sensor (called once before ``run``)."""

    @abc.abstractmethod
    def run(self) -> None:
        """Run the sensor (a passive sensor's main loop)."""

    @abc.abstractmethod
    def cleanup(self) -> None:
        """Release resources (called on shutdown)."""

    @abc.abstractmethod
    def add_trigger(self, trigger: dict[str, Any]) -> None:
        """React to a trigger of this sensor's types being created."""

    @abc.abstractmethod
    def update_trigger(self, trigger: dict[str, Any]) -> None:
        """React to a trigger of this sensor's types being updated."""

    @abc.abstractmethod
    def remove_trigger(self, trigger: dict[str, Any]) -> None:
        """React to a trigger of this sensor's types being deleted."""


class Sensor(BaseSensor):
    """Base class of passive sensors, which implement ``run`` themselves."""

    @abc.abstractmethod
    def run(self) -> None:
        """Run until the sensor container stops the sensor."""


class PollingSensor(BaseSensor):
    """Base class of polling sensors: ``run`` calls ``poll`` every ``poll_interval`` s.

    The default interval is StackStorm's (5 s); the sensor YAML's ``poll_interval``
    overrides it in StackStorm.
    """

    def __init__(
        self,
        sensor_service: Any,
        config: dict[str, Any] | None = None,
        poll_interval: float = 5,
    ) -> None:
        """Keep the poll interval besides the base sensor's state."""
        super().__init__(sensor_service=sensor_service, config=config)
        self._poll_interval = poll_interval

    @abc.abstractmethod
    def poll(self) -> None:
        """Check the external system once and dispatch triggers for what changed."""

    def run(self) -> None:
        """Poll forever; an exception escaping ``poll`` ends the loop (and the sensor)."""
        while True:
            self.poll()
            time.sleep(self._poll_interval)

    def get_poll_interval(self) -> float:
        """Current poll interval in seconds."""
        return self._poll_interval

    def set_poll_interval(self, poll_interval: float) -> None:
        """Change the poll interval (seconds)."""
        self._poll_interval = poll_interval
