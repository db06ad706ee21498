"""openstack_query: ask questions of an OpenStack cloud and render the answers.

Standalone (openstacksdk, tabulate, python-dateutil, google-re2 and the standard
library only)::

    from openstack_query import ServerQuery, UserQuery

    servers = (
        ServerQuery()
        .select("id", "name", "status", "created_at")
        .where("any_in", "status", values=["SHUTOFF"])
        .where("older_than", "created_at", days=60)
        .run("mycloud", all_projects=True)
        .append_from("USER_QUERY", "mycloud", "email")
        .group_by("user.email")
    )
    print(servers.to_string())

Every run does one listing per resource type (openstacksdk's paginating generators),
pushes down the filters the API supports and re-checks every filter locally.
"""

from __future__ import annotations

from openstack_query.errors import (
    ChainError,
    FetchError,
    PresetError,
    QueryError,
    QueryStateError,
    ScopeError,
    UnknownPropertyError,
    UnknownQueryTypeError,
)
from openstack_query.kinds import PropKind
from openstack_query.presets import Preset
from openstack_query.query import Query
from openstack_query.query_types import (
    AggregateQuery,
    FlavorQuery,
    HypervisorQuery,
    ImageQuery,
    ProjectQuery,
    ServerQuery,
    UserQuery,
)
from openstack_query.resources import ALL_TYPES, resolve_type

__all__ = [
    "ALL_TYPES",
    "AggregateQuery",
    "ChainError",
    "FetchError",
    "FlavorQuery",
    "HypervisorQuery",
    "ImageQuery",
    "Preset",
    "PresetError",
    "ProjectQuery",
    "PropKind",
    "Query",
    "QueryError",
    "QueryStateError",
    "ScopeError",
    "ServerQuery",
    "UnknownPropertyError",
    "UnknownQueryTypeError",
    "UserQuery",
    "query",
    "resolve_type",
]


def query(query_type: str) -> Query:
    """A query by type name or alias (``"SERVER_QUERY"``, ``"servers"``, ...)."""
    return Query(query_type)
