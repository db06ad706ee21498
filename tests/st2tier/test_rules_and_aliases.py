"""Rules and aliases through StackStorm's own rule engine and alias parser.

Rules: realistic trigger instances (every state transition the hypervisor sensor can
announce, an inactive-users set per kind of environment) pass validate_trigger_payload,
then st2reactor's RuleFilter decides, and RuleEnforcer renders the action parameters
and requests the execution (create_request validates them).
Aliases: every representation of every alias, filled in, and the pack's own chat
examples, matched by st2common's alias matcher, parameters extracted by
extract_parameters_for_action_alias_db, immutable ones injected, cast as st2api does,
and requested with create_request.
"""

from __future__ import annotations

import importlib.util
import itertools
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from tier_support import (
    CHECKOUT,
    PACK,
    example_config,
    install_config,
    pack_yaml,
    report,
)

HV_STATES = [
    "RUNNING",
    "PENDING_MAINTENANCE",
    "DRAINING",
    "DRAINED",
    "REBOOTED",
    "EMPTY",
    "DOWN",
    "DISABLED",
    "UNKNOWN",
]


def realistic_payloads() -> dict[str, list[dict[str, Any]]]:
    """What the sensors dispatch, per trigger type."""
    now = datetime(2030, 2, 1, 8, 0, tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    transitions = [
        {
            "hypervisor_name": "devcloud-hv1",
            "previous_state": previous,
            "current_state": current,
            "reason": f"{previous} -> {current}",
            "observed_at": now,
        }
        for previous, current in itertools.product([None, *HV_STATES], HV_STATES)
        if previous != current
    ]
    inactive = [
        {
            "env": env,
            "threshold_days": 90,
            "protected": protected,
            "users": [
                {"name": "course-1", "last_activity": "2029-10-01T00:00:00Z"},
                {"name": "course-2", "last_activity": None},
            ],
        }
        for env, protected in (("training", False), ("prod", True))
    ]
    # st2reactor's timer: executed_at is str() of an aware UTC datetime
    timer = [{"executed_at": "2030-02-04 06:00:00.000123+00:00", "schedule": None}]
    return {
        f"{PACK}.hypervisor.state_change": transitions,
        f"{PACK}.jupyter.inactive_users": inactive,
        "core.st2.CronTimer": timer,
    }


@pytest.fixture(scope="module")
def with_config(layout: Any) -> Any:
    install_config(layout, example_config())
    return layout


RULES = [(path.stem, rule) for path, rule in pack_yaml("rules")]


@pytest.mark.parametrize("name,rule", RULES, ids=[n for n, _ in RULES])
def test_rule_fires_on_realistic_triggers_and_requests_a_valid_execution(
    with_config: Any, name: str, rule: dict[str, Any]
) -> None:
    from st2common.models.api.trace import TraceContext
    from st2common.persistence.rule import Rule
    from st2common.services import trace as trace_service
    from st2common.services.triggers import get_trigger_db_by_ref
    from st2common.validators.api.reactor import validate_trigger_payload
    from st2reactor.container.utils import create_trigger_instance
    from st2reactor.rules.enforcer import RuleEnforcer
    from st2reactor.rules.filter import RuleFilter

    rule_db = Rule.get_by_ref(f"{PACK}.{rule['name']}")
    # Rules shipped disabled are checked as the operator who enables them gets them.
    rule_db.enabled = True
    trigger_ref = rule["trigger"]["type"]
    trigger_db = get_trigger_db_by_ref(rule_db.trigger)
    matched, problems = 0, []
    for payload in realistic_payloads()[trigger_ref]:
        validate_trigger_payload(
            trigger_type_ref=trigger_ref,
            payload=payload,
            throw_on_inexistent_trigger=True,
        )
        # What the rules engine's worker does with a dispatched trigger.
        # The rule's own trigger: a parameterised one (a timer) is a TriggerDB of
        # its own, which is what the timer dispatches.
        instance = create_trigger_instance(
            rule_db.trigger, payload, datetime.now(UTC), raise_on_no_trigger=True
        )
        trace_service.add_or_update_given_trace_context(
            trace_context=TraceContext(trace_tag=f"st2tier-{instance.id}"),
            trigger_instances=[
                trace_service.get_trace_component_for_trigger_instance(instance)
            ],
        )
        if not RuleFilter(instance, trigger_db, rule_db).filter():
            continue
        matched += 1
        execution = RuleEnforcer(instance, rule_db).enforce()
        if execution is None or execution.status != "requested":
            from st2common.persistence.rule_enforcement import RuleEnforcement

            enforcement = RuleEnforcement.query(
                trigger_instance_id=str(instance.id)
            ).first()
            problems.append(f"{payload}: {enforcement.failure_reason}")
        else:
            rendered = execution.parameters
            for key, value in rendered.items():
                assert "{{" not in str(value), f"{key} not rendered: {value}"
    report(
        "rules (RuleFilter + RuleEnforcer)",
        f"{rule['name']}: fired on {matched} realistic trigger instance(s), "
        f"executions requested",
    )
    assert matched, f"rules/{name}.yaml matches none of the realistic trigger instances"
    assert not problems, (
        f"rules/{name}.yaml: StackStorm's RuleEnforcer could not request the action:\n"
        + "\n".join(problems)
    )


def enforce(rule_name: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The parameters of the execution StackStorm's RuleEnforcer requests for one
    trigger instance with ``payload`` (the rule enabled, as an operator would)."""
    from st2common.models.api.trace import TraceContext
    from st2common.persistence.rule import Rule
    from st2common.services import trace as trace_service
    from st2reactor.container.utils import create_trigger_instance
    from st2reactor.rules.enforcer import RuleEnforcer

    rule_db = Rule.get_by_ref(f"{PACK}.{rule_name}")
    rule_db.enabled = True
    instance = create_trigger_instance(
        rule_db.trigger, payload, datetime.now(UTC), raise_on_no_trigger=True
    )
    # what the rules engine's worker records before it enforces
    trace_service.add_or_update_given_trace_context(
        trace_context=TraceContext(trace_tag=f"st2tier-{instance.id}"),
        trigger_instances=[
            trace_service.get_trace_component_for_trigger_instance(instance)
        ],
    )
    execution = RuleEnforcer(instance, rule_db).enforce()
    assert execution is not None and execution.status == "requested", rule_name
    return dict(execution.parameters)


@pytest.mark.parametrize(
    "rule_name", ["hv.maintenance.silence.start", "hv.maintenance.downtime.start"]
)
def test_maintenance_end_is_the_hosts_datastore_key_else_the_shared_one(
    with_config: Any, rule_name: str
) -> None:
    """StackStorm's own datastore lookup renders the rules' end: the key
    hv_maintenance_end.<hypervisor> when stored, else hv_maintenance_end."""
    import st2env

    payload = {
        "hypervisor_name": "devcloud-hv1",
        "previous_state": "PENDING_MAINTENANCE",
        "current_state": "DRAINING",
        "reason": "uptime over the limit",
        "observed_at": "2030-02-01T08:00:00Z",
    }
    try:
        st2env.store_key("hv_maintenance_end", "2030-02-01T18:00:00Z")
        st2env.store_key("hv_maintenance_end.devcloud-hv2", "2030-05-05T05:00:00Z")
        assert enforce(rule_name, payload)["end"] == "2030-02-01T18:00:00Z"
        st2env.store_key("hv_maintenance_end.devcloud-hv1", "2030-02-03T12:00:00Z")
        assert enforce(rule_name, payload)["end"] == "2030-02-03T12:00:00Z"
    finally:
        for key in (
            "hv_maintenance_end",
            "hv_maintenance_end.devcloud-hv1",
            "hv_maintenance_end.devcloud-hv2",
        ):
            st2env.delete_key(key)


def _pack_alias_cases() -> list[tuple[str, str, str, dict[str, str]]]:
    """The chat examples of tests/pack/test_aliases.py (message, alias, format, params)."""
    path = CHECKOUT / "tests" / "pack" / "test_aliases.py"
    spec = importlib.util.spec_from_file_location("pack_alias_cases", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.CASES)


#: A chat word per parameter type (strings get ``x<name>``).
TYPED_WORDS = {"integer": "7", "number": "7", "array": "a,b", "boolean": "true"}


def _filled(representation: str, parameters: dict[str, Any]) -> str:
    """A chat message for one representation: each {{ param }} gets a word of its
    type; a {{ param=default }} is left out (the default applies); regex groups take
    their first alternative, optional characters are kept."""

    def word(match: re.Match[str]) -> str:
        kind = (parameters.get(match.group(1)) or {}).get("type", "string")
        return TYPED_WORDS.get(kind, f"x{match.group(1)}")

    message = re.sub(r"\{\{\s*\w+\s*=[^}]*\}\}", "", representation)
    message = re.sub(r"\{\{\s*(\w+)\s*\}\}", word, message)
    message = re.sub(r"\(([^|)]+)(\|[^)]*)?\)", r"\1", message)
    message = re.sub(r"(\w)\?", r"\1", message)
    return " ".join(message.split())


def alias_cases() -> list[tuple[str, str, str]]:
    """(message, alias name, representation) for every representation and example."""
    actions = {f"{PACK}.{path.stem}": meta for path, meta in pack_yaml("actions")}
    cases = []
    for _, alias in pack_yaml("aliases"):
        parameters = actions[alias["action_ref"]].get("parameters") or {}
        for fmt in alias["formats"]:
            representations = (
                fmt.get("representation", [fmt.get("display")])
                if isinstance(fmt, dict)
                else [fmt]
            )
            for representation in representations:
                message = _filled(representation, parameters)
                cases.append((message, alias["name"], representation))
    return cases


def _check_alias_message(message: str, alias_name: str, representation: str) -> dict:
    from st2api.controllers.v1.aliasexecution import CAST_OVERRIDES
    from st2common.models.db.liveaction import LiveActionDB
    from st2common.models.utils import action_param_utils
    from st2common.models.utils.action_alias_utils import (
        extract_parameters_for_action_alias_db,
        inject_immutable_parameters,
    )
    from st2common.persistence.actionalias import ActionAlias
    from st2common.services import action as action_service
    from st2common.util.actionalias_matching import match_command_to_alias

    aliases = list(ActionAlias.query(pack=PACK))
    matches = match_command_to_alias(message, aliases)
    found = [(m["alias"]["name"], m["representation"]) for m in matches]
    assert found == [(alias_name, representation)], (
        f"aliases/{alias_name}.yaml: {message!r} matched {found} in StackStorm's "
        f"match_command_to_alias"
    )
    alias_db = ActionAlias.get_by_name(alias_name)
    params = extract_parameters_for_action_alias_db(
        action_alias_db=alias_db, format_str=representation, param_stream=message
    )
    runs = [dict(params)]
    inject_immutable_parameters(alias_db, runs, {"user": "st2admin"})
    cast = action_param_utils.cast_params(
        action_ref=alias_db.action_ref, params=runs[0], cast_overrides=CAST_OVERRIDES
    )
    liveaction = LiveActionDB(
        action=alias_db.action_ref, parameters=cast, context={"user": "st2admin"}
    )
    action_service.create_request(liveaction)
    return params


@pytest.mark.parametrize(
    "message,alias_name,representation", alias_cases(), ids=lambda v: str(v)[:50]
)
def test_alias_representation_matches_and_requests(
    with_config: Any, message: str, alias_name: str, representation: str
) -> None:
    _check_alias_message(message, alias_name, representation)
    report(
        "aliases (match_command_to_alias + create_request)",
        f"{alias_name}: {message!r} -> {representation!r}",
    )


@pytest.mark.parametrize(
    "message,alias_name,representation,expected",
    _pack_alias_cases(),
    ids=lambda v: str(v)[:50],
)
def test_pack_chat_examples_extract_the_same_in_stackstorm(
    with_config: Any,
    message: str,
    alias_name: str,
    representation: str,
    expected: dict[str, str],
) -> None:
    params = _check_alias_message(message, alias_name, representation)
    assert params == expected, f"StackStorm extracted {params} from {message!r}"
    report(
        "chat examples (extract_parameters_for_action_alias_db)",
        f"{alias_name}: {message!r} -> {params}",
    )
