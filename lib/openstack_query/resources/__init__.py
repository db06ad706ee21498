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


def _check_links(types: tuple[ResourceType, ...]) -> None:
    """Every link names properties both types have and is declared both ways
    (``then()`` and ``append_from()`` work in either direction)."""
    by_name = {t.name: t for t in types}
    for source in types:
        for link in source.links:
            target = by_name[link.target]
            source.properties.get(link.source_prop)
            target.properties.get(link.target_prop)
            back = [b for b in target.links if b.target == source.name]
            if [(b.source_prop, b.target_prop) for b in back] != [
                (link.target_prop, link.source_prop)
            ]:
                raise ValueError(
                    f"link {source.name}.{link.source_prop} -> "
                    f"{target.name}.{link.target_prop} has no matching reverse link"
                )


_check_links(ALL_TYPES)


def property_name(rtype: ResourceType, name: str, upstream: bool) -> str:
    """``name`` as given, or under upstream openstackquery's meaning (``upstream``:
    ``openstack_query.compat`` queries) the name of the property here that has
    upstream's meaning of it."""
    if upstream and isinstance(name, str):
        return UPSTREAM_CONFLICTS[rtype.name].get(name.strip().lower(), name)
    return name


def resolve_type(name: str | ResourceType) -> ResourceType:
    """The query type named ``name`` (``"SERVER_QUERY"``, ``"servers"``, ...)."""
    if isinstance(name, ResourceType):
        return name
    found = _BY_NAME.get(str(name).strip().lower()) if name is not None else None
    if found is None:
        known = ", ".join(t.query_name for t in ALL_TYPES)
        raise UnknownQueryTypeError(f"unknown query type {name!r} (known: {known})")
    return found
