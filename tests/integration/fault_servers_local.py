"""A port on 127.0.0.1 nothing listens on (a refused connection), for the
monitoring integration tests."""

from __future__ import annotations

import socket


def closed_port() -> int:
    """A TCP port on 127.0.0.1 with nothing listening (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
