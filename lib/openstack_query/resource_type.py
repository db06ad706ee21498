"""What a query type is: its properties, default columns and how it fetches.

The fetcher yields *candidates* one at a time as the listing's pages arrive: it
pushes down what the API can filter, and the query checks every filter locally on
each candidate as it comes, keeping only the rows that pass (slimmed to the values
it needs), so a filter the server ignores can never leak rows and memory follows
what is kept, not what is listed. Enrichments (data beyond the listing) are then
added to the kept rows only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from openstack_query.filters import Filter
from openstack_query.properties import Item, PropertySet


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
    #: listing streams.
    listing_enrichments: frozenset[str] = frozenset()
    #: Body keys a kept (slim) row still holds, for ``enrich`` and enrichment-based
    #: properties to read.
    slim_keys: tuple[str, ...] = ("id",)
