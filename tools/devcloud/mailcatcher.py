"""A local SMTP server for the devcloud: stores each message as a .eml file.

Runs with the pack's test virtualenv (it needs aiosmtpd)::

    ./tools/devcloud/devcloud mailcatcher [--port 8025] [--dir $STATE/mail]

Each message is written to ``<dir>/<timestamp>-<n>.eml`` (envelope sender and
recipients in ``X-Devcloud-Mail-From`` / ``X-Devcloud-Rcpt-To`` headers
prepended) and a one-line summary is printed. Listens on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import itertools
import signal
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller


class SaveToDirectory:
    """aiosmtpd handler: one .eml file per message, one summary line each."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.counter = itertools.count(1)

    async def handle_DATA(self, server, session, envelope) -> str:
        """Store the message and print ``from -> to: subject``."""
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode()
        message = email.message_from_bytes(data, policy=email.policy.default)
        stamp = time.strftime("%Y%m%dT%H%M%S")
        path = self.directory / f"{stamp}-{next(self.counter):04d}.eml"
        header = (
            f"X-Devcloud-Mail-From: {envelope.mail_from}\r\n"
            f"X-Devcloud-Rcpt-To: {', '.join(envelope.rcpt_tos)}\r\n"
        ).encode()
        path.write_bytes(header + data)
        print(
            f"mail from={envelope.mail_from} to={','.join(envelope.rcpt_tos)} "
            f"subject={message.get('Subject', '')!r} file={path.name}",
            flush=True,
        )
        return "250 OK"


def main() -> None:
    """Run until SIGINT/SIGTERM."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--dir", type=Path, required=True)
    args = parser.parse_args()
    if args.port <= 0:
        parser.error("--port must be a real port (aiosmtpd cannot use port 0)")
    args.dir.mkdir(parents=True, exist_ok=True)
    controller = Controller(
        SaveToDirectory(args.dir), hostname="127.0.0.1", port=args.port
    )
    controller.start()
    print(
        f"mailcatcher listening on 127.0.0.1:{args.port}, storing mail in {args.dir}",
        flush=True,
    )
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
