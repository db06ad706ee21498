"""The sensor service: datastore, loggers and validated trigger dispatch."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import jsonschema
from st2common._stub import stderr_logger
from st2common.util.schema import CustomValidator, validate
from st2tests.mocks.datastore import MockDatastoreService
from st2tests.mocks.pack import load_trigger_types

__all__ = [
    "DispatchedTrigger",
    "MockSensorService",
    "RejectedTrigger",
    "SensorService",
    "load_trigger_types",
]


class DispatchedTrigger(NamedTuple):
    """One ``dispatch`` call: a ``(trigger, payload, trace_tag)`` tuple.

    Also readable as StackStorm's st2tests records it, ``item["trigger"]``,
    ``item["payload"]`` and ``item["trace_context"]`` (here: the trace tag).
    """

    trigger: str
    payload: Any
    trace_tag: str | None

    def __getitem__(self, key: Any) -> Any:  # type: ignore[override]
        """Index by position like a tuple, or by st2tests' dict keys."""
        if isinstance(key, str):
            field = "trace_tag" if key == "trace_context" else key
            if field not in self._fields:
                raise KeyError(key)
            return getattr(self, field)
        return tuple.__getitem__(self, key)


class RejectedTrigger(NamedTuple):
    """A ``dispatch`` call that StackStorm would not have dispatched, and why."""

    trigger: str
    payload: Any
    trace_tag: str | None
    reason: str


class MockSensorService(MockDatastoreService):
    """``self.sensor_service`` of a sensor.

    ``trigger_types`` maps refs (``<pack>.<name>``) to trigger type definitions (with
    an optional ``payload_schema``); ``load_trigger_types(pack_dir)`` builds it from
    ``sensors/*.yaml``. ``dispatch`` validates like StackStorm and records accepted
    calls in ``dispatched_triggers`` and refused ones in ``rejected_triggers``.
    """

    def __init__(
        self,
        pack_name: str = "tests",
        class_name: str = "Unknown",
        trigger_types: Mapping[str, Mapping[str, Any]] | None = None,
        path: str | os.PathLike[str] | None = None,
        clock: Callable[[], float] | None = None,
        logger: logging.Logger | None = None,
    ) -> None:
        """Create the service for sensor ``class_name`` of pack ``pack_name``."""
        logger = logger or stderr_logger(f"sensors.{class_name}")
        super().__init__(
            logger=logger,
            pack_name=pack_name,
            class_name=class_name,
            path=path,
            clock=clock,
        )
        self.trigger_types: dict[str, Mapping[str, Any]] = dict(trigger_types or {})
        self.dispatched_triggers: list[DispatchedTrigger] = []
        self.rejected_triggers: list[RejectedTrigger] = []

    def get_logger(self, name: str) -> logging.Logger:
        """A logger for the sensor, writing to stderr like StackStorm's."""
        return stderr_logger(f"{self._logger.name}.{name}")

    def dispatch(
        self, trigger: str, payload: Any = None, trace_tag: str | None = None
    ) -> None:
        """Dispatch ``trigger`` with ``payload`` if StackStorm would accept it.

        An unknown trigger ref, a payload that does not match the trigger type's
        ``payload_schema`` or a payload that is not JSON-serialisable is logged and
        recorded in ``rejected_triggers`` instead.
        """
        reason = self._rejection_reason(trigger, payload)
        if reason is not None:
            self._logger.warning(
                'Failed to validate payload (%r) for trigger "%s": %s',
                payload,
                trigger,
                reason,
            )
            self.rejected_triggers.append(
                RejectedTrigger(trigger, payload, trace_tag, reason)
            )
            return
        self._logger.debug("Dispatching trigger %s", trigger)
        self.dispatched_triggers.append(DispatchedTrigger(trigger, payload, trace_tag))

    def _rejection_reason(self, trigger: str, payload: Any) -> str | None:
        """Why StackStorm would refuse this dispatch, or ``None`` when it is fine.

        As StackStorm's ``validate_trigger_payload``: the schema must pass the custom
        meta-schema (``required`` a boolean per property; otherwise EVERY payload is
        dropped), then the payload must validate with defaults filled and
        ``default: None`` allowed. The payload itself is dispatched unchanged.
        """
        trigger_type = self.trigger_types.get(trigger)
        if trigger_type is None:
            known = ", ".join(sorted(self.trigger_types)) or "none"
            return f"unknown trigger type {trigger!r} (known: {known})"
        try:
            json.dumps(payload)
        except (TypeError, ValueError) as exc:
            return f"payload is not JSON-serialisable: {exc}"
        schema = trigger_type.get("payload_schema")
        if not schema:
            return None
        try:
            validate(
                payload,
                schema,
                cls=CustomValidator,
                use_default=True,
                allow_default_none=True,
            )
        except jsonschema.SchemaError as exc:
            where = ".".join(str(p) for p in exc.path) or "(schema)"
            return (
                f"payload_schema is invalid for StackStorm at {where}: {exc.message} "
                "(validation is enabled, not dispatching)"
            )
        except jsonschema.ValidationError as exc:
            where = ".".join(str(p) for p in exc.absolute_path) or "payload"
            return f"{where}: {exc.message}"
        except Exception as exc:  # StackStorm drops the trigger on any error too
            return f"{type(exc).__name__}: {exc}"
        return None


#: The name the pack's design documents use.
SensorService = MockSensorService
