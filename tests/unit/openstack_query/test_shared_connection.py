"""One connection per cloud name per process: runs, append_from and chained runs by
cloud name reuse it; a connection passed in is never closed by the library."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from openstack import exceptions as sdk_exceptions
from pytest_mock import MockerFixture
from query_fakes import FakeConn, server

from openstack_query import QueryError, ServerQuery, UserQuery, connect


class ClosingFakeConn(FakeConn):
    """A ``FakeConn`` that records ``close()``."""

    def __init__(self, **data: Any) -> None:
        super().__init__(**data)
        self.closed = 0

    def close(self) -> None:
        self.closed += 1


def estate() -> dict[str, Any]:
    return {
        "servers": [server("s1", "web-1", user="u1"), server("s2", "web-2", user="u2")],
        "users": [
            {"id": "u1", "name": "ann", "email": "ann@example.org"},
            {"id": "u2", "name": "bob", "email": "bob@example.org"},
        ],
        "projects": [{"id": "p1", "name": "proj"}],
    }


@pytest.fixture
def opened(mocker: MockerFixture) -> Iterator[list[ClosingFakeConn]]:
    """Every connection ``open_connection`` makes, in order; shared ones forgotten
    before and after the test."""
    made: list[ClosingFakeConn] = []

    def fake_open(**options: Any) -> ClosingFakeConn:
        conn = ClosingFakeConn(**estate())
        made.append(conn)
        return conn

    connect.close_shared_connections()
    mocker.patch.object(
        connect, "open_connection", autospec=True, side_effect=fake_open
    )
    yield made
    connect.close_shared_connections()


def test_runs_by_name_share_one_connection_left_open(
    opened: list[ClosingFakeConn],
) -> None:
    q = ServerQuery().select("id").run("cloudA").append_from("users", "cloudA", "email")
    q.then("users").run("cloudA")
    for uid in ("u1", "u2"):
        UserQuery().where("equal_to", "id", value=uid).run("cloudA").to_props()
    assert len(opened) == 1
    assert opened[0].closed == 0
    # every call went through the one connection; a lookup by id is one GET
    assert opened[0].names().count("identity.users") == 2
    assert opened[0].names().count("identity.get users") == 2


def test_each_cloud_name_has_its_own_connection(opened: list[ClosingFakeConn]) -> None:
    ServerQuery().run("cloudA")
    ServerQuery().run("cloudB")
    ServerQuery().run("cloudA")
    assert len(opened) == 2


def test_connection_passed_in_is_never_closed(opened: list[ClosingFakeConn]) -> None:
    conn = ClosingFakeConn(**estate())
    q = ServerQuery().select("id").run(conn).append_from("users", conn, "email")
    q.then("users").run(conn).to_props()
    assert conn.closed == 0
    assert opened == []


def test_close_shared_connections_closes_and_next_use_reopens(
    opened: list[ClosingFakeConn],
) -> None:
    ServerQuery().run("cloudA")
    connect.close_shared_connections("cloudA")
    assert opened[0].closed == 1
    ServerQuery().run("cloudA")
    assert len(opened) == 2 and opened[1].closed == 0


def test_concurrent_first_use_opens_one_connection(
    opened: list[ClosingFakeConn],
) -> None:
    barrier = threading.Barrier(8)
    got: list[Any] = []

    def worker() -> None:
        barrier.wait()
        got.append(connect.shared_connection("cloudA"))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(opened) == 1
    assert len(got) == 8 and all(c is opened[0] for c in got)


def test_failed_open_is_not_remembered(mocker: MockerFixture) -> None:
    attempts: list[str] = []

    def failing_open(**options: Any) -> Any:
        attempts.append(options["cloud"])
        raise sdk_exceptions.ConfigException("no such cloud")

    connect.close_shared_connections()
    mocker.patch.object(
        connect, "open_connection", autospec=True, side_effect=failing_open
    )
    for _ in range(2):
        with pytest.raises(QueryError, match="cannot open cloud 'nowhere'"):
            ServerQuery().run("nowhere")
    assert attempts == ["nowhere", "nowhere"]
