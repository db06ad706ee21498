"""Polling sensor: dispatch ``openstack_ops.jupyter.inactive_users`` when the set of
inactive users of a JupyterHub environment changes.

Thin by design: each poll lists users through ``jupyter_api`` and compares the
inactive set with the one stored in the datastore; the decision lives in
``jupyter_api.inactivity``. One environment failing is logged as one ERROR line in
the actions' failure contract (the jupyter_env, the hub URL and the cause; a config
error names the key), tokens masked, and does not stop the others; no exception
escapes ``poll()`` (that would kill the sensor process).
"""

from __future__ import annotations

import json
import os
import sys
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
from jupyter_api.client import JupyterHubClient, JupyterHubError  # noqa: E402
from jupyter_api.environment import CONFIG_KEY, JupyterEnv  # noqa: E402
from jupyter_api.inactivity import TRIGGER, check_environment  # noqa: E402
from pack_common import (  # noqa: E402
    ConfigError,
    InputError,
    exception_chain,
    one_line,
    redact,
    secret_values,
)

STATE_PREFIX = "jupyter.inactive_users."


# StackStorm is not installed for type checking, so PollingSensor is Any to mypy.
class JupyterInactiveUsersSensor(PollingSensor):  # type: ignore[misc]
    """Watch every configured JupyterHub for users inactive beyond its threshold."""

    def __init__(
        self,
        sensor_service: Any,
        config: dict[str, Any] | None = None,
        poll_interval: float = 3600,
    ) -> None:
        super().__init__(
            sensor_service=sensor_service, config=config, poll_interval=poll_interval
        )
        self._logger = sensor_service.get_logger(name=self.__class__.__name__)

    def setup(self) -> None:
        """Nothing to prepare: each poll opens its own connections."""

    def poll(self) -> None:
        """Check every environment; log (never raise) what goes wrong."""
        with MaskSecretsInLogs(self._logger, secret_values(self.config or {})):
            self._poll_and_report()

    def _poll_and_report(self) -> None:
        """``poll`` with its secrets already masked in every log line."""
        try:
            entries = (self.config or {}).get(CONFIG_KEY) or []
        except Exception:  # a broken config must not kill the sensor
            self._logger.exception("cannot read pack config %r", CONFIG_KEY)
            return
        now = datetime.now(UTC)
        for entry in entries:
            name = entry.get("name", "?") if isinstance(entry, dict) else "?"
            try:
                self._check(JupyterEnv.from_config(entry), now)
            except Exception as exc:  # one environment must not stop the others
                reason = redact(_reason(exc), secret_values(self.config or {}))
                self._logger.error(
                    "jupyter_env %r: inactivity check failed (retried next "
                    "interval): %s",
                    name,
                    reason,
                )

    def _check(self, env: JupyterEnv, now: datetime) -> None:
        """Compare one environment's inactive users with the stored set."""
        key = STATE_PREFIX + env.name
        stored = self.sensor_service.get_value(key, local=True)
        previous = json.loads(stored) if stored else None
        with JupyterHubClient(env) as hub:
            check = check_environment(hub, previous, now)
        if check.should_dispatch:
            self._logger.info(
                "jupyter_env %r: %d users inactive for more than %d days",
                env.name,
                len(check.users),
                env.inactive_days,
            )
            self.sensor_service.dispatch(trigger=TRIGGER, payload=check.payload())
        if check.changed:
            self.sensor_service.set_value(key, json.dumps(check.names), local=True)

    def cleanup(self) -> None:
        """Nothing to release."""

    def add_trigger(self, trigger: dict[str, Any]) -> None:
        """No per-trigger state."""

    def update_trigger(self, trigger: dict[str, Any]) -> None:
        """No per-trigger state."""

    def remove_trigger(self, trigger: dict[str, Any]) -> None:
        """No per-trigger state."""


def _reason(exc: Exception) -> str:
    """What went wrong, on one line: the config key, or the environment, hub URL and
    cause of a failed hub call."""
    if isinstance(exc, ConfigError | InputError):
        return str(exc)
    hub_error = next(
        (e for e in exception_chain(exc) if isinstance(e, JupyterHubError)), None
    )
    if hub_error is not None:
        return hub_error.failure().message()
    return f"{type(exc).__name__}: {one_line(exc)}"
