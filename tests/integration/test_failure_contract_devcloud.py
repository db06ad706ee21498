"""The failure contract against the real devcloud: a non-admin account running admin
actions gets a failed result naming the account, the endpoint and the 403 cause
(never a traceback), an unknown scope names the parameter, a wrong password is a
401. Only dry runs and reads: nothing on the cloud changes.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from os_fixtures_projects import failed, workflow_of
from src.workflow_actions import WorkflowActions

from tools.testing.services import PackActionService

pytest_plugins = ["os_fixtures_projects"]

USER = "devcloud-user"
ADMIN = "devcloud-admin"


def run(config: dict[str, Any], action: str, account: str, **params: Any) -> Any:
    """Run ``action`` through the entry point as ``account``."""
    service = PackActionService("WorkflowActions")
    entry = WorkflowActions(config=copy.deepcopy(config), action_service=service)
    return entry.run(workflow=workflow_of(action), cloud_account=account, **params)


def passwords(config: dict[str, Any]) -> list[str]:
    """Every cloud password of the pack config."""
    return [c["password"] for c in config["clouds"]]


ADMIN_ONLY = [
    ("server.list", {"all_projects": True}),
    ("hypervisor.drain", {"hypervisor": "devcloud-hv1"}),
    ("hypervisor.service.disable", {"hypervisor": "devcloud-hv1", "reason": "x"}),
    ("project.create", {"name": "it-never-created"}),
    ("quota.set", {"project": "web-shop", "quotas": {"compute": {"cores": 5}}}),
    ("project.delete", {"project": "web-shop", "confirm": "web-shop"}),
    ("group.add.users", {"group": "ops-team", "users": ["alice"]}),
    (
        "project.add.user.with.role",
        {"project": "web-shop", "users": ["alice"], "role": "member"},
    ),
]


@pytest.mark.fault(2)
@pytest.mark.parametrize(
    ("action", "params"), ADMIN_ONLY, ids=[a for a, _ in ADMIN_ONLY]
)
def test_admin_actions_with_a_non_admin_account_are_a_named_403(
    ops_config: dict[str, Any], action: str, params: dict[str, Any]
) -> None:
    result = failed(run(ops_config, action, USER, **params))  # dry runs by default
    assert result["status"] == 403, result
    assert result["account"] == USER
    assert result["error"].startswith(f"cloud_account {USER!r}: 403 Forbidden from ")
    assert result["cause"].endswith("; this needs the admin role)"), result
    assert result["endpoint"].startswith("http://127.0.0.1:")
    assert result["service"].split()[0] in ("compute", "identity")
    text = json.dumps(result)
    assert not any(p in text for p in passwords(ops_config))


@pytest.mark.fault(1)
@pytest.mark.parametrize(
    ("action", "params", "error"),
    [
        (
            "server.list",
            {"from_projects": ["no-such-project"]},
            "parameter 'from_projects': no project named 'no-such-project'",
        ),
        (
            "server.search.by.property",
            {
                "property_to_search_by": "name",
                "values": ["x"],
                "from_projects": ["no-such-project"],
            },
            "parameter 'from_projects': no project named 'no-such-project'",
        ),
        (
            "project.search.by.property",
            {
                "property_to_search_by": "name",
                "values": ["x"],
                "from_domain": "no-such-domain",
            },
            "parameter 'from_domain': no domain 'no-such-domain'",
        ),
        (
            "email.users.with.errored.vms",
            {"days_threshold": 1, "from_projects": ["no-such-project"]},
            "parameter 'from_projects': no project named 'no-such-project'",
        ),
    ],
)
def test_unknown_scope_names_the_parameter(
    ops_config: dict[str, Any], action: str, params: dict[str, Any], error: str
) -> None:
    result = failed(run(ops_config, action, ADMIN, **params))
    assert result == {"error": error}


@pytest.mark.fault(2)
def test_wrong_password_is_a_401_naming_the_account(
    ops_config: dict[str, Any],
) -> None:
    config = copy.deepcopy(ops_config)
    entry = next(c for c in config["clouds"] if c["name"] == ADMIN)
    entry["password"] = "wrong-password-42"
    result = failed(run(config, "server.list", ADMIN))
    assert result["cause"] == "401 Unauthorized: bad credentials"
    assert result["account"] == ADMIN
    assert result["endpoint"].endswith("/v3/auth/tokens")
    assert "wrong-password-42" not in json.dumps(result)
