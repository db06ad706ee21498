"""``./run_action.sh`` accepts exactly what `st2 run` + StackStorm accept.

Each case is a command line: st2client (installed from the StackStorm tree) parses it
with the code `st2 run` uses, and StackStorm's create_request validates the result
(runner parameters merged, defaults, immutables); the local runner parses and checks
the same words. Both must accept or both refuse, and accepted values must be equal.
Every distinct parameter schema of the pack (runner parameters included) is tried with
the tricky values of the st2client parsing parity test.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from tier_support import CHECKOUT, PACK, example_config, install_config, report

sys.path.insert(0, str(CHECKOUT))

from tools.pack_meta import ActionMeta, load_actions
from tools.run_action.params import (
    ParameterError,
    check,
    parse_arguments,
    runner_parameters,
)

#: A word per type for the other required parameters of a case.
FILLER = {"integer": "1", "number": "1", "array": "x", "object": '{"a": 1}'}


def _tricky_values() -> list[str]:
    """The values of tests/unit/tools/test_run_action_st2client_parity.py (one list)."""
    path = CHECKOUT / "tests" / "unit" / "tools" / "test_run_action_st2client_parity.py"
    spec = importlib.util.spec_from_file_location("run_action_parity_values", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.VALUES)


def _filler(spec: dict[str, Any]) -> str:
    if spec.get("enum"):
        return str(spec["enum"][0])
    return FILLER.get(spec.get("type", "string"), "x")


def cases() -> list[tuple[ActionMeta, list[str]]]:
    """(action, words): one action per distinct parameter schema, every tricky value."""
    seen: set[str] = set()
    found = []
    for meta in load_actions():
        schemas = {**runner_parameters(meta), **meta.parameters}
        required = {
            name: _filler(spec)
            for name, spec in meta.parameters.items()
            if spec.get("required") and "default" not in spec
        }
        for name, spec in schemas.items():
            signature = json.dumps(spec, sort_keys=True)
            if signature in seen:
                continue
            seen.add(signature)
            base = [f"{k}={v}" for k, v in required.items() if k != name]
            found.extend(
                (meta, [*base, f"{name}={value}"])
                for value in _tricky_values()
                # StackStorm renders Jinja in parameters; the local runner cannot and
                # refuses it on purpose (README), so those values are not compared.
                if "{{" not in value
            )
    return found


def stackstorm_outcome(meta: ActionMeta, words: list[str]) -> tuple[bool, Any]:
    """(accepted, parameters as StackStorm keeps them) for `st2 run` with ``words``."""
    from st2client.commands.action import ActionRunCommandMixin
    from st2common.models.db.liveaction import LiveActionDB
    from st2common.services import action as action_service

    action = SimpleNamespace(ref=f"{PACK}.{meta.name}", parameters=meta.parameters)
    runner = SimpleNamespace(runner_parameters=runner_parameters(meta))
    args = SimpleNamespace(parameters=words, inherit_env=False, auto_dict=False)
    try:
        parsed = ActionRunCommandMixin._get_action_parameters_from_args(
            None, action, runner, args
        )
        liveaction = LiveActionDB(
            action=f"{PACK}.{meta.name}",
            parameters=parsed,
            context={"user": "st2admin"},
        )
        liveaction, _ = action_service.create_request(liveaction)
    except Exception as error:  # st2client or StackStorm refused it
        return False, f"{type(error).__name__}: {error}"
    return True, parsed


def our_outcome(meta: ActionMeta, words: list[str]) -> tuple[bool, Any]:
    try:
        given = parse_arguments(meta, words, Path.cwd())
        check(meta, given)
    except ParameterError as error:
        return False, str(error)
    return True, given


@pytest.fixture(scope="module")
def with_config(layout: Any) -> Any:
    install_config(layout, example_config())
    return layout


def test_run_action_accepts_exactly_what_stackstorm_accepts(with_config: Any) -> None:
    all_cases = cases()
    differences = []
    accepted = 0
    for meta, words in all_cases:
        theirs = stackstorm_outcome(meta, words)
        ours = our_outcome(meta, words)
        accepted += theirs[0]
        same = theirs[0] == ours[0] and (
            not theirs[0] or repr(theirs[1]) == repr(ours[1])
        )
        if not same:
            differences.append(
                f"{meta.name} {words!r}:\n  st2 run + create_request: {theirs}\n"
                f"  ./run_action.sh: {ours}"
            )
    report(
        "run_action parity (st2client parsing + create_request)",
        f"{len(all_cases)} command lines, {accepted} accepted by StackStorm, "
        f"{len(differences)} differ from ./run_action.sh",
    )
    assert not differences, (
        f"tools/run_action/params.py: {len(differences)} of {len(all_cases)} command "
        f"lines differ from st2client + st2common.services.action.create_request:\n"
        + "\n".join(differences[:12])
    )
