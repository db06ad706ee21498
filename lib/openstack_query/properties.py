"""Property definitions: the named, typed values a query type exposes.

Each property has a canonical name (the output column), aliases (including the
earlier openstackquery names such as ``server_name``), a kind, and a getter reading
the value from a fetched ``Item``. Some properties need data beyond the main listing
(an *enrichment*, e.g. Placement usage); the fetcher provides it only when a
property that needs it is used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from openstack_query.bodies import BodyView, api_body
from openstack_query.errors import UnknownPropertyError
from openstack_query.kinds import PropKind


@dataclass(slots=True)
class Item:
    """One fetched resource: the openstacksdk object and data derived for it.

    A *slim* item (``values`` is not None) is what a run keeps: the values of the
    properties the query needs, computed while the listing streamed, and a ``raw``
    reduced to the few body keys enrichments read (``ResourceType.slim_keys``), so
    a kept row costs a few hundred bytes instead of the whole API body.
    """

    raw: Any
    derived: dict[str, Any] = field(default_factory=dict)
    values: dict[str, Any] | None = None


@dataclass(frozen=True)
class PropertyDef:
    """One property of a query type."""

    name: str
    kind: PropKind
    getter: Callable[[Item], Any]
    aliases: tuple[str, ...] = ()
    enrichment: str | None = None

    def value(self, item: Item) -> Any:
        """The property's value for ``item`` (kept in a slim item, else read)."""
        values = item.values
        if values is not None and self.name in values:
            return values[self.name]
        return self.getter(item)


class PropertySet:
    """The properties of one query type, looked up by name or alias."""

    def __init__(self, type_name: str, properties: Iterable[PropertyDef]) -> None:
        self.type_name = type_name
        self._ordered: list[PropertyDef] = list(properties)
        self._by_name: dict[str, PropertyDef] = {}
        for prop in self._ordered:
            for key in (prop.name, *prop.aliases):
                lowered = key.lower()
                if lowered in self._by_name:
                    raise ValueError(f"duplicate property name {key!r} in {type_name}")
                self._by_name[lowered] = prop

    def __iter__(self) -> Any:
        return iter(self._ordered)

    def names(self) -> list[str]:
        """Canonical names, in definition order."""
        return [p.name for p in self._ordered]

    def get(self, name: str) -> PropertyDef:
        """The property called ``name`` (canonical or alias, any case)."""
        if isinstance(name, str):
            prop = self._by_name.get(name.strip().lower())
            if prop is not None:
                return prop
        raise UnknownPropertyError(
            f"{self.type_name} has no property {name!r} "
            f"(known: {', '.join(self.names())})"
        )

    def add_aliases(self, aliases: dict[str, str]) -> dict[str, str]:
        """Register ``alias -> canonical name`` pairs; an alias already naming a
        different property here is skipped. Returns the skipped ones."""
        skipped: dict[str, str] = {}
        for alias, canonical in aliases.items():
            prop = self.get(canonical)
            taken = self._by_name.get(alias.lower())
            if taken is None:
                self._by_name[alias.lower()] = prop
            elif taken is not prop:
                skipped[alias] = canonical
        return skipped

    def has(self, name: str) -> bool:
        """Whether ``name`` is a property or alias of this type."""
        return isinstance(name, str) and name.strip().lower() in self._by_name


def attr(name: str, default: Any = None) -> Callable[[Item], Any]:
    """A getter reading attribute ``name`` of the openstacksdk object."""

    def getter(item: Item) -> Any:
        raw = item.raw
        if type(raw) is BodyView:
            value = raw.read(name, default)
        else:
            value = getattr(raw, name, default)
        return default if value is None else value

    return getter


def body(key: str, default: Any = None) -> Callable[[Item], Any]:
    """A getter reading ``key`` from the resource's body as the API returned it,
    including attributes openstacksdk does not model (e.g. a project's ``email``)."""

    def getter(item: Item) -> Any:
        return raw_body(item.raw).get(key, default)

    return getter


def derived(key: str, default: Any = None) -> Callable[[Item], Any]:
    """A getter reading a value an enrichment stored on the item."""

    def getter(item: Item) -> Any:
        return item.derived.get(key, default)

    return getter


def raw_body(resource: Any) -> dict[str, Any]:
    """The body attributes of an openstacksdk resource (or a plain dict), as the
    API sent them (openstacksdk resources are dicts too, but of converted values)."""
    return api_body(resource)
