"""Forward the pack library's progress lines to the action's logger for one run.

Lives in lib/ rather than in the action entry point because StackStorm's plugin
loader (st2common.util.loader.register_plugin) checks EVERY class defined in the
entry-point module against the Action base class and logs an
IncompatiblePluginException traceback for each one without ``run``.
"""

from __future__ import annotations

import logging
from typing import Self

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


class ForwardLibraryLogs:
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
