"""python-openstackclient as the independent oracle (issue 15).

Every read-only action's answer on the devcloud is compared with what the
``openstack ... -f json`` CLI reports on the same cloud (the tests' clouds.yaml,
cloud ``devcloud-admin``): ids, names and the values both report. Searches without a
CLI filter of their own (regex, numeric comparison, age) are compared with the CLI's
full listing filtered here by the same rule. The CLI's answers are read once per
session (two CLI processes, see ``oracle_tables.prefetch``).

Other tests boot and delete servers, images and projects on the same cloud while
these run, so a comparison that disagrees is re-run once against fresh CLI listings;
ids that changed between the two CLI snapshots are the only ones it forgives.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import oracle_tables as tables
import pytest
from oracle_cli import OpenStackCLI, oracle_clouds_yaml
from oracle_tables import norm, when

from tools.pack_meta import load_actions

pytest_plugins = ["os_fixtures_compute"]

#: Read-only actions: the YAML names matching these (listed from actions/*.yaml).
READ_ONLY = re.compile(
    r"(\.search\.|\.show$|\.list$|^hypervisor\.find\.|^quota\.show$|^cloud\.check$)"
)

#: Read-only actions with no OpenStack CLI oracle, and why.
EXEMPT = {
    # Alertmanager, Icinga 2 and JupyterHub are not OpenStack services: the
    # openstack CLI has no command for them (their own tests compare with the
    # services' APIs).
    "alertmanager.silence.list": "Alertmanager, not OpenStack",
    "icinga.downtime.list": "Icinga 2, not OpenStack",
    "jupyter.user.list": "JupyterHub, not OpenStack",
}


@pytest.fixture(scope="session")
def cli(clouds: dict[str, Any], seed: dict[str, Any]) -> OpenStackCLI:
    """The CLI on the admin cloud, with the estate's listings and shows read once."""
    del clouds  # checked: the devcloud answers and clouds.yaml has the admin cloud
    oracle = OpenStackCLI(oracle_clouds_yaml(), "devcloud-admin")
    projects = [seed["projects"][p] for p in SHOWN_PROJECTS]
    users = [seed["users"][u] for u in SHOWN_USERS]
    extra = ["token issue", "catalog list"]
    extra += [f"quota show {p} --usage" for p in projects]
    extra += [f"group list --user {u}" for u in users]
    tables.prefetch(oracle, extra)
    return oracle


def ids(rows: list[dict[str, Any]]) -> set[str]:
    return {r["id"] for r in rows}


def changed(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> set[str]:
    """Ids added, removed or altered between two snapshots of a table."""
    old = {r["id"]: r for r in before}
    new = {r["id"]: r for r in after}
    moved = {i for i in old.keys() & new.keys() if old[i] != new[i]}
    return (old.keys() ^ new.keys()) | moved


def settle(check: Callable[[bool], None]) -> None:
    """``check(fresh)``; when it fails, once more against fresh CLI answers."""
    try:
        check(False)
    except AssertionError:
        check(True)


def diff_rows(
    pack: list[dict[str, Any]],
    oracle: list[dict[str, Any]],
    fields: list[str],
    churn: set[str],
    label: str,
) -> list[str]:
    """Every disagreement between the pack's rows and the oracle's, by id."""
    by_pack = {r["id"]: r for r in pack}
    by_cli = {r["id"]: r for r in oracle}
    problems = []
    for i in sorted((by_pack.keys() ^ by_cli.keys()) - churn):
        side = "the pack only" if i in by_pack else "the CLI only"
        name = (by_pack.get(i) or by_cli.get(i) or {}).get("name")
        problems.append(f"{label}: {i} ({name}) reported by {side}")
    for i in sorted((by_pack.keys() & by_cli.keys()) - churn):
        for f in fields:
            mine, theirs = norm(f, by_pack[i].get(f)), norm(f, by_cli[i].get(f))
            if mine != theirs:
                name = by_cli[i].get("name")
                problems.append(f"{label}: {name} {f}: pack {mine!r} != CLI {theirs!r}")
    return problems


# --- searches and lists: the action's rows vs the CLI listing filtered here ------------


@dataclass
class Case:
    action: str
    params: dict[str, Any]
    table: str
    keep: Callable[[dict[str, Any]], bool]
    fields: list[str]
    min_rows: int = 1  # what the seed guarantees
    label: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.action}[{self.label}]"


def older(prop: str, days: int) -> Callable[[dict[str, Any]], bool]:
    def keep(row: dict[str, Any]) -> bool:
        value = when(row.get(prop))
        return value is not None and value < datetime.now(UTC) - timedelta(days=days)

    return keep


def younger(prop: str, days: int) -> Callable[[dict[str, Any]], bool]:
    def keep(row: dict[str, Any]) -> bool:
        value = when(row.get(prop))
        return value is not None and value > datetime.now(UTC) - timedelta(days=days)

    return keep


def matches(prop: str, pattern: str) -> Callable[[dict[str, Any]], bool]:
    return lambda row: row.get(prop) is not None and bool(
        re.search(pattern, str(row[prop]))
    )


SERVER_FIELDS = [
    "id",
    "name",
    "status",
    "project_id",
    "user_id",
    "flavor_name",
    "image_id",
    "host",
    "hypervisor_name",
    "availability_zone",
    "created_at",
    "updated_at",
    "ips",
]
USER_FIELDS = [
    "id",
    "name",
    "email",
    "description",
    "domain_id",
    "enabled",
    "default_project_id",
    "password_expires_at",
    "project_ids",
]
PROJECT_FIELDS = [
    "id",
    "name",
    "description",
    "domain_id",
    "enabled",
    "parent_id",
    "tags",
]
FLAVOR_FIELDS = [
    "id",
    "name",
    "vcpus",
    "ram",
    "disk",
    "ephemeral",
    "swap",
    "is_public",
    "extra_specs",
]
IMAGE_FIELDS = [
    "id",
    "name",
    "status",
    "visibility",
    "owner",
    "size",
    "min_ram",
    "min_disk",
    "disk_format",
    "container_format",
    "protected",
    "tags",
    "created_at",
    "updated_at",
    "os_distro",
]
HYPERVISOR_FIELDS = [
    "id",
    "name",
    "host",
    "state",
    "status",
    "disabled_reason",
    "host_ip",
    "hypervisor_type",
    "vcpus_total",
    "vcpus_used",
    "vcpus_free",
    "memory_mb_total",
    "memory_mb_used",
    "memory_mb_free",
    "disk_gb_total",
    "disk_gb_used",
    "disk_gb_free",
    "server_count",
]

ALL = {"all_projects": True}


@dataclass
class SeedRef:
    """An id the devcloud seed creates (ids differ on every fresh devcloud):
    ``value`` is filled from seed.json by the ``seed_refs`` fixture."""

    kind: str
    name: str
    value: str = ""

    def resolve(self, seed: dict[str, Any]) -> str:
        self.value = seed[self.kind][self.name]
        return self.value


WEB_SHOP = SeedRef("projects", "web-shop")


def resolved(value: Any) -> Any:
    """``value`` with every SeedRef (alone or in a list) replaced by its id."""
    if isinstance(value, SeedRef):
        assert value.value, f"{value.kind}/{value.name} not resolved from the seed"
        return value.value
    if isinstance(value, list):
        return [resolved(v) for v in value]
    return value


@pytest.fixture(scope="module", autouse=True)
def seed_refs(seed: dict[str, Any]) -> None:
    WEB_SHOP.resolve(seed)


CASES = [
    # servers: server list --all-projects --long (+ server show for user and dates)
    Case("server.list", ALL, "servers", lambda r: True, SERVER_FIELDS, 10, "all"),
    Case(
        "server.search.by.property",
        {**ALL, "property_to_search_by": "status", "values": ["SHUTOFF", "ERROR"]},
        "servers",
        lambda r: r["status"] in ("SHUTOFF", "ERROR"),
        SERVER_FIELDS,
        4,
        "status",
    ),
    Case(
        "server.search.by.property",
        {**ALL, "property_to_search_by": "flavor_name", "values": ["m1.small"]},
        "servers",
        lambda r: r["flavor_name"] == "m1.small",
        SERVER_FIELDS,
        4,
        "flavor_name",
    ),
    Case(
        "server.search.by.property",
        {**ALL, "property_to_search_by": "project_id", "values": [WEB_SHOP]},
        "servers",
        lambda r: r["project_id"] == WEB_SHOP.value,
        SERVER_FIELDS,
        3,
        "project_id",
    ),
    Case(
        "server.search.by.property",
        {
            **ALL,
            "property_to_search_by": "host",
            "values": ["devcloud-hv1"],
            "search_mode": "not_any_in",
        },
        "servers",
        lambda r: r["host"] != "devcloud-hv1",
        SERVER_FIELDS,
        5,
        "host not_any_in",
    ),
    Case(
        "server.search.by.regex",
        {**ALL, "property_to_search_by": "name", "pattern": "^(web|legacy)-"},
        "servers",
        matches("name", "^(web|legacy)-"),
        SERVER_FIELDS,
        5,
        "name",
    ),
    Case(
        "server.search.by.regex",
        {**ALL, "property_to_search_by": "ips", "pattern": r"^10\.10\.0\."},
        "servers",
        lambda r: any(re.search(r"^10\.10\.0\.", ip) for ip in r["ips"][:1]),
        SERVER_FIELDS,
        10,
        "ips",
    ),
    Case(
        "server.search.by.datetime",
        {**ALL, "property_to_search_by": "created_at", "days": 120},
        "servers",
        older("created_at", 120),
        SERVER_FIELDS,
        4,
        "created_at older_than 120d",
    ),
    Case(
        "server.search.by.datetime",
        {**ALL, "property_to_search_by": "updated_at", "days": 30},
        "servers",
        older("updated_at", 30),
        SERVER_FIELDS,
        3,
        "updated_at older_than 30d",
    ),
    # users: user list --long (+ user show, role assignment list --effective)
    Case(
        "user.search.by.property",
        {"property_to_search_by": "name", "values": ["alice", "frank", "judy"]},
        "users",
        lambda r: r["name"] in ("alice", "frank", "judy"),
        USER_FIELDS,
        3,
        "name",
    ),
    Case(
        "user.search.by.property",
        {"property_to_search_by": "project_ids", "values": [WEB_SHOP]},
        "users",
        lambda r: WEB_SHOP.value in r["project_ids"],
        USER_FIELDS,
        1,
        "project_ids",
    ),
    Case(
        "user.search.by.regex",
        {"property_to_search_by": "email", "pattern": r"@research\.devcloud\.test$"},
        "users",
        matches("email", r"@research\.devcloud\.test$"),
        USER_FIELDS,
        1,
        "email",
    ),
    Case(
        "user.search.by.regex",
        {
            "property_to_search_by": "name",
            "pattern": "^(admin|nova|glance|neutron|placement)$",
            "search_mode": "not_matches_regex",
        },
        "users",
        lambda r: not re.search("^(admin|nova|glance|neutron|placement)$", r["name"]),
        USER_FIELDS,
        12,
        "name not_matches",
    ),
    Case(
        "user.search.by.datetime",
        {
            "property_to_search_by": "password_expires_at",
            "search_mode": "younger_than",
            "days": 3650,
        },
        "users",
        younger("password_expires_at", 3650),
        USER_FIELDS,
        0,  # the seed sets no password expiry: both must say none
        "password_expires_at",
    ),
    # projects: project list --long (+ project show for tags and parent)
    Case(
        "project.search.by.property",
        {"property_to_search_by": "tags", "values": ["production"]},
        "projects",
        lambda r: "production" in r["tags"],
        PROJECT_FIELDS,
        1,
        "tags",
    ),
    Case(
        "project.search.by.property",
        {"property_to_search_by": "name", "values": ["web-shop", "billing-core"]},
        "projects",
        lambda r: r["name"] in ("web-shop", "billing-core"),
        PROJECT_FIELDS,
        2,
        "name",
    ),
    Case(
        "project.search.by.regex",
        {"property_to_search_by": "description", "pattern": "(?i)research|lab"},
        "projects",
        matches("description", "(?i)research|lab"),
        PROJECT_FIELDS,
        2,
        "description",
    ),
    # flavors: flavor list --all --long
    Case(
        "flavor.search.by.expression",
        {
            "property_to_search_by": "ram",
            "operator": "greater_than_or_equal_to",
            "value": 2048,
        },
        "flavors",
        lambda r: r["ram"] >= 2048,
        FLAVOR_FIELDS,
        3,
        "ram >= 2048",
    ),
    Case(
        "flavor.search.by.property",
        {"property_to_search_by": "vcpus", "values": ["1"]},
        "flavors",
        lambda r: r["vcpus"] == 1,
        FLAVOR_FIELDS,
        3,
        "vcpus",
    ),
    Case(
        "flavor.search.by.regex",
        {"property_to_search_by": "name", "pattern": r"^m1\."},
        "flavors",
        matches("name", r"^m1\."),
        FLAVOR_FIELDS,
        4,
        "name",
    ),
    # images: image list --long (+ image show for dates, min_ram/min_disk, os_*)
    Case(
        "image.search.by.property",
        {**ALL, "property_to_search_by": "visibility", "values": ["shared"]},
        "images",
        lambda r: r["visibility"] == "shared",
        IMAGE_FIELDS,
        1,
        "visibility",
    ),
    Case(
        "image.search.by.regex",
        {**ALL, "property_to_search_by": "name", "pattern": "^(ubuntu|centos|cirros)"},
        "images",
        matches("name", "^(ubuntu|centos|cirros)"),
        IMAGE_FIELDS,
        3,
        "name",
    ),
    Case(
        "image.search.by.expression",
        {
            **ALL,
            "property_to_search_by": "size",
            "operator": "greater_than",
            "value": 0,
        },
        "images",
        lambda r: (r["size"] or 0) > 0,
        IMAGE_FIELDS,
        4,
        "size > 0",
    ),
    Case(
        "image.search.by.datetime",
        {**ALL, "property_to_search_by": "created_at", "days": 30},
        "images",
        older("created_at", 30),
        IMAGE_FIELDS,
        3,
        "created_at older_than 30d",
    ),
    # hypervisors: hypervisor list --long, compute service list --long, Placement
    # inventories (osc-placement), servers per host from server list
    Case(
        "hypervisor.search.by.regex",
        {"property_to_search_by": "name", "pattern": "^devcloud-hv"},
        "hypervisors",
        matches("name", "^devcloud-hv"),
        HYPERVISOR_FIELDS,
        4,
        "name",
    ),
    Case(
        "hypervisor.search.by.property",
        {"property_to_search_by": "status", "values": ["disabled"]},
        "hypervisors",
        lambda r: r["status"] == "disabled",
        HYPERVISOR_FIELDS,
        1,
        "status",
    ),
    Case(
        "hypervisor.search.by.expression",
        {
            "property_to_search_by": "server_count",
            "operator": "greater_than_or_equal_to",
            "value": 5,
        },
        "hypervisors",
        lambda r: r["server_count"] >= 5,
        HYPERVISOR_FIELDS,
        2,
        "server_count >= 5",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_search_agrees_with_the_cli(case: Case, run_action, cli) -> None:
    build = tables.TABLES[case.table]
    params = {
        **{k: resolved(v) for k, v in case.params.items()},
        "output_type": "to_props",
        "properties_to_select": (
            [f for f in case.fields if f != "ips"] + ["ips"]
            if "ips" in case.fields
            else case.fields
        ),
    }

    def check(fresh: bool) -> None:
        ok, rows = run_action(case.action, **params)
        assert ok, rows
        before = build(cli)
        after = build(cli, fresh=True) if fresh else before
        churn = changed(before, after) if fresh else set()
        expected = [r for r in after if case.keep(r)]
        assert len(expected) >= case.min_rows, (
            f"the CLI finds {len(expected)} rows for {case.id}; the seed has "
            f"{case.min_rows}: is the devcloud seeded?"
        )
        problems = diff_rows(rows, expected, case.fields, churn, case.id)
        assert not problems, "\n".join(problems)

    settle(check)


def test_seed_refs_resolve(seed) -> None:
    """The cases above name the seed's web-shop project by its id on this devcloud."""
    assert resolved([WEB_SHOP]) == [seed["projects"]["web-shop"]]


# --- shows -----------------------------------------------------------------------------


SHOWN_SERVERS = ["ds-broken", "legacy-db", "web-01", "billing-api", "legacy-app"]


def test_server_show_agrees_with_the_cli(run_action, cli, seed) -> None:
    """server.show of seeded servers (each status, each host) vs ``server show``
    and the flavor list."""
    flavors = {f["name"]: f for f in tables.flavors(cli)}
    rows = {r["id"]: r for r in tables.servers(cli)}
    problems = []
    for name in SHOWN_SERVERS:
        facts = seed["servers"][name]
        ok, shown = run_action("server.show", server=name)
        assert ok, shown
        row = rows[facts["id"]]
        cli_show = row["_show"]
        expect = {
            "id": row["id"],
            "name": row["name"],
            "status": row["status"],
            "host": row["host"],
            "hypervisor_hostname": row["hypervisor_name"],
            "availability_zone": row["availability_zone"],
            "project_id": row["project_id"],
            "user_id": row["user_id"],
            "image_id": row["image_id"],
            "vm_state": cli_show.get("OS-EXT-STS:vm_state"),
            "task_state": cli_show.get("OS-EXT-STS:task_state"),
            "created_at": when(row["created_at"]),
            "updated_at": when(row["updated_at"]),
            "addresses": {
                net: sorted(addrs)
                for net, addrs in (cli_show.get("addresses") or {}).items()
            },
        }
        got = {k: shown.get(k) for k in expect}
        got["created_at"] = when(got["created_at"])
        got["updated_at"] = when(got["updated_at"])
        got["addresses"] = {
            net: sorted(addrs) for net, addrs in (got["addresses"] or {}).items()
        }
        flavor = flavors[cli_show["flavor"]["original_name"]]
        expect["flavor"] = {
            k: flavor[k] for k in ("name", "vcpus", "ram", "disk", "extra_specs")
        }
        got["flavor"] = {k: shown["flavor"].get(k) for k in expect["flavor"]}
        expect["fault"] = (cli_show.get("fault") or {}).get("message")
        got["fault"] = (shown.get("fault") or {}).get("message")
        for key in expect:
            if got[key] != expect[key]:
                problems.append(
                    f"server.show {name} {key}: pack {got[key]!r} != "
                    f"CLI {expect[key]!r}"
                )
    assert not problems, "\n".join(problems)


SHOWN_USERS = ["alice", "frank", "judy"]


def test_user_show_agrees_with_the_cli(run_action, cli, seed) -> None:
    """user.show vs ``user show``, ``group list --user`` and its project roles vs
    ``role assignment list`` (the user's grants and those of the user's groups;
    role names by ``role list``). Not ``--effective``: that adds implied roles
    (member implies reader), which user.show does not claim to list."""
    roles = {r["ID"]: r["Name"] for r in cli(tables.ROLES)}
    users = {u["id"]: u for u in tables.users(cli)}
    assignments = cli(tables.ASSIGNMENTS)
    problems = []
    for name in SHOWN_USERS:
        user_id = seed["users"][name]
        ok, shown = run_action("user.show", user=name)
        assert ok, shown
        if name == "frank":  # the seed grants him member on two projects
            assert len(shown["projects"]) == 2, shown
        row = users[user_id]
        for key in (
            "id",
            "name",
            "domain_id",
            "email",
            "enabled",
            "default_project_id",
        ):
            if norm(key, shown["user"].get(key)) != norm(key, row[key]):
                problems.append(
                    f"user.show {name} {key}: pack {shown['user'].get(key)!r} != "
                    f"CLI {row[key]!r}"
                )
        groups = sorted(g["ID"] for g in cli(f"group list --user {user_id}"))
        mine = sorted(g["id"] for g in shown["groups"])
        if mine != groups:
            problems.append(f"user.show {name} groups: pack {mine} != CLI {groups}")
        expected: dict[str, set[str]] = {}
        for a in assignments:
            if a["Project"] and (a["User"] == user_id or a["Group"] in groups):
                expected.setdefault(a["Project"], set()).add(roles[a["Role"]])
        got = {p["id"]: set(p["roles"]) for p in shown["projects"]}
        if got != expected:
            problems.append(
                f"user.show {name} project roles: pack {got} != CLI {expected}"
            )
    assert not problems, "\n".join(problems)


def quota_problems(label: str, quotas: dict[str, Any], usage: list[dict]) -> list[str]:
    """The pack's quotas (service -> name -> limit/in_use) vs ``quota show --usage``."""
    cli_names = {
        "cores": "cores",
        "instances": "instances",
        "ram": "ram",
        "injected_file_content_bytes": "injected-file-size",
        "injected_file_path_bytes": "injected-path-size",
        "injected_files": "injected-files",
        "key_pairs": "key-pairs",
        "metadata_items": "properties",
        "server_group_members": "server-group-members",
        "server_groups": "server-groups",
        "floatingip": "floating_ips",
        "network": "networks",
        "port": "ports",
        "rbac_policy": "rbac_policies",
        "router": "routers",
        "router_route": "router_routes",
        "security_group": "security_groups",
        "security_group_rule": "security_group_rules",
        "subnet": "subnets",
        "subnetpool": "subnet_pools",
    }
    by_name = {u["Resource"]: u for u in usage}
    problems = []
    compared = 0
    for service in ("compute", "network"):
        for name, value in (quotas.get(service) or {}).items():
            row = by_name.get(cli_names.get(name, name))
            if row is None:
                problems.append(f"{label} {service}.{name}: not in quota show")
                continue
            compared += 1
            if value["limit"] != row["Limit"]:
                problems.append(
                    f"{label} {service}.{name} limit: pack {value['limit']} != "
                    f"CLI {row['Limit']}"
                )
            if row["In Use"] != "N/A" and value["in_use"] != row["In Use"]:
                problems.append(
                    f"{label} {service}.{name} in_use: pack {value['in_use']} != "
                    f"CLI {row['In Use']}"
                )
    assert compared >= 10, f"{label}: only {compared} quotas compared"
    return problems


SHOWN_PROJECTS = ["web-shop", "data-science"]


@pytest.mark.parametrize("action", ["quota.show", "project.show"])
def test_project_and_quota_show_agree_with_the_cli(action, run_action, cli, seed):
    """quota.show and project.show vs ``quota show --usage``; project.show's details
    vs ``project show``, its servers vs ``server list --all-projects`` and its members
    vs ``role assignment list --project`` (direct grants, users and groups)."""
    roles = {r["ID"]: r["Name"] for r in cli(tables.ROLES)}
    project_ids = [seed["projects"][p] for p in SHOWN_PROJECTS]
    commands = [f"quota show {p} --usage" for p in project_ids]

    def check(fresh: bool) -> None:
        cli.batch(commands, fresh=fresh)
        assignments = cli(tables.ASSIGNMENTS, fresh=fresh)
        projects = {p["id"]: p for p in tables.projects(cli)}
        servers = tables.servers(cli, fresh=fresh)
        problems = []
        for name, project_id in zip(SHOWN_PROJECTS, project_ids, strict=True):
            ok, shown = run_action(action, project=name)
            assert ok, shown
            label = f"{action} {name}"
            if shown["project"]["id"] != project_id:
                problems.append(f"{label} id: {shown['project']['id']}")
            problems += quota_problems(
                label, shown["quotas"], cli(f"quota show {project_id} --usage")
            )
            if action != "project.show":
                continue
            row = projects[project_id]
            parent = None if row["parent_id"] == row["domain_id"] else row["parent_id"]
            expect = {**row, "parent_id": parent}  # pack: a domain is no parent
            for key in ("name", "domain_id", "description", "enabled", "tags"):
                if norm(key, shown["project"].get(key)) != norm(key, expect[key]):
                    problems.append(
                        f"{label} {key}: pack {shown['project'].get(key)!r} != "
                        f"CLI {expect[key]!r}"
                    )
            if shown["project"].get("parent_id") != parent:
                problems.append(
                    f"{label} parent_id: pack {shown['project'].get('parent_id')!r}"
                    f" != CLI {parent!r} (domain parent read as none)"
                )
            mine = sorted(s["id"] for s in shown["resources"]["servers"])
            theirs = sorted(s["id"] for s in servers if s["project_id"] == project_id)
            if mine != theirs:
                problems.append(f"{label} servers: pack {mine} != CLI {theirs}")
            if shown["owned"]["servers"] != len(theirs):
                problems.append(
                    f"{label} owned.servers: pack {shown['owned']['servers']} != "
                    f"CLI {len(theirs)}"
                )
            members: dict[tuple[str, str], set[str]] = {}
            for a in (a for a in assignments if a["Project"] == project_id):
                kind, who = ("user", a["User"]) if a["User"] else ("group", a["Group"])
                members.setdefault((kind, who), set()).add(roles[a["Role"]])
            got = {(m["type"], m["id"]): set(m["roles"]) for m in shown["members"]}
            if got != members:
                problems.append(f"{label} members: pack {got} != CLI {members}")
        assert not problems, "\n".join(problems)

    settle(check)


HOSTS = ["devcloud-hv1", "devcloud-hv2", "devcloud-hv3", "devcloud-hv4"]


def test_hypervisor_show_agrees_with_the_cli(run_action, cli) -> None:
    """hypervisor.show vs ``hypervisor list``, ``compute service list``, Placement's
    ``resource provider inventory list``, ``server list --host`` (from the all-projects
    listing) and ``aggregate list --long``."""

    def check(fresh: bool) -> None:
        shows = {}
        for host in HOSTS:
            ok, shown = run_action("hypervisor.show", hypervisor=host)
            assert ok, shown
            shows[host] = shown
        before = tables.hypervisors(cli)
        after = tables.hypervisors(cli, fresh=True) if fresh else before
        moved = changed(before, after) if fresh else set()  # other tests at work
        rows = {r["name"]: r for r in after}
        servers = tables.servers(cli)
        aggregates = cli(tables.AGGREGATES, fresh=fresh)
        problems = []
        for host in HOSTS:
            shown = shows[host]
            row = rows[host]
            if row["id"] in moved:
                continue
            label = f"hypervisor.show {host}"
            for key in ("id", "name", "host", "status", "state", "hypervisor_type"):
                if shown.get(key) != row[key]:
                    problems.append(
                        f"{label} {key}: pack {shown.get(key)!r} != CLI {row[key]!r}"
                    )
            service = row["_service"]
            expect_service = {
                "id": service["ID"],
                "host": service["Host"],
                "zone": service["Zone"],
                "status": service["Status"],
                "state": service["State"],
                "disabled_reason": service["Disabled Reason"],
                "forced_down": service["Forced Down"],
            }
            for key, value in expect_service.items():
                if shown["service"].get(key) != value:
                    problems.append(
                        f"{label} service.{key}: pack {shown['service'].get(key)!r}"
                        f" != CLI {value!r}"
                    )
            for rc, inv in row["_inventory"].items():
                usage = shown["usage"].get(rc)
                if usage is None:
                    problems.append(f"{label} usage: no {rc} (Placement has it)")
                    continue
                for key in ("total", "reserved", "allocation_ratio", "used"):
                    if usage.get(key) != inv[key]:
                        problems.append(
                            f"{label} usage.{rc}.{key}: pack {usage.get(key)!r} != "
                            f"CLI {inv[key]!r}"
                        )
            if set(shown["usage"]) != set(row["_inventory"]):
                problems.append(
                    f"{label} resource classes: pack {sorted(shown['usage'])} != "
                    f"CLI {sorted(row['_inventory'])}"
                )
            mine = sorted(s["id"] for s in shown["servers"])
            theirs = sorted(s["id"] for s in servers if s["host"] == host)
            if mine != theirs or shown["server_count"] != len(theirs):
                problems.append(
                    f"{label} servers: pack {shown['server_count']} {mine} != "
                    f"CLI {len(theirs)} {theirs}"
                )
            in_aggs = sorted(
                a["Name"] for a in aggregates if host in (a["Hosts"] or [])
            )
            got_aggs = sorted(
                a["name"] if isinstance(a, dict) else a for a in shown["aggregates"]
            )
            if got_aggs != in_aggs:
                problems.append(f"{label} aggregates: pack {got_aggs} != CLI {in_aggs}")
        assert not problems, "\n".join(problems)

    settle(check)


def test_hypervisor_find_empty_agrees_with_the_cli(run_action, cli) -> None:
    """Enabled, up hosts holding no server per ``server list --all-projects``."""

    def check(fresh: bool) -> None:
        ok, found = run_action("hypervisor.find.empty")
        assert ok, found
        rows = tables.hypervisors(cli, fresh=fresh)
        expected = sorted(
            r["name"]
            for r in rows
            if r["status"] == "enabled" and r["state"] == "up" and not r["server_count"]
        )
        got = sorted(h["name"] for h in found)
        assert got == expected, f"pack {got} != CLI {expected}"
        by_name = {r["name"]: r for r in rows}
        for h in found:
            assert h["id"] == by_name[h["name"]]["id"]

    settle(check)


def test_hypervisor_find_reinstall_candidates_agrees_with_the_cli(
    run_action, cli
) -> None:
    """Up hosts, disabled ones only with include_disabled, fewest servers first."""

    def check(fresh: bool) -> None:
        rows = tables.hypervisors(cli, fresh=fresh)
        for include_disabled in (False, True):
            ok, found = run_action(
                "hypervisor.find.reinstall.candidates",
                include_disabled=include_disabled,
                limit=10,
            )
            assert ok, found
            eligible = [
                r
                for r in rows
                if r["state"] == "up" and (include_disabled or r["status"] == "enabled")
            ]
            assert len(eligible) >= 3
            got = sorted(h["name"] for h in found)
            assert got == sorted(r["name"] for r in eligible), (include_disabled, got)
            counts = {r["name"]: r["server_count"] for r in rows}
            order = [counts[h["name"]] for h in found]
            assert order == sorted(order), f"not fewest servers first: {order}"
            for h in found:
                assert h["server_count"] == counts[h["name"]], h

    settle(check)


def test_cloud_check_agrees_with_the_cli(run_action, cli) -> None:
    """cloud.check's user/project vs ``token issue`` and its services vs
    ``catalog list`` (types, names, the public endpoint's base URL)."""
    token = cli("token issue")
    catalog = cli("catalog list")
    ok, checked = run_action("cloud.check")
    assert ok, checked
    assert checked["user"]["id"] == token["user_id"]
    assert checked["project"]["id"] == token["project_id"]
    expected = {c["Type"]: c for c in catalog}
    assert set(checked["services"]) == set(expected)
    for kind, service in checked["services"].items():
        assert service["name"] == expected[kind]["Name"], kind
        public = [
            e["url"].rstrip("/")
            for e in expected[kind]["Endpoints"]
            if e["interface"] == "public"
        ]
        assert any(service["endpoint"].startswith(url) for url in public), (
            kind,
            service["endpoint"],
            public,
        )


# --- coverage: every read-only action has an oracle -------------------------------------

COMPARED_BY_SHOW_TESTS = {
    "server.show",
    "user.show",
    "project.show",
    "quota.show",
    "hypervisor.show",
    "hypervisor.find.empty",
    "hypervisor.find.reinstall.candidates",
    "cloud.check",
}


def test_every_read_only_action_has_an_oracle() -> None:
    read_only = {a.name for a in load_actions() if READ_ONLY.search(a.name)}
    assert len(read_only) >= 20, sorted(read_only)
    covered = {c.action for c in CASES} | COMPARED_BY_SHOW_TESTS
    missing = sorted(read_only - covered - set(EXEMPT))
    assert not missing, f"read-only actions without a CLI comparison: {missing}"
    stale = sorted((covered | set(EXEMPT)) - read_only)
    assert not stale, f"compared or exempted actions that are not read-only: {stale}"
