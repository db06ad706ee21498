"""The query types, by name and alias."""

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
for _type in ALL_TYPES:
    for _key in (_type.name, _type.query_name, _type.label, *_type.aliases):
        _BY_NAME[_key.lower()] = _type


def resolve_type(name: str | ResourceType) -> ResourceType:
    """The query type named ``name`` (``"SERVER_QUERY"``, ``"servers"``, ...)."""
    if isinstance(name, ResourceType):
        return name
    found = _BY_NAME.get(str(name).strip().lower()) if name is not None else None
    if found is None:
        known = ", ".join(t.query_name for t in ALL_TYPES)
        raise UnknownQueryTypeError(f"unknown query type {name!r} (known: {known})")
    return found
