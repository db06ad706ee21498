"""Every action's form, as st2web and st2client show it (issue 13).

st2web (modules/st2-auto-form/auto-form.component.js) hides immutable parameters and
sorts the rest with a comparator: a truthy ``position`` first (lowest first), then
``required`` ones, then alphabetical, where ``required: false`` and a missing
``required`` compare as different. st2api sends the runner's parameters merged with
the action's, in an order that can change between restarts. st2client 3.9
(``st2 run ACTION -h``) prints the required parameters, then the optional ones, each
sorted by ``position`` or else by name: an int and a str in one group raise
TypeError, and the help is not printed (fixed after 3.9, StackStorm issue 5130).

Both are re-implemented here literally, and each action's resulting order must be
its designed one, whatever the key order.

st2web also fills in, as soon as any field changes, the default of every parameter
that has an ``enum`` and a ``default`` (``getDefaults``), immutable ones included,
and StackStorm refuses a run that sets an immutable parameter ("Override of
immutable parameter(s) ... is unsupported", StackStorm issue 4377). So no immutable
parameter may have both: the runner's ``log_level`` (an enum) stays on the form, its
enum reordered so it shows the value that applies, after the pack's own fields.
"""

from __future__ import annotations

import functools
import random
from typing import Any

import pytest

from tools.pack_lint.core import RUNNER_PARAMETERS
from tools.pack_meta import ActionMeta, load_actions

ACTIONS = {meta.name: meta for meta in load_actions()}
NAMES = sorted(ACTIONS)

#: The switches that make an action change something or send mail.
ARMING = ("apply", "send_email")
#: Checkboxes that may default to true: false only narrows or reformats a run.
TRUE_BY_DEFAULT_IS_SAFE = {
    "all_projects": "false looks at fewer projects (read scope)",
    "as_html": "false sends plaintext only",
    "only_pack": "false lists others' silences/downtimes too (read only)",
    "wait": "false returns before the servers are ready",
}
#: Parameters an action waits by; each needs a maximum below the runner timeout.
WAIT_PARAMETERS = ("wait_seconds", "wait_timeout", "deadline")
#: Seconds the runner timeout must leave after the longest wait.
TIMEOUT_MARGIN = 60
#: The runner parameters left on the form, after the pack's own (st2web shows fields
#: without a position last, and runner parameters cannot take one).
RUNNER_ON_FORM = ["log_level"]

#: The designed order of the issue's acceptance actions, as an operator fills them.
DESIGNED = {
    "project.create": [
        "name",
        "cloud_account",
        "description",
        "contact_email",
        "domain",
        "parent",
        "tags",
        "immutable",
        "admins",
        "members",
        "quotas",
        "network",
        "cidr",
        "dns_nameservers",
        "floating_ips",
        "apply",
        "log_level",
    ],
    "email.users.with.shutoff.vms": [
        "days_threshold",
        "cloud_account",
        "all_projects",
        "from_projects",
        "smtp_account",
        "override_to",
        "cc",
        "bcc",
        "as_html",
        "fallback_email",
        "campaign_id",
        "max_recipients",
        "send_email",
        "log_level",
    ],
    "hypervisor.drain": [
        "hypervisor",
        "reason",
        "cloud_account",
        "migration_type",
        "wait_seconds",
        "confirm",
        "apply",
        "log_level",
    ],
    "server.migrate": [
        "server",
        "cloud_account",
        "migration_type",
        "destination",
        "snapshot",
        "wait_seconds",
        "apply",
        "log_level",
    ],
    "server.search.by.property": [
        "property_to_search_by",
        "values",
        "search_mode",
        "cloud_account",
        "all_projects",
        "from_projects",
        "properties_to_select",
        "output_type",
        "group_by",
        "sort_by",
        "max_rows",
        "log_level",
    ],
}


def merged(
    meta: ActionMeta, order: list[str] | None = None
) -> dict[str, dict[str, Any]]:
    """The parameters st2api sends: the runner's, overridden by the action's, in
    ``order`` (default: runner first, then the action's YAML order)."""
    params: dict[str, dict[str, Any]] = {
        name: dict(spec) for name, spec in RUNNER_PARAMETERS[meta.runner_type].items()
    }
    for name, spec in meta.parameters.items():
        params[name] = {**params.get(name, {}), **spec}
    if order is not None:
        params = {name: params[name] for name in order}
    return params


def st2web_order(params: dict[str, dict[str, Any]]) -> list[str]:
    """auto-form.component.js render(): reject immutable, then its comparator."""

    def compare(a: tuple[str, dict[str, Any]], b: tuple[str, dict[str, Any]]) -> int:
        (a_name, a_spec), (b_name, b_spec) = a, b
        a_pos, b_pos = a_spec.get("position"), b_spec.get("position")
        if a_pos or b_pos:
            if a_pos is None:
                return 1
            if b_pos is None:
                return -1
            return -1 if a_pos < b_pos else 1 if a_pos > b_pos else 0
        # JavaScript ===: a missing `required` (undefined) is not `false`
        a_req = a_spec.get("required", "undefined")
        b_req = b_spec.get("required", "undefined")
        if a_req == b_req:
            return -1 if a_name < b_name else 1 if a_name > b_name else 0
        return -1 if a_req is True else 1

    fields = [(n, s) for n, s in params.items() if not s.get("immutable")]
    return [n for n, _ in sorted(fields, key=functools.cmp_to_key(compare))]


def st2web_defaults(params: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """auto-form.component.js getDefaults(): what st2web adds to the run's parameters
    once any field changes (every property with a default and an enum)."""
    return {
        n: s["default"] for n, s in params.items() if "default" in s and s.get("enum")
    }


def _help_groups(params: dict[str, dict[str, Any]]) -> tuple[set[str], set[str]]:
    """st2client ActionRunCommandMixin._get_params_types: required, optional."""
    immutable = {n for n, s in params.items() if s.get("immutable")}
    required = {n for n, s in params.items() if s.get("required")} - immutable
    return required, set(params) - required - immutable


def st2client_help_order(params: dict[str, dict[str, Any]]) -> list[str]:
    """st2client after 3.9 (StackStorm issue 5130 fixed): each group sorted by
    position, the unpositioned ones after them by name."""
    required, optional = _help_groups(params)

    def key(name: str) -> tuple[int, int, str]:
        position = params[name].get("position")
        return (0, int(position), "") if position is not None else (1, 0, name)

    return sorted(required, key=key) + sorted(optional, key=key)


def st2client_39_help_order(params: dict[str, dict[str, Any]]) -> list[str]:
    """st2client 3.9 _sort_parameters: key position-or-name, so a group mixing
    positioned and unpositioned parameters raises TypeError (the help is not
    printed: "ERROR: Unable to print help for action")."""
    required, optional = _help_groups(params)

    def key(name: str) -> Any:
        return params[name].get("position", name)

    return sorted(required, key=key) + sorted(optional, key=key)


def visible(meta: ActionMeta) -> dict[str, dict[str, Any]]:
    return {n: s for n, s in merged(meta).items() if not s.get("immutable")}


@pytest.mark.parametrize("name", NAMES)
def test_every_visible_parameter_has_a_position_1_to_n(name: str) -> None:
    meta = ACTIONS[name]
    runner = RUNNER_PARAMETERS[meta.runner_type]
    shown = {n: s for n, s in visible(meta).items() if n not in runner}
    positions = sorted(spec.get("position", -1) for spec in shown.values())
    assert positions == list(range(1, len(shown) + 1)), (name, positions)
    assert [n for n in visible(meta) if n in runner] == RUNNER_ON_FORM, name


@pytest.mark.parametrize("name", NAMES)
def test_required_is_written_out_on_every_parameter(name: str) -> None:
    meta = ACTIONS[name]
    runner = RUNNER_PARAMETERS[meta.runner_type]
    missing = [
        n
        for n, spec in meta.parameters.items()
        if n not in runner and not spec.get("immutable") and "required" not in spec
    ]
    assert not missing, f"{name}: write `required` on {missing}"


@pytest.mark.parametrize("name", NAMES)
def test_st2web_order_is_the_designed_one_for_any_key_order(name: str) -> None:
    meta = ACTIONS[name]
    runner = RUNNER_PARAMETERS[meta.runner_type]
    designed = [
        n
        for n, s in meta.parameters.items()
        if not s.get("immutable") and n not in runner
    ]
    designed.sort(key=lambda n: meta.parameters[n]["position"])
    keys = list(merged(meta))
    orders = [keys, list(reversed(keys)), sorted(keys)]
    rng = random.Random(name)
    for _ in range(20):
        shuffled = keys[:]
        rng.shuffle(shuffled)
        orders.append(shuffled)
    for order in orders:
        assert st2web_order(merged(meta, order)) == designed + RUNNER_ON_FORM, order
    # st2client prints the required ones first, each group in the designed order
    required = [n for n in designed if meta.parameters[n].get("required")]
    optional = [n for n in designed if n not in required]
    assert st2client_help_order(merged(meta)) == required + optional + RUNNER_ON_FORM


@pytest.mark.parametrize("name", sorted(DESIGNED))
def test_acceptance_actions_read_in_the_designed_order(name: str) -> None:
    assert st2web_order(merged(ACTIONS[name])) == DESIGNED[name]


def test_the_rules_catch_an_undesigned_form() -> None:
    """The re-implemented rules are not vacuous: without positions, the order is
    required-then-alphabetical and changes with `required: false` vs missing, and
    st2client 3.9 cannot sort a group mixing positioned and unpositioned names."""
    params = {
        "zeta": {"type": "string", "required": False},
        "alpha": {"type": "string"},
        "target": {"type": "string", "required": True},
    }
    assert st2web_order(params) != list(params)
    with pytest.raises(TypeError):
        st2client_39_help_order({"a": {"position": 1}, "b": {}})
    assert st2client_help_order({"b": {}, "a": {"position": 1}}) == ["a", "b"]
    immutable_enum = {"level": {"default": "X", "enum": ["X"], "immutable": True}}
    assert run_refusals(immutable_enum, {"other": "typed"}) == ["level"]


def run_refusals(params: dict[str, dict[str, Any]], typed: dict[str, Any]) -> list[str]:
    """The parameters StackStorm refuses (st2common services/action.py
    create_request: an immutable parameter set by the caller) in what st2web sends
    after the operator typed ``typed``: ``{...getDefaults(spec), ...data}``."""
    sent = {**st2web_defaults(params), **typed}
    return sorted(n for n in sent if params.get(n, {}).get("immutable"))


@pytest.mark.parametrize("name", NAMES)
def test_st2web_can_run_the_action_after_any_field_is_touched(name: str) -> None:
    """Typing into any field makes st2web send every enum's default; none of them
    may be an immutable parameter, or StackStorm refuses the run (issue 4377)."""
    params = merged(ACTIONS[name])
    for field in st2web_order(params):
        assert run_refusals(params, {field: "typed"}) == [], (name, field)


@pytest.mark.parametrize("name", NAMES)
def test_every_enum_lists_its_default_first(name: str) -> None:
    for pname, spec in visible(ACTIONS[name]).items():
        if "enum" in spec and "default" in spec:
            assert spec["enum"][0] == spec["default"], (name, pname, spec["enum"])


@pytest.mark.parametrize("name", NAMES)
def test_no_checkbox_arms_the_action_when_reset_or_left_alone(name: str) -> None:
    """st2web's reset sets false and an untouched field is not sent: the arming
    switches default to false, and no other checkbox defaults to true unless its
    false value only narrows or reformats the run."""
    shown = visible(ACTIONS[name])
    for pname, spec in shown.items():
        if spec.get("type") != "boolean":
            continue
        if pname in ARMING:
            assert spec.get("default") is False, (name, pname)
        elif spec.get("default") is True:
            assert pname in TRUE_BY_DEFAULT_IS_SAFE, (
                f"{name}: checkbox {pname!r} defaults to true; a reset sets false: "
                "name it so that false is the safe value"
            )
    if "confirm" in shown:
        assert "apply" in shown, f"{name} has confirm but no apply switch"


def test_every_mutating_action_has_an_arming_switch() -> None:
    """A plan unless `apply`/`send_email`: every action whose description promises a
    dry run by default has one of the switches."""
    missing = [
        name
        for name, meta in ACTIONS.items()
        if "dry run by default" in meta.description.lower()
        and not any(s in meta.parameters for s in ARMING)
    ]
    assert not missing


@pytest.mark.parametrize("name", NAMES)
def test_runner_timeout_is_above_every_wait(name: str) -> None:
    meta = ACTIONS[name]
    params = merged(meta)
    timeout = params["timeout"]
    assert timeout.get("immutable") is True, f"{name}: fix the runner timeout"
    for wait in WAIT_PARAMETERS:
        if wait in meta.parameters:
            spec = meta.parameters[wait]
            assert "maximum" in spec, f"{name}: {wait} needs a maximum"
            assert spec["default"] <= spec["maximum"]
            assert timeout["default"] >= spec["maximum"] + TIMEOUT_MARGIN, (
                f"{name}: runner timeout {timeout['default']} s does not cover "
                f"{wait} up to {spec['maximum']} s"
            )


@pytest.mark.parametrize("name", NAMES)
def test_runner_parameters_are_fixed_and_off_the_form(name: str) -> None:
    """All but log_level: fixed with a default, so hidden. log_level stays (fixing an
    enum breaks st2web's run, see above) and shows the value that applies."""
    meta = ACTIONS[name]
    for pname in RUNNER_PARAMETERS[meta.runner_type]:
        spec = meta.parameters.get(pname, {})
        if pname in RUNNER_ON_FORM:
            assert not spec.get("immutable"), (name, pname)
            assert spec["enum"][0] == spec["default"] == "DEBUG", (name, pname)
            continue
        assert spec.get("immutable") is True, (name, pname)
        assert "default" in spec, (name, pname)


@pytest.mark.parametrize("name", NAMES)
def test_descriptions_say_how_to_fill_arrays_and_accounts(name: str) -> None:
    accounts = {
        "cloud_account": "clouds",
        "smtp_account": "smtp_accounts",
        "alertmanager_account": "alertmanager_accounts",
        "icinga_account": "icinga_accounts",
        "jupyter_env": "jupyter",
    }
    for pname, spec in visible(ACTIONS[name]).items():
        text = spec.get("description", "")
        if spec.get("type") == "array":
            assert "comma-separated or a json list" in text.lower(), (name, pname)
        if pname in accounts:
            assert accounts[pname] in text, (name, pname, text)
