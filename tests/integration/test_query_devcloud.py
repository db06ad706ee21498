"""The Query library and the search workflows/actions against the devcloud, checked
row by row against the seeded estate (``tools/devcloud/seed_data.py`` and the
``seed.json`` the ``seed`` fixture reads).

The cloud is shared with other tests running at the same time, so every assertion
is about seeded resources or resources these tests create: result rows are first
restricted to seeded names, then compared exactly.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from openstack.connection import Connection

from openstack_query import (
    FlavorQuery,
    HypervisorQuery,
    ImageQuery,
    ProjectQuery,
    QueryError,
    ServerQuery,
    UserQuery,
)
from tools.devcloud import seed_data
from workflows import search

pytest_plugins = ["os_fixtures_compute"]

SEEDED_SERVERS: dict[str, dict[str, Any]] = {
    str(s["name"]): s for s in seed_data.SERVERS
}
SEEDED_FLAVORS: dict[str, dict[str, Any]] = {
    str(f["name"]): f for f in seed_data.FLAVORS
}
SEEDED_IMAGES: dict[str, dict[str, Any]] = {str(i["name"]): i for i in seed_data.IMAGES}
SEEDED_USERS: dict[str, dict[str, Any]] = {str(u["name"]): u for u in seed_data.USERS}
OPERATORS = seed_data.PROJECT_OPERATORS
RESEARCH = seed_data.EXTRA_DOMAIN
PLACEMENT_CLASSES = {"VCPU": "vcpus", "MEMORY_MB": "memory_mb", "DISK_GB": "disk_gb"}


def _utc(text: str) -> dt.datetime:
    """A seed.json timestamp (``...Z``) as an aware UTC datetime."""
    return dt.datetime.fromisoformat(text.rstrip("Z")).replace(tzinfo=dt.UTC)


def _ago(days: float) -> dt.datetime:
    return dt.datetime.now(dt.UTC) - dt.timedelta(days=days)


def seeded(rows: list[dict[str, Any]], names: Any, column: str = "name") -> list[Any]:
    """The rows whose ``column`` is a seeded name, sorted by it."""
    return sorted((r for r in rows if r[column] in names), key=lambda r: r[column])


def server_created(seed: dict[str, Any], name: str) -> dt.datetime:
    """When a seeded server was created (recorded by the seed)."""
    return _utc(seed["servers"][name]["created_at"])


def image_created(seed: dict[str, Any], name: str) -> dt.datetime:
    """When a seeded image was created: ``age_days`` before the seed's anchor."""
    return _utc(seed["anchor"]) - dt.timedelta(
        days=int(SEEDED_IMAGES[name]["age_days"])
    )


@pytest.fixture(scope="module")
def ids(admin_conn: Connection, seed: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Current ids of the seeded users, projects, flavors and domains, looked up by
    name (a concurrent re-seed keeps names, not necessarily ids)."""
    research = admin_conn.identity.find_domain(RESEARCH, ignore_missing=False).id
    return {
        "domains": {"Default": "default", RESEARCH: research},
        "users": {
            u.name: u.id for u in admin_conn.identity.users() if u.name in SEEDED_USERS
        },
        "projects": {
            p.name: p.id for p in admin_conn.identity.projects() if p.name in OPERATORS
        },
        "flavors": {
            f.name: f.id
            for f in admin_conn.compute.flavors(is_public=None)
            if f.name in SEEDED_FLAVORS
        },
    }


# ----------------------------------------------------------------------- servers
def test_shutoff_servers_in_all_projects(admin_conn: Connection) -> None:
    rows = (
        ServerQuery()
        .select("name", "status", "hypervisor_name", "flavor_name", "image_id")
        .where("any_in", "status", values=["SHUTOFF"])
        .run(admin_conn, all_projects=True)
        .to_props()
    )
    assert all(r["status"] == "SHUTOFF" for r in rows)
    expected = sorted(n for n, s in SEEDED_SERVERS.items() if s["status"] == "SHUTOFF")
    got = seeded(rows, SEEDED_SERVERS)
    assert [r["name"] for r in got] == expected == ["legacy-db", "web-old"]
    for row in got:
        spec = SEEDED_SERVERS[row["name"]]
        assert row["hypervisor_name"].split(".")[0] == spec["host"]
        assert row["flavor_name"] == spec["flavor"]
        assert row["image_id"]


def test_server_scope_and_flavor_ids(
    admin_conn: Connection, ids: dict[str, dict[str, str]]
) -> None:
    """``from_projects`` by name, ``flavor_id`` resolved from the embedded flavor
    name through one flavor listing, user ids pushed down."""
    rows = (
        ServerQuery()
        .select("name", "project_id", "user_id", "flavor_id")
        .sort_by("name")
        .run(admin_conn, from_projects=["web-shop", "legacy-apps"])
        .to_props()
    )
    expected = [
        {
            "name": name,
            "project_id": ids["projects"][str(spec["project"])],
            "user_id": ids["users"][OPERATORS[str(spec["project"])]],
            "flavor_id": ids["flavors"][str(spec["flavor"])],
        }
        for name, spec in sorted(SEEDED_SERVERS.items())
        if spec["project"] in ("web-shop", "legacy-apps")
    ]
    assert seeded(rows, SEEDED_SERVERS) == expected
    assert {r["project_id"] for r in rows} <= {
        ids["projects"]["web-shop"],
        ids["projects"]["legacy-apps"],
    }
    with pytest.raises(QueryError, match="mutually exclusive"):
        ServerQuery().run(admin_conn, all_projects=True, from_projects=["web-shop"])


def test_old_shutoff_with_owner_email_and_project_grouped_by_owner(
    admin_conn: Connection, seed: dict[str, Any]
) -> None:
    """The issue's scenario (a) on the seeded estate."""
    query = (
        ServerQuery()
        .select("name")
        .where("any_in", "status", values=["SHUTOFF"])
        .where("older_than", "created_at", days=60)
        .run(admin_conn, all_projects=True)
        .append_from("USER_QUERY", admin_conn, "email")
        .append_from("PROJECT_QUERY", admin_conn, "name")
        .group_by("user.email")
    )
    expected: dict[str, list[dict[str, Any]]] = {}
    for name, spec in sorted(SEEDED_SERVERS.items()):
        if spec["status"] == "SHUTOFF" and server_created(seed, name) < _ago(60):
            email = str(SEEDED_USERS[OPERATORS[str(spec["project"])]]["email"])
            expected.setdefault(email, []).append(
                {"name": name, "user.email": email, "project.name": spec["project"]}
            )
    groups = query.to_props()
    assert isinstance(groups, dict)
    got = {g: seeded(rows, SEEDED_SERVERS) for g, rows in groups.items()}
    assert {g: rows for g, rows in got.items() if rows} == expected
    assert set(expected) == {"carol@devcloud.test", "frank@devcloud.test"}
    html = query.to_html(title="Old SHUTOFF servers", groups=["carol@devcloud.test"])
    assert "web-old" in html and "legacy-db" not in html
    assert "<h4>user.email: carol@devcloud.test (" in html


def test_a_second_select_adds_columns(
    admin_conn: Connection, ids: dict[str, dict[str, str]]
) -> None:
    query = ServerQuery().select("name").where("==", "name", value="web-old")
    query.select("status", "name", "flavor_id")
    rows = query.run(admin_conn, all_projects=True).to_props()
    assert rows == [
        {"name": "web-old", "status": "SHUTOFF", "flavor_id": ids["flavors"]["m1.tiny"]}
    ]
    # and after run(): the new column is loaded in one batch, order kept
    query.select("hypervisor_name")
    (row,) = query.to_props()
    assert list(row) == ["name", "status", "flavor_id", "hypervisor_name"]
    assert row["hypervisor_name"].split(".")[0] == "devcloud-hv1"


def test_ignored_pushdown_cannot_leak_rows(
    admin_conn: Connection, boot_server: Callable[..., Any], ids: dict[str, Any]
) -> None:
    """Without ``all_tenants`` Nova ignores ``project_id`` and lists the caller's
    own project: the local re-check must drop those servers."""
    mine = boot_server("devcloud-hv2", label="query")
    own = ServerQuery().select("name").run(admin_conn).to_props()
    assert mine.name in [r["name"] for r in own]
    other = (
        ServerQuery()
        .select("name", "project_id")
        .where("==", "project_id", value=ids["projects"]["web-shop"])
        .run(admin_conn)
        .to_props()
    )
    assert mine.name not in [r["name"] for r in other]
    assert all(r["project_id"] == ids["projects"]["web-shop"] for r in other)


# ------------------------------------------------------------------------- users
def test_users_filtered_by_domain(
    admin_conn: Connection, ids: dict[str, dict[str, str]]
) -> None:
    research = ids["domains"][RESEARCH]
    expected = sorted(
        (name, u["email"])
        for name, u in SEEDED_USERS.items()
        if u["domain"] == RESEARCH
    )
    by_scope = (
        UserQuery()
        .select("name", "email", "domain_id")
        .run(admin_conn, from_domain=RESEARCH)
        .to_props()
    )
    by_where = (
        UserQuery()
        .select("name", "email", "domain_id")
        .where("==", "domain_id", value=research)
        .run(admin_conn)
        .to_props()
    )
    for rows in (by_scope, by_where):
        assert all(r["domain_id"] == research for r in rows)
        assert [(r["name"], r["email"]) for r in seeded(rows, SEEDED_USERS)] == expected
    default = UserQuery().select("name").run(admin_conn, from_domain="Default")
    names = {r["name"] for r in default.to_props()}
    assert {n for n, u in SEEDED_USERS.items() if u["domain"] == "Default"} <= names
    assert not names & {n for n, u in SEEDED_USERS.items() if u["domain"] == RESEARCH}


def test_user_projects_from_role_assignments(
    admin_conn: Connection, ids: dict[str, dict[str, str]]
) -> None:
    """Direct and group role assignments, from one role-assignment listing."""
    rows = (
        UserQuery()
        .select("name", "project_ids")
        .where("any_in", "name", values=["grace", "alice", "svc-backup"])
        .run(admin_conn)
        .to_props()
    )
    projects = ids["projects"]
    # other tests grant seeded users roles on their own projects meanwhile
    seeded_ids = set(projects.values())
    got = {r["name"]: set(r["project_ids"]) & seeded_ids for r in rows}
    assert got == {
        "grace": {projects["data-science"], projects["student-labs"]},
        "alice": {
            projects["ops-infra"],
            projects["billing-core"],
            projects["web-shop"],
        },
        "svc-backup": {projects["legacy-apps"]},
    }


def test_then_on_a_grouped_query(admin_conn: Connection) -> None:
    users = (
        UserQuery()
        .select("name")
        .group_by("name")
        .run(admin_conn, from_domain=RESEARCH)
    )
    assert users.grouped_rows() is not None
    servers = (
        users.then("SERVER_QUERY")
        .select("name")
        .sort_by("name")
        .run(admin_conn, all_projects=True)
    )
    got = [
        (r["name"], r["user.name"]) for r in seeded(servers.to_props(), SEEDED_SERVERS)
    ]
    expected = [
        (name, OPERATORS[str(spec["project"])])
        for name, spec in sorted(SEEDED_SERVERS.items())
        if SEEDED_USERS[OPERATORS[str(spec["project"])]]["domain"] == RESEARCH
    ]
    assert got == expected
    assert expected == [
        ("ds-broken", "grace"),
        ("ds-train-01", "grace"),
        ("lab-vm-01", "judy"),
    ]


def test_projects_in_domain_then_servers(admin_conn: Connection) -> None:
    projects = ProjectQuery().select("name").run(admin_conn, from_domain=RESEARCH)
    assert seeded(projects.to_props(), OPERATORS) == [
        {"name": "data-science"},
        {"name": "student-labs"},
    ]
    servers = projects.then("servers").select("name").run(admin_conn, all_projects=True)
    got = sorted(
        (r["name"], r["project.name"])
        for r in seeded(servers.to_props(), SEEDED_SERVERS)
    )
    assert got == sorted(
        (n, str(s["project"]))
        for n, s in SEEDED_SERVERS.items()
        if s["project"] in ("data-science", "student-labs")
    )


# ------------------------------------------------------------------------ images
def image_names(query: ImageQuery, conn: Connection) -> list[str]:
    """Names of the seeded images the query returns."""
    query.select("name").where("any_in", "name", values=list(SEEDED_IMAGES))
    return sorted(r["name"] for r in query.run(conn).to_props())


@pytest.mark.parametrize("days", [100, 450, 600])
def test_images_by_date(
    admin_conn: Connection, seed: dict[str, Any], days: int
) -> None:
    moment = _ago(days)
    older = image_names(
        ImageQuery().where("older_than", "created_at", days=days), admin_conn
    )
    younger = image_names(
        ImageQuery().where("younger_than", "created_at", days=days), admin_conn
    )
    assert older == sorted(n for n in SEEDED_IMAGES if image_created(seed, n) < moment)
    assert younger == sorted(
        n for n in SEEDED_IMAGES if image_created(seed, n) > moment
    )
    assert sorted(older + younger) == sorted(SEEDED_IMAGES)
    assert older and younger


def test_images_by_size(admin_conn: Connection) -> None:
    size = seed_data.IMAGE_BYTES
    everything = sorted(SEEDED_IMAGES)
    assert (
        image_names(ImageQuery().where("any_in", "size", values=[size]), admin_conn)
        == everything
    )
    assert image_names(ImageQuery().where(">", "size", value=size), admin_conn) == []
    assert image_names(ImageQuery().where("<", "size", value=size), admin_conn) == []
    assert (
        image_names(ImageQuery().where(">", "size", value=size - 1), admin_conn)
        == everything
    )
    assert (
        image_names(ImageQuery().where("<", "size", value=size + 0.5), admin_conn)
        == everything
    )
    both = ImageQuery().where(">=", "size", value=size).where("<=", "size", value=size)
    assert image_names(both, admin_conn) == everything


def test_image_os_properties_and_visibility(admin_conn: Connection) -> None:
    rows = (
        ImageQuery()
        .select("name", "os_distro", "visibility")
        .where("any_in", "name", values=list(SEEDED_IMAGES))
        .sort_by("name")
        .run(admin_conn)
        .to_props()
    )
    assert rows == [
        {
            "name": name,
            "os_distro": spec["properties"]["os_distro"],
            "visibility": spec["visibility"],
        }
        for name, spec in sorted(SEEDED_IMAGES.items())
    ]


# ----------------------------------------------------------------------- flavors
COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
}


@pytest.mark.parametrize(
    ("preset", "prop", "value"),
    [
        (">", "ram", 2048),
        (">=", "ram", 2048),
        ("<", "ram", 2048),
        ("<=", "ram", 2048),
        (">", "disk", 20),
        (">=", "disk", 20),
        ("<", "disk", 20),
        ("<=", "disk", 20),
        (">=", "vcpus", 2),
    ],
)
def test_flavor_comparisons(
    admin_conn: Connection, preset: str, prop: str, value: int
) -> None:
    query = FlavorQuery().select("name", prop).where(preset, prop, value=value)
    rows = query.run(admin_conn).to_props()
    assert all(COMPARISONS[preset](r[prop], value) for r in rows)
    got = [(r["name"], r[prop]) for r in seeded(rows, SEEDED_FLAVORS)]
    expected = sorted(
        (name, f[prop])
        for name, f in SEEDED_FLAVORS.items()
        if COMPARISONS[preset](f[prop], value)
    )
    assert got == expected and got


def test_flavor_extra_specs(admin_conn: Connection) -> None:
    rows = (
        FlavorQuery()
        .select("name", "extra_specs")
        .where("==", "name", value=seed_data.GPU_FLAVOR)
        .run(admin_conn)
        .to_props()
    )
    assert rows == [
        {
            "name": seed_data.GPU_FLAVOR,
            "extra_specs": SEEDED_FLAVORS[seed_data.GPU_FLAVOR]["extra_specs"],
        }
    ]


# ------------------------------------------------------------------- hypervisors
def _placement(conn: Connection, path: str) -> dict[str, Any]:
    response = conn.placement.get(path, microversion="1.27")
    assert response.status_code == 200, response.text
    return response.json()


def _provider_state(conn: Connection, provider: str) -> dict[str, Any]:
    return {
        "inventories": _placement(conn, f"/resource_providers/{provider}/inventories")[
            "inventories"
        ],
        "usages": _placement(conn, f"/resource_providers/{provider}/usages")["usages"],
    }


def test_hypervisor_capacity_honours_ratio_and_reserved(
    admin_conn: Connection,
) -> None:
    """Totals are Placement capacity ``(total - reserved) * allocation_ratio``; the
    devcloud's inventories (Nova's defaults: VCPU ratio 4.0, 512 MB reserved) make
    that differ from the raw totals. Other tests boot servers concurrently, so the
    check is repeated until Placement reads the same before and after the query."""
    hvs = [
        h
        for h in admin_conn.compute.hypervisors()
        if h.name.split(".")[0] in ("devcloud-hv1", "devcloud-hv2")
    ]
    assert len(hvs) == 2
    for _attempt in range(5):
        before = {h.id: _provider_state(admin_conn, h.id) for h in hvs}
        rows = (
            HypervisorQuery()
            .select_all()
            .where("any_in", "id", values=[h.id for h in hvs])
            .sort_by("name")
            .run(admin_conn)
            .to_props()
        )
        after = {h.id: _provider_state(admin_conn, h.id) for h in hvs}
        if before == after:
            break
    else:
        pytest.fail("Placement usage kept changing under the test")
    assert [r["id"] for r in rows] == [h.id for h in sorted(hvs, key=lambda h: h.name)]
    ratios = set()
    reserved = set()
    for row in rows:
        state = before[row["id"]]
        for rc, prefix in PLACEMENT_CLASSES.items():
            inv = state["inventories"][rc]
            ratios.add(inv["allocation_ratio"])
            reserved.add(inv["reserved"])
            capacity = int((inv["total"] - inv["reserved"]) * inv["allocation_ratio"])
            used = state["usages"].get(rc, 0)
            assert row[f"{prefix}_total"] == capacity, (row["name"], rc)
            assert row[f"{prefix}_used"] == used, (row["name"], rc)
            assert row[f"{prefix}_free"] == capacity - used, (row["name"], rc)
        host = row["name"].split(".")[0]
        seeded_here = [s for s in SEEDED_SERVERS.values() if s["host"] == host]
        assert row["server_count"] >= len(seeded_here)
        assert row["vcpus_used"] >= sum(
            int(SEEDED_FLAVORS[str(s["flavor"])]["vcpus"]) for s in seeded_here
        )
        assert row["state"] == "up" and row["status"] == "enabled"
    # the estate really exercises both parts of the formula
    assert ratios - {1.0}, f"every allocation ratio is 1.0: {ratios}"
    assert reserved - {0}, f"nothing is reserved: {reserved}"


def test_disabled_hypervisor_reason(admin_conn: Connection) -> None:
    rows = (
        HypervisorQuery()
        .select("name", "status", "disabled_reason")
        .where("==", "status", value="disabled")
        .run(admin_conn)
        .to_props()
    )
    assert all(r["status"] == "disabled" for r in rows)
    found = {r["name"].split(".")[0]: r["disabled_reason"] for r in rows}
    assert found.get(seed_data.DISABLED_HOST) == seed_data.DISABLED_REASON


# ---------------------------------------------------------------------- timezone
def test_non_utc_timezone_same_answer(
    admin_conn: Connection, seed: dict[str, Any]
) -> None:
    def answer() -> tuple[list[str], list[str], list[str]]:
        servers = (
            ServerQuery()
            .select("name")
            .where("older_than", "created_at", days=190)
            .run(admin_conn, all_projects=True)
            .to_props()
        )
        recent = (
            ServerQuery()
            .select("name")
            .where("younger_than", "updated_at", days=20)
            .run(admin_conn, all_projects=True)
            .to_props()
        )
        images = image_names(
            ImageQuery().where("older_than", "created_at", days=450), admin_conn
        )
        return (
            [r["name"] for r in seeded(servers, SEEDED_SERVERS)],
            [r["name"] for r in seeded(recent, SEEDED_SERVERS)],
            images,
        )

    saved = os.environ.get("TZ")
    try:
        os.environ["TZ"] = "Asia/Tokyo"
        time.tzset()
        assert time.localtime().tm_gmtoff == 9 * 3600
        tokyo = answer()
    finally:
        if saved is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = saved
        time.tzset()
    expected = (
        sorted(n for n in SEEDED_SERVERS if server_created(seed, n) < _ago(190)),
        sorted(
            n
            for n in SEEDED_SERVERS
            if _utc(seed["servers"][n]["updated_at"]) > _ago(20)
        ),
        sorted(n for n in SEEDED_IMAGES if image_created(seed, n) < _ago(450)),
    )
    assert tokyo == answer() == expected
    assert all(expected)


# --------------------------------------------------------------------- non-admin
def test_non_admin_run(user_conn: Connection, ids: dict[str, dict[str, str]]) -> None:
    """An ordinary member sees its own project's servers only (even when asking
    for another project), public flavors and images, and no shared image it is not
    a member of."""
    project = user_conn.current_project_id
    servers = ServerQuery().select("name", "project_id").run(user_conn).to_props()
    assert all(r["project_id"] == project for r in servers)
    assert not seeded(servers, SEEDED_SERVERS)
    asked = (
        ServerQuery()
        .select("name")
        .where("==", "project_id", value=ids["projects"]["web-shop"])
        .run(user_conn)
        .to_props()
    )
    assert asked == []
    images = image_names(ImageQuery(), user_conn)
    assert images == sorted(
        n for n, i in SEEDED_IMAGES.items() if i["visibility"] == "public"
    )
    flavors = FlavorQuery().select("name").run(user_conn).to_props()
    assert [r["name"] for r in seeded(flavors, SEEDED_FLAVORS)] == sorted(
        SEEDED_FLAVORS
    )


# --------------------------------------------------------------- search actions
def test_search_workflow_server_by_property(admin_conn: Connection) -> None:
    rows = search.server_by_property(
        admin_conn,
        property_to_search_by="status",
        values=["SHUTOFF"],
        properties_to_select=["name", "status"],
        output_type="to_props",
        sort_by=["name"],
        all_projects=True,
    )
    assert [r for r in rows if r["name"] in SEEDED_SERVERS] == [
        {"name": n, "status": "SHUTOFF"}
        for n in sorted(SEEDED_SERVERS)
        if SEEDED_SERVERS[n]["status"] == "SHUTOFF"
    ]


def test_search_action_server_by_property(run_action: Callable[..., Any]) -> None:
    """The acceptance command, through the pack's entry point."""
    ok, text = run_action(
        "server.search.by.property",
        property_to_search_by="status",
        values=["SHUTOFF"],
        all_projects=True,
        output_type="to_string",
    )
    assert ok, text
    assert isinstance(text, str)
    assert "legacy-db" in text and "web-old" in text
    assert "web-01" not in text and "ACTIVE" not in text
    ok, result = run_action(
        "server.search.by.property",
        property_to_search_by="status",
        values=["SHUTOFF"],
        all_projects=True,
        from_projects=["web-shop"],
    )
    assert not ok
    assert "from_projects" in json.dumps(result) and "all_projects" in json.dumps(
        result
    )


def test_search_workflow_flavor_expression(admin_conn: Connection) -> None:
    rows = search.flavor_by_expression(
        admin_conn,
        "ram",
        "greater_than",
        4096,
        ["name", "ram"],
        "to_props",
        None,
        ["ram"],
    )
    assert [r for r in rows if r["name"] in SEEDED_FLAVORS] == [
        {"name": name, "ram": f["ram"]}
        for name, f in sorted(SEEDED_FLAVORS.items(), key=lambda kv: kv[1]["ram"])
        if int(f["ram"]) > 4096
    ]


def test_search_workflow_image_datetime(
    admin_conn: Connection, seed: dict[str, Any]
) -> None:
    rows = search.image_by_datetime(
        admin_conn,
        "created_at",
        "older_than",
        days=450,
        properties_to_select=["name"],
        output_type="to_props",
        sort_by=["name"],
    )
    assert [r["name"] for r in rows if r["name"] in SEEDED_IMAGES] == sorted(
        n for n in SEEDED_IMAGES if image_created(seed, n) < _ago(450)
    )


@pytest.fixture(autouse=True)
def _no_leftover_tz() -> Iterator[None]:
    """The timezone test restores TZ; check no test leaves it changed."""
    before = os.environ.get("TZ")
    yield
    assert os.environ.get("TZ") == before
