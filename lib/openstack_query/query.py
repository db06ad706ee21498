"""The fluent ``Query``: select, where, sort_by, group_by, run, outputs, chaining.

A query is built (nothing is fetched), then ``run()`` performs ONE listing of its type
(plus at most a constant number of calls for enrichments), checks every filter
locally on each item as the listing's pages arrive, and keeps only the rows that
pass, each slimmed to the values the query needs (its columns, sort and group keys,
and the type's link keys) instead of the whole API body. Memory therefore follows
what is kept, not what is listed. A value needed later that the run did not keep (a
column selected after ``run()``, or ``to_objects()``) costs one more listing.
Sorting and grouping are computed once and reused by every output; they are
recomputed only when the sort, grouping or columns change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from openstack_query import chaining, render
from openstack_query.bodies import BodyView, paused_gc, to_sdk
from openstack_query.connect import connection
from openstack_query.errors import QueryError, QueryStateError, UnknownPropertyError
from openstack_query.filters import Filter
from openstack_query.kinds import PropKind
from openstack_query.presets import Preset
from openstack_query.properties import Item, PropertyDef
from openstack_query.resource_type import FetchRequest, ResourceType, RunOptions
from openstack_query.resources import property_name, resolve_type
from openstack_query.results import (
    GroupSpec,
    Row,
    SortKey,
    checked_ranges,
    group_rows,
    parse_sort_key,
    sort_rows,
)
from openstack_query.scope import domain_id, project_ids
from openstack_query.timeutil import utc_now


class Query:
    """A query over one resource type (see ``openstack_query.resources``)."""

    #: Read property names as upstream openstackquery 1.3 does where a name means
    #: something else here (``openstack_query.compat`` sets it).
    upstream_names = False

    def __init__(self, query_type: str | ResourceType) -> None:
        self._type: ResourceType = resolve_type(query_type)
        self._selected: list[str] = []
        self._filters: list[Filter] = []
        self._sort: list[SortKey] = []
        self._group: GroupSpec | None = None
        #: Set on a query made by ``then()`` (or for ``append_from()``).
        self._chain: chaining.Restriction | None = None
        self._rows: list[Row] | None = None
        self._extra_columns: list[str] = []
        self._ordered: list[Row] | None = None
        self._grouped: dict[str, list[Row]] | None = None
        self._cloud: Any = None
        self._options: RunOptions | None = None
        self._request: FetchRequest | None = None
        self._keep_objects = False
        self._loaded: set[str] = set()
        self._max_rows: int | None = None
        #: Rows dropped by ``max_rows`` in the last run.
        self.truncated = 0

    # ----------------------------------------------------------------- building
    @property
    def query_type(self) -> ResourceType:
        """The resource type this query lists."""
        return self._type

    def _prop(self, name: str) -> PropertyDef:
        return self._type.properties.get(self._name(name))

    def _name(self, name: str) -> str:
        """``name``, or under ``upstream_names`` the property here that has
        upstream's meaning of it."""
        return property_name(self._type, name, self.upstream_names)

    def _invalidate(self) -> None:
        self._ordered = None
        self._grouped = None

    def select(self, *props: str | Iterable[str]) -> Query:
        """Add output columns (additive; order of first selection is kept)."""
        for prop in _flatten(props):
            prop = self._name(prop)
            if self._type.properties.has(prop):
                name = self._prop(prop).name
            elif prop in self._extra_columns:
                name = prop
            else:
                self._prop(prop)  # raises naming the type and known properties
                continue
            if name not in self._selected:
                self._selected.append(name)
        return self

    def keep_objects(self, keep: bool = True) -> Query:
        """Keep each kept row's whole API body, so ``to_objects()`` needs no second
        listing (memory then grows with the bodies of the rows kept)."""
        self._keep_objects = bool(keep)
        return self

    def select_all(self) -> Query:
        """Select every property of the type, in definition order."""
        return self.select(*self._type.properties.names())

    def where(self, preset: str | Preset, prop: str, **args: Any) -> Query:
        """Add a condition (conditions are ANDed). The preset must suit the
        property's kind; arguments are checked now, before anything runs."""
        self._filters.append(Filter.build(preset, self._prop(prop), args))
        return self

    def sort_by(self, *keys: str | tuple[str, str] | Sequence[str]) -> Query:
        """Add sort keys: ``"prop"``, ``"prop:desc"`` or ``("prop", "asc"|"desc")``;
        the first key is the most significant; ties keep their order."""
        for key in keys:
            column, descending = parse_sort_key(key)
            self._sort.append(SortKey(self._column(column), descending))
        self._invalidate()
        return self

    def _column(self, name: str) -> str:
        """A property's canonical name, or a chained column's name as given."""
        name = self._name(name)
        if self._type.properties.has(name):
            return self._prop(name).name
        if "." in name:
            return name  # a chained column, checked when results are computed
        self._prop(name)  # raises UnknownPropertyError
        return name

    def group_by(
        self,
        prop: str,
        ranges: Mapping[str, Iterable[Any]] | None = None,
        include_ungrouped: bool | None = None,
        *,
        group_ranges: Mapping[str, Iterable[Any]] | None = None,
        include_ungrouped_results: bool | None = None,
    ) -> Query:
        """Group results by a column's value, or into named ``ranges`` of values
        (``{"group": [values]}``); rows in no range go to ``ungrouped`` when
        ``include_ungrouped`` (default True). Upstream openstackquery's spellings
        ``group_ranges`` and ``include_ungrouped_results`` are accepted with
        upstream's default (ungrouped rows left out)."""
        if group_ranges is not None or include_ungrouped_results is not None:
            if ranges is not None or include_ungrouped is not None:
                raise QueryError(
                    "group_by: give ranges/include_ungrouped or upstream's "
                    "group_ranges/include_ungrouped_results, not both"
                )
            ranges = group_ranges
            include_ungrouped = bool(include_ungrouped_results)
        if include_ungrouped is None:
            include_ungrouped = True
        column = self._column(prop)
        checked = None if ranges is None else checked_ranges(ranges)
        self._group = GroupSpec(column, checked, include_ungrouped)
        self._invalidate()
        return self

    # ------------------------------------------------------------------ running
    def columns(self) -> list[str]:
        """Output columns: the selection (or the type's defaults), then chained
        columns in the order they were added."""
        base = list(self._selected or self._type.default_select)
        return base + [c for c in self._extra_columns if c not in base]

    def _needed_props(self) -> list[PropertyDef]:
        names = [c for c in self.columns() if self._type.properties.has(c)]
        names += [k.column for k in self._sort if self._type.properties.has(k.column)]
        if self._group and self._type.properties.has(self._group.column):
            names.append(self._group.column)
        props = [self._prop(n) for n in names]
        props += [f.prop for f in self._all_filters()]
        return props

    def _all_filters(self) -> list[Filter]:
        chain = self._chain
        if chain is not None and chain.filter is not None:
            return [*self._filters, chain.filter]
        return list(self._filters)

    def run(
        self,
        cloud_account_or_conn: Any,
        all_projects: bool = False,
        from_projects: Sequence[str] | None = None,
        as_admin: bool = False,
        from_domain: str | None = None,
        max_rows: int | None = None,
    ) -> Query:
        """Fetch and filter. ``cloud_account_or_conn`` is an openstacksdk connection
        or a clouds.yaml cloud name. ``all_projects`` and ``from_projects`` (names or
        ids) are mutually exclusive; ``from_domain`` scopes users and projects;
        ``max_rows`` keeps only the first rows after sorting."""
        if all_projects and from_projects:
            raise QueryError("all_projects and from_projects are mutually exclusive")
        if max_rows is not None and (
            isinstance(max_rows, bool) or not isinstance(max_rows, int) or max_rows < 1
        ):
            raise QueryError(f"max_rows must be a positive integer, got {max_rows!r}")
        self._cloud = cloud_account_or_conn
        self._max_rows = max_rows
        with connection(cloud_account_or_conn) as conn:
            options = RunOptions(
                now=utc_now(),
                all_projects=bool(all_projects),
                project_ids=project_ids(conn, from_projects) if from_projects else None,
                as_admin=bool(as_admin),
                domain_id=domain_id(conn, from_domain) if from_domain else None,
            )
            self._options = options
            enrichments = frozenset(
                p.enrichment for p in self._needed_props() if p.enrichment
            )
            filters = tuple(self._all_filters())
            request = FetchRequest(filters, options, enrichments)
            self._request = request
            nothing = self._chain is not None and self._chain.filter is None
            items = [] if nothing else self._stream(conn, request)
            later = enrichments - self._type.listing_enrichments
            if self._type.enrich is not None:
                for enrichment in sorted(later):
                    self._type.enrich(conn, items, enrichment, options)
            self._loaded = set(enrichments)
        late = [
            f.matcher(options.now) for f in filters if not self._type.streamable(f.prop)
        ]
        rows = [Row(item) for item in items if all(check(item) for check in late)]
        self._extra_columns = []
        if self._chain is not None and self._chain.previous is not None:
            rows, self._extra_columns = chaining.join_previous(
                self, rows, self._chain.previous
            )
        self._rows = rows
        self._invalidate()
        return self

    def _kept_props(self) -> list[PropertyDef]:
        """The streamable properties a kept row holds: the query's columns, sort
        and group keys, ``id``, and the type's link keys (what ``then()`` and
        ``append_from()`` join on)."""
        names = [p.name for p in self._needed_props()]
        names.append("id")
        names += [link.source_prop for link in self._type.links]
        kept: dict[str, PropertyDef] = {}
        for name in names:
            if self._type.properties.has(name):
                prop = self._prop(name)
                if self._type.streamable(prop):
                    kept[prop.name] = prop
        return list(kept.values())

    def _stream(self, conn: Any, request: FetchRequest) -> list[Item]:
        """The listing's items that pass every streamable filter and the scope,
        checked as each page arrives; each kept item slimmed (see ``Item``)."""
        options = request.options
        checks = [
            f.matcher(options.now)
            for f in request.filters
            if self._type.streamable(f.prop)
        ]
        scope = self._type.scope_check(options)
        if scope is not None:
            checks.append(scope)
        kept_props = self._kept_props()
        slim_keys = None if self._keep_objects else self._type.slim_keys
        kept: list[Item] = []
        with paused_gc():
            for item in self._type.fetch(conn, request):
                for check in checks:
                    if not check(item):
                        break
                else:
                    values = {p.name: p.value(item) for p in kept_props}
                    raw = item.raw
                    if slim_keys is not None and isinstance(raw, BodyView):
                        raw = raw.slimmed(slim_keys)
                    kept.append(Item(raw, item.derived, values))
        return kept

    def _fill(self, props: Sequence[PropertyDef], bodies: bool = False) -> None:
        """Give every kept row the values of ``props`` it does not hold (and its
        whole body when ``bodies``) from ONE more listing with the run's pushdown,
        matched by id; rows no longer listed get None."""
        rows = self._require_run("reading results")
        assert self._request is not None
        id_prop = self._prop("id")
        wanting: dict[str, list[Item]] = {}
        for row in rows:
            item = row.item
            if item.values is None:
                continue
            needs = bodies and not _is_whole(item)
            needs = needs or any(p.name not in item.values for p in props)
            if needs:
                wanting.setdefault(str(item.values.get("id")), []).append(item)
        if not wanting:
            return
        with connection(self._cloud) as conn, paused_gc():
            for fresh in self._type.fetch(conn, self._request):
                for item in wanting.get(str(id_prop.value(fresh)), ()):
                    assert item.values is not None
                    for prop in props:
                        item.values.setdefault(prop.name, prop.value(fresh))
                    if bodies:
                        item.raw = fresh.raw
        for items in wanting.values():
            for item in items:
                assert item.values is not None
                for prop in props:
                    item.values.setdefault(prop.name, None)

    # ---------------------------------------------------------------- results
    def _require_run(self, action: str) -> list[Row]:
        if self._rows is None:
            raise QueryStateError(f"run() the query before {action}")
        return self._rows

    def value(self, row: Row, column: str) -> Any:
        """The value of ``column`` for ``row`` (a property or a chained column)."""
        if column in row.extra or column in self._extra_columns:
            return row.extra.get(column)
        if self._type.properties.has(column):
            prop = self._prop(column)
            values = row.item.values
            if (
                values is not None
                and prop.name not in values
                and self._type.streamable(prop)
            ):
                self._fill([prop])  # selected after run(): one more listing
            return prop.value(row.item)
        raise UnknownPropertyError(
            f"{self._type.name} has no property or chained column {column!r}"
        )

    def _kind(self, column: str) -> PropKind | None:
        if self._type.properties.has(column):
            return self._prop(column).kind
        return None

    def _ensure_enrichments(self, columns: Iterable[str]) -> None:
        """Load enrichments a column selected after ``run()`` needs (one batched
        call, never per item)."""
        rows = self._require_run("reading results")
        needed = {
            self._prop(c).enrichment for c in columns if self._type.properties.has(c)
        }
        missing = {e for e in needed if e is not None} - self._loaded
        if not missing:
            return
        if self._type.enrich is None or missing & self._type.listing_enrichments:
            raise QueryStateError(
                f"{', '.join(sorted(missing))} data was not loaded: select the "
                "property before run()"
            )
        assert self._options is not None
        with connection(self._cloud) as conn:
            for enrichment in sorted(missing):
                self._type.enrich(
                    conn, [r.item for r in rows], enrichment, self._options
                )
                self._loaded.add(enrichment)

    def ordered_rows(self) -> list[Row]:
        """The rows sorted and capped by ``max_rows`` (computed once)."""
        rows = self._require_run("reading results")
        if self._ordered is None:
            self._ensure_enrichments(k.column for k in self._sort)
            ordered = (
                sort_rows(rows, self._sort, self.value, self._kind)
                if self._sort
                else list(rows)
            )
            if self._max_rows is not None and len(ordered) > self._max_rows:
                self.truncated = len(ordered) - self._max_rows
                ordered = ordered[: self._max_rows]
            else:
                self.truncated = 0
            self._ordered = ordered
        return self._ordered

    def grouped_rows(self) -> dict[str, list[Row]] | None:
        """The ordered rows split by ``group_by`` (computed once), or None."""
        if self._group is None:
            return None
        if self._grouped is None:
            ordered = self.ordered_rows()
            self._ensure_enrichments([self._group.column])
            self._grouped = group_rows(ordered, self._group, self.value, self._kind)
        return self._grouped

    def __len__(self) -> int:
        return len(self.ordered_rows())

    def _selected_groups(
        self, groups: Sequence[str] | None
    ) -> dict[str | None, list[Row]]:
        grouped = self.grouped_rows()
        if grouped is None:
            if groups:
                raise QueryStateError("groups= given but the query is not grouped")
            return {None: self.ordered_rows()}
        if groups is None:
            return {name: rows for name, rows in grouped.items()}
        unknown = [g for g in groups if g not in grouped]
        if unknown:
            raise QueryError(
                f"unknown group(s) {', '.join(map(repr, unknown))} "
                f"(groups: {', '.join(grouped)})"
            )
        return {g: grouped[g] for g in groups}

    def _tables(
        self, groups: Sequence[str] | None
    ) -> tuple[list[str], dict[str | None, list[list[Any]]]]:
        columns = self.columns()
        self._ensure_enrichments(columns)
        selected = self._selected_groups(groups)
        return columns, {
            name: [[self.value(r, c) for c in columns] for r in rows]
            for name, rows in selected.items()
        }

    # ---------------------------------------------------------------- outputs
    def to_props(
        self, flatten: bool = False, groups: Sequence[str] | None = None
    ) -> list[dict[str, Any]] | dict[str, Any]:
        """Rows as dicts (column -> value); grouped queries give ``{group: rows}``.
        ``flatten`` gives ``{column: [values]}`` instead (per group when grouped)."""
        columns, tables = self._tables(groups)

        def shape(rows: list[list[Any]]) -> list[dict[str, Any]] | dict[str, Any]:
            if flatten:
                return {c: [row[i] for row in rows] for i, c in enumerate(columns)}
            return [dict(zip(columns, row, strict=True)) for row in rows]

        if None in tables:
            return shape(tables[None])
        return {str(name): shape(rows) for name, rows in tables.items()}

    def to_objects(
        self, groups: Sequence[str] | None = None
    ) -> list[Any] | dict[str, list[Any]]:
        """The openstacksdk objects of the results (grouped like ``to_props``).
        Rows keep only the values the query needs, so unless ``keep_objects()``
        was called before ``run()`` the bodies come from one more listing."""
        selected = self._selected_groups(groups)
        if not self._keep_objects:
            self._fill([], bodies=True)
        if None in selected:
            return [to_sdk(r.item.raw) for r in selected[None]]
        return {
            str(n): [to_sdk(r.item.raw) for r in rows] for n, rows in selected.items()
        }

    def to_string(
        self,
        title: str | None = None,
        groups: Sequence[str] | None = None,
        include_group_titles: bool = True,
        tablefmt: str = "grid",
    ) -> str:
        """Plain-text table(s) via ``tabulate`` (``tablefmt`` as tabulate takes)."""
        columns, tables = self._tables(groups)
        return render.to_string(
            columns,
            tables,
            title,
            include_group_titles,
            tablefmt,
            self._group.column if self._group else None,
        )

    def to_html(
        self,
        title: str | None = None,
        groups: Sequence[str] | None = None,
        include_group_titles: bool = True,
    ) -> str:
        """Escaped HTML table(s), suitable for an email body."""
        columns, tables = self._tables(groups)
        return render.to_html(
            columns,
            tables,
            title,
            include_group_titles,
            self._group.column if self._group else None,
        )

    def to_csv(
        self, path: str | Path | None = None, groups: Sequence[str] | None = None
    ) -> str:
        """CSV text (a leading ``group`` column when grouped); also written to
        ``path`` when given."""
        columns, tables = self._tables(groups)
        text = render.to_csv(columns, tables)
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    def to_json(self, pretty: bool = False, groups: Sequence[str] | None = None) -> str:
        """``to_props()`` as JSON text."""
        return render.to_json(self.to_props(groups=groups), pretty=pretty)

    # ---------------------------------------------------------------- chaining
    def then(
        self, query_type: str | ResourceType, keep_previous_results: bool = True
    ) -> Query:
        """A new query of ``query_type`` restricted to the items linked to this
        query's results (all of them, grouped or not). With
        ``keep_previous_results`` each new row also carries the linked previous
        row's columns (``<type>.<column>``), one row per linked pair."""
        rows = self.ordered_rows()
        target = resolve_type(query_type)
        self._ensure_enrichments([self._type.link_to(target).source_prop])
        nxt = Query(target)
        nxt.upstream_names = self.upstream_names
        nxt._chain = chaining.follow(self, rows, target, keep_previous_results)
        return nxt

    def append_from(
        self, query_type: str | ResourceType, cloud: Any, *props: str
    ) -> Query:
        """Add linked resources' properties to every row as ``<type>.<prop>``
        columns: one listing of the linked type restricted to the linked keys,
        joined in memory. Many-to-one keeps every row; to-many links give lists."""
        rows = self._require_run("append_from()")
        target = resolve_type(query_type)
        link = self._type.link_to(target)
        wanted = [
            target.properties.get(property_name(target, p, self.upstream_names))
            for p in _flatten(props)
        ]
        if not wanted:
            raise QueryError("append_from needs at least one property to add")
        self._ensure_enrichments([link.source_prop])
        keys = chaining.link_keys(self, rows, link.source_prop)
        restriction = chaining.restrict(target, link, keys)
        linked = None
        if restriction is not None:
            assert self._options is not None
            linked = Query(target)
            linked._chain = chaining.Restriction(restriction)
            linked.select(*(p.name for p in wanted))
            linked.run(cloud, **target.linked_run_scope(self._options))
        for name in chaining.attach(self, rows, link, target, wanted, linked):
            if name not in self._extra_columns:
                self._extra_columns.append(name)
        self._invalidate()
        return self


def _is_whole(item: Item) -> bool:
    """Whether ``item`` still holds its whole API body (not a slimmed view)."""
    raw = item.raw
    return not isinstance(raw, BodyView) or not raw.is_slim


def _flatten(values: Iterable[Any]) -> list[Any]:
    """Flatten one level of lists/tuples in variadic arguments."""
    flat: list[Any] = []
    for value in values:
        if isinstance(value, list | tuple | set | frozenset):
            flat.extend(value)
        else:
            flat.append(value)
    return flat
