"""Every metadata file through StackStorm's registrars and API models."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from tier_support import CHECKOUT, PACK, pack_yaml, report


def test_registrars_registered_everything(layout: Any) -> None:
    """The registrars (fail_on_failure=True) stored every file of the pack."""
    from st2common.persistence.action import Action
    from st2common.persistence.actionalias import ActionAlias
    from st2common.persistence.policy import Policy
    from st2common.persistence.rule import Rule
    from st2common.persistence.sensor import SensorType
    from st2common.persistence.trigger import TriggerType

    expected = {
        "actions": (Action, len(pack_yaml("actions"))),
        "sensors": (SensorType, len(pack_yaml("sensors"))),
        "rules": (Rule, len(pack_yaml("rules"))),
        "aliases": (ActionAlias, len(pack_yaml("aliases"))),
        "policies": (Policy, len(pack_yaml("policies"))),
    }
    for kind, (model, count) in expected.items():
        stored = model.query(pack=PACK).count()
        report("registrars", f"{kind}: {stored} of {count} files registered")
        assert stored == count, f"{kind}: {stored} registered, {count} files"
    triggers = sum(len(s.get("trigger_types", [])) for _, s in pack_yaml("sensors"))
    assert TriggerType.query(pack=PACK).count() == triggers


@pytest.mark.parametrize(
    "path,content", pack_yaml("sensors"), ids=lambda v: getattr(v, "name", "")
)
def test_sensor_metadata_is_a_valid_sensor_type(
    layout: Any, path: Any, content: dict[str, Any]
) -> None:
    """SensorTypeAPI.validate() (additionalProperties: false); the registrar itself
    skips this validation, so a stray key would pass registration unseen."""
    from st2common.models.api.sensor import SensorTypeAPI

    try:
        SensorTypeAPI(**content).validate()
    except Exception as error:
        pytest.fail(
            f"{path.relative_to(CHECKOUT)}: rejected by StackStorm's "
            f"SensorTypeAPI.validate(): {error}"
        )


def trigger_types() -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{path.name}:{t['name']}", t)
        for path, sensor in pack_yaml("sensors")
        for t in sensor.get("trigger_types", [])
    ]


@pytest.mark.parametrize("name,trigger", trigger_types(), ids=lambda v: str(v)[:60])
def test_trigger_payload_schema_passes_st2_meta_schema(
    layout: Any, name: str, trigger: dict[str, Any]
) -> None:
    """validate_trigger_payload validates with CustomValidator, which first checks the
    schema against StackStorm's meta-schema; a schema failing that drops every
    payload of the trigger."""
    from st2common.util.schema import get_validator

    try:
        get_validator("custom").check_schema(trigger["payload_schema"])
    except Exception as error:
        pytest.fail(
            f"sensors/{name}: payload_schema rejected by StackStorm's CustomValidator "
            f"meta-schema (st2common.validators.api.reactor.validate_trigger_payload "
            f"would drop every payload): {str(error).splitlines()[0]}"
        )


@pytest.mark.parametrize("kind", ["actions", "rules", "aliases", "policies"])
def test_metadata_validates_with_st2_api_models(layout: Any, kind: str) -> None:
    """Each file through its StackStorm API model's validate()."""
    from st2common.models.api.action import ActionAliasAPI, ActionAPI
    from st2common.models.api.policy import PolicyAPI
    from st2common.models.api.rule import RuleAPI

    model = {
        "actions": ActionAPI,
        "rules": RuleAPI,
        "aliases": ActionAliasAPI,
        "policies": PolicyAPI,
    }[kind]
    problems = []
    for path, content in pack_yaml(kind):
        content = {"pack": PACK, **content}
        try:
            model(**content).validate()
        except Exception as error:
            problems.append(f"{kind}/{path.name}: {model.__name__}.validate(): {error}")
    report(
        "API models",
        f"{kind}: {len(pack_yaml(kind))} files pass {model.__name__}.validate()",
    )
    assert not problems, "\n".join(problems)


def test_stand_in_runner_parameters_match_stackstorm(layout: Any) -> None:
    """The linter's and run_action's table of python-script runner parameters is
    what the registered python runner declares (type, default, enum)."""
    from st2common.persistence.runner import RunnerType

    sys.path.insert(0, str(CHECKOUT))
    from tools.pack_lint.core import RUNNER_PARAMETERS

    real = RunnerType.get_by_name("python-script").runner_parameters
    ours = RUNNER_PARAMETERS["python-script"]
    assert sorted(ours) == sorted(real), "tools/pack_lint/core.py RUNNER_PARAMETERS"
    for name, spec in real.items():
        for key in ("type", "default", "enum"):
            assert ours[name].get(key) == spec.get(key), (
                f"tools/pack_lint/core.py RUNNER_PARAMETERS['python-script'][{name!r}]"
                f"[{key!r}] is {ours[name].get(key)!r}; StackStorm's python runner "
                f"declares {spec.get(key)!r}"
            )
    report(
        "runner parameters", f"python-script: {sorted(real)} match the stand-in's table"
    )
