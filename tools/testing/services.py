"""Action and sensor services for the pack's tests, on st2tests' public mocks.

st2tests' ``MockActionService`` / ``MockSensorService`` use its plain mock datastore,
and the sensor mock records every dispatch unvalidated and logs to a ``Mock``.
StackStorm itself validates each payload against the trigger type's
``payload_schema`` and drops (and logs) what fails, and a sensor's logger is a real
one. The pack's services keep the mocks' API and records and add that:

- ``PackActionService(class_name)``: ``MockActionService`` of pack ``openstack_ops``
  over a ``DatastoreService`` (ttl, encryption, scopes);
- ``PackSensorService(class_name)``: ``MockSensorService`` that validates every
  dispatch against the pack's trigger types (``load_trigger_types``: the
  ``trigger_types`` of ``sensors/*.yaml``) as StackStorm's trigger dispatcher does,
  records refusals in ``rejected_triggers``, and gives real loggers;
- ``PackSensorTestCase``: st2tests' ``BaseSensorTestCase`` with that service.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import jsonschema
import yaml
from st2common.util.schema import CustomValidator, validate
from st2tests.base import BaseSensorTestCase
from st2tests.mocks.action import MockActionService, MockActionWrapper
from st2tests.mocks.sensor import MockSensorService, MockSensorWrapper

from tools.testing.datastore import DatastoreService

__all__ = [
    "PACK_DIR",
    "PACK_REF",
    "PackActionService",
    "PackSensorService",
    "PackSensorTestCase",
    "RejectedTrigger",
    "load_trigger_types",
]

PACK_DIR = Path(__file__).resolve().parents[2]
PACK_REF = "openstack_ops"


def load_trigger_types(
    pack_dir: str | os.PathLike[str] = PACK_DIR, pack_ref: str | None = None
) -> dict[str, dict[str, Any]]:
    """Trigger types declared by a pack's sensors, keyed by ``<pack>.<name>``.

    Parsed from ``sensors/*.yaml`` ``trigger_types`` as StackStorm registers them
    (the pack ref defaults to pack.yaml's ``ref``, else its ``name``); a trigger type
    may set its own ``pack``.
    """
    if pack_ref is None:
        meta = yaml.safe_load(Path(pack_dir, "pack.yaml").read_text(encoding="utf-8"))
        pack_ref = str(meta.get("ref") or meta["name"])
    result: dict[str, dict[str, Any]] = {}
    for path in sorted(Path(pack_dir, "sensors").glob("*.yaml")):
        meta = yaml.safe_load(path.read_text(encoding="utf-8"))
        for trigger in (meta or {}).get("trigger_types") or []:
            result[f"{trigger.get('pack') or pack_ref}.{trigger['name']}"] = trigger
    return result


class PackActionService(MockActionService):
    """st2tests' action service for class ``class_name`` of pack ``pack``, over a
    ``DatastoreService`` (a fresh one unless ``datastore`` is given)."""

    def __init__(
        self,
        class_name: str,
        datastore: DatastoreService | None = None,
        pack: str = PACK_REF,
    ) -> None:
        """Wire the mock service to the pack's datastore."""
        super().__init__(MockActionWrapper(pack=pack, class_name=class_name))
        self._datastore = datastore or DatastoreService(
            pack_name=pack, class_name=class_name
        )

    @property
    def datastore_service(self) -> DatastoreService:
        """The datastore the service's methods use."""
        return self._datastore


class RejectedTrigger(NamedTuple):
    """A ``dispatch`` StackStorm would have dropped, and why."""

    trigger: str
    payload: Any
    trace_context: Any
    reason: str


class PackSensorService(MockSensorService):
    """st2tests' sensor service that dispatches only what StackStorm would.

    ``trigger_types`` maps refs to trigger types (default: the pack's own);
    ``dispatched_triggers`` holds st2tests' records of the accepted dispatches,
    ``rejected_triggers`` the refused ones.
    """

    def __init__(
        self,
        class_name: str,
        trigger_types: Mapping[str, Mapping[str, Any]] | None = None,
        datastore: DatastoreService | None = None,
        pack: str = PACK_REF,
    ) -> None:
        """A service of sensor ``class_name`` with no dispatches yet."""
        super().__init__(MockSensorWrapper(pack=pack, class_name=class_name))
        if trigger_types is None:
            trigger_types = load_trigger_types()
        self.trigger_types = dict(trigger_types)
        self.rejected_triggers: list[RejectedTrigger] = []
        self._datastore = datastore or DatastoreService(
            pack_name=pack, class_name=class_name
        )
        self._sensor_logger = logging.getLogger(f"SensorWrapper.{pack}.{class_name}")

    @property
    def datastore_service(self) -> DatastoreService:
        """The datastore the service's methods use."""
        return self._datastore

    def get_logger(self, name: str) -> logging.Logger:
        """``SensorWrapper.<pack>.<class>.<name>``, as StackStorm names it."""
        return logging.getLogger(f"{self._sensor_logger.name}.{name}")

    def dispatch_with_context(
        self, trigger: str, payload: Any = None, trace_context: Any = None
    ) -> dict[str, Any] | None:
        """Record the dispatch if StackStorm would dispatch it; else log a warning,
        record it in ``rejected_triggers`` and return ``None``."""
        reason = self._rejection(trigger, payload)
        if reason is None:
            return super().dispatch_with_context(trigger, payload, trace_context)
        self._sensor_logger.warning(
            'Failed to validate payload (%r) for trigger "%s": %s',
            payload,
            trigger,
            reason,
        )
        self.rejected_triggers.append(
            RejectedTrigger(trigger, payload, trace_context, reason)
        )
        return None

    def _rejection(self, trigger: str, payload: Any) -> str | None:
        """Why StackStorm would not dispatch this, or ``None``.

        As ``validate_trigger_payload``: the trigger type must exist; its schema must
        pass StackStorm's meta-schema (``required`` a boolean per property, else EVERY
        payload is dropped); the payload must validate with defaults filled and
        ``default: None`` allowed (the payload itself is dispatched unchanged). The
        message bus then needs JSON.
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


class PackSensorTestCase(BaseSensorTestCase):
    """``BaseSensorTestCase`` whose ``self.sensor_service`` is a ``PackSensorService``
    (validated dispatches, real loggers, the pack's datastore)."""

    def setUp(self) -> None:
        """A fresh pack sensor service for ``sensor_cls``."""
        super().setUp()
        self.sensor_service = PackSensorService(self.sensor_cls.__name__)

    def assertTriggerDispatched(
        self, trigger: str, payload: Any = None, trace_context: Any = None
    ) -> bool:
        """st2tests' assertion, naming why matching dispatches were refused."""
        try:
            return super().assertTriggerDispatched(trigger, payload, trace_context)
        except AssertionError as error:
            reasons = [
                r.reason
                for r in self.sensor_service.rejected_triggers
                if r.trigger == trigger
            ]
            if reasons:
                raise AssertionError(f"{error}; rejected: {reasons}") from None
            raise
