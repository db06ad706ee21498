"""Resolve a name or id to one object, raising typed errors.

``find_unique`` is the lookup rule of the pack (an id match wins; a name matching
several objects is refused with the candidates, so nothing acts on a guess) without
knowing where the name came from: it raises ``UnknownName`` or ``AmbiguousName``
(``openstack_api.errors``) and the caller names the action parameter
(``error.for_parameter``) or the pack config key (``error.for_config``). The
lookups here are those of names the pack config holds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from openstack.connection import Connection

from openstack_api.connection import identity_v3
from openstack_api.errors import AmbiguousName, UnknownName
from openstack_api.lookup import not_found_as_none


def find_unique(
    identifier: str,
    kind: str,
    get_by_id: Callable[[str], Any | None],
    list_by_name: Callable[[str], Iterable[Any]],
    describe: Callable[[Any], str] = lambda _resource: "",
) -> Any:
    """The single ``kind`` ``identifier`` names (an id first, then a name).

    ``get_by_id`` returns the object or None (it must swallow not-found);
    ``list_by_name`` lists objects filtered by name (re-checked here, since some
    APIs treat the filter as a pattern)."""
    if not isinstance(identifier, str) or not identifier.strip():
        raise UnknownName(kind, "")
    identifier = identifier.strip()
    found = get_by_id(identifier)
    if found is not None:
        return found
    matches = [r for r in list_by_name(identifier) if r.name == identifier]
    if not matches:
        raise UnknownName(kind, identifier)
    if len(matches) > 1:
        candidates = []
        for r in sorted(matches, key=lambda r: r.id):
            detail = describe(r)
            candidates.append(f"{r.name} [{r.id}]" + (f" ({detail})" if detail else ""))
        raise AmbiguousName(kind, identifier, candidates)
    return matches[0]


def find_role(conn: Connection, identifier: str) -> Any:
    """The Keystone role ``identifier`` names (typed errors, see module)."""
    return find_unique(
        identifier,
        "role",
        not_found_as_none(identity_v3(conn).get_role),
        lambda name: identity_v3(conn).roles(name=name),
        lambda r: f"domain {r.domain_id}" if getattr(r, "domain_id", None) else "",
    )
