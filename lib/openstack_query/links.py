"""How query types relate, for ``then()`` and ``append_from()``.

A link joins a source property to a target property; either side may be a list
(a user's projects, an aggregate's hosts), and the link says whether one source row
can match several targets (``many``).
"""

from __future__ import annotations

from dataclasses import dataclass

from openstack_query.errors import ChainError
from openstack_query.resource_type import ResourceType


@dataclass(frozen=True)
class Link:
    """``source.source_prop`` equals (or, for lists, contains) ``target.target_prop``."""

    source: str
    source_prop: str
    target: str
    target_prop: str
    many: bool


# (type a, prop of a, type b, prop of b, a->b is to-many, b->a is to-many)
_PAIRS: tuple[tuple[str, str, str, str, bool, bool], ...] = (
    ("servers", "user_id", "users", "id", False, True),
    ("servers", "project_id", "projects", "id", False, True),
    ("servers", "flavor_name", "flavors", "name", False, True),
    ("servers", "image_id", "images", "id", False, True),
    ("servers", "hypervisor_name", "hypervisors", "name", False, True),
    ("users", "project_ids", "projects", "id", True, True),
    ("hypervisors", "host", "aggregates", "hosts", True, True),
)

LINKS: dict[tuple[str, str], Link] = {}
for _a, _pa, _b, _pb, _ab_many, _ba_many in _PAIRS:
    LINKS[(_a, _b)] = Link(_a, _pa, _b, _pb, _ab_many)
    LINKS[(_b, _a)] = Link(_b, _pb, _a, _pa, _ba_many)


def find_link(source: ResourceType, target: ResourceType) -> Link:
    """The link from ``source`` to ``target``, or ``ChainError`` listing the types
    ``source`` does link to."""
    link = LINKS.get((source.name, target.name))
    if link is None:
        reachable = sorted(b for (a, b) in LINKS if a == source.name)
        raise ChainError(
            f"{source.query_name} is not linked to {target.query_name} "
            f"(it links to: {', '.join(reachable)})"
        )
    return link
