"""Step plans: rollback in reverse on failure, unchanged steps, run-all with a final step."""

from __future__ import annotations

from typing import Any

from workflows.project_steps import Step, plan_of, run_all, run_with_rollback


def recorder() -> tuple[list[str], Any]:
    log: list[str] = []

    def step(name: str, fail: bool = False, undo_fails: bool = False) -> Step:
        def run(state: dict[str, Any]) -> dict[str, Any]:
            if fail:
                raise RuntimeError(f"{name} broke")
            log.append(f"run {name}")
            state[name] = True
            return {"id": f"id-{name}"}

        def undo(state: dict[str, Any]) -> None:
            if undo_fails:
                raise RuntimeError(f"undo {name} broke")
            log.append(f"undo {name}")

        return Step("create", name, {"k": name}, run, undo)

    return log, step


def test_plan_is_numbered_and_describes_each_step() -> None:
    _, step = recorder()
    plan = plan_of([step("a"), Step("grant", "b", changes=False)])
    assert plan == [
        {"step": 1, "action": "create", "target": "a", "k": "a"},
        {"step": 2, "action": "grant", "target": "b", "unchanged": True},
    ]


def test_all_steps_run_in_order_and_report_ids() -> None:
    log, step = recorder()
    outcome = run_with_rollback([step("a"), step("b")], {})
    assert outcome.ok and log == ["run a", "run b"]
    assert [d["id"] for d in outcome.done] == ["id-a", "id-b"]


def test_failure_at_step_k_undoes_done_steps_in_reverse() -> None:
    log, step = recorder()
    steps = [step("a"), step("b"), step("c", fail=True), step("d")]
    outcome = run_with_rollback(steps, {})
    assert not outcome.ok
    assert log == ["run a", "run b", "undo b", "undo a"]
    assert outcome.failed[0]["step"] == 3 and "c broke" in outcome.failed[0]["error"]
    assert [s["target"] for s in outcome.skipped] == ["d"]
    assert [r["target"] for r in outcome.rolled_back] == ["b", "a"]


def test_a_failing_undo_is_reported_and_the_rest_still_undone() -> None:
    log, step = recorder()
    steps = [step("a"), step("b", undo_fails=True), step("c", fail=True)]
    outcome = run_with_rollback(steps, {})
    assert log == ["run a", "run b", "undo a"]
    assert outcome.rollback_failed[0]["target"] == "b"
    assert "rollback_failed" in outcome.as_dict()


def test_unchanged_steps_are_neither_run_nor_undone() -> None:
    log, step = recorder()
    held = Step("grant", "x", run=lambda s: log.append("ran x"), changes=False)
    outcome = run_with_rollback([held, step("a", fail=True)], {})
    assert "ran x" not in log and outcome.unchanged[0]["target"] == "x"


def test_run_all_carries_on_and_skips_the_final_step_after_a_failure() -> None:
    log, step = recorder()
    outcome = run_all([step("a", fail=True), step("b")], {}, final=step("project"))
    assert log == ["run b"]
    assert outcome.skipped[0]["target"] == "project"
    outcome = run_all([step("a")], {}, final=step("project"))
    assert outcome.ok and log[-1] == "run project"
