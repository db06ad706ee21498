"""Small servers on 127.0.0.1 that fail on purpose, for the failure-contract tests.

- ``FaultyCloud``: Keystone (token with a catalog pointing back at itself, projects,
  domains) and Nova (version discovery, paginated server listing). ``fail(match,
  fault)`` makes every request whose ``"METHOD /path?query"`` contains ``match``
  answer with ``fault`` instead.
- ``FaultyHub``: a JupyterHub API whose every request gets the fault.
- ``FaultySMTP``: an SMTP server that greets with 421 or hangs up at once.
- ``closed_port()``: a port on 127.0.0.1 nothing listens on.
- ``RESET_REACHES_CLIENTS``: whether a client sees a reset as one (not under eventlet).

A fault is ``Status(code, message)`` (a JSON error body as OpenStack and JupyterHub
send), ``CLOSE`` (close without answering), ``RESET`` (TCP reset) or ``HANG``
(answer nothing until the server stops).
"""

from __future__ import annotations

import json
import socket
import struct
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PROJECT_ID = "0123456789abcdef0123456789abcdef"
CLOSE = "close"
RESET = "reset"
HANG = "hang"


@dataclass(frozen=True)
class Status:
    """Answer with this HTTP status and ``{"<key>": {"message": ...}}``."""

    code: int
    message: str = "injected failure"


Fault = Status | str


def _resets_reach_clients() -> bool:
    """Whether a TCP reset reaches a client as a reset.

    Not under eventlet's monkey patch, which importing StackStorm's ``st2tests``
    applies (so under ``st2-run-pack-tests``): a green socket reads ECONNRESET as the
    end of the stream, so a reset looks like a close without a response. StackStorm
    does not patch the python runner's action process, where resets stay resets.
    """
    try:
        from eventlet import patcher
    except ImportError:
        return True
    return not patcher.is_monkey_patched("socket")


RESET_REACHES_CLIENTS = _resets_reach_clients()


def closed_port() -> int:
    """A TCP port on 127.0.0.1 with nothing listening (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _FaultyServer:
    """A threaded HTTP server whose handler consults ``fault_for``."""

    def __init__(self) -> None:
        self.faults: list[tuple[str, Fault]] = []
        self.requests: list[str] = []
        self.stopped = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                owner._handle(self, "GET")

            def do_POST(self) -> None:
                owner._handle(self, "POST")

            def do_PUT(self) -> None:
                owner._handle(self, "PUT")

            def do_DELETE(self) -> None:
                owner._handle(self, "DELETE")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def fail(self, match: str, fault: Fault) -> None:
        """Requests whose ``"METHOD /path?query"`` contains ``match`` get ``fault``."""
        self.faults.append((match, fault))

    def stop(self) -> None:
        """Stop serving (hung requests are released)."""
        self.stopped.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        line = f"{method} {handler.path}"
        self.requests.append(line)
        fault = next((f for m, f in self.faults if m in line), None)
        if fault is None:
            code, doc, headers = self.answer(method, handler.path, body)
        elif isinstance(fault, Status):
            code, doc, headers = fault.code, self.error_body(fault), {}
        else:
            self._break(handler, fault)
            return
        payload = json.dumps(doc).encode()
        handler.send_response(code)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(payload)))
        for key, value in headers.items():
            handler.send_header(key, value)
        handler.end_headers()
        handler.wfile.write(payload)

    def _break(self, handler: BaseHTTPRequestHandler, fault: str) -> None:
        """Answer nothing: hang, close, or reset the connection."""
        if fault == HANG:
            self.stopped.wait(30)
        if fault == RESET:
            handler.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
        handler.close_connection = True
        handler.connection.close()

    def error_body(self, fault: Status) -> dict[str, Any]:
        """The JSON body of an injected error status (Keystone's and Nova's shape:
        the message one level down)."""
        return {"error": {"code": fault.code, "message": fault.message}}

    def answer(
        self, method: str, path: str, body: bytes
    ) -> tuple[int, Any, dict[str, str]]:
        """The normal answer; subclasses serve their API."""
        return 404, {"message": "not found"}, {}


class FaultyCloud(_FaultyServer):
    """Keystone v3 at ``/v3`` and Nova at ``/compute/v2.1``: enough for searches
    and listings. One project (``demo``), no domains, two pages of servers (the
    second asked with ``marker=``). The token's roles are ``roles`` (``member``
    unless a test says otherwise)."""

    roles: tuple[str, ...] = ("member",)

    @property
    def auth_url(self) -> str:
        """Keystone's URL."""
        return f"{self.url}/v3"

    def answer(
        self, method: str, path: str, body: bytes
    ) -> tuple[int, Any, dict[str, str]]:
        route = path.split("?", 1)[0].rstrip("/")
        if route == "/v3/auth/tokens" and method == "POST":
            return 201, self._token(), {"X-Subject-Token": "faulty-token"}
        if route == "/v3":
            return 200, {"version": self._version("v3.14", self.auth_url)}, {}
        if route == "/v3/projects":
            project = {"id": PROJECT_ID, "name": "demo", "domain_id": "default"}
            return 200, {"projects": [project], "links": {"next": None}}, {}
        if route.startswith("/v3/domains"):
            if route == "/v3/domains":
                return 200, {"domains": [], "links": {"next": None}}, {}
            return 404, {"error": {"code": 404, "message": "no such domain"}}, {}
        if route in ("/compute", "/compute/v2.1"):
            nova = self._version("v2.1", f"{self.url}/compute/v2.1")
            nova.update(version="2.90", min_version="2.1")
            return 200, {"version": nova}, {}
        if route == "/compute/v2.1/servers/detail":
            return 200, self._servers(path), {}
        return 404, {"itemNotFound": {"code": 404, "message": "not here"}}, {}

    def _servers(self, path: str) -> dict[str, Any]:
        """Page one (vm1, with a next link), page two (vm2) after vm1's marker,
        nothing after vm2's."""
        if f"marker={_server_id(2)}" in path:
            return {"servers": []}
        second_page = f"marker={_server_id(1)}" in path
        server = {
            "id": _server_id(2 if second_page else 1),
            "name": "vm2" if second_page else "vm1",
            "status": "ACTIVE",
            "tenant_id": PROJECT_ID,
            "user_id": "u1",
            "created": "2024-01-01T00:00:00Z",
            "updated": "2024-01-01T00:00:00Z",
            "flavor": {"original_name": "m1.small"},
            "image": "",
            "addresses": {},
            "metadata": {},
        }
        doc: dict[str, Any] = {"servers": [server]}
        if not second_page:
            doc["servers_links"] = [
                {
                    "rel": "next",
                    "href": f"{self.url}/compute/v2.1/servers/detail?marker="
                    + server["id"],
                }
            ]
        return doc

    def _version(self, version_id: str, href: str) -> dict[str, Any]:
        return {
            "id": version_id,
            "status": "CURRENT",
            "links": [{"rel": "self", "href": href + "/"}],
        }

    def _token(self) -> dict[str, Any]:
        def service(kind: str, name: str, url: str) -> dict[str, Any]:
            return {
                "type": kind,
                "name": name,
                "id": kind,
                "endpoints": [
                    {
                        "id": f"{kind}-public",
                        "interface": "public",
                        "region": "RegionOne",
                        "region_id": "RegionOne",
                        "url": url,
                    }
                ],
            }

        domain = {"id": "default", "name": "Default"}
        return {
            "token": {
                "methods": ["password"],
                "expires_at": "2099-01-01T00:00:00.000000Z",
                "issued_at": "2024-01-01T00:00:00.000000Z",
                "user": {"id": "u1", "name": "ops", "domain": domain},
                "project": {"id": PROJECT_ID, "name": "demo", "domain": domain},
                "roles": [
                    {"id": f"r{n}", "name": name} for n, name in enumerate(self.roles)
                ],
                "catalog": [
                    service("identity", "keystone", self.auth_url),
                    service("compute", "nova", f"{self.url}/compute/v2.1"),
                ],
            }
        }


def _server_id(number: int) -> str:
    """The id of server ``vm<number>``."""
    return f"22222222-2222-2222-2222-22222222222{number}"


class FaultyHub(_FaultyServer):
    """A JupyterHub API (``/hub/api``) whose requests all get the injected fault."""

    def error_body(self, fault: Status) -> dict[str, Any]:
        """JupyterHub's error body."""
        return {"status": fault.code, "message": fault.message}


class FaultySMTP:
    """An SMTP server that greets with ``421`` (``greeting``) or, with
    ``greeting=None``, closes every connection at once."""

    def __init__(self, greeting: str | None = "421 4.3.2 too busy, try later") -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.sock.getsockname()[1])
        self.greeting = greeting
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            with client:
                if self.greeting:
                    client.sendall(f"{self.greeting}\r\n".encode())

    def stop(self) -> None:
        """Stop accepting connections."""
        self.sock.close()
