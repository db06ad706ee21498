"""Campaign actions validate their inputs before anything is looked up or sent.

The workflows are called with ``conn=None``: a validation error must come first,
so no connection is ever used. Also the Query-row helpers of ``campaigns.targets``.
"""

from __future__ import annotations

from typing import Any

import pytest

from campaigns.targets import (
    Scope,
    check_hypervisor_names,
    format_time,
    owner_of,
)
from email_api.account import SMTPAccount
from pack_common import ActionServiceStore, InputError
from tools.testing.services import PackActionService
from workflows import email_campaigns as wf

ACCOUNT = SMTPAccount(name="t", host="127.0.0.1", from_address="ops@example.org")


def call(func: Any, **params: Any) -> Any:
    store = ActionServiceStore(PackActionService("WorkflowActions"))
    return func(None, ACCOUNT, store, {}, **params)


@pytest.mark.parametrize(
    ("func", "params", "parameter"),
    [
        (wf.users_with_shutoff_vms, {"days_threshold": -1}, "days_threshold"),
        (wf.users_with_errored_vms, {"days_threshold": "7"}, "days_threshold"),
        (
            wf.users_with_shutoff_vms,
            {"days_threshold": 1, "all_projects": True, "from_projects": ["p"]},
            "from_projects",
        ),
        (
            wf.users_with_shutoff_vms,
            {"days_threshold": 1, "override_to": "not an address"},
            "override_to",
        ),
        (wf.users_with_decom_flavors, {"flavor_names": []}, "flavor_names"),
        (
            wf.users_with_decom_flavors,
            {"flavor_names": ["m1"], "end_of_life": "2030-02-30"},
            "end_of_life",
        ),
        (wf.users_with_decom_images, {"image_names": [" "]}, "image_names"),
        (
            wf.users_with_vms_on_hv_maintenance,
            {"hypervisor_names": []},
            "hypervisor_names",
        ),
        (
            wf.users_with_vms_on_hv_fault,
            {"hypervisor_names": ["hv1"], "bcc": ["x"]},
            "bcc",
        ),
        (
            wf.users_with_vms_on_hv_fault,
            {"hypervisor_names": ["hv1"], "max_recipients": 0},
            "max_recipients",
        ),
        (wf.ops_down_disabled_hypervisors, {}, "to_addresses"),
    ],
)
def test_bad_input_is_an_error_naming_the_parameter(
    func: Any, params: dict[str, Any], parameter: str
) -> None:
    with pytest.raises(InputError) as caught:
        call(func, **params)
    assert caught.value.parameter == parameter


def test_scope() -> None:
    assert Scope.build(True, None).run_args() == {"all_projects": True}
    assert Scope.build(False, [" a ", ""]).run_args() == {"from_projects": ["a"]}
    assert Scope.build(False, None).as_dict() == {
        "all_projects": False,
        "from_projects": [],
    }


def test_format_time() -> None:
    assert format_time("2030-01-02T03:04:05Z") == "2030-01-02 03:04 UTC"
    assert format_time("2030-01-02T03:04:05") == "2030-01-02 03:04 UTC"
    assert format_time("2030-01-02T04:04:05+01:00") == "2030-01-02 03:04 UTC"
    assert format_time(None) == ""
    assert format_time("soon") == "soon"


def test_owner_of_a_row() -> None:
    row = {"user_id": "u1", "user.name": "ann", "user.email": " ann@example.org "}
    assert owner_of(row).email == "ann@example.org"
    assert owner_of({"user_id": "u2", "user.email": None}).email is None
    assert owner_of({"user_id": "u3"}).label() == "unknown user u3"


def test_hypervisor_names_are_checked_against_names_and_hosts() -> None:
    rows = [{"name": "hv1.example", "host": "hv1"}, {"name": "hv2", "host": "hv2"}]
    check_hypervisor_names(rows, ["hv1", "hv2", "hv1.example"])
    with pytest.raises(InputError, match=r"'hv9'.*known: hv1\.example, hv2"):
        check_hypervisor_names(rows, ["hv9"])
