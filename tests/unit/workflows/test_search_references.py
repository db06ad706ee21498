"""Unknown names (issue 12, item 1): a search on an id property (``domain_id``,
``project_id``, ``owner``...) given a NAME resolves it to the id, and a value that is
neither an id nor a name fails naming ``values`` instead of returning nothing."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from pack_common import InputError
from workflows import search
from workflows.search_support import REFERENCES, resolve_references, searchable

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "openstack_query"))
from query_fakes import FakeConn, server

P_WEB = "0" * 31 + "1"
P_OLD = "0" * 31 + "2"
P_TWIN_A = "0" * 31 + "3"
P_TWIN_B = "0" * 31 + "4"
DELETED = "f" * 32


def conn() -> FakeConn:
    return FakeConn(
        domains=[
            {"id": "default", "name": "Default"},
            {"id": "d" * 32, "name": "research"},
        ],
        projects=[
            {"id": P_WEB, "name": "web-shop", "domain_id": "default"},
            {"id": P_OLD, "name": "legacy", "domain_id": "default"},
            {"id": P_TWIN_A, "name": "twin", "domain_id": "default"},
            {"id": P_TWIN_B, "name": "twin", "domain_id": "d" * 32},
        ],
        users=[
            {"id": "a" * 32, "name": "alice", "domain_id": "default"},
            {"id": "b" * 32, "name": "bob", "domain_id": "d" * 32},
        ],
        servers=[
            server("s1", "web-1", project=P_WEB),
            server("s2", "old-1", project=P_OLD),
            server("s3", "orphan", project=DELETED),
        ],
    )


def names(rows: list[dict[str, Any]]) -> list[str]:
    return sorted(r["name"] for r in rows)


def test_every_reference_is_a_searchable_property() -> None:
    for type_name, prop in REFERENCES:
        assert prop in searchable(type_name, "property"), (type_name, prop)


@pytest.mark.fault(1)
def test_domain_id_given_a_domain_name_finds_its_users() -> None:
    c = conn()
    rows = search.user_by_property(
        c,
        "domain_id",
        ["Default"],
        output_type="to_props",
        properties_to_select=["name"],
    )
    assert names(rows) == ["alice"]
    rows = search.user_by_property(c, "domain_id", ["research"], output_type="to_props")
    assert [(r["name"], r["domain_id"]) for r in rows] == [("bob", "d" * 32)]


@pytest.mark.fault(1)
def test_an_unknown_domain_name_fails_naming_values_and_the_known_ones() -> None:
    with pytest.raises(InputError) as caught:
        search.user_by_property(conn(), "domain_id", ["Defualt"])
    assert caught.value.parameter == "values"
    assert "no domain with the name or id 'Defualt'" in str(caught.value)
    assert "known: Default, research" in str(caught.value)


@pytest.mark.fault(1)
def test_project_id_given_a_project_name_finds_its_servers() -> None:
    rows = search.server_by_property(
        conn(), "project_id", ["web-shop", P_OLD], output_type="to_props",
        all_projects=True,
    )  # fmt: skip
    assert names(rows) == ["old-1", "web-1"]


@pytest.mark.fault(1)
def test_an_id_of_a_deleted_project_is_searched_as_given() -> None:
    rows = search.server_by_property(
        conn(), "project_id", [DELETED, "legacy"], output_type="to_props",
        all_projects=True,
    )  # fmt: skip
    assert names(rows) == ["old-1", "orphan"]


@pytest.mark.fault(1)
def test_ids_alone_need_no_listing() -> None:
    c = conn()
    search.server_by_property(c, "project_id", [P_WEB], all_projects=True)
    assert "identity.projects" not in c.names()


@pytest.mark.fault(1)
@pytest.mark.parametrize(
    ("type_name", "prop", "value", "message"),
    [
        ("servers", "project_id", "no-such-project", "no project with the name"),
        ("projects", "domain_id", "no-such-domain", "no domain with the name"),
        ("projects", "parent_id", "nobody", "no project or domain with the name"),
        ("users", "default_project_id", "ghost", "no project with the name"),
        ("servers", "user_id", "mallory", "no user with the name"),
        ("images", "owner", "ghost", "no project with the name"),
        ("servers", "project_id", "twin", f"ids {P_TWIN_A}, {P_TWIN_B}); give the id"),
    ],
)
def test_unknown_or_ambiguous_names_fail_naming_values(
    type_name: str, prop: str, value: str, message: str
) -> None:
    with pytest.raises(InputError) as caught:
        resolve_references(conn(), type_name, prop, [value])
    assert caught.value.parameter == "values"
    assert message in str(caught.value)


@pytest.mark.fault(1)
def test_parent_id_may_name_a_domain_or_a_project() -> None:
    c = conn()
    assert resolve_references(c, "projects", "parent_id", ["research"]) == ["d" * 32]
    assert resolve_references(c, "projects", "parent_id", ["legacy"]) == [P_OLD]


def test_properties_that_are_not_references_are_left_alone() -> None:
    c = conn()
    assert resolve_references(c, "servers", "name", ["web-1"]) == ["web-1"]
    assert c.calls == []
