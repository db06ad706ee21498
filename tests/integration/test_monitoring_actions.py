"""Silences, downtimes and hypervisor maintenance against real services (issue 17).

A real Alertmanager and a real Icinga 2 (``alertmanager_server``, ``icinga_server``)
on 127.0.0.1, the devcloud, and a real SMTP catcher. What the actions did is checked
through each service's own API (and ``amtool``), never through the pack. The
maintenance tests use only the scratch host devcloud-hv4 and servers they boot; the
``scratch_host`` fixture re-enables it afterwards and ``boot_server`` deletes the
servers.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from alertmanager_server import SECURED_USER, RunningAlertmanager
from fault_servers_local import closed_port
from icinga_server import SERVICE, RunningIcinga
from openstack.connection import Connection
from os_fixtures_compute import compute_service, host_of
from reply_proxy import ReplyProxy
from smtp_server import SMTPTestServer
from src.workflow_actions import WorkflowActions

from tools.pack_meta import find_action
from tools.testing.datastore import DatastoreService
from tools.testing.services import PackActionService

pytest_plugins = ["os_fixtures_compute", "alertmanager_server", "icinga_server"]

FALLBACK = "it-maintenance-fallback@example.org"


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def smtp() -> Iterator[SMTPTestServer]:
    with SMTPTestServer("plain") as server:
        yield server


@pytest.fixture
def monitoring_config(
    pack_config: dict[str, Any],
    alertmanager: RunningAlertmanager,
    secured_alertmanager: RunningAlertmanager,
    icinga: RunningIcinga,
    smtp: SMTPTestServer,
) -> dict[str, Any]:
    """The devcloud pack config plus the test Alertmanager (``it-am``; over HTTPS
    with basic auth ``it-am-tls``, and that one with a wrong password or without
    its CA), Icinga (``it-icinga``, verified against its CA; ``it-icinga-reader``
    may only query) and SMTP catcher (``it-smtp``)."""
    config = copy.deepcopy(pack_config)
    tls = {
        "name": "it-am-tls",
        "url": secured_alertmanager.url,
        "username": SECURED_USER,
        "password": secured_alertmanager.password,
        "ca_file": secured_alertmanager.ca_file,
    }
    config["alertmanager_accounts"] = [
        {"name": "it-am", "url": alertmanager.url, "host_matcher": "instance={host}"},
        {"name": "it-am-down", "url": f"http://127.0.0.1:{closed_port()}"},
        tls,
        {**tls, "name": "it-am-tls-badpass", "password": "not-the-password"},
        {**tls, "name": "it-am-tls-noca", "ca_file": None},
    ]
    icinga_account = {
        "name": "it-icinga",
        "url": icinga.url,
        "username": icinga.username,
        "password": icinga.password,
        "ca_file": icinga.ca_file,
    }
    config["icinga_accounts"] = [
        icinga_account,
        {**icinga_account, "name": "it-icinga-reader", "username": "reader"},
        {**icinga_account, "name": "it-icinga-badpass", "password": "not-it"},
        {**icinga_account, "name": "it-icinga-noca", "ca_file": None},
        {
            **icinga_account,
            "name": "it-icinga-down",
            "url": f"https://127.0.0.1:{closed_port()}",
        },
    ]
    config["smtp_accounts"] = [smtp.account_config(name="it-smtp")]
    config["campaign_fallback_email"] = FALLBACK
    return config


@pytest.fixture
def run(monitoring_config: dict[str, Any], tmp_path: Path) -> Any:
    """``run(action, **params)`` -> (ok, result) through the entry point, with the
    action's defaults, the test accounts and one datastore kept for the test."""
    datastore = tmp_path / "datastore.json"

    def call(_action: str, **params: Any) -> tuple[bool, Any]:
        meta = find_action(_action)
        assert meta is not None, _action
        unknown = set(params) - set(meta.parameters)
        assert not unknown, f"{_action} has no parameters {unknown}"
        values = {k: s.get("default") for k, s in meta.inputs.items()}
        defaults = {
            "cloud_account": "devcloud-admin",
            "smtp_account": "it-smtp",
            "alertmanager_account": "it-am",
            "icinga_account": "it-icinga",
        }
        values |= {k: v for k, v in defaults.items() if k in meta.parameters}
        values |= params
        service = PackActionService(
            "WorkflowActions",
            DatastoreService(class_name="WorkflowActions", path=datastore),
        )
        action = WorkflowActions(config=monitoring_config, action_service=service)
        outcome = action.run(**values)
        return outcome if isinstance(outcome, tuple) else (True, outcome)

    return call


def servers_on(admin_conn: Connection, host: str) -> list[str]:
    """The names of every server Nova places on ``host`` (any project)."""
    return [s.name for s in admin_conn.compute.servers(all_projects=True, host=host)]


def live_keyed(alertmanager: RunningAlertmanager, key: str) -> list[dict[str, Any]]:
    marker = f"[openstack_ops key={key}]"
    return [s for s in alertmanager.live_silences() if marker in s["comment"]]


def keyed_downtimes(icinga: RunningIcinga, key: str) -> list[dict[str, Any]]:
    marker = f"[openstack_ops key={key}]"
    return [d for d in icinga.downtimes() if marker in d["comment"]]


def test_silence_create_is_idempotent_and_expire_removes_exactly_it(
    run: Any, alertmanager: RunningAlertmanager, unique_name: Any
) -> None:
    key = unique_name("silence")
    end = iso(datetime.now(UTC) + timedelta(hours=2))
    params = {"key": key, "matchers": ["instance=devcloud-hv9", "job=~node.*"]}
    ok, plan = run("alertmanager.silence.create", end=end, **params)
    assert ok and plan["outcome"] == "planned" and live_keyed(alertmanager, key) == []

    ok, made = run("alertmanager.silence.create", end=end, apply=True, **params)
    assert ok and made["outcome"] == "created", made
    ok, again = run("alertmanager.silence.create", end=end, apply=True, **params)
    assert ok and again["outcome"] == "unchanged" and again["id"] == made["id"]
    found = live_keyed(alertmanager, key)
    assert [s["id"] for s in found] == [made["id"]]
    assert found[0]["createdBy"] == "openstack_ops"
    assert {(m["name"], m["value"], m["isRegex"]) for m in found[0]["matchers"]} == {
        ("instance", "devcloud-hv9", False),
        ("job", "node.*", True),
    }
    assert made["id"] in alertmanager.amtool_silence_ids()

    ok, listed = run("alertmanager.silence.list", key=key)
    assert ok and [s["id"] for s in listed["silences"]] == [made["id"]]

    ok, expired = run("alertmanager.silence.expire", key=key, apply=True)
    assert ok and expired["outcome"] == "removed" and expired["expired"] == [made["id"]]
    assert live_keyed(alertmanager, key) == []
    assert made["id"] not in alertmanager.amtool_silence_ids()
    ok, again = run("alertmanager.silence.expire", key=key, apply=True)
    assert ok and again["outcome"] == "unchanged"


def test_downtime_schedule_is_idempotent_and_remove_removes_exactly_it(
    run: Any, icinga: RunningIcinga, unique_name: Any
) -> None:
    key = unique_name("downtime")
    start = datetime.now(UTC).replace(microsecond=0)
    end = start + timedelta(hours=1)
    params = {"host": "devcloud-hv2", "key": key, "start": iso(start), "end": iso(end)}
    ok, plan = run("icinga.downtime.schedule", **params)
    assert ok, plan
    assert plan["outcome"] == "planned" and keyed_downtimes(icinga, key) == []

    ok, made = run("icinga.downtime.schedule", apply=True, **params)
    assert ok and made["outcome"] == "created", made
    ok, again = run("icinga.downtime.schedule", apply=True, **params)
    assert ok and again["outcome"] == "unchanged"
    found = keyed_downtimes(icinga, key)
    assert sorted((d["host_name"], d["service_name"]) for d in found) == [
        ("devcloud-hv2", ""),
        ("devcloud-hv2", SERVICE),
    ]
    assert {(d["start_time"], d["end_time"], d["author"]) for d in found} == {
        (start.timestamp(), end.timestamp(), "openstack_ops")
    }
    ok, listed = run("icinga.downtime.list", key=key)
    assert ok and listed["count"] == 2

    ok, removed = run("icinga.downtime.remove", key=key, apply=True)
    assert ok and removed["outcome"] == "removed", removed
    assert keyed_downtimes(icinga, key) == []
    ok, again = run("icinga.downtime.remove", key=key, apply=True)
    assert ok and again["outcome"] == "unchanged"


def test_silence_over_tls_with_basic_auth(
    run: Any, secured_alertmanager: RunningAlertmanager, unique_name: Any
) -> None:
    """An Alertmanager behind HTTPS (its own CA) and basic auth: create, list and
    expire work through the account's credentials and CA, checked through the
    service's API; the API refuses a request without the credentials."""
    key = unique_name("tls")
    marker = f"[openstack_ops key={key}]"
    params = {"key": key, "matchers": ["instance=devcloud-hv2"], "end": _hours(2)}
    ok, made = run(
        "alertmanager.silence.create",
        alertmanager_account="it-am-tls",
        apply=True,
        **params,
    )
    assert ok, made
    live = [s for s in secured_alertmanager.live_silences() if marker in s["comment"]]
    assert [s["id"] for s in live] == [made["id"]]
    refused = requests.get(
        f"{secured_alertmanager.url}/api/v2/silences",
        verify=secured_alertmanager.ca_file,
        timeout=10,
    )
    assert refused.status_code == 401
    ok, listed = run("alertmanager.silence.list", alertmanager_account="it-am-tls")
    assert ok and made["id"] in str(listed), listed
    ok, expired = run(
        "alertmanager.silence.expire",
        alertmanager_account="it-am-tls",
        key=key,
        apply=True,
    )
    assert ok, expired
    assert not [
        s for s in secured_alertmanager.live_silences() if marker in s["comment"]
    ]


@pytest.mark.fault(2)
@pytest.mark.parametrize(
    ("account", "cause"),
    [("it-am-tls-badpass", "401"), ("it-am-tls-noca", "certificate")],
)
def test_wrong_password_or_unknown_ca_is_a_named_failure(
    run: Any,
    secured_alertmanager: RunningAlertmanager,
    unique_name: Any,
    account: str,
    cause: str,
) -> None:
    key = unique_name("tlsbad")
    ok, failed = run(
        "alertmanager.silence.create",
        alertmanager_account=account,
        key=key,
        matchers=["instance=devcloud-hv2"],
        end=_hours(2),
        apply=True,
    )
    assert not ok, failed
    assert f"'{account}'" in failed["error"] and cause in failed["error"], failed
    assert secured_alertmanager.url in failed["error"], failed
    marker = f"[openstack_ops key={key}]"
    assert not [
        s for s in secured_alertmanager.live_silences() if marker in s["comment"]
    ]


@pytest.mark.parametrize("token", ["it-token-1", "wrong-token"])
def test_silence_through_a_bearer_token_front(
    run: Any,
    monitoring_config: dict[str, Any],
    alertmanager: RunningAlertmanager,
    unique_name: Any,
    token: str,
) -> None:
    """An Alertmanager behind a gateway that wants ``Authorization: Bearer``: the
    account's token is sent (the silence lands in the real Alertmanager); a wrong
    token is a 401 failure naming the account, and nothing is created."""
    front = ReplyProxy(alertmanager.url)
    front.required_headers = {"Authorization": "Bearer it-token-1"}
    monitoring_config["alertmanager_accounts"].append(
        {"name": "it-am-bearer", "url": front.auth_url, "token": token}
    )
    key = unique_name("bearer")
    marker = f"[openstack_ops key={key}]"
    try:
        ok, made = run(
            "alertmanager.silence.create",
            alertmanager_account="it-am-bearer",
            key=key,
            matchers=["instance=devcloud-hv2"],
            end=_hours(2),
            apply=True,
        )
        live = [s for s in alertmanager.live_silences() if marker in s["comment"]]
        if token == "it-token-1":
            assert ok and [s["id"] for s in live] == [made["id"]], made
        else:
            assert not ok and live == [], made
            assert "'it-am-bearer'" in made["error"] and "401" in made["error"], made
    finally:
        run("alertmanager.silence.expire", key=key, apply=True)
        front.stop()


def _hours(hours: int) -> str:
    return iso(datetime.now(UTC) + timedelta(hours=hours))


@pytest.mark.fault(1)
def test_unknown_icinga_host_names_the_parameter(
    run: Any, icinga: RunningIcinga, unique_name: Any
) -> None:
    key = unique_name("downtime")
    end = iso(datetime.now(UTC) + timedelta(hours=1))
    ok, result = run(
        "icinga.downtime.schedule",
        host="it-no-such-host",
        key=key,
        end=end,
        apply=True,
    )
    assert not ok and "parameter 'host'" in result["error"], result
    assert keyed_downtimes(icinga, key) == []


@pytest.mark.fault(2)
def test_refused_permission_is_a_named_failure(run: Any, unique_name: Any) -> None:
    end = iso(datetime.now(UTC) + timedelta(hours=1))
    ok, result = run(
        "icinga.downtime.schedule",
        icinga_account="it-icinga-reader",
        host="devcloud-hv2",
        key=unique_name("downtime"),
        end=end,
        apply=True,
    )
    assert not ok and result["account"] == "it-icinga-reader", result
    # Icinga hides what the user may not act on: 404, and the cause says why.
    assert result["cause"].startswith("404 Not Found"), result
    assert "actions/schedule-downtime" in result["cause"]


@pytest.mark.fault(2)
@pytest.mark.parametrize(
    ("account", "cause"),
    [("it-icinga-badpass", "401"), ("it-icinga-noca", "certificate")],
)
def test_icinga_wrong_password_or_unknown_ca_is_a_named_failure(
    run: Any, icinga: RunningIcinga, unique_name: Any, account: str, cause: str
) -> None:
    key = unique_name("downtime")
    ok, result = run(
        "icinga.downtime.schedule",
        icinga_account=account,
        host="devcloud-hv2",
        key=key,
        end=_hours(1),
        apply=True,
    )
    assert not ok and result["account"] == account, result
    assert cause in result["cause"] and icinga.url in result["error"], result
    assert keyed_downtimes(icinga, key) == []


def test_maintenance_start_and_finish_on_the_scratch_host(
    run: Any,
    scratch_host: str,
    boot_server: Any,
    admin_conn: Connection,
    alertmanager: RunningAlertmanager,
    icinga: RunningIcinga,
    smtp: SMTPTestServer,
) -> None:
    server = boot_server(scratch_host, label="maint")
    key = f"maintenance:{scratch_host}"
    window = {
        "start": iso(datetime.now(UTC)),
        "end": iso(datetime.now(UTC) + timedelta(hours=3)),
    }
    params = {"hypervisor": scratch_host, "reason": "it maintenance", **window}

    ok, plan = run("hypervisor.maintenance.start", **params)
    assert ok, plan
    outcomes = {s["step"]: s["outcome"] for s in plan["steps"]}
    assert outcomes == {
        "preflight": "checked",
        "notify_users": "planned",
        "silence": "planned",
        "downtime": "planned",
        "disable": "planned",
        "drain": "planned",
    }
    assert smtp.messages == [] and live_keyed(alertmanager, key) == []
    assert keyed_downtimes(icinga, key) == []
    assert compute_service(admin_conn, scratch_host).status == "enabled"

    ok, refused = run("hypervisor.maintenance.start", apply=True, **params)
    assert not ok and "parameter 'confirm'" in refused["error"]
    assert compute_service(admin_conn, scratch_host).status == "enabled"

    try:
        ok, done = run(
            "hypervisor.maintenance.start",
            apply=True,
            confirm=scratch_host,
            **params,
        )
        assert ok, done
        assert done["done_steps"] == list(outcomes), done
        owner = admin_conn.identity.get_user(server.user_id).email or FALLBACK
        mailed = [m for m in smtp.messages if owner in m.rcpt_tos]
        assert mailed and scratch_host in mailed[0].message.get_body().get_content()
        assert len(live_keyed(alertmanager, key)) == 1
        assert sorted(d["service_name"] for d in keyed_downtimes(icinga, key)) == [
            "",
            SERVICE,
        ]
        service = compute_service(admin_conn, scratch_host)
        assert service.status == "disabled"
        assert "it maintenance" in service.disabled_reason
        assert host_of(admin_conn, server.id) != scratch_host
        assert servers_on(admin_conn, scratch_host) == [], "the host is not empty"

        mails = len(smtp.messages)
        ok, again = run(
            "hypervisor.maintenance.start",
            apply=True,
            confirm=scratch_host,
            **params,
        )
        assert ok, again
        assert {s["step"]: s["outcome"] for s in again["steps"]} == {
            **{name: "unchanged" for name in outcomes},
            "preflight": "checked",
        }, again
        assert len(smtp.messages) == mails and len(live_keyed(alertmanager, key)) == 1
        assert len(keyed_downtimes(icinga, key)) == 2

        ok, _plan = run("hypervisor.maintenance.finish", hypervisor=scratch_host)
        assert ok and compute_service(admin_conn, scratch_host).status == "disabled"
        ok, finished = run(
            "hypervisor.maintenance.finish",
            hypervisor=scratch_host,
            confirm=scratch_host,
            apply=True,
        )
        assert ok, finished
        assert compute_service(admin_conn, scratch_host).status == "enabled"
        assert (
            live_keyed(alertmanager, key) == [] and keyed_downtimes(icinga, key) == []
        )
        ok, again = run(
            "hypervisor.maintenance.finish",
            hypervisor=scratch_host,
            confirm=scratch_host,
            apply=True,
        )
        assert ok and {s["outcome"] for s in again["steps"][2:]} == {"unchanged"}, again
        assert again["steps"][1] | {"detail": None} == {
            "step": "host_up",
            "outcome": "checked",
            "detail": None,
        }
    finally:
        run("alertmanager.silence.expire", key=key, apply=True)
        run("icinga.downtime.remove", key=key, apply=True)


@pytest.mark.fault(2)
def test_maintenance_stops_at_a_failed_step_and_a_rerun_completes(
    run: Any,
    scratch_host: str,
    admin_conn: Connection,
    alertmanager: RunningAlertmanager,
    icinga: RunningIcinga,
) -> None:
    """Alertmanager or Icinga unreachable: the plan refuses to start, nothing
    changes. Icinga
    refusing the downtime (a query-only API user): the run stops after the
    silence, listing the done steps; the re-run with the right user completes
    without a second silence."""
    key = f"maintenance:{scratch_host}"
    params = {
        "hypervisor": scratch_host,
        "reason": "it maintenance fault",
        "end": iso(datetime.now(UTC) + timedelta(hours=1)),
        "confirm": scratch_host,
        "apply": True,
        "skip_user_mail": True,
    }
    try:
        ok, down = run(
            "hypervisor.maintenance.start", alertmanager_account="it-am-down", **params
        )
        assert not ok and down["failed_step"] == "preflight", down
        assert down["steps"][0]["error"]["cause"] == "connection refused"
        assert "it-am-down" in down["error"], down
        assert down["done_steps"] == [] and keyed_downtimes(icinga, key) == []
        assert compute_service(admin_conn, scratch_host).status == "enabled"

        ok, down = run(
            "hypervisor.maintenance.start", icinga_account="it-icinga-down", **params
        )
        assert not ok and down["failed_step"] == "preflight", down
        assert down["steps"][0]["error"]["cause"] == "connection refused"
        assert down["done_steps"] == []
        assert live_keyed(alertmanager, key) == []
        assert compute_service(admin_conn, scratch_host).status == "enabled"

        ok, half = run(
            "hypervisor.maintenance.start", icinga_account="it-icinga-reader", **params
        )
        assert not ok and half["failed_step"] == "downtime", half
        assert half["done_steps"] == ["preflight", "silence"]
        assert half["not_run_steps"] == ["disable", "drain"]
        assert "actions/schedule-downtime" in half["error"]
        assert len(live_keyed(alertmanager, key)) == 1
        assert compute_service(admin_conn, scratch_host).status == "enabled"

        ok, resumed = run("hypervisor.maintenance.start", **params)
        assert ok, resumed
        steps = {s["step"]: s["outcome"] for s in resumed["steps"]}
        assert steps["silence"] == "unchanged" and steps["downtime"] == "done"
        assert len(live_keyed(alertmanager, key)) == 1
        assert len(keyed_downtimes(icinga, key)) == 2
        ok, finished = run(
            "hypervisor.maintenance.finish",
            hypervisor=scratch_host,
            confirm=scratch_host,
            apply=True,
        )
        assert ok, finished
    finally:
        run("alertmanager.silence.expire", key=key, apply=True)
        run("icinga.downtime.remove", key=key, apply=True)
