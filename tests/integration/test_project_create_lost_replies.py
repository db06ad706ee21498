"""project.create against the real devcloud when replies are lost (issue 12 item 3).

The pack runs through ``reply_proxy.ReplyProxy``: every request reaches the real
service, which carries it out; for the chosen ``"METHOD /path"`` the reply is then
lost (the client's connection closed or reset). For each create step of
``network=external`` and ``network=internal``:

- reply lost once: the run succeeds with exactly one of each object (a lost create
  is found by name, not created again, and the step says ``reconciled``);
- reply lost every time, then a later step fails: the rollback removes everything,
  the report is honest, and the cloud (checked directly with openstacksdk, not
  through the proxy or the pack) has no project, network, subnet, router, port,
  security group, RBAC policy or role assignment of the run left; a re-run then
  succeeds without duplicates.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from openstack.connection import Connection
from os_fixtures_projects import Act, failed, succeeded
from reply_proxy import CLOSE, RESET, ReplyProxy

pytest_plugins = ["os_fixtures_projects"]
pytestmark = pytest.mark.fault(3)

#: One configured security group with one rule: the group and the rule are each
#: a create of their own.
GROUP = {"name": "ssh", "rules": [{"protocol": "tcp", "port_range_min": 22}]}
CIDR = "10.93.0.0/24"
#: The last step (bob's role grant) fails when a test wants a rollback: the proxy
#: answers its PUT with 503.
FAILING_GRANT = "PUT /v3/projects/*/users/{bob}/roles/*"


@dataclass(frozen=True)
class Case:
    """One create step of project.create and the request its reply is lost for."""

    network: str
    step: str
    request: str
    #: Whether the done step reports ``reconciled`` after one lost reply (a PUT is
    #: repeated by the session instead, which sets the same value again).
    reconciled_once: bool = True
    how: str = CLOSE

    @property
    def id(self) -> str:
        return f"{self.network}:{self.request}:{self.how}"


CASES = [
    Case("external", "create project", "POST /v3/projects"),
    Case("external", "set quotas", "PUT /v2.0/quotas/*", reconciled_once=False),
    Case("external", "create network", "POST /v2.0/networks"),
    Case("external", "create subnet", "POST /v2.0/subnets"),
    Case("external", "create router", "POST /v2.0/routers"),
    Case("external", "create router", "POST /v2.0/routers", how=RESET),
    # the repeated PUT gets Neutron's 400 "already has a port on subnet"
    Case(
        "external",
        "attach subnet to router",
        "PUT /v2.0/routers/*/add_router_interface",
    ),
    Case("external", "create security group", "POST /v2.0/security-groups"),
    Case("external", "create security group", "POST /v2.0/security-group-rules"),
    Case(
        "external",
        "grant role",
        "PUT /v3/projects/*/users/{alice}/roles/*",
        reconciled_once=False,
    ),
    Case("internal", "create project", "POST /v3/projects"),
    Case("internal", "share network", "POST /v2.0/rbac-policies"),
    Case("internal", "create security group", "POST /v2.0/security-groups"),
]


@dataclass
class Proxied:
    """The proxy, the pack config sending ``devcloud-admin`` through it, and the
    devcloud's own ids the rules and checks need."""

    proxy: ReplyProxy
    config: dict[str, Any]
    users: dict[str, str]
    internal_network: Any

    def rule(self, request: str) -> str:
        """``request`` with ``{alice}``/``{bob}`` replaced by their user ids."""
        return request.format(**self.users)


@pytest.fixture
def proxied(
    ops_config: dict[str, Any],
    admin_conn: Connection,
    seed: dict[str, Any],
    unique_name: Callable[[str], str],
    cleanup: Callable[..., None],
) -> Iterator[Proxied]:
    """A reply proxy in front of the devcloud and a pack config using it, with an
    internal network of the test's own (shared with ``network=internal`` projects)."""
    internal = admin_conn.network.create_network(name=unique_name("lost-int"))
    cleanup(admin_conn.network.delete_network, internal.id)
    config = copy.deepcopy(ops_config)
    entry = next(c for c in config["clouds"] if c["name"] == "devcloud-admin")
    proxy = ReplyProxy(entry["auth_url"])
    entry["auth_url"] = proxy.auth_url
    config["project_networks"] = {
        "internal_network": internal.name,
        "default_security_groups": [GROUP],
    }
    config["project_roles"] = {"member_role": "member"}
    users = {u: seed["users"][u] for u in ("alice", "bob")}
    yield Proxied(proxy, config, users, internal)
    proxy.stop()


def params(case: Case, name: str) -> dict[str, Any]:
    """project.create's parameters for ``case``."""
    extra = {"cidr": CIDR} if case.network == "external" else {}
    return {
        "name": name,
        "network": case.network,
        "members": ["alice", "bob"],
        "apply": True,
        **extra,
    }


def leftovers(
    conn: Connection, name: str, project_id: str | None, router_ids: list[str]
) -> dict[str, list[str]]:
    """Everything of the run still on the cloud, read directly (empty lists: none)."""
    found: dict[str, list[str]] = {
        "projects": [p.id for p in conn.identity.projects(name=name)],
        "networks": [n.id for n in conn.network.networks(name=f"{name}-net")],
        "subnets": [s.id for s in conn.network.subnets(name=f"{name}-subnet")],
        "routers": [r.id for r in conn.network.routers(name=f"{name}-router")],
        "router_ports": [
            p.id for r in router_ids for p in conn.network.ports(device_id=r)
        ],
    }
    if project_id:
        found["ports"] = [p.id for p in conn.network.ports(project_id=project_id)]
        # listed unfiltered: asking Neutron for a project's groups creates its default
        found["security_groups"] = [
            g.id for g in conn.network.security_groups() if g.project_id == project_id
        ]
        found["rbac_policies"] = [
            p.id for p in conn.network.rbac_policies(target_project_id=project_id)
        ]
        found["role_assignments"] = [
            str(a.user)
            for a in conn.identity.role_assignments(scope_project_id=project_id)
        ]
    return {k: v for k, v in found.items() if v}


def assert_one_of_each(
    conn: Connection, case: Case, name: str, project_id: str, proxied: Proxied
) -> None:
    """Exactly one project, network, subnet, router, interface, security group, rule,
    RBAC policy and role assignment per user: no duplicate from a lost reply."""
    assert [p.id for p in conn.identity.projects(name=name)] == [project_id]
    if case.network == "external":
        networks = list(conn.network.networks(name=f"{name}-net"))
        subnets = list(conn.network.subnets(name=f"{name}-subnet"))
        routers = list(conn.network.routers(name=f"{name}-router"))
        assert [n.project_id for n in networks] == [project_id]
        assert [s.cidr for s in subnets] == [CIDR]
        assert [r.project_id for r in routers] == [project_id]
        interfaces = [
            p
            for p in conn.network.ports(device_id=routers[0].id)
            if p.device_owner == "network:router_interface"
        ]
        assert [p.fixed_ips[0]["subnet_id"] for p in interfaces] == [subnets[0].id]
    else:
        policies = list(conn.network.rbac_policies(target_project_id=project_id))
        assert [p.object_id for p in policies] == [proxied.internal_network.id]
    groups = [
        g
        for g in conn.network.security_groups(name=GROUP["name"])
        if g.project_id == project_id
    ]
    assert len(groups) == 1
    rules = [
        r
        for r in conn.network.security_group_rules(security_group_id=groups[0].id)
        if r.protocol == "tcp" and r.port_range_min == 22
    ]
    assert len(rules) == 1
    assignments = conn.identity.role_assignments(scope_project_id=project_id)
    assert sorted(str(a.user["id"]) for a in assignments) == sorted(
        proxied.users.values()
    )


def reconciled_entry(result: dict[str, Any], case: Case) -> dict[str, Any]:
    """The done entry of the case's step (the first one of that action)."""
    return next(d for d in result["done"] if d["action"] == case.step)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_reply_lost_once_makes_exactly_one_of_each(
    act: Act,
    admin_conn: Connection,
    proxied: Proxied,
    unique_name: Callable[[str], str],
    project_scrubber: Callable[[str], str],
    case: Case,
) -> None:
    name = project_scrubber(unique_name("lost"))
    dropped = proxied.proxy.drop(proxied.rule(case.request), times=1, how=case.how)
    result = succeeded(
        act("project.create", config=proxied.config, **params(case, name))
    )
    assert len(dropped.hits) == 1, proxied.proxy.seen
    entry = reconciled_entry(result, case)
    if case.reconciled_once:
        assert "reply was lost" in " ".join(
            entry["reconciled"]
        ) or "is there" in " ".join(entry["reconciled"]), entry
    assert_one_of_each(admin_conn, case, name, result["project_id"], proxied)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_replies_lost_every_time_then_a_failure_leave_nothing_and_a_rerun_works(
    act: Act,
    admin_conn: Connection,
    proxied: Proxied,
    unique_name: Callable[[str], str],
    project_scrubber: Callable[[str], str],
    case: Case,
) -> None:
    name = project_scrubber(unique_name("lost"))
    dropped = proxied.proxy.drop(proxied.rule(case.request), times=None, how=case.how)
    refused = proxied.proxy.refuse(proxied.rule(FAILING_GRANT), 503)
    report = failed(act("project.create", config=proxied.config, **params(case, name)))
    assert dropped.hits and refused.hits, proxied.proxy.seen

    # honest: the lost step was reconciled, the last step failed with the 503,
    # every done step was undone and nothing failed to undo
    assert reconciled_entry(report, case).get("reconciled"), report["done"]
    assert [(f["action"], f["target"]) for f in report["failed"]] == [
        ("grant role", "bob")
    ]
    # the grant's 503 is the step's error (openstacksdk alone would say False)
    assert "503" in report["failed"][0]["error"], report["failed"]
    assert [r["action"] for r in report["rolled_back"]] == [
        f"undo {d['action']}" for d in reversed(report["done"])
    ]
    assert "rollback_failed" not in report and report["project_id"] is None
    project_id = report["done"][0]["id"]
    routers = [d["id"] for d in report["done"] if d["action"] == "create router"]
    assert leftovers(admin_conn, name, project_id, routers) == {}

    proxied.proxy.clear()
    again = succeeded(
        act("project.create", config=proxied.config, **params(case, name))
    )
    assert_one_of_each(admin_conn, case, name, again["project_id"], proxied)


def test_what_the_rollback_cannot_remove_is_reported_with_ids(
    act: Act,
    admin_conn: Connection,
    proxied: Proxied,
    unique_name: Callable[[str], str],
    project_scrubber: Callable[[str], str],
) -> None:
    """Router reply lost every time, the last step fails, and Neutron refuses to
    delete the network: the report names the network and keeps the project (so
    nothing is orphaned); the scrubber removes them after."""
    case = Case("external", "create router", "POST /v2.0/routers")
    name = project_scrubber(unique_name("lost"))
    proxied.proxy.drop(case.request, times=None)
    proxied.proxy.refuse(proxied.rule(FAILING_GRANT), 503)
    proxied.proxy.refuse("DELETE /v2.0/networks/*", 503)
    report = failed(act("project.create", config=proxied.config, **params(case, name)))
    network_id = next(
        d["id"] for d in report["done"] if d["action"] == "create network"
    )
    project_id = report["done"][0]["id"]
    undone = {r["action"]: r for r in report["rolled_back"]}
    assert "undo create router" in undone and "undo create subnet" in undone
    not_undone = {r["action"]: r["error"] for r in report["rollback_failed"]}
    assert set(not_undone) == {"undo create network", "undo create project"}
    assert "503" in not_undone["undo create network"]
    kept = not_undone["undo create project"]
    assert f"project {project_id} kept" in kept and network_id in kept
    assert report["error"].endswith(", 2 could not be undone")
    assert [p.id for p in admin_conn.identity.projects(name=name)] == [project_id]
    assert [n.id for n in admin_conn.network.networks(name=f"{name}-net")] == [
        network_id
    ]
    assert list(admin_conn.network.routers(name=f"{name}-router")) == []
