"""The pack's two operator-facing error types (re-exported by ``pack_common``)."""

from __future__ import annotations


class ConfigError(ValueError):
    """The pack config is missing a key or holds a bad value; the message names it."""


class InputError(ValueError):
    """An action parameter is invalid; the message names the parameter.

    Raised by workflows while validating, before anything is changed.
    """

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"parameter '{parameter}': {message}")
        self.parameter = parameter
