"""A form filled in in st2web is accepted by this StackStorm (issue 13).

Once any field changes, st2web (modules/st2-auto-form, ``getDefaults``) adds to the
run's parameters the default of every parameter in the merged view that has an
``enum``, immutable ones included; StackStorm's ``create_request`` refuses a request
that sets an immutable parameter ("Override of immutable parameter(s) ... is
unsupported", StackStorm issue 4377). Here every registered action's merged view
comes from StackStorm's own ``get_params_view`` (what st2api's overview sends
st2web), the request is what st2web would send with the required fields filled in,
and StackStorm's own ``create_request`` must take it.
"""

from __future__ import annotations

from typing import Any

import pytest
from test_actions import ACTIONS, required_inputs
from tier_support import PACK, report


def merged_view(ref: str) -> dict[str, dict[str, Any]]:
    """st2api's merged parameter view of one registered action."""
    from st2common.models.utils import action_param_utils
    from st2common.persistence.action import Action
    from st2common.persistence.runner import RunnerType

    action_db = Action.get_by_ref(ref)
    runner_db = RunnerType.get_by_name(action_db.runner_type["name"])
    return dict(
        action_param_utils.get_params_view(
            action_db=action_db, runner_db=runner_db, merged_only=True
        )
    )


def st2web_defaults(view: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """getDefaults(spec): ``property.default !== undefined && property.enum``."""
    return {
        n: s["default"] for n, s in view.items() if "default" in s and s.get("enum")
    }


def request(ref: str, parameters: dict[str, Any]) -> Any:
    """StackStorm's create_request for ``parameters``, as st2api calls it."""
    from st2common.models.db.liveaction import LiveActionDB
    from st2common.services import action as action_service

    liveaction = LiveActionDB(
        action=ref, parameters=parameters, context={"user": "st2admin"}
    )
    return action_service.create_request(liveaction)


@pytest.mark.parametrize("name,meta", ACTIONS, ids=[a for a, _ in ACTIONS])
def test_a_filled_in_web_form_is_accepted(
    layout: Any, name: str, meta: dict[str, Any]
) -> None:
    ref = f"{PACK}.{name}"
    view = merged_view(ref)
    sent = {**st2web_defaults(view), **required_inputs(meta)}
    liveaction, _execution = request(ref, sent)
    assert liveaction.status == "requested", liveaction.status
    report("st2web run form (create_request)", f"{ref}: accepted {sorted(sent)}")


def test_stackstorm_refuses_an_immutable_parameter_st2web_would_send(
    layout: Any,
) -> None:
    """The check above is live: a fixed parameter in the request is refused."""
    ref = f"{PACK}.cloud.check"
    view = merged_view(ref)
    assert view["timeout"].get("immutable") is True
    with pytest.raises(ValueError, match="Override of immutable parameter"):
        request(ref, {"timeout": view["timeout"]["default"]})
