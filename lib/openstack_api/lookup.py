"""Find one OpenStack resource by name or id, the way operators refer to them.

Every action that takes a project, user, group, role, server, hypervisor, image or
flavor accepts either its id or its name. An id match wins; a name matching several
resources is an error listing the candidates, so an action never acts on a guess.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from openstack_api.errors import AmbiguousName, NameLookupError, UnknownName


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
    APIs treat the filter as a pattern). Raises ``UnknownName`` or
    ``AmbiguousName`` (with the candidates), which the caller turns into the error
    naming where the name came from (``for_parameter`` or ``for_config``)."""
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


def find_one(
    parameter: str,
    identifier: str,
    kind: str,
    get_by_id: Callable[[str], Any | None],
    list_by_name: Callable[[str], Iterable[Any]],
    describe: Callable[[Any], str] = lambda _resource: "",
) -> Any:
    """``find_unique`` for an action parameter: nothing or more than one match is
    an ``InputError`` naming ``parameter``."""
    try:
        return find_unique(identifier, kind, get_by_id, list_by_name, describe)
    except NameLookupError as error:
        raise error.for_parameter(parameter) from None


def not_found_as_none(fetch: Callable[[str], Any]) -> Callable[[str], Any | None]:
    """Wrap an openstacksdk ``get_*`` so a 404 (or a malformed id) yields None."""
    from openstack import exceptions

    def wrapped(identifier: str) -> Any | None:
        try:
            return fetch(identifier)
        except (exceptions.NotFoundException, exceptions.BadRequestException):
            return None

    return wrapped
