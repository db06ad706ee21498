"""The pack's only action class: runs the workflow function an action names.

Every python action's metadata points here and names its function through the
immutable ``workflow`` parameter (``"<module>.<function>"`` under ``lib/workflows``).
This class resolves the function, builds what it needs from the pack config by the
names of the function's parameters (see ``workflows.registry.INJECTIONS``), calls it,
and turns its outcome into what StackStorm expects. It knows nothing about any
particular action.
"""

from __future__ import annotations

import copy
import inspect
import logging
import os
import sys
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any, Self

# StackStorm adds <pack>/lib only with [packs] enable_common_libs; do it ourselves.
_LIB = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir)
_LIB = os.path.normpath(os.path.join(_LIB, "lib"))
if _LIB not in sys.path:
    sys.path.insert(0, _LIB)

from st2common.runners.base_action import Action  # noqa: E402

from pack_common import (  # noqa: E402
    ActionServiceStore,
    ConfigError,
    Failure,
    InputError,
    require_named_entry,
)
from workflows.registry import (  # noqa: E402
    INJECTIONS,
    WorkflowResolutionError,
    resolve_workflow,
)

#: Top-level packages under lib/ whose progress lines (``logging.getLogger(__name__)``)
#: belong in the execution's output.
LIBRARY_LOGGERS = (
    "workflows",
    "openstack_api",
    "openstack_query",
    "email_api",
    "campaigns",
    "jupyter_api",
    "hypervisor_lifecycle",
)


def _handlers_of(logger: logging.Logger) -> list[logging.Handler]:
    """The handlers a record logged on ``logger`` reaches (walking up while the
    logger propagates), as ``logging`` itself finds them."""
    found: list[logging.Handler] = []
    current: logging.Logger | None = logger
    while current is not None:
        found.extend(current.handlers)
        if not current.propagate:
            break
        current = current.parent
    return found


class _ForwardLibraryLogs:
    """For one run, send the lib packages' INFO lines to the action logger's handlers.

    StackStorm gives the action a configured logger (``self.logger``) but not the
    loggers of the modules it imports, so without this the progress of a long workflow
    (migrations waiting, mails sent) would be lost.
    """

    def __init__(self, action_logger: logging.Logger) -> None:
        self.handlers = [h for h in _handlers_of(action_logger) if not _reaches_root(h)]
        self.saved: list[tuple[logging.Logger, int]] = []

    def __enter__(self) -> Self:
        for name in LIBRARY_LOGGERS:
            logger = logging.getLogger(name)
            self.saved.append((logger, logger.level))
            if logger.level == logging.NOTSET or logger.level > logging.INFO:
                logger.setLevel(logging.INFO)
            for handler in self.handlers:
                logger.addHandler(handler)
        return self

    def __exit__(self, *exc_info: object) -> None:
        for logger, level in self.saved:
            for handler in self.handlers:
                logger.removeHandler(handler)
            logger.setLevel(level)


def _reaches_root(handler: logging.Handler) -> bool:
    """True for the root logger's own handlers: records reach those anyway."""
    return handler in logging.getLogger().handlers


class WorkflowActions(Action):
    """Run ``lib/workflows/<module>.<function>`` with injected connections."""

    def run(self, workflow: str, **kwargs: Any) -> Any:
        """Resolve ``workflow``, inject, call, and map the outcome.

        Returns the workflow's result, or ``(False, result)`` when the workflow reports
        a failure or the input/config is wrong (the message names the parameter or the
        config key). Unexpected exceptions propagate and fail the execution with a
        traceback, as StackStorm does.
        """
        try:
            func = resolve_workflow(workflow)
        except WorkflowResolutionError as exc:
            return self._failed(str(exc))
        self.logger.info("workflow %s: starting", workflow)
        with ExitStack() as cleanup:
            cleanup.enter_context(_ForwardLibraryLogs(self.logger))
            try:
                call_args = self._build_arguments(func, kwargs, cleanup)
                outcome = func(**call_args)
            except (ConfigError, InputError) as exc:
                return self._failed(str(exc))
        if isinstance(outcome, Failure):
            self.logger.info("workflow %s: reported failure", workflow)
            return (False, outcome.result)
        self.logger.info("workflow %s: done", workflow)
        return outcome

    def _failed(self, message: str) -> tuple[bool, dict[str, str]]:
        """A failed execution whose result carries ``message``."""
        self.logger.error(message)
        return (False, {"error": message})

    def _build_arguments(
        self, func: Callable[..., Any], kwargs: dict[str, Any], cleanup: ExitStack
    ) -> dict[str, Any]:
        """The call arguments: operator values for ordinary parameters, built objects
        for injected ones. Account-name parameters that only feed an injection are
        consumed here. Unknown parameters are an error naming them."""
        params = inspect.signature(func).parameters
        remaining = dict(kwargs)
        call_args: dict[str, Any] = {}
        for name in params:
            injection = INJECTIONS.get(name)
            if injection is None:
                continue
            source_value = remaining.pop(injection.source, None)
            call_args[name] = self._inject(name, source_value, cleanup)
        for name, value in remaining.items():
            if name not in params:
                raise InputError(name, "is not a parameter of this workflow")
            call_args[name] = value
        return call_args

    def _inject(self, name: str, source_value: Any, cleanup: ExitStack) -> Any:
        """Build the injected value for parameter ``name``."""
        config = self.config or {}
        if name == "conn":
            from openstack_api.connection import connect

            conn = connect(config, source_value)
            cleanup.callback(conn.close)
            return conn
        if name == "smtp_account":
            from email_api.account import CONFIG_KEY, SMTPAccount

            entry = require_named_entry(
                config, CONFIG_KEY, source_value, "smtp_account", "default_smtp_account"
            )
            return SMTPAccount.from_config(entry)
        if name == "jupyter_hub":
            from jupyter_api.client import JupyterHubClient
            from jupyter_api.environment import CONFIG_KEY, JupyterEnv

            entry = require_named_entry(config, CONFIG_KEY, source_value, "jupyter_env")
            return cleanup.enter_context(
                JupyterHubClient(JupyterEnv.from_config(entry))
            )
        if name == "store":
            return ActionServiceStore(self.action_service)
        if name == "pack_config":
            return copy.deepcopy(dict(config))
        raise ConfigError(f"no injection is defined for parameter {name!r}")
