"""A reply-dropping proxy in front of a real cloud, for the lost-reply tests.

``ReplyProxy(auth_url)`` listens on 127.0.0.1 in front of Keystone and forwards every
request to it. The pack finds the other services through the Keystone catalog, so
the proxy rewrites every service address (``http://host:port``) in the bodies and
``Location`` headers it relays to the address of another forwarder on 127.0.0.1,
started the first time that address is seen: after logging in through
``proxy.auth_url``, every request of the pack goes through a forwarder.

``drop("POST /v2.0/routers", times=1)`` makes the next matching request (a glob on
``"METHOD /path"``, query left out) reach the service, which carries it out; the
forwarder reads the service's answer, then closes (``CLOSE``) or resets (``RESET``)
the client's connection without relaying it: the reply is lost. ``times=None``
drops every matching reply. ``refuse(rule, status)`` answers ``status`` without
forwarding the request (a failing service). ``required_headers`` (name -> value)
makes it answer 401 to a request without them, without forwarding it (an
authenticating front such as a bearer-token gateway).

Only the standard library: one upstream connection per request, whole bodies read
and relayed with a ``Content-Length`` (no streaming: API calls only).
"""

from __future__ import annotations

import fnmatch
import http.client
import json
import re
import socket
import struct
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

CLOSE = "close"
RESET = "reset"

#: Headers that belong to one connection, never forwarded (RFC 9110, 7.6.1).
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)
_ORIGIN = re.compile(rb"https?://[A-Za-z0-9.\-]+:\d+")
#: Seconds the forwarder waits for the real service.
UPSTREAM_TIMEOUT = 120


@dataclass
class Rule:
    """What to do with requests matching ``pattern`` (glob on ``"METHOD /path"``).

    ``fault`` is ``CLOSE``/``RESET`` (forward, then lose the reply) or an HTTP
    status (answer it, forward nothing); ``times`` how many more requests it hits
    (None: every one); ``hits`` the request lines it hit.
    """

    pattern: str
    fault: str | int
    times: int | None = 1
    hits: list[str] = field(default_factory=list)

    def take(self, line: str) -> bool:
        """Whether this rule hits ``line`` now (and count it)."""
        if self.times is not None and self.times <= 0:
            return False
        if not fnmatch.fnmatchcase(line, self.pattern):
            return False
        if self.times is not None:
            self.times -= 1
        self.hits.append(line)
        return True


class ReplyProxy:
    """Forwarders on 127.0.0.1 in front of a cloud (see the module docstring)."""

    def __init__(self, auth_url: str) -> None:
        self._lock = threading.Lock()
        self._forwarders: dict[str, _Forwarder] = {}
        self.rules: list[Rule] = []
        #: Every request line seen, ``"METHOD /path"`` (query left out).
        self.seen: list[str] = []
        #: Headers a request must carry (exact value), else 401, not forwarded.
        self.required_headers: dict[str, str] = {}
        parts = urlsplit(auth_url)
        origin = f"{parts.scheme}://{parts.netloc}"
        front = self._forwarder_for(origin)
        self.auth_url = auth_url.replace(origin, front.url, 1)

    def drop(self, pattern: str, times: int | None = 1, how: str = CLOSE) -> Rule:
        """Lose the reply of the next ``times`` requests matching ``pattern``
        (None: all), after the service carried them out."""
        rule = Rule(pattern, how, times)
        with self._lock:
            self.rules.append(rule)
        return rule

    def refuse(self, pattern: str, status: int = 503, times: int | None = None) -> Rule:
        """Answer ``status`` to requests matching ``pattern`` without forwarding."""
        rule = Rule(pattern, status, times)
        with self._lock:
            self.rules.append(rule)
        return rule

    def clear(self) -> None:
        """No more faults: every request is forwarded and answered."""
        with self._lock:
            self.rules.clear()

    def stop(self) -> None:
        """Stop every forwarder."""
        with self._lock:
            forwarders = list(self._forwarders.values())
            self._forwarders.clear()
        for forwarder in forwarders:
            forwarder.stop()

    # --- used by the forwarders ---------------------------------------------------

    def rule_for(self, line: str) -> Rule | None:
        """The first rule hitting ``line`` (recorded in ``seen``)."""
        with self._lock:
            self.seen.append(line)
            return next((r for r in self.rules if r.take(line)), None)

    def rewrite(self, data: bytes) -> bytes:
        """``data`` with every service address replaced by its forwarder's."""

        def swap(match: re.Match[bytes]) -> bytes:
            origin = match.group(0).decode()
            if origin.startswith("https://"):
                return match.group(0)  # TLS services are not proxied
            return self._forwarder_for(origin).url.encode()

        return _ORIGIN.sub(swap, data)

    def _forwarder_for(self, origin: str) -> _Forwarder:
        """The forwarder of ``origin`` (itself when it is one), started on first use."""
        with self._lock:
            for forwarder in self._forwarders.values():
                if forwarder.url == origin:
                    return forwarder
            forwarder = self._forwarders.get(origin)
            if forwarder is None:
                forwarder = _Forwarder(self, origin)
                self._forwarders[origin] = forwarder
            return forwarder


class _Forwarder:
    """One listening socket forwarding to one upstream ``origin``."""

    def __init__(self, proxy: ReplyProxy, origin: str) -> None:
        parts = urlsplit(origin)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, like the real services

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def handle_one_request(self) -> None:
                """Serve one request whatever its method."""
                try:
                    self.raw_requestline = self.rfile.readline(65537)
                    if not self.raw_requestline or not self.parse_request():
                        self.close_connection = True
                        return
                    owner.serve(proxy, self)
                except (ConnectionError, TimeoutError, OSError):
                    self.close_connection = True

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Stop listening."""
        self.httpd.shutdown()
        self.httpd.server_close()

    def serve(self, proxy: ReplyProxy, handler: BaseHTTPRequestHandler) -> None:
        """Forward one request, then relay, refuse or lose the reply."""
        body = _read_body(handler)
        line = f"{handler.command} {handler.path.split('?', 1)[0].rstrip('/') or '/'}"
        rule = proxy.rule_for(line)
        missing = [
            name
            for name, value in proxy.required_headers.items()
            if handler.headers.get(name) != value
        ]
        if missing:
            _answer(handler, 401, _error_doc(401, line), {})
            return
        if rule is not None and isinstance(rule.fault, int):
            _answer(handler, rule.fault, _error_doc(rule.fault, line), {})
            return
        status, headers, data = self._forward(handler, body)
        if rule is not None:
            _lose_reply(handler, str(rule.fault))
            return
        location = headers.get("location")
        if location:
            headers["location"] = proxy.rewrite(location.encode()).decode()
        _answer(handler, status, proxy.rewrite(data), headers)

    def _forward(
        self, handler: BaseHTTPRequestHandler, body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        """Send the request to the service; its status, headers and whole body."""
        upstream = http.client.HTTPConnection(*self.upstream, timeout=UPSTREAM_TIMEOUT)
        try:
            headers = {
                k: v for k, v in handler.headers.items() if k.lower() not in _HOP_BY_HOP
            }
            headers["Host"] = f"{self.upstream[0]}:{self.upstream[1]}"
            upstream.request(handler.command, handler.path, body=body, headers=headers)
            response = upstream.getresponse()
            data = response.read()
            kept = {
                k.lower(): v
                for k, v in response.getheaders()
                if k.lower() not in _HOP_BY_HOP
            }
            return response.status, kept, data
        finally:
            upstream.close()


def _read_body(handler: BaseHTTPRequestHandler) -> bytes:
    """The request body (Content-Length or chunked)."""
    if "chunked" in (handler.headers.get("Transfer-Encoding") or "").lower():
        chunks = []
        while True:
            size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                handler.rfile.readline()
                return b"".join(chunks)
            chunks.append(handler.rfile.read(size))
            handler.rfile.readline()
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(length) if length else b""


def _answer(
    handler: BaseHTTPRequestHandler, status: int, data: bytes, headers: dict[str, str]
) -> None:
    """Relay an answer with its own Content-Length."""
    handler.send_response(status)
    for key, value in headers.items():
        handler.send_header(key, value)
    if handler.command != "HEAD" and status not in (204, 304):
        handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    if handler.command != "HEAD" and status not in (204, 304):
        handler.wfile.write(data)


def _error_doc(status: int, line: str) -> bytes:
    """An OpenStack-shaped JSON error body."""
    message = f"injected by reply_proxy for {line}"
    return json.dumps({"error": {"code": status, "message": message}}).encode()


def _lose_reply(handler: BaseHTTPRequestHandler, how: str) -> None:
    """Close (or reset) the client's connection without answering."""
    if how == RESET:
        handler.connection.setsockopt(
            socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
        )
    elif how == CLOSE:
        try:
            handler.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    handler.close_connection = True
    handler.connection.close()
