"""Find one OpenStack resource by name or id, the way operators refer to them.

Every action that takes a project, user, group, role, server, hypervisor, image or
flavor accepts either its id or its name. An id match wins; a name matching several
resources is an error listing the candidates, so an action never acts on a guess.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pack_common import InputError


@dataclass(frozen=True)
class Candidate:
    """One resource a name matched, as shown in an ambiguity error."""

    id: str
    name: str
    detail: str = ""

    def __str__(self) -> str:
        suffix = f" ({self.detail})" if self.detail else ""
        return f"{self.name} [{self.id}]{suffix}"


def find_one(
    parameter: str,
    identifier: str,
    kind: str,
    get_by_id: Callable[[str], Any | None],
    list_by_name: Callable[[str], Iterable[Any]],
    describe: Callable[[Any], str] = lambda _resource: "",
) -> Any:
    """The single resource ``identifier`` names (an id first, then a name).

    ``get_by_id`` returns the resource or None (it must swallow not-found);
    ``list_by_name`` lists resources filtered by name (re-checked here, since some
    APIs treat the name filter as a pattern). Raises ``InputError`` naming
    ``parameter`` when nothing or more than one resource matches.
    """
    if not isinstance(identifier, str) or not identifier.strip():
        raise InputError(parameter, f"a {kind} name or id is required")
    identifier = identifier.strip()
    found = get_by_id(identifier)
    if found is not None:
        return found
    matches = [r for r in list_by_name(identifier) if r.name == identifier]
    if not matches:
        raise InputError(parameter, f"no {kind} with name or id {identifier!r}")
    if len(matches) > 1:
        listed = "; ".join(
            str(Candidate(r.id, r.name, describe(r)))
            for r in sorted(matches, key=lambda r: r.id)
        )
        raise InputError(
            parameter,
            f"{len(matches)} {kind}s are named {identifier!r}, use an id: {listed}",
        )
    return matches[0]


def not_found_as_none(fetch: Callable[[str], Any]) -> Callable[[str], Any | None]:
    """Wrap an openstacksdk ``get_*`` so a 404 (or a malformed id) yields None."""
    from openstack import exceptions

    def wrapped(identifier: str) -> Any | None:
        try:
            return fetch(identifier)
        except (exceptions.NotFoundException, exceptions.BadRequestException):
            return None

    return wrapped
