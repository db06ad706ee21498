"""Benchmark: render N campaign messages and send them over one SMTP connection.

Starts a counting aiosmtpd sink on 127.0.0.1 (plain SMTP, nothing leaves the
machine), renders ``--messages`` (default 1,000) ``shutoff_vms`` messages with HTML
and CSS inlining, sends them with ``send_batch`` and prints render and send rates
and the number of connections opened (client and server side; both should be 1).

    .venv/bin/python benchmarks/email_bench.py [--messages N] [--rows R]

Bounded: a fixed number of messages, a socket timeout on every SMTP call, and a
hard wall-clock limit (``--limit`` seconds) after which it stops itself.
"""

from __future__ import annotations

import argparse
import signal
import socket
import sys
import threading
import time
from pathlib import Path
from types import FrameType

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "lib"))

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from email_api.account import Security, SMTPAccount
from email_api.addresses import Address
from email_api.message import OutgoingMessage
from email_api.sender import send_batch
from email_api.templates import get_registry


class CountingSink:
    """Accepts every message and counts messages, recipients and bytes."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages = 0
        self.recipients = 0
        self.bytes = 0

    async def handle_DATA(
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        with self.lock:
            self.messages += 1
            self.recipients += len(envelope.rcpt_tos)
            self.bytes += len(envelope.original_content or b"")
        return "250 OK"


class CountingController(Controller):
    """Counts SMTP sessions (connections)."""

    connections = 0

    def factory(self) -> SMTP:
        self.connections += 1
        return super().factory()


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def build_messages(count: int, rows: int) -> list[OutgoingMessage]:
    """``count`` rendered shutoff_vms messages with ``rows`` servers each."""
    registry = get_registry()
    messages = []
    for i in range(count):
        items = [
            {
                "name": f"vm-{i}-{r}",
                "id": f"{i:08x}-{r:04x}-4000-8000-000000000000",
                "project": f"project-{i % 37}",
                "since": "2024-01-02",
            }
            for r in range(rows)
        ]
        rendered = registry.render(
            "shutoff_vms",
            {"items": items, "days_threshold": 90, "recipient_name": f"User {i}"},
        )
        messages.append(
            OutgoingMessage.build(
                to=f"user{i}@example.org",
                subject=rendered.subject,
                text=rendered.text,
                html=rendered.html,
                key=f"user{i}",
            )
        )
    return messages


def _time_limit(signum: int, frame: FrameType | None) -> None:
    raise SystemExit("email_bench: time limit reached, stopping")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=5, help="servers per message")
    parser.add_argument("--limit", type=int, default=300, help="hard limit, seconds")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGALRM, _time_limit)
    signal.alarm(args.limit)

    sink = CountingSink()
    port = free_port()
    controller = CountingController(sink, hostname="127.0.0.1", port=port)
    controller.start()
    controller.connections = 0  # forget the controller's own readiness probe
    try:
        started = time.perf_counter()
        messages = build_messages(args.messages, args.rows)
        rendered = time.perf_counter()
        account = SMTPAccount(
            name="bench",
            host="127.0.0.1",
            port=port,
            security=Security.NONE,
            from_address="Cloud Ops <ops@example.org>",
            timeout=10,
        )
        result = send_batch(account, messages)
        sent = time.perf_counter()
        sender = Address("ops@example.org", "Cloud Ops")
        for message in messages:
            message.to_mime(sender).as_bytes()
        mime_s = time.perf_counter() - sent
    finally:
        controller.stop()
        signal.alarm(0)

    render_s = rendered - started
    send_s = sent - rendered
    print(f"messages:                 {args.messages} ({args.rows} table rows each)")
    print(
        f"rendered in:              {render_s:.2f} s ({args.messages / render_s:.0f} messages/s)"
    )
    print(
        f"sent in:                  {send_s:.2f} s ({len(result.sent) / send_s:.0f} messages/s)"
    )
    print(
        f"    incl. MIME building:    {mime_s:.2f} s "
        f"({mime_s / args.messages * 1000:.1f} ms/message, measured separately)"
    )
    print(
        f"end to end:               {len(result.sent) / (sent - started):.0f} messages/s"
    )
    print(f"sent / failed:            {len(result.sent)} / {len(result.failed)}")
    print(
        f"server received:          {sink.messages} messages, {sink.bytes / 1e6:.1f} MB"
    )
    print(
        f"connections opened:       {result.connections_opened} (client), {controller.connections} (server)"
    )
    return 0 if result.ok and sink.messages == args.messages else 1


if __name__ == "__main__":
    sys.exit(main())
