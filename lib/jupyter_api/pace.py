"""How fast and how long a batch of per-user hub calls may run.

A batch action (start, stop, delete, create with admin, prepare) makes one or more hub
calls per user. Sent one after another against a hub that hangs, each user costs the
environment's full ``timeout`` (40 users at 30 s is 20 minutes, far past StackStorm's
600 s execution timeout, which kills the action and loses its report). So:

- ``Deadline``: the whole action's time budget, measured from its start. The client
  clips every request's timeout to what is left and sends nothing once it is spent
  (``DeadlineReached``); users not done by then are reported ``not_done`` and a re-run
  finishes them (every batch operation is idempotent: already-done users come back
  ``unchanged``). Its default, ``DEFAULT_DEADLINE``, leaves a minute of StackStorm's
  default 600 s execution timeout for starting and reporting.
- ``for_each``: runs one function per user on at most ``workers`` threads at once
  (``DEFAULT_WORKERS``), so a hung hub costs about ``users / workers`` timeouts, never
  more than the deadline, and a healthy hub is not flooded.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from typing import TypeVar

from pack_common import InputError, validation

#: Per-user calls in flight at once.
DEFAULT_WORKERS = 8
MAX_WORKERS = 32
#: Seconds for a whole batch: below StackStorm's default execution timeout (600 s).
DEFAULT_DEADLINE = 540
MAX_DEADLINE = 3600
#: StackStorm's execution timeout for an action whose runner sets no ``timeout``.
ST2_DEFAULT_TIMEOUT = 600
#: Extra seconds ``for_each`` waits past the deadline for calls to notice it (each
#: request's timeout is clipped to the deadline, so they end by then).
_GRACE = 5.0

T = TypeVar("T")


class Deadline:
    """A time budget of ``seconds`` starting now, on a monotonic ``clock``."""

    def __init__(
        self, seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.seconds = seconds
        self._clock = clock
        self.end = clock() + seconds

    def remaining(self) -> float:
        """Seconds left (0 when spent)."""
        return max(0.0, self.end - self._clock())

    def reached(self) -> bool:
        """True once the budget is spent."""
        return self._clock() >= self.end

    @property
    def message(self) -> str:
        """Why a user is not done: the reason an operator reads per user."""
        return (
            f"deadline reached: not done within the action's {self.seconds:g} s "
            "deadline (run again to finish)"
        )


def check_pace(workers: int, deadline: int) -> None:
    """``workers`` and ``deadline`` are sensible, else ``InputError`` naming them."""
    validation.whole_number("workers", workers, 1, MAX_WORKERS)
    validation.whole_number("deadline", deadline)
    if not 1 <= deadline <= MAX_DEADLINE:
        raise InputError(
            "deadline",
            f"must be between 1 and {MAX_DEADLINE} seconds, got {deadline} (keep it "
            f"below the execution timeout, {ST2_DEFAULT_TIMEOUT} s unless the "
            "runner's `timeout` is raised)",
        )


def for_each(
    names: Sequence[str],
    work: Callable[[str], T],
    late: Callable[[str], T],
    workers: int,
    deadline: Deadline,
) -> list[T]:
    """``work(name)`` for every name, at most ``workers`` at once, results in the
    order of ``names``. A name whose turn comes after the deadline, or whose call
    has not ended ``_GRACE`` seconds after it, gets ``late(name)`` instead: every
    name has a result. An exception raised by ``work`` (a bug: hub failures are
    results) is raised here."""
    if not names:
        return []

    def guarded(name: str) -> T:
        return late(name) if deadline.reached() else work(name)

    pool = ThreadPoolExecutor(
        max_workers=min(workers, len(names)), thread_name_prefix="hub"
    )
    try:
        futures: list[Future[T]] = [pool.submit(guarded, n) for n in names]
        wait_futures(futures, timeout=deadline.remaining() + _GRACE)
        results = []
        for name, future in zip(names, futures, strict=True):
            if future.done() and not future.cancelled():
                results.append(future.result())
            else:
                future.cancel()
                results.append(late(name))
        return results
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
