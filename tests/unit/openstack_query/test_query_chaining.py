"""then() and append_from(): links, batching, many-to-one and to-many joins."""

from __future__ import annotations

import pytest
from query_fakes import FakeConn, server

from openstack_query import ChainError, ProjectQuery, ServerQuery, UserQuery


def estate() -> FakeConn:
    return FakeConn(
        servers=[
            server("s1", "a", "SHUTOFF", user="u1", project="p1"),
            server("s2", "b", "SHUTOFF", user="u1", project="p2"),
            server("s3", "c", "ACTIVE", user="u2", project="p1"),
            server("s4", "d", "SHUTOFF", user="u3", project="p2"),
        ],
        users=[
            {"id": "u1", "name": "ann", "email": "ann@x", "domain_id": "d1"},
            {"id": "u2", "name": "bob", "email": "bob@x", "domain_id": "d2"},
            {"id": "u3", "name": "cat", "email": None, "domain_id": "d1"},
        ],
        projects=[{"id": "p1", "name": "alpha"}, {"id": "p2", "name": "beta"}],
        role_assignments=[
            {
                "user": {"id": "u1"},
                "scope": {"project": {"id": "p1"}},
                "role": {"id": "r"},
            },
            {
                "user": {"id": "u1"},
                "scope": {"project": {"id": "p2"}},
                "role": {"id": "r"},
            },
            {
                "user": {"id": "u2"},
                "scope": {"project": {"id": "p2"}},
                "role": {"id": "r"},
            },
        ],
    )


def test_append_from_many_to_one_keeps_every_row_one_listing() -> None:
    conn = estate()
    q = ServerQuery().select("id").where("==", "status", value="SHUTOFF")
    q.run(conn, all_projects=True)
    q.append_from("USER_QUERY", conn, "email", "name")
    q.append_from("projects", conn, "project_name")
    assert q.columns() == ["id", "user.email", "user.name", "project.name"]
    assert q.to_props() == [
        {
            "id": "s1",
            "user.email": "ann@x",
            "user.name": "ann",
            "project.name": "alpha",
        },
        {"id": "s2", "user.email": "ann@x", "user.name": "ann", "project.name": "beta"},
        {"id": "s4", "user.email": None, "user.name": "cat", "project.name": "beta"},
    ]
    assert conn.names() == ["compute.servers", "identity.users", "identity.projects"]


def test_group_by_appended_column() -> None:
    conn = estate()
    q = ServerQuery().select("id").where("==", "status", value="SHUTOFF").run(conn)
    q.append_from("users", conn, "email").group_by("user.email")
    assert q.to_props() == {
        "ann@x": [
            {"id": "s1", "user.email": "ann@x"},
            {"id": "s2", "user.email": "ann@x"},
        ],
        "(none)": [{"id": "s4", "user.email": None}],
    }


def test_append_from_to_many_gives_lists() -> None:
    conn = estate()
    q = UserQuery().select("name").sort_by("name").run(conn)
    q.append_from("servers", conn, "name")
    assert q.to_props() == [
        {"name": "ann", "server.name": ["a", "b"]},
        {"name": "bob", "server.name": ["c"]},
        {"name": "cat", "server.name": ["d"]},
    ]


def test_then_restricts_and_keeps_previous_on_grouped_query() -> None:
    conn = estate()
    users = UserQuery().select("name").where("==", "domain_id", value="d1")
    users.group_by("name").run(conn)
    servers = users.then("SERVER_QUERY").select("id").sort_by("id")
    servers.run(conn, all_projects=True)
    assert servers.to_props() == [
        {"id": "s1", "user.name": "ann"},
        {"id": "s2", "user.name": "ann"},
        {"id": "s4", "user.name": "cat"},
    ]
    assert conn.names().count("compute.servers") == 1


def test_then_single_key_is_pushed_down_and_without_previous() -> None:
    conn = estate()
    users = UserQuery().where("==", "name", value="bob").run(conn)
    servers = users.then("servers", keep_previous_results=False).select("id")
    assert servers.run(conn, all_projects=True).to_props() == [{"id": "s3"}]
    assert conn.calls[-1] == (
        "compute.servers",
        {"limit": 1000, "all_projects": True, "user_id": "u2"},
    )


def test_then_with_no_results_makes_no_call() -> None:
    conn = estate()
    users = UserQuery().where("==", "name", value="nobody").run(conn)
    calls = len(conn.calls)
    assert users.then("servers").run(conn).to_props() == []
    assert len(conn.calls) == calls


def test_user_to_project_through_role_assignments() -> None:
    conn = estate()
    projects = ProjectQuery().select("name").where("==", "name", value="beta").run(conn)
    users = projects.then("users").select("name").sort_by("name").run(conn)
    assert users.to_props() == [
        {"name": "ann", "project.name": "beta"},
        {"name": "bob", "project.name": "beta"},
    ]
    assert conn.names().count("identity.role_assignments") == 1


def test_unlinked_types_are_a_chain_error() -> None:
    q = UserQuery().run(estate())
    with pytest.raises(ChainError, match="USER_QUERY is not linked to FLAVOR_QUERY"):
        q.then("flavors")


def big_estate(servers: int = 3000, users: int = 600) -> FakeConn:
    return FakeConn(
        servers=[
            server(
                f"s{i}",
                f"vm{i}",
                "SHUTOFF" if i % 3 else "ACTIVE",
                user=f"u{i % users}",
                project=f"p{i % 50}",
            )
            for i in range(servers)
        ],
        users=[
            {
                "id": f"u{i}",
                "name": f"n{i}",
                "email": f"{i}@x",
                "domain_id": f"d{i % 2}",
            }
            for i in range(users)
        ],
        projects=[{"id": f"p{i}", "name": f"proj{i}"} for i in range(50)],
    )


def test_chains_make_one_listing_per_type_whatever_the_key_count() -> None:
    conn = big_estate()
    q = ServerQuery().select("id").where("==", "status", value="SHUTOFF")
    q.run(conn, all_projects=True)
    q.append_from("USER_QUERY", conn, "email").append_from("projects", conn, "name")
    q.group_by("user.email")
    q.to_html(groups=[next(iter(q.grouped_rows() or {}))])
    assert conn.names() == ["compute.servers", "identity.users", "identity.projects"]
    # users u0, u3, ... own only ACTIVE servers
    assert len(q) == 2000 and len(q.grouped_rows() or {}) == 400
    row = q.to_props()["1@x"][0]  # type: ignore[index]
    assert row == {"id": "s1", "user.email": "1@x", "project.name": "proj1"}

    conn.calls.clear()
    users = UserQuery().select("name").where("==", "domain_id", value="d1").run(conn)
    servers = users.then("servers").select("id").run(conn, all_projects=True)
    # 300 user ids: one server listing filtered locally, never one per user
    assert conn.names() == ["identity.users", "compute.servers"]
    assert "user_id" not in conn.calls[-1][1]
    assert len(servers.to_props()) == 1500
    assert {r["user.name"] for r in servers.to_props()} == {
        f"n{i}" for i in range(1, 600, 2)
    }
