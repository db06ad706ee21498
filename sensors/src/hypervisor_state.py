"""Polling sensor: dispatch ``openstack_ops.hypervisor.state_change`` when a
hypervisor's life-cycle state changes.

Thin by design: each poll opens a connection for ``hypervisor_sensor.cloud_account``,
reads every hypervisor in one listing and hands over to
``hypervisor_lifecycle.poll`` (classification in ``hypervisor_lifecycle.states``).
A failing poll is logged as one ERROR line in the actions' failure contract (the
cloud_account, the endpoint and the cause, e.g. ``cloud_account 'prod': connection
refused (http://...)``; a config error names the key), secrets masked, and retried at
the next interval; no exception escapes ``poll()`` (that would kill the sensor
process). Only a bug in the pack logs a traceback.
"""

from __future__ import annotations

import os
import sys
import traceback
from datetime import UTC, datetime
from typing import Any

# StackStorm adds <pack>/lib only with [packs] enable_common_libs; do it ourselves.
_LIB = os.path.normpath(
    os.path.join(
        os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "lib"
    )
)
if _LIB not in sys.path:
    sys.path.insert(0, _LIB)

from st2reactor.sensor.base import PollingSensor  # noqa: E402

from action_logging import MaskSecretsInLogs  # noqa: E402
from hypervisor_lifecycle.poll import (  # noqa: E402
    STORE_NAMESPACE,
    TRIGGER,
    SensorSettings,
    observe,
    poll_once,
)
from openstack_api import errors  # noqa: E402
from openstack_api.connection import connect  # noqa: E402
from pack_common import (  # noqa: E402
    PROGRAMMING_ERRORS,
    ActionServiceStore,
    ConfigError,
    InputError,
    one_line,
    redact,
    secret_values,
)


# StackStorm is not installed for type checking, so PollingSensor is Any to mypy.
class HypervisorStateSensor(PollingSensor):  # type: ignore[misc]
    """Watch every hypervisor of one cloud and report life-cycle changes."""

    def __init__(
        self,
        sensor_service: Any,
        config: dict[str, Any] | None = None,
        poll_interval: float = 300,
    ) -> None:
        super().__init__(
            sensor_service=sensor_service, config=config, poll_interval=poll_interval
        )
        self._logger = sensor_service.get_logger(name=self.__class__.__name__)
        #: The connection of the poll under way, to describe its failure.
        self._conn: Any = None

    def setup(self) -> None:
        """Take the poll interval from the pack config, when it sets one."""
        try:
            settings = SensorSettings.from_config(self.config or {})
        except Exception as exc:  # reported again by every poll
            self._logger.error("hypervisor_sensor config: %s", exc)
            return
        self.set_poll_interval(settings.poll_interval)

    def poll(self) -> None:
        """One pass over every hypervisor; log (never raise) what goes wrong."""
        with MaskSecretsInLogs(self._logger, secret_values(self.config or {})):
            self._poll_and_report()

    def _poll_and_report(self) -> None:
        """``poll`` with its secrets already masked in every log line."""
        try:
            self._poll()
        except Exception as exc:
            secrets = secret_values(self.config or {})
            reason = redact(self._reason(exc), secrets)
            if isinstance(exc, PROGRAMMING_ERRORS):
                trace = redact("".join(traceback.format_exception(exc)), secrets)
                self._logger.error(
                    "hypervisor state poll failed (a bug in the pack): %s\n%s",
                    reason,
                    trace,
                )
            else:
                self._logger.error(
                    "hypervisor state poll failed (retried next interval): %s", reason
                )
        finally:
            self._conn = None

    def _reason(self, exc: Exception) -> str:
        """What went wrong, on one line: the config key, or the cloud_account,
        endpoint and cause of a failed cloud call."""
        if isinstance(exc, ConfigError | InputError):
            return str(exc)
        failure = errors.describe(exc, self._conn)
        if failure is not None:
            failure.account = failure.account or (
                (self.config or {}).get("default_cloud_account")
            )
            return failure.message()
        return f"{type(exc).__name__}: {one_line(exc)}"

    def _poll(self) -> None:
        config = self.config or {}
        settings = SensorSettings.from_config(config)
        conn = self._conn = connect(config, settings.cloud_account)
        try:
            observations = observe(conn)
        finally:
            conn.close()
        cloud = settings.cloud_account or config.get("default_cloud_account") or ""
        store = ActionServiceStore(
            self.sensor_service, namespace=f"{STORE_NAMESPACE}{cloud}."
        )
        transitions = poll_once(
            observations,
            store,
            settings,
            self._dispatch,
            self._logger.warning,
            now=datetime.now(UTC),
        )
        for t in transitions:
            self._logger.info(
                "hypervisor %s: %s -> %s (%s)",
                t.hypervisor_name,
                t.previous_state.value if t.previous_state else None,
                t.current.state.value,
                t.current.reason,
            )

    def _dispatch(self, payload: dict[str, Any]) -> None:
        self.sensor_service.dispatch(trigger=TRIGGER, payload=payload)

    def cleanup(self) -> None:
        """Nothing to release: each poll closes its connection."""

    def add_trigger(self, trigger: dict[str, Any]) -> None:
        """No per-trigger state."""

    def update_trigger(self, trigger: dict[str, Any]) -> None:
        """No per-trigger state."""

    def remove_trigger(self, trigger: dict[str, Any]) -> None:
        """No per-trigger state."""
