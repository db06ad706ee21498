"""Exceptions raised by the Query library.

All derive from ``QueryError`` so callers can catch one type; each subclass says which
step went wrong (building the query, running it, or chaining it) and its message names
the offending query type, property, preset or argument.
"""

from __future__ import annotations


class QueryError(Exception):
    """Base class of every error raised by ``openstack_query``."""


class UnknownQueryTypeError(QueryError):
    """A query type name or alias that does not exist."""


class UnknownPropertyError(QueryError):
    """A property name or alias the query type does not have."""


class PresetError(QueryError):
    """An unknown preset, a preset used on a property of the wrong kind, or bad
    preset arguments."""


class QueryStateError(QueryError):
    """A method called at the wrong time (e.g. an output before ``run()``)."""


class ChainError(QueryError):
    """``then()`` or ``append_from()`` between types that are not linked."""


class FetchError(QueryError):
    """The cloud refused or failed a listing the query needed."""


class ScopeError(QueryError):
    """A ``run()`` scope argument (``from_projects``, ``from_domain``) names no
    project or domain, or an ambiguous one: the caller's input, found only once the
    cloud was asked. ``argument`` is the argument at fault, ``reason`` the problem."""

    def __init__(self, argument: str, reason: str) -> None:
        super().__init__(f"{argument}: {reason}")
        self.argument = argument
        self.reason = reason
