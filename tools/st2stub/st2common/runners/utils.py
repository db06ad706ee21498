"""Stand-in for ``st2common.runners.utils``: the pack config, logger and instance
StackStorm gives a python-script action."""

from __future__ import annotations

import logging
from typing import Any

__all__ = [
    "PackConfigDict",
    "get_action_class_instance",
    "get_logger_for_python_runner_action",
]

#: ``[system] base_path`` of a default install; pack configs live in its configs/.
_BASE_PATH = "/opt/stackstorm"

_LOGGERS: dict[str, logging.Logger] = {}


class PackConfigDict(dict):
    """An action's ``self.config``: reading a key that is not set raises ValueError."""

    def __init__(self, pack_name: str, *args: Any) -> None:
        """The config of pack ``pack_name`` (the other arguments are ``dict``'s)."""
        super().__init__(*args)
        self._pack_name = pack_name

    def __getitem__(self, key: Any) -> Any:
        """The value of ``key``; ``ValueError`` naming the config file when unset."""
        try:
            return super().__getitem__(key)
        except KeyError:
            path = f"{_BASE_PATH}/configs/{self._pack_name}.yaml"
            raise ValueError(
                f'Config for pack "{self._pack_name}" is missing key "{key}" '
                f"(config file {path})."
            ) from None


def get_logger_for_python_runner_action(
    action_name: str, log_level: str = "debug"
) -> logging.Logger:
    """The logger ``st2.actions.python.<action_name>`` (StackStorm's loggers are all
    under ``st2.``): records at ``log_level`` and up go to stderr (the handler is
    added once per name)."""
    name = f"st2.actions.python.{action_name}"
    if name not in _LOGGERS:
        level = getattr(logging, log_level.upper(), logging.DEBUG)
        handler = logging.StreamHandler()
        handler.setLevel(level)
        handler.setFormatter(logging.Formatter("%(name)s: %(levelname)s %(message)s"))
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(level)
        _LOGGERS[name] = logger
    return _LOGGERS[name]


def get_action_class_instance(
    action_cls: type, config: dict[str, Any] | None = None, action_service: Any = None
) -> Any:
    """``action_cls(config=..., action_service=...)``; a class whose constructor has
    no ``action_service`` gets it assigned after construction."""
    try:
        return action_cls(config=config, action_service=action_service)
    except TypeError as exc:
        if "unexpected keyword argument 'action_service'" not in str(exc):
            raise
    instance = action_cls(config=config)
    instance.action_service = action_service
    return instance
