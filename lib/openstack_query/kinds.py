"""The kinds of value a property holds; presets are only valid on some kinds."""

from __future__ import annotations

import enum


class PropKind(enum.Enum):
    """What a property's values are, deciding which presets and sort keys apply."""

    STRING = "string"
    NUMBER = "number"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    LIST = "list"
    MAPPING = "mapping"
