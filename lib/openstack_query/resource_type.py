"""What a query type is: its properties, default columns, how it fetches, how its
items are scoped and how it links to other types.

The generic ``Query`` knows no type by name: it asks the type. The fetcher yields
*candidates* one at a time as the listing's pages arrive: it pushes down what the
API can filter, and the query checks every filter locally on each candidate as it
comes, keeping only the rows that pass (slimmed to the values it needs), so a
filter the server ignores can never leak rows and memory follows what is kept, not
what is listed. Enrichments (data beyond the listing) are then added to the kept
rows only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from openstack_query.errors import ChainError
from openstack_query.filters import Filter
from openstack_query.properties import Item, PropertyDef, PropertySet


@dataclass(frozen=True)
class RunOptions:
    """The scope of one run, resolved to ids."""

    now: datetime
    all_projects: bool = False
    project_ids: tuple[str, ...] | None = None
    as_admin: bool = False
    domain_id: str | None = None

    @property
    def admin_scope(self) -> bool:
        """Whether admin-only API filters may be used."""
        return self.as_admin or self.all_projects or self.project_ids is not None


@dataclass(frozen=True)
class FetchRequest:
    """What a fetcher needs: the filters to push down, the scope, the enrichments."""

    filters: tuple[Filter, ...]
    options: RunOptions
    enrichments: frozenset[str] = field(default_factory=frozenset)

    def on(self, *prop_names: str) -> list[Filter]:
        """The filters on any of the given canonical property names."""
        return [f for f in self.filters if f.prop.name in prop_names]

    def single(self, prop_name: str) -> Any | None:
        """A value every result must have for ``prop_name`` (from an ``equal_to`` or a
        one-value ``any_in``), or None."""
        for f in self.on(prop_name):
            value = f.single_value()
            if value is not None:
                return value
        return None


@dataclass(frozen=True)
class Link:
    """How a type joins ``target``: the type's ``source_prop`` equals (or, when either
    side is a list, contains) ``target``'s ``target_prop``. ``many``: one item of the
    type can match several targets (a user's servers)."""

    target: str
    source_prop: str
    target_prop: str
    many: bool = False


Fetcher = Callable[[Any, FetchRequest], Iterable[Item]]
Enricher = Callable[[Any, list[Item], str, RunOptions], None]


@dataclass(frozen=True)
class ResourceType:
    """One query type (servers, users, ...)."""

    name: str
    query_name: str
    label: str
    aliases: tuple[str, ...]
    properties: PropertySet
    default_select: tuple[str, ...]
    fetch: Fetcher
    #: Adds derived data to items already fetched and filtered (run() calls it for
    #: the kept rows; also used when a chain needs a key the run did not load);
    #: None when the type has no enrichments.
    enrich: Enricher | None = None
    #: Enrichments the listing itself provides (a listing parameter, e.g. a
    #: hypervisor's servers): their properties can be read and filtered while the
    #: listing streams, and cannot be added to rows afterwards.
    listing_enrichments: frozenset[str] = frozenset()
    #: Body keys a kept (slim) row still holds, for ``enrich`` and enrichment-based
    #: properties to read.
    slim_keys: tuple[str, ...] = ("id",)
    #: The property holding the id of the project an item belongs to, re-checked
    #: locally against a run's ``from_projects`` (None: not scoped by project).
    project_prop: str | None = None
    #: The property holding the id of an item's domain, re-checked locally against
    #: a run's ``from_domain`` (None: not scoped by domain).
    domain_prop: str | None = None
    #: Whether a listing of this type made for ``append_from`` runs with the
    #: source run's project scope (``all_projects``/``from_projects``): an admin
    #: sees other projects' items only when asking for them.
    inherits_project_scope: bool = False
    #: The types this one joins, for ``then()`` and ``append_from()``.
    links: tuple[Link, ...] = ()

    def streamable(self, prop: PropertyDef) -> bool:
        """Whether ``prop`` can be read while the listing streams (it needs no
        enrichment, or one the listing itself provides)."""
        return prop.enrichment is None or prop.enrichment in self.listing_enrichments

    def in_scope(self, item: Item, options: RunOptions) -> bool:
        """Whether ``item`` lies in the run's scope (project and domain), checked
        locally so a scope filter the API ignored cannot leak rows."""
        if options.project_ids is not None and self.project_prop is not None:
            value = self.properties.get(self.project_prop).value(item)
            if value not in options.project_ids:
                return False
        if options.domain_id is not None and self.domain_prop is not None:
            value = self.properties.get(self.domain_prop).value(item)
            return bool(value == options.domain_id)
        return True

    def scope_check(self, options: RunOptions) -> Callable[[Item], bool] | None:
        """``in_scope`` for the items of a run with ``options``, or None when the
        run's scope restricts nothing of this type."""
        if (options.project_ids is None or self.project_prop is None) and (
            options.domain_id is None or self.domain_prop is None
        ):
            return None
        return lambda item: self.in_scope(item, options)

    def link_to(self, target: ResourceType) -> Link:
        """The link from this type to ``target``, or ``ChainError`` listing the
        types this one links to."""
        for link in self.links:
            if link.target == target.name:
                return link
        reachable = sorted(link.target for link in self.links)
        raise ChainError(
            f"{self.query_name} is not linked to {target.query_name} "
            f"(it links to: {', '.join(reachable)})"
        )

    def linked_run_scope(self, options: RunOptions) -> dict[str, Any]:
        """``run()`` scope arguments for a listing of this type linked from a run
        with ``options`` (see ``inherits_project_scope``)."""
        scope: dict[str, Any] = {"as_admin": options.as_admin}
        if self.inherits_project_scope:
            scope["all_projects"] = options.all_projects
            scope["from_projects"] = list(options.project_ids or []) or None
        return scope
