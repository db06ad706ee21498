"""Numbers bounded (issue 12, item 5): every numeric parameter of the search,
hypervisor, quota and day-threshold campaign actions refuses NaN, ±infinity, bools,
huge and negative values with an ``InputError`` naming the parameter and the range,
before anything is asked of the cloud; the actions' YAML schemas carry the same
bounds, and the bound itself is accepted.

The table is built from ``actions/*.yaml``: each action whose workflow is in
``OWNED_WORKFLOW_MODULES`` and each of its ``integer``/``number`` parameters
(except those another module checks, ``NOT_HERE``).
"""

from __future__ import annotations

import math
from typing import Any

import jsonschema
import pytest

from pack_common import ConfigError, InputError, validation
from tools.pack_meta import ActionMeta, load_actions, validate_parameters
from workflows.registry import INJECTIONS, resolve_workflow

OWNED_WORKFLOW_MODULES = (
    "search.",
    "hypervisor.",
    "quota.",
    "email_campaigns.",
    "audit.",
)
#: Checked by another module (the campaign options), not by these workflows.
NOT_HERE = {"max_recipients"}


class Reached(Exception):
    """Raised when a workflow touches the cloud (or mail, or store): it got past
    its input checks."""


class Untouchable:
    """An injected connection/account/store that must not be used."""

    def __getattr__(self, name: str) -> Any:
        raise Reached(name)


def _sample(name: str, spec: dict[str, Any]) -> Any:
    """A valid value for a required parameter of the table's actions."""
    if "enum" in spec:
        return spec["enum"][0]
    if name == "quotas":
        return {"compute": {"cores": 1}}
    return {"array": ["x"], "integer": 1, "number": 1, "object": {}}.get(
        spec.get("type"), "x"
    )


def _numeric_cases() -> list[tuple[ActionMeta, str]]:
    cases = []
    for meta in load_actions():
        if not (meta.workflow or "").startswith(OWNED_WORKFLOW_MODULES):
            continue
        for name, spec in meta.parameters.items():
            if spec.get("type") in ("integer", "number") and name not in NOT_HERE:
                cases.append((meta, name))
    return cases


CASES = _numeric_cases()


def _call(meta: ActionMeta, **params: Any) -> Any:
    """Run the action's workflow with valid required parameters, ``params`` and
    untouchable injections."""
    func = resolve_workflow(str(meta.workflow))
    kwargs: dict[str, Any] = {
        name: _sample(name, spec)
        for name, spec in meta.parameters.items()
        if spec.get("required") and name != "workflow"
    }
    kwargs = {k: v for k, v in kwargs.items() if k not in INJECTIONS}
    if "days" in meta.parameters:
        kwargs["days"] = 1  # a span is required: all units 0 is refused
    for name in INJECTIONS:
        if name in func.__code__.co_varnames:
            kwargs[name] = {} if name == "pack_config" else Untouchable()
    kwargs.update(params)
    return func(**kwargs)


def _bad_values(spec: dict[str, Any]) -> list[Any]:
    values: list[Any] = [math.nan, math.inf, -math.inf, True, False, "7", [1]]
    values.append(10**20)  # past every bound: days, max_rows, comparisons
    if spec.get("type") == "integer":
        values.append(2.5)
    if "minimum" in spec:
        values.append(spec["minimum"] - 1)
    if "maximum" in spec:
        values.append(spec["maximum"] + 1)
    return values


def test_the_table_covers_the_reported_parameters() -> None:
    names = {(meta.name, name) for meta, name in CASES}
    assert ("server.search.by.datetime", "days") in names
    assert ("email.users.with.shutoff.vms", "days_threshold") in names
    assert ("flavor.search.by.expression", "value") in names
    assert ("hypervisor.find.reinstall.candidates", "limit") in names
    assert ("server.list", "max_rows") in names
    assert len(CASES) >= 30


@pytest.mark.fault(5)
@pytest.mark.parametrize(
    ("meta", "parameter"), CASES, ids=[f"{m.name}:{p}" for m, p in CASES]
)
def test_bad_numbers_are_refused_naming_the_parameter(
    meta: ActionMeta, parameter: str
) -> None:
    spec = meta.parameters[parameter]
    for value in _bad_values(spec):
        with pytest.raises(InputError) as caught:
            _call(meta, **{parameter: value})
        assert caught.value.parameter == parameter, (value, str(caught.value))
        assert f"got {value!r}" in str(caught.value)
        if "maximum" in spec:
            assert f"to {spec['maximum']}" in str(caught.value)


@pytest.mark.fault(5)
@pytest.mark.parametrize(
    ("meta", "parameter"),
    [(m, p) for m, p in CASES if "maximum" in m.parameters[p]],
    ids=[f"{m.name}:{p}" for m, p in CASES if "maximum" in m.parameters[p]],
)
def test_yaml_bounds_match_the_workflow(meta: ActionMeta, parameter: str) -> None:
    spec = meta.parameters[parameter]
    required = {
        name: _sample(name, s)
        for name, s in meta.parameters.items()
        if s.get("required")
    }
    for value in (spec["maximum"] + 1, spec["minimum"] - 1):
        with pytest.raises(jsonschema.ValidationError):
            validate_parameters(meta, {**required, parameter: value})
    for value in (spec["minimum"], spec["maximum"]):
        validate_parameters(meta, {**required, parameter: value})
        if (parameter, value) == ("days", 0):
            continue  # a span of all zeros is refused on its own (no span given)
        with pytest.raises(Reached):  # past the checks: the cloud is asked
            _call(meta, **{parameter: value})


QUOTA_BAD = [math.nan, math.inf, True, 1.5, "10", None, -2, 2**31, 10**20]


@pytest.mark.fault(5)
@pytest.mark.parametrize("value", QUOTA_BAD, ids=repr)
def test_quota_values_outside_the_apis_range_are_refused(value: Any) -> None:
    meta = next(m for m in load_actions() if m.name == "quota.set")
    with pytest.raises(InputError) as caught:
        _call(meta, quotas={"compute": {"cores": value}}, apply=True)
    assert caught.value.parameter == "quotas"
    assert "compute.cores" in str(caught.value)
    assert "from -1 to 2147483647 (-1 means unlimited)" in str(caught.value)


@pytest.mark.fault(5)
@pytest.mark.parametrize("value", [-1, 0, 2**31 - 1, 4.0])
def test_quota_values_at_the_apis_bounds_are_accepted(value: Any) -> None:
    meta = next(m for m in load_actions() if m.name == "quota.set")
    with pytest.raises(Reached):
        _call(meta, quotas={"network": {"port": value}})


@pytest.mark.fault(5)
def test_largest_spans_cannot_overflow_now_minus_span() -> None:
    from datetime import datetime, timedelta

    span = timedelta(**validation.MAX_SPAN)  # every unit at its maximum at once
    assert datetime.now() - span > datetime.min
    assert validation.MAX_SPAN["days"] == 36500


@pytest.mark.fault(5)
@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: validation.whole_number("n", math.nan, 0, 9),
            "parameter 'n': must be a whole number from 0 to 9, got nan",
        ),
        (
            lambda: validation.whole_number("n", True, 0),
            "parameter 'n': must be a whole number >= 0, got True",
        ),
        (
            lambda: validation.finite_number("value", math.inf),
            "parameter 'value': must be a finite number, got inf",
        ),
        (
            lambda: validation.finite_number("value", False),
            "parameter 'value': must be a finite number, got False",
        ),
        (
            lambda: validation.days("days_threshold", 10**20),
            "parameter 'days_threshold': must be a whole number from 0 to 36500 "
            "(100 years), got 100000000000000000000",
        ),
        (
            lambda: validation.whole_number(
                "quotas", -2, -1, 5, note="-1 means unlimited", context="compute.ram"
            ),
            "parameter 'quotas': compute.ram: must be a whole number from -1 to 5 "
            "(-1 means unlimited), got -2",
        ),
    ],
)
def test_messages_name_the_parameter_and_the_range(call: Any, message: str) -> None:
    with pytest.raises(InputError) as caught:
        call()
    assert str(caught.value) == message


def test_good_numbers_pass_through_with_their_type() -> None:
    assert validation.whole_number("n", 30.0, 0, 100) == 30
    assert type(validation.whole_number("n", 30.0, 0, 100)) is int
    assert validation.finite_number("v", -2.5) == -2.5
    assert type(validation.finite_number("v", 3)) is int
    assert validation.optional_whole_number("n", None, 1) is None
    assert validation.time_span("seconds", 3153600000) == 3153600000


# name_list: the one validator of list-of-names parameters -------------------------


def test_name_list_strips_drops_repeats_and_keeps_order() -> None:
    assert validation.name_list("users", [" bob", "alice ", "bob"]) == ["bob", "alice"]
    assert validation.name_list("users", ("a",)) == ["a"]


def test_a_lone_string_is_one_name_not_split_on_commas() -> None:
    assert validation.name_list("values", "web,db", what="value") == ["web,db"]


@pytest.mark.parametrize(
    "values", [[""], ["  "], ["ok", None], [5], ["ok", True], {"a": 1}, 7]
)
def test_blank_or_non_string_items_are_refused_naming_the_parameter(
    values: Any,
) -> None:
    with pytest.raises(InputError) as error:
        validation.name_list("admins", values, required=False, what="user name or id")
    assert error.value.parameter == "admins"


@pytest.mark.parametrize("values", [None, [], ()])
def test_no_names_is_refused_only_when_required(values: Any) -> None:
    with pytest.raises(InputError, match="give at least one name") as error:
        validation.name_list("flavor_names", values, what="name")
    assert error.value.parameter == "flavor_names"
    assert validation.name_list("flavor_names", values, required=False) == []


@pytest.mark.parametrize("value", [0, -3, True, "30", 1.5, math.nan, None])
def test_config_whole_number_names_where_the_value_is(value: Any) -> None:
    with pytest.raises(ConfigError) as caught:
        validation.config_whole_number(
            "pack config 'icinga_accounts' entry 'main': 'timeout'", value, 1
        )
    assert str(caught.value) == (
        "pack config 'icinga_accounts' entry 'main': 'timeout' must be a whole "
        f"number >= 1, got {value!r}"
    )


def test_config_whole_number_accepts_an_integral_value() -> None:
    assert validation.config_whole_number("key 'port'", 25.0, 1, 65535) == 25
