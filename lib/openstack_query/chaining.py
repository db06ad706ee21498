"""Chaining queries through the types' links (``ResourceType.links``).

``then()`` makes a query of a linked type restricted to the items linked to the
previous query's results (an ``any_in`` on the link's target property, checked on
each item while the listing streams) and, with ``keep_previous_results``, joins each
new row with its linked previous rows. ``append_from()`` runs one such restricted
listing of the linked type and adds the linked items' properties to every row as
``<type>.<prop>`` columns. Every join is done in memory, by key, in one pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from openstack_query.filters import Filter
from openstack_query.presets import Preset
from openstack_query.properties import PropertyDef
from openstack_query.resource_type import Link, ResourceType
from openstack_query.results import Row

if TYPE_CHECKING:
    from openstack_query.query import Query


@dataclass(frozen=True)
class Previous:
    """The rows of the query ``then()`` was called on, kept for joining."""

    link: Link
    rows: tuple[Row, ...]
    columns: tuple[str, ...]
    source: Query


@dataclass(frozen=True)
class Restriction:
    """What a chained query is restricted to: ``filter`` on the link's target
    property (None when nothing is linked, so the run lists nothing), and the
    previous rows to join with, if kept."""

    filter: Filter | None
    previous: Previous | None = None


def key_values(value: Any) -> list[Any]:
    """Join keys of a value: a list's elements, or the value itself; never None."""
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple | set | frozenset):
        return [v for v in value if v is not None and v != ""]
    return [value]


def link_keys(query: Query, rows: Iterable[Row], column: str) -> list[str]:
    """The distinct join keys of ``column`` over ``rows``, in first-seen order."""
    keys: dict[str, None] = {}
    for row in rows:
        for key in key_values(query.value(row, column)):
            keys[str(key)] = None
    return list(keys)


def restrict(target: ResourceType, link: Link, keys: Sequence[str]) -> Filter | None:
    """The filter keeping the ``target`` items linked by ``keys`` (None: no keys)."""
    if not keys:
        return None
    prop = target.properties.get(link.target_prop)
    return Filter.build(Preset.ANY_IN, prop, {"values": list(keys)})


def follow(
    source: Query, rows: Sequence[Row], target: ResourceType, keep_previous: bool
) -> Restriction:
    """The restriction of a ``then()`` query of ``target`` following ``source``
    (whose ``rows`` hold the link's key, already loaded)."""
    link = source.query_type.link_to(target)
    keys = link_keys(source, rows, link.source_prop)
    previous = (
        Previous(link, tuple(rows), tuple(source.columns()), source)
        if keep_previous
        else None
    )
    return Restriction(restrict(target, link, keys), previous)


def _index(query: Query, rows: Iterable[Row], column: str) -> dict[str, list[Row]]:
    """``rows`` by each of their join keys in ``column``."""
    index: dict[str, list[Row]] = {}
    for row in rows:
        for key in dict.fromkeys(str(k) for k in key_values(query.value(row, column))):
            index.setdefault(key, []).append(row)
    return index


def _matches(
    query: Query, row: Row, column: str, index: dict[str, list[Row]]
) -> list[Row]:
    """The distinct indexed rows linked to ``row`` by its keys in ``column``."""
    keys = key_values(query.value(row, column))
    if len(keys) == 1:  # the usual many-to-one case: no duplicates possible
        return index.get(str(keys[0]), [])
    matches: dict[int, Row] = {}
    for key in keys:
        for other in index.get(str(key), ()):
            matches.setdefault(id(other), other)
    return list(matches.values())


def join_previous(
    query: Query, rows: Sequence[Row], previous: Previous
) -> tuple[list[Row], list[str]]:
    """One row per (new row, linked previous row), the previous columns prefixed
    with the previous type's label; returns the rows and those column names."""
    source = previous.source
    link = previous.link
    index = _index(source, previous.rows, link.source_prop)
    names = [
        c if "." in c else f"{source.query_type.label}.{c}" for c in previous.columns
    ]
    # each previous row's values are read once, however many rows it joins
    values: dict[int, dict[str, Any]] = {}
    empty: dict[str, Any] = dict.fromkeys(names)
    joined: list[Row] = []
    for row in rows:
        matches = _matches(query, row, link.target_prop, index)
        if not matches:
            joined.append(Row(row.item, {**row.extra, **empty}))
            continue
        for prev in matches:
            found = values.get(id(prev))
            if found is None:
                found = {
                    name: source.value(prev, column)
                    for name, column in zip(names, previous.columns, strict=True)
                }
                values[id(prev)] = found
            joined.append(Row(row.item, {**row.extra, **found}))
    return joined, names


def attach(
    query: Query,
    rows: Iterable[Row],
    link: Link,
    target: ResourceType,
    wanted: Sequence[PropertyDef],
    linked: Query | None,
) -> list[str]:
    """Add ``wanted`` properties of the ``linked`` query's rows (None: nothing was
    linked) to each of ``rows`` as ``<label>.<prop>`` columns; many-to-one links
    give a value, to-many links a list. Returns the column names."""
    index = _index(linked, linked.ordered_rows(), link.target_prop) if linked else {}
    names = [f"{target.label}.{prop.name}" for prop in wanted]
    for row in rows:
        matches = _matches(query, row, link.source_prop, index) if index else []
        for name, prop in zip(names, wanted, strict=True):
            values = [prop.value(m.item) for m in matches]
            row.extra[name] = values if link.many else (values[0] if values else None)
    return names
