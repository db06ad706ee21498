"""`st2 run ACTION -h` with this StackStorm's own st2client (issue 13).

st2client merges the runner's parameters (from the python runner's runner.yaml of
this tree) with the action's, drops immutable ones, and prints the required ones,
then the optional ones, each sorted by ``position`` or else by name. Every action
keeps the runner's ``log_level`` on its form (a fixed one breaks st2web's run, see
test_forms_web_run.py), and it cannot take a position. A fixed st2client (after
3.9, StackStorm issue 5130) lists it after the positioned ones, so the order is the
designed one. st2client 3.9 compares its name with the ints of the other positions
and prints "ERROR: Unable to print help"; on such a tree the test checks that this
is the one cause: without the unpositioned runner parameter the order is designed.
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


#: Runner parameters on every form (no position; st2client lists them last).
RUNNER_ON_FORM = ["log_level"]


def help_order(
    parameters: dict[str, Any], required: set[str], optional: set[str]
) -> list[str]:
    """st2client's own sort of the two groups, as `st2 run ACTION -h` prints them."""
    from st2client.commands.action import ActionRunCommandMixin

    mixin = ActionRunCommandMixin.__new__(ActionRunCommandMixin)
    shown = mixin._sort_parameters(parameters=parameters, names=required)
    return list(shown) + list(
        mixin._sort_parameters(parameters=parameters, names=optional)
    )


@pytest.mark.parametrize("meta", ACTIONS, ids=[m.name for m in ACTIONS])
def test_st2client_help_lists_the_designed_order(meta: ActionMeta) -> None:
    import st2client
    from st2client.commands.action import ActionRunCommandMixin

    runner = SimpleNamespace(runner_parameters=python_runner_parameters())
    action = SimpleNamespace(parameters=meta.parameters)
    parameters, required, optional, _ = ActionRunCommandMixin._get_params_types(
        runner, action
    )
    own = [
        n
        for n, s in meta.parameters.items()
        if not s.get("immutable") and n not in RUNNER_ON_FORM
    ]
    designed = sorted(own, key=lambda n: meta.parameters[n]["position"])
    first = [n for n in designed if meta.parameters[n].get("required")]
    expected = first + [n for n in designed if n not in first]
    try:
        shown = help_order(parameters, required, optional)
    except TypeError:
        # StackStorm issue 5130: only st2client 3.9 and older, only for this cause
        assert st2client.__version__.startswith(("3.8", "3.9")), st2client.__version__
        shown = help_order(parameters, required, optional - set(RUNNER_ON_FORM))
        assert shown == expected
        return
    assert shown == expected + RUNNER_ON_FORM
