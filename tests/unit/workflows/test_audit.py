"""Estate audits (``workflows.audit``): the finders' rules, input validation before
anything is read, one listing per resource type, and the remediations' plan /
confirm / per-item behaviour. The cloud is replaced by recorded listings."""

from __future__ import annotations

from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from openstack import exceptions
from pytest_mock import MockerFixture

from openstack_api import audits as api
from openstack_api import placement
from pack_common import ConfigError, Failure, InputError
from workflows import audit

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def ago(**span: float) -> str:
    return (NOW - timedelta(**span)).strftime("%Y-%m-%dT%H:%M:%SZ")


def fip(
    fid: str, port: str | None, updated: str, project: str = "p1"
) -> api.FloatingIp:
    return api.FloatingIp(
        fid, f"203.0.113.{len(fid)}", project, port, "DOWN", "ext", updated, updated
    )


def port(pid: str, device: str = "", owner: str = "", status: str = "DOWN",
         updated: str = "", project: str = "p1") -> api.PortInfo:  # fmt: skip
    return api.PortInfo(
        pid, pid, project, "net", status, device, owner, (), updated, updated
    )


def server(sid: str, status: str = "ACTIVE", user: str = "u1", project: str = "p1",
           updated: str = "", image: str | None = "img-used") -> api.ServerRecord:  # fmt: skip
    return api.ServerRecord(
        sid, sid, status, None, project, user, image, "hv1", updated, updated, None
    )


def rule(low: int | None, high: int | None, prefix: str | None = "0.0.0.0/0",
         protocol: str | None = "tcp", direction: str = "ingress",
         group: str | None = None) -> api.SecurityRule:  # fmt: skip
    return api.SecurityRule("r", direction, "IPv4", protocol, low, high, prefix, group)


# ----------------------------------------------------------------- finders
def test_unattached_floating_ips_need_no_port_and_the_age() -> None:
    found = audit.find_unattached_floating_ips(
        [fip("a", None, ago(days=8)), fip("b", "port", ago(days=30)),
         fip("c", None, ago(days=6)), fip("d", None, "")],
        NOW, 7,
    )  # fmt: skip
    assert [f.id for f, _ in found] == ["a"]


def test_orphaned_ports_have_no_device_and_are_down() -> None:
    ports = [
        port("orphan", updated=ago(days=1)),
        port("vm", device="x", owner="compute:nova", updated=ago(days=9)),
        port("dhcp", owner="network:dhcp", updated=ago(days=9)),
        port("active", status="ACTIVE", updated=ago(days=9)),
    ]
    assert [p.id for p, _ in audit.find_orphaned_ports(ports, NOW, 0)] == ["orphan"]
    assert audit.find_orphaned_ports(ports, NOW, 2) == []


def test_inactive_owner_reasons() -> None:
    users = {
        "on": api.UserInfo("on", "on", True, None),
        "off": api.UserInfo("off", "off", False, None),
    }
    projects = {
        "p": api.ProjectInfo("p", "p", True, "default", False, ()),
        "q": api.ProjectInfo("q", "q", False, "default", False, ()),
    }
    assert (
        audit.inactive_owner_reasons(
            server("s", user="on", project="p"), users, projects
        )
        == []
    )
    assert audit.inactive_owner_reasons(
        server("s", user="off", project="p"), users, projects
    ) == ["user disabled"]
    assert audit.inactive_owner_reasons(
        server("s", user="gone", project="q"), users, projects
    ) == ["user deleted", "project disabled"]
    assert audit.inactive_owner_reasons(
        server("s", user="on", project="x"), users, projects
    ) == ["project deleted"]


def test_stuck_servers_by_status_and_hours() -> None:
    servers = [
        server("err", "ERROR", updated=ago(hours=30)),
        server("new-err", "ERROR", updated=ago(hours=2)),
        server("build", "BUILD", updated=ago(hours=25)),
        server("ok", "ACTIVE", updated=ago(days=300)),
    ]
    found = audit.find_stuck_servers(servers, NOW, audit.DEFAULT_STUCK_STATUSES, 24)
    assert [s.id for s, _ in found] == ["err", "build"]


@pytest.mark.parametrize(
    ("the_rule", "exposed"),
    [
        (rule(22, 22), [22]),
        (rule(None, None), list(audit.DEFAULT_SENSITIVE_PORTS)),
        (rule(3000, 3400), [3306, 3389]),
        (rule(22, 22, prefix="::/0"), [22]),
        (rule(22, 22, prefix=None), [22]),  # no remote at all: everyone
        (rule(22, 22, prefix=None, group="sg"), []),  # only the group's members
        (rule(22, 22, prefix="10.0.0.0/8"), []),
        (rule(22, 22, direction="egress"), []),
        (rule(None, None, protocol="icmp"), []),
        (rule(None, None, protocol=None), list(audit.DEFAULT_SENSITIVE_PORTS)),
        (rule(443, 443), []),
    ],
)
def test_rule_exposes(the_rule: api.SecurityRule, exposed: list[int]) -> None:
    assert audit.rule_exposes(
        the_rule, sorted(audit.DEFAULT_SENSITIVE_PORTS)
    ) == sorted(exposed)


# --------------------------------------------------------------- listings
class Recorded:
    """Every listing the audits may call, recorded, each counting its calls."""

    def __init__(self, mocker: MockerFixture) -> None:
        self.calls: dict[str, int] = {}
        self.deleted: list[str] = []
        self.fail_on: set[str] = set()
        data: dict[str, Any] = {
            "floating_ips": [fip("f1", None, ago(days=40)), fip("f2", "p", ago(days=40))],
            "ports": [port("o1", updated=ago(days=40)), port("o2", updated=ago(days=40))],
            "security_groups": [api.SecurityGroupInfo("sg", "web", "p1", (rule(22, 22),))],
            "servers": [server("s1"), server("s2", user="gone"), server("s3", "ERROR", updated=ago(days=3))],
            "users": {"u1": api.UserInfo("u1", "alice", True, None)},
            "projects": {
                "p1": api.ProjectInfo("p1", "physics", True, "default", False, ()),
                "p2": api.ProjectInfo("p2", "empty", True, "default", False, ()),
            },
            "projects_with_assignments": {"p1"},
            "images": [
                api.ImageInfo("img-used", "used", "p1", "active", "private", False, 1, None, None, ago(days=400), None),
                api.ImageInfo("img-old", "old", "p1", "active", "private", False, 1, None, None, ago(days=400), None),
                api.ImageInfo("snap", "snap", "p1", "active", "private", False, 1, "snapshot", "s9", ago(days=400), None),
            ],
            "migration_ids": {"mig-1"},
        }  # fmt: skip

        def record(name: str) -> Any:
            def fetch(*args: Any, **kwargs: Any) -> Any:
                self.calls[name] = self.calls.get(name, 0) + 1
                return data[name]

            return fetch

        # the patched functions by name: a test changes what one does (side_effect)
        self.mocks: dict[str, Any] = {}
        for name in data:
            self.mocks[name] = mocker.patch.object(
                api, name, autospec=True, side_effect=record(name)
            )
        providers = [placement.Provider("rp1", "hv1"), placement.Provider("rp2", "hv2")]
        mocker.patch.object(
            placement, "providers", autospec=True, side_effect=record("providers")
        )
        data["providers"] = providers
        held = {
            "rp1": {"s1": {"VCPU": 1}, "ghost": {"VCPU": 2}},
            "rp2": {"mig-1": {"VCPU": 1}},
        }

        def allocations(conn: Any, provider: placement.Provider) -> Any:
            self.calls["provider_allocations"] = (
                self.calls.get("provider_allocations", 0) + 1
            )
            return held[provider.uuid]

        def consumer(conn: Any, uuid: str) -> placement.ConsumerAllocations:
            self.calls["consumer"] = self.calls.get("consumer", 0) + 1
            return placement.ConsumerAllocations(uuid, "p1", "u1", {"rp1": {"VCPU": 2}})

        mocker.patch.object(
            placement, "provider_allocations", autospec=True, side_effect=allocations
        )
        mocker.patch.object(
            placement, "consumer_allocations", autospec=True, side_effect=consumer
        )
        mocker.patch.object(audit, "utc_now", autospec=True, return_value=NOW)

        def delete(conn: Any, item_id: str) -> None:
            if item_id in self.fail_on:
                raise exceptions.ConflictException("busy")
            self.deleted.append(item_id)

        mocker.patch.object(api, "delete_port", autospec=True, side_effect=delete)
        mocker.patch.object(
            api, "release_floating_ip", autospec=True, side_effect=delete
        )
        mocker.patch.object(
            api, "port_now", autospec=True, side_effect=lambda conn, pid: port(pid)
        )
        self.mocks["floating_ip_now"] = mocker.patch.object(
            api,
            "floating_ip_now",
            autospec=True,
            side_effect=lambda conn, fid: fip(fid, None, ""),
        )


class Conn:
    current_project_id = "p1"


@pytest.fixture
def cloud(mocker: MockerFixture) -> Recorded:
    return Recorded(mocker)


def test_audit_all_reads_each_listing_once(cloud: Recorded) -> None:
    result = audit.all_audits(
        Conn(), store=None, pack_config={}, output_type="to_props"
    )
    assert not isinstance(result, Failure)
    assert result["counts"] == {
        "audit.floating_ips.unattached": 1,
        "audit.ports.orphaned": 2,
        "audit.servers.of_inactive_owners": 1,
        "audit.projects.without_members": 1,
        "audit.images.unused": 1,
        "audit.snapshots.stale": 1,
        "audit.servers.stuck": 1,
        "audit.security_groups.open": 1,
        "audit.placement.orphan_allocations": 1,
    }
    orphans = result["audits"]["audit.placement.orphan_allocations"]["findings"]
    assert [o["consumer"] for o in orphans] == ["ghost"]  # not s1, not the migration
    listed = {
        k: v
        for k, v in cloud.calls.items()
        if k not in ("provider_allocations", "consumer")
    }
    assert set(listed.values()) == {1}
    assert cloud.calls["provider_allocations"] == 2  # one per provider
    assert cloud.calls["consumer"] == 1  # one re-read per candidate orphan
    assert "mail" not in result  # no ops address configured, none asked for


def test_a_failing_audit_does_not_stop_the_others(
    cloud: Recorded,
) -> None:
    broken = cloud.mocks["security_groups"]
    broken.side_effect = exceptions.HttpException("neutron down")
    result = audit.all_audits(
        Conn(), store=None, pack_config={}, output_type="to_string"
    )
    assert isinstance(result, Failure)
    assert "audit.security_groups.open" in result.result["errors"]
    assert len(result.result["counts"]) == 8
    assert "FAILED" in result.result["output"]
    broken.assert_called_once()


@pytest.mark.parametrize(
    ("call", "parameter"),
    [
        (
            lambda c: audit.floating_ips_unattached(c, older_than_days=-1),
            "older_than_days",
        ),
        (lambda c: audit.ports_orphaned(c, older_than_days=True), "older_than_days"),
        (lambda c: audit.servers_stuck(c, statuses=["ACTIVE"]), "statuses"),
        (lambda c: audit.security_groups_open(c, ports=[0]), "ports"),
        (lambda c: audit.security_groups_open(c, ports=["ssh"]), "ports"),
        (lambda c: audit.images_unused(c, output_type="to_pdf"), "output_type"),
        (
            lambda c: audit.projects_without_members(c, from_projects=["x"]),
            "from_projects",
        ),
        (
            lambda c: audit.all_audits(c, store=None, pack_config={}, send_email=True),
            "to_addresses",
        ),
        (lambda c: audit.delete_orphaned_ports(c, max_items=0), "max_items"),
    ],
)
def test_bad_input_is_refused_before_anything_is_read(
    cloud: Recorded, call: Any, parameter: str
) -> None:
    with pytest.raises(InputError) as error:
        call(Conn())
    assert error.value.parameter == parameter
    assert cloud.calls == {}


def test_scope_of_the_account_project(cloud: Recorded) -> None:
    result = audit.projects_without_members(
        Conn(), all_projects=False, output_type="to_csv"
    )
    assert result["count"] == 0  # p1, the account's project, has members
    assert result["output"].splitlines()[0] == "id,name,domain_id,enabled"


# ------------------------------------------------------------- remediation
def test_remediation_dry_run_then_confirmed_run_does_the_plan(cloud: Recorded) -> None:
    plan = audit.delete_orphaned_ports(Conn(), older_than_days=30)
    assert plan["dry_run"] is True and cloud.deleted == []
    assert plan["plan_id"] == audit.plan_id("delete", ["o1", "o2"])
    with pytest.raises(InputError) as error:
        audit.delete_orphaned_ports(Conn(), older_than_days=30, apply=True, confirm="x")
    assert error.value.parameter == "confirm" and cloud.deleted == []
    done = audit.delete_orphaned_ports(
        Conn(), older_than_days=30, apply=True, confirm=plan["plan_id"]
    )
    assert not isinstance(done, Failure)
    assert cloud.deleted == [f["id"] for f in plan["plan"]]


def test_a_failed_item_does_not_stop_the_others(cloud: Recorded) -> None:
    cloud.fail_on = {"o1"}
    plan = audit.delete_orphaned_ports(Conn(), older_than_days=30)
    done = audit.delete_orphaned_ports(
        Conn(), older_than_days=30, apply=True, confirm=plan["plan_id"]
    )
    assert isinstance(done, Failure)
    assert {i["id"]: i["outcome"] for i in done.result["items"]} == {
        "o1": "failed",
        "o2": "done",
    }
    assert cloud.deleted == ["o2"]
    assert "busy" in done.result["error"]


def test_more_items_than_max_items_is_refused_whole(cloud: Recorded) -> None:
    plan = audit.delete_orphaned_ports(Conn(), older_than_days=30)
    refused = audit.delete_orphaned_ports(
        Conn(), older_than_days=30, apply=True, confirm=plan["plan_id"], max_items=1
    )
    assert isinstance(refused, Failure) and "max_items" in refused.result["error"]
    assert cloud.deleted == []


def test_an_item_attached_since_the_plan_is_skipped(
    cloud: Recorded, mocker: MockerFixture
) -> None:
    now = cloud.mocks["floating_ip_now"]
    now.side_effect = lambda conn, fid: fip(fid, "port-9", "")
    plan = audit.release_floating_ips(Conn(), older_than_days=30)
    done = audit.release_floating_ips(
        Conn(), older_than_days=30, apply=True, confirm=plan["plan_id"]
    )
    assert not isinstance(done, Failure)
    assert [i["outcome"] for i in done["items"]] == ["skipped"]
    assert cloud.deleted == []
    now.assert_called_once_with(mocker.ANY, "f1")  # re-read just before acting


def test_audit_all_without_any_smtp_account_still_audits(cloud: Recorded) -> None:
    """A site with no SMTP account configured can audit: the report mail is skipped
    with a note (a dry run), and a real send is a config error naming the parameter."""
    from src.workflow_actions import WorkflowActions

    config = {
        "clouds": [
            {
                "name": "prod",
                "auth_url": "http://127.0.0.1:1/v3",
                "username": "u",
                "password": "p",
                "project_name": "admin",
            }
        ],
        "default_cloud_account": "prod",
        "ops_email": ["ops@example.org"],
    }
    entry = WorkflowActions(config=config, action_service=None)
    args = entry._build_arguments(audit.all_audits, {}, ExitStack(), {})
    assert args["smtp_account"] is None
    with pytest.raises(ConfigError, match="parameter 'smtp_account' is empty"):
        audit.all_audits(Conn(), store=None, pack_config=config, send_email=True)
    result = audit.all_audits(
        Conn(), store=None, pack_config=config, output_type="to_props"
    )
    assert result["mail"]["skipped"].startswith("no SMTP account")
