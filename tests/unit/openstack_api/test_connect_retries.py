"""A request on a connection the server closes without answering is retried, if
its method is idempotent.

Servers and load balancers close idle keep-alive connections; a request sent on one
at that moment fails with "Remote end closed connection without response" although
nothing was processed. The pack's connections retry such a request
(``CONNECT_RETRIES``), but only for idempotent methods: a POST whose reply was lost
may have created something, and is sent once. The fault is injected by a small HTTP
server on 127.0.0.1 that drops the first request to ``/servers`` unanswered.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import openstack
import pytest
from keystoneauth1 import exceptions as ksa_exceptions

from openstack_api.connection import CONNECT_RETRIES, CloudAccount, connect
from openstack_query.connect import open_connection


class DropFirstServer:
    """Answers Nova version discovery and ``GET /servers``; drops the first one."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.requests: list[str] = []
        self.dropped = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            with client:
                line = client.recv(65536).split(b"\r\n", 1)[0].decode()
                self.requests.append(line)
                path = line.split(" ")[1]
                if path.endswith("/servers") and not self.dropped:
                    self.dropped += 1
                    continue  # closed without a response
                client.sendall(self._response(path))

    def _response(self, path: str) -> bytes:
        if path.rstrip("/").endswith("/v2.1"):
            doc = {
                "version": {
                    "id": "v2.1",
                    "status": "CURRENT",
                    "min_version": "2.1",
                    "version": "2.90",
                    "links": [{"rel": "self", "href": f"{self.url}/"}],
                }
            }
        else:
            doc = {"servers": []}
        body = json.dumps(doc).encode()
        head = (
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        return head.encode() + body

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v2.1"


@pytest.fixture
def server() -> Iterator[DropFirstServer]:
    srv = DropFirstServer()
    yield srv
    srv.sock.close()


_NO_AUTH = {
    "load_yaml_config": False,
    "load_envvars": False,
    "auth_type": "none",
    "connect_retry_delay": 0.01,
}


def _connect(url: str, retries: int) -> openstack.connection.Connection:
    """A plain openstacksdk connection (keystoneauth's own retry behaviour)."""
    return openstack.connect(
        compute_endpoint_override=url, connect_retries=retries, **_NO_AUTH
    )


def _pack_connect(url: str) -> openstack.connection.Connection:
    """A connection as the pack opens them."""
    return open_connection(compute_endpoint_override=url, **_NO_AUTH)


def test_dropped_request_is_retried_with_the_pack_setting(
    server: DropFirstServer,
) -> None:
    conn = _pack_connect(server.url)
    response = conn.compute.get("/servers")
    assert response.json() == {"servers": []}
    assert server.dropped == 1
    assert server.requests.count("GET /v2.1/servers HTTP/1.1") == 2


def test_a_post_whose_reply_was_lost_is_not_sent_again(
    server: DropFirstServer,
) -> None:
    conn = _pack_connect(server.url)
    with pytest.raises(ksa_exceptions.ConnectFailure):
        conn.compute.post("/servers", json={"server": {"name": "vm"}})
    posts = [r for r in server.requests if r.startswith("POST")]
    assert posts == ["POST /v2.1/servers HTTP/1.1"]


def test_keystoneauth_alone_would_send_the_post_twice(
    server: DropFirstServer,
) -> None:
    """Why the pack's session exists: keystoneauth retries every method."""
    conn = _connect(server.url, CONNECT_RETRIES)
    conn.compute.post("/servers", json={"server": {"name": "vm"}})
    assert server.requests.count("POST /v2.1/servers HTTP/1.1") == 2


def test_without_retries_the_same_fault_fails(server: DropFirstServer) -> None:
    """The fault is real: with no retries the request fails."""
    conn = _connect(server.url, 0)
    with pytest.raises(ksa_exceptions.ConnectFailure):
        conn.compute.get("/servers")


def test_pack_connections_carry_the_retry_setting() -> None:
    conn = CloudAccount.from_config(
        {
            "name": "prod",
            "auth_url": "http://127.0.0.1:1/v3",
            "username": "ops",
            "password": "pw",
            "project_name": "admin",
        }
    ).connect()
    try:
        assert CONNECT_RETRIES >= 1
        assert conn.config.get_connect_retries("compute") == CONNECT_RETRIES
    finally:
        conn.close()


def test_clouds_yaml_connections_carry_the_retry_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clouds = tmp_path / "clouds.yaml"
    clouds.write_text(
        "clouds:\n  lab:\n    auth:\n      auth_url: http://127.0.0.1:1/v3\n"
        "      username: ops\n      password: pw\n      project_name: admin\n"
    )
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(clouds))
    conn = connect({}, "lab")
    try:
        assert conn.config.get_connect_retries("compute") == CONNECT_RETRIES
    finally:
        conn.close()
