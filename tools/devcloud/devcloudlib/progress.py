"""Progress lines with the seconds elapsed since the command started."""

import sys
import time

_START = time.monotonic()


def elapsed() -> float:
    """Seconds since the command started."""
    return time.monotonic() - _START


def say(message: str) -> None:
    """Print one progress line, prefixed with the elapsed time."""
    print(f"[devcloud {elapsed():6.1f}s] {message}", flush=True)


def fail(message: str) -> None:
    """Print an error line to stderr."""
    print(f"[devcloud {elapsed():6.1f}s] ERROR: {message}", file=sys.stderr, flush=True)
