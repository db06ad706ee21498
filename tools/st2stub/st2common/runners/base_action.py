"""Stand-in for ``st2common.runners.base_action``: the python-script action base class."""

from __future__ import annotations

import abc
from typing import Any

from st2common.runners.utils import (
    PackConfigDict,
    get_logger_for_python_runner_action,
)

__all__ = ["Action"]


class Action(abc.ABC):
    """Base class of python-script actions; ``run`` is abstract, as in StackStorm.

    ``self.config`` is a ``PackConfigDict`` of the pack the action service's wrapper
    names (``"unknown"`` without one), ``self.logger`` logs to stderr.
    """

    description: str | None = None

    def __init__(
        self, config: dict[str, Any] | None = None, action_service: Any = None
    ) -> None:
        """Keep the pack config and the (datastore) action service."""
        self.action_service = action_service
        wrapper = getattr(action_service, "_action_wrapper", None)
        pack_name = getattr(wrapper, "_pack", "unknown") if wrapper else "unknown"
        log_level = getattr(wrapper, "_log_level", "debug") if wrapper else "debug"
        self.config = PackConfigDict(pack_name, config or {})
        self.logger = get_logger_for_python_runner_action(
            action_name=type(self).__name__, log_level=log_level
        )

    @abc.abstractmethod
    def run(self, **kwargs: Any) -> Any:
        """Execute the action; return a result or a ``(success, result)`` tuple."""
