"""The query types, by name and alias (upstream openstackquery's included)."""

from __future__ import annotations

from openstack_query.errors import UnknownQueryTypeError
from openstack_query.resource_type import ResourceType
from openstack_query.resources.aggregates import AGGREGATES
from openstack_query.resources.flavors import FLAVORS
from openstack_query.resources.hypervisors import HYPERVISORS
from openstack_query.resources.images import IMAGES
from openstack_query.resources.projects import PROJECTS
from openstack_query.resources.servers import SERVERS
from openstack_query.resources.users import USERS
from openstack_query.upstream import QUERY_TYPES, upstream_names

ALL_TYPES: tuple[ResourceType, ...] = (
    SERVERS,
    USERS,
    PROJECTS,
    FLAVORS,
    IMAGES,
    HYPERVISORS,
    AGGREGATES,
)

_BY_NAME: dict[str, ResourceType] = {}
#: Upstream property names that name a different property here, per type: only
#: the ``openstack_query.compat`` queries read them with upstream's meaning.
UPSTREAM_CONFLICTS: dict[str, dict[str, str]] = {}
for _type in ALL_TYPES:
    for _key in (
        _type.name,
        _type.query_name,
        _type.label,
        *_type.aliases,
        *QUERY_TYPES[_type.name],
    ):
        _BY_NAME[_key.lower()] = _type
    UPSTREAM_CONFLICTS[_type.name] = _type.properties.add_aliases(
        upstream_names(_type.name)
    )


def resolve_type(name: str | ResourceType) -> ResourceType:
    """The query type named ``name`` (``"SERVER_QUERY"``, ``"servers"``, ...)."""
    if isinstance(name, ResourceType):
        return name
    found = _BY_NAME.get(str(name).strip().lower()) if name is not None else None
    if found is None:
        known = ", ".join(t.query_name for t in ALL_TYPES)
        raise UnknownQueryTypeError(f"unknown query type {name!r} (known: {known})")
    return found
