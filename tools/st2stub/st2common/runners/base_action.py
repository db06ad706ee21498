"""Stand-in for ``st2common.runners.base_action``: the python-script action base class."""

from __future__ import annotations

import abc
import logging
from typing import Any

from st2common._stub import PackConfig, stderr_logger

__all__ = ["Action"]


class Action(abc.ABC):
    """Base class of python-script actions, with StackStorm's constructor and attributes.

    ``run`` is abstract, as in StackStorm, so a subclass that forgets it cannot be
    instantiated.
    """

    def __init__(
        self,
        config: dict[str, Any] | None = None,
        action_service: Any = None,
    ) -> None:
        """Keep the pack config and the datastore-backed action service."""
        self.config: dict[str, Any] = PackConfig(config or {})
        self.action_service = action_service
        self.logger: logging.Logger = stderr_logger(
            f"actions.python.{type(self).__name__}"
        )

    @abc.abstractmethod
    def run(self, **kwargs: Any) -> Any:
        """Execute the action; return a result or a ``(success, result)`` tuple."""
        raise NotImplementedError
