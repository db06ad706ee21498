"""Typed lookups: ``named.find_unique`` raises ``UnknownName``/``AmbiguousName``,
which the caller turns into the input error naming its parameter or the config
error naming its key."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from openstack_api.errors import AmbiguousName, NameLookupError, UnknownName
from openstack_api.lookup import find_unique
from pack_common import ConfigError, InputError

ITEMS = [
    SimpleNamespace(id="n-1", name="net", project_id="p-1"),
    SimpleNamespace(id="n-2", name="dup", project_id="p-1"),
    SimpleNamespace(id="n-3", name="dup", project_id="p-2"),
    SimpleNamespace(id="n-4", name="net-2", project_id="p-1"),
]


def find(identifier: Any) -> Any:
    return find_unique(
        identifier,
        "network",
        lambda i: next((n for n in ITEMS if n.id == i), None),
        lambda name: [n for n in ITEMS if name in n.name],  # a pattern filter
        lambda n: f"project {n.project_id}",
    )


def test_an_id_or_a_unique_name_finds_the_object() -> None:
    assert find("n-3").id == "n-3"
    assert find(" net ").id == "n-1"  # re-checked exactly, not as a pattern


@pytest.mark.parametrize("identifier", ["nope", "", "  ", None])
def test_no_match_is_unknown_name(identifier: Any) -> None:
    with pytest.raises(UnknownName) as error:
        find(identifier)
    assert error.value.kind == "network"
    assert "network" in error.value.reason


def test_several_matches_are_ambiguous_with_the_candidates() -> None:
    with pytest.raises(AmbiguousName) as error:
        find("dup")
    assert error.value.candidates == [
        "dup [n-2] (project p-1)",
        "dup [n-3] (project p-2)",
    ]
    assert "use an id" in error.value.reason


def test_the_caller_names_the_parameter_or_the_config_key() -> None:
    error: NameLookupError = UnknownName("role", "admn")
    as_input = error.for_parameter("role")
    assert isinstance(as_input, InputError)
    assert as_input.parameter == "role"
    assert str(as_input) == "parameter 'role': no role with name or id 'admn'"
    as_config = error.for_config("project_roles.admin_role")
    assert isinstance(as_config, ConfigError)
    assert str(as_config) == (
        "pack config 'project_roles.admin_role': no role with name or id 'admn'"
    )
