"""Every action through StackStorm: create_request, the runner container, the python
runner and its wrapper subprocess (the pack virtualenv's python, StackStorm's path
order), the pack config through ContentPackConfigLoader with encrypted secrets.

With every service unreachable each action must end as a status and a JSON result
(a failure names its cause), never a traceback; against the local cloud, read-only
actions succeed.
"""

from __future__ import annotations

import copy
import os
import socket
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from tier_support import (
    CHECKOUT,
    PACK,
    example_config,
    install_config,
    pack_yaml,
    report,
)

#: Plausible values for required parameters that have no default, by name.
SAMPLE_VALUES: dict[str, Any] = {
    "project": "st2tier-project",
    "values": ["st2tier"],
    "pattern": "^st2tier",
    "jupyter_env": "training",
    "group": "st2tier-group",
    "users": ["st2tier-user"],
    "hypervisor": "devcloud-hv1",
    "role": "member",
    "flavor": "m1.small",
    "value": 1,
    "image": "cirros",
    "days_threshold": 1,
    "hypervisor_names": ["devcloud-hv1"],
    "name": "st2tier-name",
    "server": "st2tier-server",
    "to": ["ops@example.org"],
    "flavor_names": ["m1.small"],
    "image_names": ["cirros"],
    "reason": "st2tier check",
    "confirm": "st2tier",
    "quotas": {"compute": {"cores": 10}},
    "hypervisors": ["devcloud-hv1"],
    "user": "st2tier-user",
    "alertmanager_account": "prod",
    "icinga_account": "prod",
    "key": "st2tier-key",
    "matchers": ["instance=devcloud-hv1"],
    "host": "devcloud-hv1",
    # a window the actions accept (at most 31 days ahead), so they reach the service
    "end": (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
}


#: Optional inputs that get these actions past their own input checks to the service.
EXTRA_INPUTS: dict[str, dict[str, Any]] = {
    "image.search.by.datetime": {"days": 30},
    "server.search.by.datetime": {"days": 30},
    "user.search.by.datetime": {"days": 30},
    "jupyter.server.start": {"user": "st2tier-user"},
    "jupyter.server.stop": {"user": "st2tier-user"},
    "jupyter.user.create": {"user": "st2tier-user"},
    "jupyter.user.delete": {"user": "st2tier-user"},
    "jupyter.users.prepare": {"user": "st2tier-user"},
}


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def required_inputs(meta: dict[str, Any]) -> dict[str, Any]:
    """What an operator must type for this action: required parameters without a
    default (an enum gets its first choice)."""
    inputs: dict[str, Any] = {}
    for name, spec in (meta.get("parameters") or {}).items():
        if not spec.get("required") or "default" in spec or spec.get("immutable"):
            continue
        if spec.get("enum"):
            inputs[name] = spec["enum"][0]
        else:
            assert name in SAMPLE_VALUES, f"no sample value for required {name!r}"
            inputs[name] = SAMPLE_VALUES[name]
    return inputs


def run_action(ref: str, parameters: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Request and run one action the way StackStorm's action runner does."""
    import st2env
    from st2actions.container.base import RunnerContainer
    from st2common.models.db.liveaction import LiveActionDB
    from st2common.persistence.liveaction import LiveAction
    from st2common.services import action as action_service

    liveaction = LiveActionDB(
        action=ref, parameters=parameters, context={"user": "st2admin"}
    )
    liveaction, _ = action_service.create_request(liveaction)
    # The python runner hands its own command line (st2actionrunner's) to the wrapper.
    saved_argv = sys.argv
    sys.argv = [
        "st2actionrunner",
        "--config-file",
        str(st2env.layout_from_env().st2_conf),
    ]
    try:
        RunnerContainer().dispatch(liveaction)
    finally:
        sys.argv = saved_argv
    done = LiveAction.get_by_id(str(liveaction.id))
    return done.status, done.result


def unreachable_config() -> dict[str, Any]:
    """The example config with every endpoint on a closed loopback port."""
    config = copy.deepcopy(example_config())
    port = closed_port()
    for cloud in config["clouds"]:
        cloud["auth_url"] = f"http://127.0.0.1:{port}/v3"
    for account in config["smtp_accounts"]:
        account["host"] = "127.0.0.1"
        account["port"] = port
        account["timeout"] = 5
    for env in config["jupyter_envs"]:
        env["url"] = f"http://127.0.0.1:{port}"
    for key in ("alertmanager_accounts", "icinga_accounts"):
        for account in config[key]:
            account["url"] = f"http://127.0.0.1:{port}"
    return config


ACTIONS = [(path.stem, meta) for path, meta in pack_yaml("actions")]


@pytest.fixture(scope="module")
def unreachable(layout: Any) -> dict[str, Any]:
    return install_config(layout, unreachable_config())


@pytest.mark.parametrize("name,meta", ACTIONS, ids=[a for a, _ in ACTIONS])
def test_action_result_protocol_with_services_unreachable(
    unreachable: dict[str, Any], name: str, meta: dict[str, Any]
) -> None:
    inputs = {**required_inputs(meta), **EXTRA_INPUTS.get(name, {})}
    status, output = run_action(f"{PACK}.{name}", inputs)
    result = output.get("result")
    stderr = output.get("stderr", "")
    summary = result.get("error") if isinstance(result, dict) else result
    report(
        "actions, services unreachable (runner container + python runner)",
        f"{PACK}.{name}: {status}: {str(summary)[:140]}",
    )
    assert "Traceback (most recent call last)" not in stderr, (
        f"actions/{name}.yaml: StackStorm's python runner (python_runner.python_action_wrapper) ended in a traceback:\n"
        f"{stderr[-2000:]}"
    )
    assert status in ("succeeded", "failed"), f"{name}: status {status}: {output}"
    assert output.get("exit_code") == 0, f"{name}: exit code {output.get('exit_code')}"
    assert result not in (None, "None"), f"{name}: no JSON result (stdout: {output})"
    if status == "failed":
        assert isinstance(result, dict) and isinstance(
            result.get("error"), str
        ), f"{name}: a failed execution's result must carry an error: {result!r}"
        accounts = [
            entry["name"]
            for key in (
                "clouds",
                "smtp_accounts",
                "jupyter_envs",
                "alertmanager_accounts",
                "icinga_accounts",
            )
            for entry in unreachable[key]
        ]
        named = [a for a in accounts if f"'{a}'" in result["error"]]
        assert (
            named or "parameter '" in result["error"]
        ), f"{name}: the failure names neither the account nor a parameter: {result}"


def devcloud_config() -> tuple[dict[str, Any], str]:
    """The example config pointed at the local cloud's admin account, and its password."""
    state = os.environ.get("OPENSTACK_OPS_DEVCLOUD_DIR") or CHECKOUT / ".devcloud"
    clouds_file = Path(state) / "clouds.yaml"
    auth = yaml.safe_load(clouds_file.read_text())["clouds"]["devcloud-admin"]["auth"]
    config = copy.deepcopy(example_config())
    cloud = config["clouds"][0]
    cloud.update(
        auth_url=auth["auth_url"],
        username=auth["username"],
        project_name=auth["project_name"],
        user_domain_name=auth.get("user_domain_name", "Default"),
        project_domain_name=auth.get("project_domain_name", "Default"),
        verify=False,
    )
    return config, auth["password"]


@pytest.mark.parametrize(
    "ref,parameters",
    [
        ("cloud.check", {}),
        ("server.list", {"all_projects": True}),
        (
            "hypervisor.search.by.regex",
            {"property_to_search_by": "name", "pattern": "hv"},
        ),
    ],
)
def test_read_only_actions_succeed_against_the_local_cloud(
    layout: Any, ref: str, parameters: dict[str, Any]
) -> None:
    import st2env

    config, password = devcloud_config()
    st2env.store_secret("openstack_password", password)
    try:
        install_config(layout, config)
        status, output = run_action(f"{PACK}.{ref}", parameters)
    finally:
        from tier_support import SECRETS

        st2env.store_secret("openstack_password", SECRETS["openstack_password"])
    report("actions against the local cloud", f"{PACK}.{ref}: {status}")
    assert status == "succeeded", f"{ref}: {status}: {output}"
    assert output["result"] not in (None, "None")
