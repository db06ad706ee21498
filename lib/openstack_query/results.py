"""Result rows and the two computations done on them once per run: sorting
(multi-key, stable, missing values last) and grouping."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from openstack_query.errors import QueryError
from openstack_query.kinds import PropKind
from openstack_query.properties import Item
from openstack_query.timeutil import to_utc

UNGROUPED = "ungrouped"
MISSING_GROUP = "(none)"


@dataclass
class Row:
    """One result: the fetched item and columns added by chaining."""

    item: Item
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SortKey:
    """One ``sort_by`` key: a column and a direction."""

    column: str
    descending: bool = False


@dataclass(frozen=True)
class GroupSpec:
    """``group_by``: the column, optional named value ranges, and whether rows in
    no range form an ``ungrouped`` group."""

    column: str
    ranges: dict[str, tuple[Any, ...]] | None = None
    include_ungrouped: bool = True


_DIRECTIONS = {
    "asc": False,
    "ascending": False,
    "desc": True,
    "descending": True,
}


def parse_sort_key(key: Any) -> tuple[str, bool]:
    """A ``sort_by`` key (``"prop"``, ``"prop:desc"`` or ``("prop", "asc"|"desc")``)
    as its column name and whether it sorts descending."""
    if isinstance(key, str):
        column, _, direction = key.partition(":")
    elif isinstance(key, list | tuple) and len(key) == 2:
        column, direction = str(key[0]), str(key[1])
    else:
        raise QueryError(
            f"sort_by: {key!r} is not 'prop', 'prop:desc' or ('prop', 'asc'|'desc')"
        )
    direction = (direction or "asc").strip().lower()
    if direction not in _DIRECTIONS:
        raise QueryError(
            f"sort_by: direction {direction!r} for {column!r} is not asc or desc"
        )
    return column.strip(), _DIRECTIONS[direction]


def checked_ranges(ranges: Any) -> dict[str, tuple[Any, ...]]:
    """``group_by`` ranges (``{"group": [values]}``) checked: a non-empty mapping,
    no value in two ranges."""
    if not isinstance(ranges, Mapping) or not ranges:
        raise QueryError("group_by: ranges must be a non-empty mapping")
    checked: dict[str, tuple[Any, ...]] = {}
    seen: dict[str, str] = {}
    for name, values in ranges.items():
        values = (
            tuple(values)
            if isinstance(values, list | tuple | set | frozenset)
            else (values,)
        )
        for v in values:
            if str(v) in seen:
                raise QueryError(
                    f"group_by: value {v!r} is in both ranges "
                    f"{seen[str(v)]!r} and {name!r}"
                )
            seen[str(v)] = str(name)
        checked[str(name)] = values
    return checked


def comparable(value: Any, kind: PropKind | None) -> tuple[int, Any]:
    """A sort key for ``value``: numbers, then dates, then text; values of mixed
    types never raise."""
    if kind is PropKind.DATETIME or isinstance(value, datetime):
        moment = to_utc(value)
        if moment is not None:
            return (1, moment.timestamp())
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, int | float):
        return (0, value)
    if isinstance(value, dict | list | tuple):
        return (2, json.dumps(value, sort_keys=True, default=str))
    return (2, str(value))


def _sort_key(
    value_of: Callable[[Row, str], Any], column: str, kind: PropKind | None
) -> Callable[[Row], tuple[int, Any]]:
    """The sort key function of one column."""

    def key(row: Row) -> tuple[int, Any]:
        return comparable(value_of(row, column), kind)

    return key


def sort_rows(
    rows: Sequence[Row],
    keys: Sequence[SortKey],
    value_of: Callable[[Row, str], Any],
    kind_of: Callable[[str], PropKind | None],
) -> list[Row]:
    """Rows sorted by ``keys`` (first key most significant); equal rows keep their
    order; missing values sort last in either direction."""
    ordered = list(rows)
    for key in reversed(keys):
        kind = kind_of(key.column)
        present = [r for r in ordered if value_of(r, key.column) is not None]
        missing = [r for r in ordered if value_of(r, key.column) is None]
        present.sort(
            key=_sort_key(value_of, key.column, kind),
            reverse=key.descending,  # Python keeps equal rows in order either way
        )
        ordered = present + missing
    return ordered


def group_name(value: Any) -> str:
    """The name of the group holding rows whose group column is ``value``."""
    if value is None or value == "":
        return MISSING_GROUP
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, sort_keys=True, default=str)
    return str(value)


def group_rows(
    rows: Sequence[Row],
    spec: GroupSpec,
    value_of: Callable[[Row, str], Any],
    kind_of: Callable[[str], PropKind | None],
) -> dict[str, list[Row]]:
    """Rows split into named groups, each keeping the rows' (sorted) order.

    Without ranges there is one group per distinct value, ordered by value. With
    ranges the groups are the ranges in the given order (empty ones included),
    then ``ungrouped`` when wanted.
    """
    if spec.ranges is not None:
        groups: dict[str, list[Row]] = {name: [] for name in spec.ranges}
        lookup: dict[str, str] = {}
        for name, values in spec.ranges.items():
            for v in values:
                lookup.setdefault(str(v), name)
        leftover: list[Row] = []
        for row in rows:
            target = lookup.get(str(value_of(row, spec.column)))
            if target is None:
                leftover.append(row)
            else:
                groups[target].append(row)
        if spec.include_ungrouped:
            groups[UNGROUPED] = leftover
        return groups
    kind = kind_of(spec.column)
    buckets: dict[str, list[Row]] = {}
    sort_keys: dict[str, tuple[int, int, Any]] = {}
    for row in rows:
        value = value_of(row, spec.column)
        name = group_name(value)
        buckets.setdefault(name, []).append(row)
        if name not in sort_keys:
            missing = 1 if name == MISSING_GROUP else 0
            sort_keys[name] = (missing, *comparable(value, kind))
    return {name: buckets[name] for name in sorted(buckets, key=sort_keys.__getitem__)}
