"""Forward the pack library's progress lines to the action's logger for one run, and
mask secrets in every log line of a run.

Lives in lib/ rather than in the action entry point because StackStorm's plugin
loader (st2common.util.loader.register_plugin) checks EVERY class defined in the
entry-point module against the Action base class and logs an
IncompatiblePluginException traceback for each one without ``run``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Self

from pack_common import redact

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


class RedactSecrets(logging.Filter):
    """Mask ``secrets`` and URL passwords in every record a handler emits.

    The libraries below the pack log URLs as they are (keystoneauth's DEBUG lines show
    each request's URL, so an ``auth_url`` of ``http://user:password@host/v3`` would
    reach the execution's log); the record's message is rewritten before formatting.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite ``record``'s message masked; never drop the record."""
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to the handler
            return True
        masked = redact(message, self.secrets)
        if masked != message:
            record.msg, record.args = masked, None
        return True


class MaskSecretsInLogs:
    """For one run (an action's, a sensor's poll), mask ``secrets`` (the pack config's
    passwords and tokens) and URL passwords in every line emitted by the handlers of
    ``logger`` and of the root logger, where other libraries' lines (keystoneauth,
    requests, urllib3) go."""

    def __init__(self, logger: logging.Logger, secrets: Iterable[str] = ()) -> None:
        self.handlers = list(
            dict.fromkeys(_handlers_of(logger) + logging.getLogger().handlers)
        )
        self.redact = RedactSecrets(secrets)

    def __enter__(self) -> Self:
        for handler in self.handlers:
            handler.addFilter(self.redact)
        return self

    def __exit__(self, *exc_info: object) -> None:
        for handler in self.handlers:
            handler.removeFilter(self.redact)


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
