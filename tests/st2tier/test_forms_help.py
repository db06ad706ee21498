"""`st2 run ACTION -h` with this StackStorm's own st2client (issue 13).

st2client merges the runner's parameters (from the python runner's runner.yaml of
this tree) with the action's, drops immutable ones, and prints the required ones,
then the optional ones, each sorted by ``position`` or else by name. st2client 3.9
cannot compare an int with a str there: a form with positions on some optional
parameters but not on the runner's printed "ERROR: Unable to print help". Here the
real code runs on every action: it must not fail, and its order must be the
action's designed one.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from tier_support import CHECKOUT

sys.path.insert(0, str(CHECKOUT))

from tools.pack_meta import ActionMeta, load_actions

ACTIONS = load_actions()


def python_runner_parameters() -> dict[str, Any]:
    """The python-script runner's parameters, from this StackStorm tree."""
    import python_runner

    path = Path(python_runner.__file__).parent / "runner.yaml"
    runners = yaml.safe_load(path.read_text(encoding="utf-8"))
    runner = next(r for r in runners if r["name"] == "python-script")
    return dict(runner["runner_parameters"])


@pytest.mark.parametrize("meta", ACTIONS, ids=[m.name for m in ACTIONS])
def test_st2client_help_lists_the_designed_order(meta: ActionMeta) -> None:
    from st2client.commands.action import ActionRunCommandMixin

    runner = SimpleNamespace(runner_parameters=python_runner_parameters())
    action = SimpleNamespace(parameters=meta.parameters)
    parameters, required, optional, _ = ActionRunCommandMixin._get_params_types(
        runner, action
    )
    mixin = ActionRunCommandMixin.__new__(ActionRunCommandMixin)
    shown = mixin._sort_parameters(parameters=parameters, names=required)
    shown += mixin._sort_parameters(parameters=parameters, names=optional)
    designed = sorted(
        (n for n, s in meta.parameters.items() if not s.get("immutable")),
        key=lambda n: meta.parameters[n]["position"],
    )
    first = [n for n in designed if meta.parameters[n].get("required")]
    assert shown == first + [n for n in designed if n not in first]
