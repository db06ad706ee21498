"""Plans of steps for the project workflows: shown as-is in a dry run, executed by
the real run, undone in reverse when a step fails (``project.create``), or carried on
past per-item failures (``project.delete`` purge).

A step is data (what it does, to what) plus the callables that do and undo it.
Steps share a ``state`` dict so a later step can use what an earlier one created
(the new project's id, the network's id...).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

LOG = logging.getLogger(__name__)

State = dict[str, Any]


@dataclass
class Step:
    """One change: ``action`` on ``target``; ``run`` does it and may return details
    to report (e.g. the created id); ``undo`` reverses it (None: nothing to undo) and
    may return details to report too (e.g. what else it found and removed).

    ``changes`` is False for a step that is reported but changes nothing (e.g. a
    role already held) — it is listed as ``unchanged`` and never run or undone.
    """

    action: str
    target: str
    detail: dict[str, Any] = field(default_factory=dict)
    run: Callable[[State], dict[str, Any] | None] | None = None
    undo: Callable[[State], dict[str, Any] | None] | None = None
    changes: bool = True

    def describe(self) -> dict[str, Any]:
        """The step as it appears in a plan."""
        described: dict[str, Any] = {"action": self.action, "target": self.target}
        described.update(self.detail)
        if not self.changes:
            described["unchanged"] = True
        return described


@dataclass
class Outcome:
    """What executing a plan did."""

    done: list[dict[str, Any]] = field(default_factory=list)
    unchanged: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    rolled_back: list[dict[str, Any]] = field(default_factory=list)
    rollback_failed: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.failed and not self.rollback_failed

    def as_dict(self) -> dict[str, Any]:
        """JSON form; empty lists of the failure kinds are left out."""
        result: dict[str, Any] = {"done": self.done, "unchanged": self.unchanged}
        for key in ("failed", "skipped", "rolled_back", "rollback_failed"):
            value = getattr(self, key)
            if value:
                result[key] = value
        return result


def plan_of(steps: list[Step]) -> list[dict[str, Any]]:
    """The numbered plan a dry run returns."""
    return [{"step": i, **s.describe()} for i, s in enumerate(steps, start=1)]


def _error_text(error: BaseException) -> str:
    """A one-line description of an exception for results."""
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}".rstrip(": ")


def run_with_rollback(steps: list[Step], state: State) -> Outcome:
    """Run steps in order; on the first failure undo the done ones in reverse.

    Undo failures are collected (and logged), not raised, so the report says both
    what failed and what could not be undone.
    """
    outcome = Outcome()
    completed: list[tuple[int, Step]] = []
    for index, step in enumerate(steps, start=1):
        entry = {"step": index, **step.describe()}
        if not step.changes:
            outcome.unchanged.append(entry)
            continue
        LOG.info("step %d/%d: %s %s", index, len(steps), step.action, step.target)
        try:
            reported = step.run(state) if step.run else None
        except Exception as error:  # any failure triggers the rollback
            LOG.error("step %d failed: %s", index, error)
            outcome.failed.append({**entry, "error": _error_text(error)})
            outcome.skipped = [
                {"step": i, **s.describe()}
                for i, s in enumerate(steps[index:], start=index + 1)
            ]
            _rollback(completed, state, outcome)
            return outcome
        outcome.done.append({**entry, **(reported or {})})
        completed.append((index, step))
    return outcome


def _rollback(
    completed: list[tuple[int, Step]], state: State, outcome: Outcome
) -> None:
    """Undo completed steps, last first."""
    for index, step in reversed(completed):
        if step.undo is None:
            continue
        entry = {"step": index, "action": f"undo {step.action}", "target": step.target}
        LOG.info("rollback: undo step %d (%s %s)", index, step.action, step.target)
        try:
            reported = step.undo(state)
        except Exception as error:  # keep undoing the rest
            LOG.error("rollback of step %d failed: %s", index, error)
            outcome.rollback_failed.append({**entry, "error": _error_text(error)})
        else:
            outcome.rolled_back.append({**entry, **(reported or {})})


def run_all(steps: list[Step], state: State, final: Step | None = None) -> Outcome:
    """Run every step, collecting failures instead of stopping; then ``final`` only
    when nothing failed (e.g. delete the project once everything it owned is gone)."""
    outcome = Outcome()
    ordered = steps + ([final] if final else [])
    for index, step in enumerate(ordered, start=1):
        entry = {"step": index, **step.describe()}
        if step is final and outcome.failed:
            outcome.skipped.append({**entry, "reason": "earlier steps failed"})
            break
        LOG.info("step %d/%d: %s %s", index, len(ordered), step.action, step.target)
        try:
            reported = step.run(state) if step.run else None
        except Exception as error:  # collect, report, carry on
            LOG.error("step %d failed: %s", index, error)
            outcome.failed.append({**entry, "error": _error_text(error)})
            continue
        outcome.done.append({**entry, **(reported or {})})
    return outcome
