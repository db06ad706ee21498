"""Memory follows what is kept: filters run while the listing streams, kept rows hold
only the values the query needs, and what a run did not keep costs one more listing."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from typing import Any

from openstack.compute.v2.server import Server
from query_fakes import FakeConn, _Compute, server

from openstack_query import ServerQuery, UserQuery
from openstack_query.bodies import BodyView


class WatchedCompute(_Compute):
    """A compute service whose listing checks, before yielding each item, which of
    the items it yielded earlier are still alive."""

    def __init__(self, conn: FakeConn) -> None:
        super().__init__(conn, "compute")
        self.refs: list[tuple[str, weakref.ref[Any]]] = []
        #: For each yielded item, the ids of earlier items still alive then.
        self.alive_before: list[set[str]] = []

    def _list(self, resource_type: type, **kwargs: Any) -> Iterator[Any]:
        for view in super()._list(resource_type, **kwargs):
            gc.collect()
            self.alive_before.append({i for i, r in self.refs if r() is not None})
            self.refs.append((view.body["id"], weakref.ref(view)))
            yield view


def watched_conn(count: int = 6) -> tuple[FakeConn, WatchedCompute]:
    conn = FakeConn(
        servers=[
            server(f"s{i}", f"vm-{i}", "SHUTOFF" if i % 3 == 0 else "ACTIVE")
            for i in range(count)
        ],
        flavors=[{"id": "f-small", "name": "m1.small"}],
        users=[{"id": "u1", "name": "ann", "email": "ann@example.org"}],
    )
    compute = WatchedCompute(conn)
    conn.compute = compute
    return conn, compute


def test_rejected_items_are_freed_while_the_listing_streams() -> None:
    conn, compute = watched_conn()
    q = ServerQuery().select("name").where("equal_to", "status", value="SHUTOFF")
    # the fake ignores the pushed-down status, so rejects reach the query
    rows = q.run(conn).to_props()
    assert [r["name"] for r in rows] == ["vm-0", "vm-3"]
    # when item k is listed, at most item k-1 (still in the loops' variables) is
    # alive: rejected bodies are freed, and kept rows hold slim views, not bodies
    for k, alive in enumerate(compute.alive_before):
        assert alive <= {f"s{k - 1}"}, (k, alive)


def test_kept_rows_hold_only_needed_values_and_slim_bodies() -> None:
    conn, _ = watched_conn()
    q = ServerQuery().select("name").sort_by("created_at").run(conn)
    item = q.ordered_rows()[0].item
    assert item.values is not None
    # selected, sort key, id and the link keys; not e.g. addresses or metadata
    assert {"name", "created_at", "id", "user_id", "project_id"} <= set(item.values)
    assert "addresses" not in item.values and "metadata" not in item.values
    assert isinstance(item.raw, BodyView) and item.raw.is_slim
    assert set(item.raw.body) <= {"id", "flavor"}


def test_column_selected_after_run_costs_one_more_listing() -> None:
    conn, _ = watched_conn(3)
    q = ServerQuery().select("name").run(conn)
    assert conn.names() == ["compute.servers"]
    q.select("addresses")
    rows = q.to_props()
    assert rows[0]["addresses"] == server("s0", "vm-0")["addresses"]
    assert conn.names() == ["compute.servers", "compute.servers"]
    q.to_props()  # filled once
    assert conn.names().count("compute.servers") == 2


def test_to_objects_relists_unless_objects_kept() -> None:
    conn, _ = watched_conn(3)
    q = ServerQuery().where("equal_to", "name", value="vm-1").run(conn)
    objects = q.to_objects()
    assert [type(o) for o in objects] == [Server] and objects[0].id == "s1"
    assert objects[0].addresses == server("s1", "vm-1")["addresses"]
    assert conn.names().count("compute.servers") == 2

    conn, _ = watched_conn(3)
    q = ServerQuery().keep_objects().where("equal_to", "name", value="vm-1").run(conn)
    assert q.to_objects()[0].id == "s1"
    assert conn.names().count("compute.servers") == 1


def test_enrichment_runs_on_kept_rows_only() -> None:
    conn = FakeConn(
        users=[
            {"id": "u1", "name": "ann", "email": "ann@example.org"},
            {"id": "u2", "name": "bob", "email": "bob@example.org"},
        ],
        role_assignments=[
            {"user": {"id": "u1"}, "scope": {"project": {"id": "p1"}}},
            {"user": {"id": "u2"}, "scope": {"project": {"id": "p2"}}},
        ],
    )
    rows = (
        UserQuery()
        .select("name", "project_ids")
        .where("equal_to", "name", value="bob")
        .run(conn)
        .to_props()
    )
    assert rows == [{"name": "bob", "project_ids": ["p2"]}]
    # one user kept -> the assignment listing asks for that user only
    assert conn.params("identity.role_assignments")["user_id"] == "u2"


def test_filter_on_enriched_property_applies_after_enrichment() -> None:
    conn = FakeConn(
        users=[{"id": "u1", "name": "ann"}, {"id": "u2", "name": "bob"}],
        role_assignments=[
            {"user": {"id": "u1"}, "scope": {"project": {"id": "p1"}}},
            {"user": {"id": "u2"}, "scope": {"project": {"id": "p2"}}},
        ],
    )
    rows = (
        UserQuery()
        .select("name")
        .where("any_in", "project_ids", values=["p1"])
        .run(conn)
        .to_props()
    )
    assert rows == [{"name": "ann"}]


def test_user_by_id_is_one_get_not_a_listing() -> None:
    conn = FakeConn(users=[{"id": "u1", "name": "ann", "email": "a@example.org"}])
    rows = UserQuery().select("email").where("equal_to", "id", value="u1").run(conn)
    assert rows.to_props() == [{"email": "a@example.org"}]
    assert conn.names() == ["identity.get users"]
    missing = UserQuery().where("equal_to", "id", value="nope").run(conn)
    assert missing.to_props() == []


def test_chaining_uses_link_keys_that_were_not_selected() -> None:
    conn = FakeConn(
        users=[{"id": "u1", "name": "ann"}, {"id": "u2", "name": "bob"}],
        servers=[server("s1", "vm-1", user="u2"), server("s2", "vm-2", user="u1")],
    )
    users = UserQuery().select("name").where("equal_to", "name", value="bob")
    servers = users.run(conn).then("servers").select("name").run(conn)
    assert servers.to_props() == [{"name": "vm-1", "user.name": "bob"}]
    assert conn.names().count("identity.users") == 1
