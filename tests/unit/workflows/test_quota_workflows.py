"""quota.set: validation, plan (unchanged / refused below usage / forced), notes."""

from __future__ import annotations

from typing import Any

import pytest
from project_fakes import FakeConn

from openstack_api.quotas import QuotaValue
from pack_common import Failure, InputError
from workflows import quota

CURRENT = {
    "compute": {
        "cores": QuotaValue(limit=20, in_use=4),
        "instances": QuotaValue(limit=10, in_use=2),
    }
}


@pytest.mark.parametrize(
    "value",
    [
        "cores=4",
        {"compute": 4},
        {"compute": {"cores": -2}},
        {"compute": {"cores": 1.5}},
        {"compute": {"cores": True}},
    ],
)
def test_validate_request_names_the_parameter(value: Any) -> None:
    with pytest.raises(InputError) as error:
        quota.validate_request(value)
    assert error.value.parameter == "quotas"


def test_minus_one_means_unlimited_and_is_accepted() -> None:
    assert quota.validate_request({"compute": {"cores": -1}}) == {
        "compute": {"cores": -1}
    }


def test_plan_classifies_each_value() -> None:
    request = {"compute": {"cores": 20, "instances": 1}, "dns": {"zones": 2}}
    plan = quota.plan_changes(request, CURRENT, ["compute"], force=False)
    statuses = {c.quota: c.status for c in plan.changes}
    assert statuses == {"cores": "unchanged", "instances": "refused"}
    assert plan.notes == [
        "dns: not a quota service (compute, network, volume), skipped"
    ]
    assert plan.to_apply() == {}


def test_force_allows_below_usage_and_unlimited_is_never_refused() -> None:
    request = {"compute": {"instances": 1, "cores": -1}}
    plan = quota.plan_changes(request, CURRENT, ["compute"], force=True)
    assert {c.quota: c.status for c in plan.changes} == {
        "instances": "forced",
        "cores": "change",
    }
    assert plan.to_apply() == {"compute": {"instances": 1, "cores": -1}}


def test_service_the_cloud_lacks_is_skipped_with_a_note() -> None:
    plan = quota.plan_changes({"volume": {"volumes": 5}}, CURRENT, ["compute"], False)
    assert plan.changes == [] and "no such service" in plan.notes[0]


def test_unknown_key_lists_the_valid_ones() -> None:
    with pytest.raises(InputError, match="valid: cores, instances"):
        quota.plan_changes({"compute": {"gpus": 1}}, CURRENT, ["compute"], False)


def test_set_below_usage_is_refused_and_nothing_changes() -> None:
    conn = FakeConn()
    result = quota.set_limits(
        conn, "web", {"compute": {"cores": 2}}, apply=True  # type: ignore[arg-type]
    )
    assert isinstance(result, Failure)
    assert "force" in result.result["error"]
    assert conn.changed() == []


def test_set_applies_only_given_values() -> None:
    conn = FakeConn()
    result = quota.set_limits(
        conn,  # type: ignore[arg-type]
        "web",
        {"compute": {"cores": 30}, "network": {"floatingip": 50}},
        apply=True,
    )
    assert not isinstance(result, Failure)
    assert conn.mutations == [
        (
            "compute.put",
            ("/os-quota-sets/p-web",),
            {"json": {"quota_set": {"cores": 30}}, "microversion": "2.36"},
        )
    ]
    assert result["applied"] == {"compute": "set"}


@pytest.mark.parametrize(
    ("project", "quotas", "parameter"),
    [
        ("ghost", {"compute": {"cores": 1}}, "project"),
        ("data", {"compute": {"cores": 1}}, "project"),  # ambiguous name
        ("web", {}, "quotas"),
        ("web", {"compute": {"cores": -5}}, "quotas"),
    ],
)
def test_bad_project_or_request_changes_nothing(
    project: str, quotas: dict[str, Any], parameter: str
) -> None:
    conn = FakeConn()
    with pytest.raises(InputError) as error:
        quota.set_limits(conn, project, quotas, apply=True)  # type: ignore[arg-type]
    assert error.value.parameter == parameter
    assert conn.changed() == []


def test_ambiguous_project_lists_the_candidates() -> None:
    conn = FakeConn()
    with pytest.raises(InputError) as error:
        quota.show(conn, "data")  # type: ignore[arg-type]
    assert "p-d1" in str(error.value) and "p-d2" in str(error.value)


def test_forced_lowering_asks_nova_and_neutron_to_force() -> None:
    conn = FakeConn()
    result = quota.set_limits(
        conn,  # type: ignore[arg-type]
        "web",
        {"compute": {"cores": 2}, "network": {"floatingip": 0}},
        force=True,
        apply=True,
    )
    assert not isinstance(result, Failure), result
    assert {c["quota"]: c["status"] for c in result["plan"]} == {
        "cores": "forced",
        "floatingip": "forced",
    }
    bodies = {name: kwargs["json"] for name, _args, kwargs in conn.mutations}
    assert bodies == {
        "compute.put": {"quota_set": {"cores": 2, "force": True}},
        "network.put": {"quota": {"floatingip": 0, "force": True}},
    }


@pytest.mark.fault(8)
def test_plan_judges_usage_as_each_service_does() -> None:
    """Nova refuses below in use + reserved, Neutron below in use (reserved not
    counted): the plan refuses exactly those, naming the quota and the usage."""
    current = {
        "compute": {"cores": QuotaValue(limit=20, in_use=4, reserved=2)},
        "network": {"port": QuotaValue(limit=50, in_use=4, reserved=2)},
    }
    request = {"compute": {"cores": 5}, "network": {"port": 4}}
    plan = quota.plan_changes(request, current, ["compute", "network"], force=False)
    assert [(c.quota, c.status, c.reason) for c in plan.changes] == [
        (
            "cores",
            "refused",
            "5 is below the 6 in use and reserved (4 + 2); "
            "Nova refuses it unless forced",
        ),
        ("port", "change", ""),
    ]
    lower = quota.plan_changes(
        {"network": {"port": 3}}, current, ["network"], force=False
    )
    assert lower.refused[0].reason == (
        "3 is below the 4 in use; Neutron refuses it unless forced"
    )


@pytest.mark.fault(8)
def test_a_refused_dry_run_fails_with_the_real_runs_error() -> None:
    conns = [FakeConn(), FakeConn()]
    outcomes = [
        quota.set_limits(
            conn,  # type: ignore[arg-type]
            "web",
            {"compute": {"instances": 1}},
            apply=not dry_run,
        )
        for conn, dry_run in zip(conns, (True, False), strict=True)
    ]
    assert [c.mutations for c in conns] == [[], []]
    assert all(isinstance(o, Failure) for o in outcomes)
    plan, real = (o.result for o in outcomes)  # type: ignore[union-attr]
    assert plan["error"] == real["error"] and plan["plan"] == real["plan"]
    assert plan["error"].startswith(
        "parameter 'force': refused below current usage: compute.instances (1 is "
        "below the "
    )
