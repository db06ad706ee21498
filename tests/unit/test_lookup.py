"""openstack_api.lookup: id first, then an exact name; ambiguity is an error."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from openstack import exceptions

from openstack_api.lookup import find_one, not_found_as_none
from pack_common import InputError

PROJECTS = [
    SimpleNamespace(id="p1", name="web", domain_id="default"),
    SimpleNamespace(id="p2", name="data", domain_id="default"),
    SimpleNamespace(id="p3", name="data", domain_id="research"),
    SimpleNamespace(id="p4", name="data-old", domain_id="default"),
]


def by_id(identifier: str) -> Any | None:
    return next((p for p in PROJECTS if p.id == identifier), None)


def by_name(name: str) -> list[Any]:
    # like some APIs, a loose (prefix) match: find_one must re-check exactly
    return [p for p in PROJECTS if p.name.startswith(name)]


def find(identifier: str) -> Any:
    return find_one(
        "project", identifier, "project", by_id, by_name, lambda p: p.domain_id
    )


def test_id_wins_then_exact_name() -> None:
    assert find("p2").id == "p2"
    assert find("web").id == "p1"
    assert find("data-old").id == "p4"


def test_ambiguous_name_lists_candidates() -> None:
    with pytest.raises(InputError) as err:
        find("data")
    message = str(err.value)
    assert message.startswith("parameter 'project': 2 projects are named 'data'")
    assert "data [p2] (default)" in message and "data [p3] (research)" in message


@pytest.mark.parametrize("identifier", ["nosuch", "", "   "])
def test_unknown_or_empty_names_the_parameter(identifier: str) -> None:
    with pytest.raises(InputError, match="parameter 'project'"):
        find(identifier)


def test_not_found_as_none() -> None:
    def fetch(identifier: str) -> str:
        if identifier == "bad":
            raise exceptions.NotFoundException("404")
        return identifier

    wrapped = not_found_as_none(fetch)
    assert wrapped("ok") == "ok"
    assert wrapped("bad") is None
