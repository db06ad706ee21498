"""Command line of ``tools/devcloud/devcloud``."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import lifecycle
from .install import InstallError
from .progress import fail
from .state import CHECKOUT, PORTS, STATE_ENV, TOOL_DIR, State


def parser() -> argparse.ArgumentParser:
    """The argument parser."""
    top = argparse.ArgumentParser(
        prog="devcloud",
        description="Local OpenStack (Keystone, Placement, Glance, Neutron, Nova) on 127.0.0.1.",
        epilog=f"State directory: ${STATE_ENV} (default <checkout>/.devcloud).",
    )
    sub = top.add_subparsers(dest="command", required=True)
    sub.add_parser("up", help="install, initialise (first run) and start everything")
    sub.add_parser("down", help="stop every process the devcloud started")
    sub.add_parser("status", help="PID, port and health of each service")
    sub.add_parser(
        "reset", help="stop, wipe the state (not the venv), initialise again"
    )
    sub.add_parser("seed", help="create the deterministic test estate (idempotent)")
    logs = sub.add_parser("logs", help="print one service's log")
    logs.add_argument("service")
    mail = sub.add_parser("mailcatcher", help="SMTP server storing mail as .eml files")
    mail.add_argument("--port", type=int, default=PORTS["mailcatcher"])
    mail.add_argument("--dir", type=Path, default=None, help="default: $STATE/mail")
    return top


def pack_python() -> str:
    """Python of the pack's test virtualenv (it has aiosmtpd), else this one."""
    candidate = CHECKOUT / ".venv" / "bin" / "python"
    return str(candidate) if candidate.exists() else sys.executable


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand; returns the exit status."""
    args = parser().parse_args(argv)
    state = State.from_env()
    os.environ[STATE_ENV] = str(state.root)
    try:
        if args.command == "up":
            return lifecycle.up(state)
        if args.command == "down":
            return lifecycle.down(state)
        if args.command == "status":
            return lifecycle.status(state)
        if args.command == "reset":
            return lifecycle.reset(state)
        if args.command == "logs":
            return lifecycle.print_log(state, args.service)
        if args.command == "seed":
            if not lifecycle.all_healthy(state):
                fail("devcloud is not running: ./tools/devcloud/devcloud up")
                return 1
            return lifecycle.run_in_venv(state, "seed.py", [])
        mail_dir = args.dir or state.root / "mail"
        command = [pack_python(), str(TOOL_DIR / "mailcatcher.py")]
        command += ["--port", str(args.port), "--dir", str(mail_dir)]
        os.execv(command[0], command)
    except (InstallError, lifecycle.StartError, RuntimeError) as error:
        fail(str(error))
        return 1
    except KeyboardInterrupt:
        return 130
    return 0
