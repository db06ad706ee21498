"""Every sensor loaded and polled as StackStorm's sensor container runs it.

The sensor runs in its own process: the pack virtualenv's python with the PYTHONPATH
st2reactor's process container computes (StackStorm's site-packages first), built by
st2reactor's SensorWrapper (tools/st2tier/sensor_driver.py). What it dispatches goes
through StackStorm's TriggerDispatcherService and validate_trigger_payload; a payload
StackStorm drops is a failure. The hypervisor sensor polls the local cloud, the
inactive-users sensor a real JupyterHub with fresh users.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from test_actions import devcloud_config
from tier_support import CHECKOUT, PACK, SECRETS, install_config, pack_yaml, report

HUB_TOKEN = "st2tier-hub-admin-token-0123456789abcdef"


@pytest.fixture(scope="module")
def hub() -> Iterator[str]:
    """A real JupyterHub (tests/integration/jupyterhub_server.py, the pack's test venv)."""
    python = CHECKOUT / ".venv" / "bin" / "python"
    process = subprocess.Popen(
        [
            str(python),
            "-m",
            "tests.integration.jupyterhub_server",
            "--token",
            HUB_TOKEN,
        ],
        cwd=CHECKOUT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    url = ""
    assert process.stdout is not None
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not url:
        line = process.stdout.readline()
        if line.startswith("url:"):
            url = line.split(":", 1)[1].strip()
        elif not line and process.poll() is not None:
            break
    assert url, "JupyterHub did not start"
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def sensor_environment() -> tuple[str, dict[str, str]]:
    """The python and PYTHONPATH st2reactor's process container gives the pack's
    sensors (st2reactor/container/process_container.py)."""
    from st2common.util.sandboxing import (
        get_sandbox_python_binary_path,
        get_sandbox_python_path,
    )

    env = dict(os.environ)
    env["PYTHONPATH"] = get_sandbox_python_path(
        inherit_from_parent=True, inherit_parent_virtualenv=True
    )
    return get_sandbox_python_binary_path(pack=PACK), env


def poll_sensor(
    tier: Any, sensor: dict[str, Any], secrets: dict[str, str], polls: int, tmp: Path
) -> dict[str, Any]:
    python, env = sensor_environment()
    secrets_file = tmp / "secrets.json"
    secrets_file.write_text(json.dumps(secrets))
    out = tmp / "report.json"
    triggers = ",".join(f"{PACK}.{t['name']}" for t in sensor.get("trigger_types", []))
    command = [
        python,
        str(CHECKOUT / "tools" / "st2tier" / "sensor_driver.py"),
        f"--tier={tier.root}",
        f"--file-path={CHECKOUT / 'sensors' / sensor['entry_point']}",
        f"--class-name={sensor['class_name']}",
        f"--trigger-types={triggers}",
        f"--poll-interval={sensor.get('poll_interval', 60)}",
        f"--polls={polls}",
        f"--secrets={secrets_file}",
        f"--out={out}",
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert out.exists(), f"sensor driver wrote no report: {done.stderr[-3000:]}"
    outcome = json.loads(out.read_text())
    outcome["stderr"] = done.stderr[-4000:]
    return outcome


SENSORS = {sensor["class_name"]: sensor for _, sensor in pack_yaml("sensors")}


def check_outcome(name: str, outcome: dict[str, Any]) -> None:
    """The sensor loaded, polled, and StackStorm delivered every payload it dispatched."""
    assert outcome["error"] is None, (
        f"sensors/{name}: failed under st2reactor's SensorWrapper (sensor container "
        f"path order, StackStorm's packages first):\n{outcome['error']}"
    )
    assert outcome["validate_trigger_payload"] is True
    assert not outcome["rejected"], (
        f"sensors/{name}: StackStorm's TriggerDispatcherService dropped payloads "
        f"(validate_trigger_payload): {json.dumps(outcome['rejected'], indent=1)[:3000]}"
    )
    delivered = outcome["delivered"]
    assert (
        delivered
    ), f"sensors/{name}: dispatched nothing; its log:\n{outcome['stderr']}"
    report(
        "sensors (SensorWrapper, sensor path order)",
        f"{name}: loaded, polled; {len(delivered)} trigger(s) delivered",
    )
    for item in delivered:
        report(
            "trigger payloads (TriggerDispatcherService -> validate_trigger_payload)",
            f"{item['trigger']}: {json.dumps(item['payload'], sort_keys=True)[:200]}",
        )


def sensor_run(
    tier: Any,
    class_name: str,
    config: dict[str, Any],
    secrets: dict[str, str],
    polls: int,
    tmp: Path,
) -> dict[str, Any]:
    """Install ``config``, poll the sensor ``polls`` times, check what StackStorm
    made of it, and return the outcome."""
    install_config(tier, config)
    sensor = SENSORS[class_name]
    outcome = poll_sensor(tier, sensor, {**SECRETS, **secrets}, polls, tmp)
    check_outcome(Path(sensor["entry_point"]).stem + ".yaml", outcome)
    return outcome


def test_hypervisor_state_sensor_dispatches_valid_triggers(
    layout: Any, tmp_path: Path
) -> None:
    config, password = devcloud_config()
    config["hypervisor_sensor"]["cloud_account"] = config["clouds"][0]["name"]
    outcome = sensor_run(
        layout,
        "HypervisorStateSensor",
        config,
        {"openstack_password": password},
        polls=2,
        tmp=tmp_path,
    )
    names = {d["payload"]["hypervisor_name"] for d in outcome["delivered"]}
    assert any(n.startswith("devcloud-hv") for n in names), names
    # The second poll sees no change: nothing is announced twice.
    assert len(names) == len(outcome["delivered"])


def test_jupyter_inactive_users_sensor_dispatches_valid_triggers(
    layout: Any, hub: str, tmp_path: Path
) -> None:
    api = f"{hub.rstrip('/')}/hub/api"
    headers = {"Authorization": f"token {HUB_TOKEN}"}
    old = "2020-01-01T00:00:00.000000Z"
    for user in ("st2tier-a", "st2tier-b"):
        requests.post(f"{api}/users/{user}", headers=headers, timeout=30)
        # The hub moves last_activity forward only; from "never" to an old day works.
        requests.post(
            f"{api}/users/{user}/activity",
            headers=headers,
            json={"last_activity": old},
            timeout=30,
        ).raise_for_status()
    config = yaml.safe_load((CHECKOUT / "openstack_ops.yaml.example").read_text())
    config["jupyter_envs"] = [
        {
            "name": "training",
            "url": hub,
            "token": "{{ st2kv.system.jupyter_training_token }}",
            "verify": False,
            "protected": False,
            "inactive_days": 30,
        }
    ]
    outcome = sensor_run(
        layout,
        "JupyterInactiveUsersSensor",
        config,
        {"jupyter_training_token": HUB_TOKEN},
        polls=1,
        tmp=tmp_path,
    )
    users = {u["name"] for d in outcome["delivered"] for u in d["payload"]["users"]}
    assert {"st2tier-a", "st2tier-b"} <= users, users
