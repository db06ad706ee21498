"""The Query library and the search workflows against the local OpenStack
(``tools/devcloud``), checked row by row against the seeded estate
(``tools/devcloud/seed_data.py`` and ``.devcloud/seed.json``)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openstack
import pytest

from openstack_query import (
    FlavorQuery,
    HypervisorQuery,
    ImageQuery,
    ServerQuery,
    UserQuery,
)
from tools.devcloud import seed_data
from workflows import search

STATE = Path(__file__).resolve().parents[2] / ".devcloud"
SEED_FILE = STATE / "seed.json"
SEEDED_SERVERS = {str(s["name"]): s for s in seed_data.SERVERS}
SEEDED_FLAVORS = [str(f["name"]) for f in seed_data.FLAVORS]
SEEDED_IMAGES = [str(i["name"]) for i in seed_data.IMAGES]
OPERATORS = seed_data.PROJECT_OPERATORS
EMAILS = {str(u["name"]): u["email"] for u in seed_data.USERS}

pytestmark = pytest.mark.skipif(
    not SEED_FILE.exists(),
    reason="local cloud not seeded (tools/devcloud/devcloud seed)",
)


@pytest.fixture(scope="module")
def query_conn() -> Iterator[Any]:
    """An admin connection to the local cloud."""
    os.environ.setdefault("OS_CLIENT_CONFIG_FILE", str(STATE / "clouds.yaml"))
    conn = openstack.connect(cloud="devcloud-admin")
    yield conn
    conn.close()


@pytest.fixture(scope="module")
def seed_ids() -> dict[str, Any]:
    """Ids of the seeded estate."""
    return json.loads(SEED_FILE.read_text())


def seeded_names(rows: list[dict[str, Any]], column: str = "name") -> list[str]:
    return sorted(r[column] for r in rows if r[column] in SEEDED_SERVERS)


def test_shutoff_servers_in_all_projects(query_conn: Any) -> None:
    rows = (
        ServerQuery()
        .select("name", "status", "hypervisor_name", "flavor_name")
        .where("any_in", "status", values=["SHUTOFF"])
        .run(query_conn, all_projects=True)
        .to_props()
    )
    expected = sorted(n for n, s in SEEDED_SERVERS.items() if s["status"] == "SHUTOFF")
    assert seeded_names(rows) == expected
    for row in rows:
        seeded = SEEDED_SERVERS[row["name"]]
        assert row["status"] == "SHUTOFF"
        assert row["hypervisor_name"].startswith(str(seeded["host"]))
        assert row["flavor_name"] == seeded["flavor"]


def test_old_shutoff_with_owner_email_and_project_grouped_by_owner(
    query_conn: Any,
) -> None:
    query = (
        ServerQuery()
        .select("name")
        .where("any_in", "status", values=["SHUTOFF"])
        .where("older_than", "created_at", days=60)
        .run(query_conn, all_projects=True)
        .append_from("USER_QUERY", query_conn, "email")
        .append_from("PROJECT_QUERY", query_conn, "name")
        .group_by("user.email")
    )
    groups = query.to_props()
    expected: dict[str, list[dict[str, Any]]] = {}
    for name, server in sorted(SEEDED_SERVERS.items()):
        if server["status"] == "SHUTOFF" and int(server["age_days"]) > 60:
            email = EMAILS[OPERATORS[str(server["project"])]]
            expected.setdefault(str(email), []).append(
                {"name": name, "user.email": email, "project.name": server["project"]}
            )
    got = {
        g: sorted(
            (r for r in rows if r["name"] in SEEDED_SERVERS), key=lambda r: r["name"]
        )
        for g, rows in groups.items()
    }
    assert {g: r for g, r in got.items() if r} == expected
    html = query.to_html(title="Old SHUTOFF servers")
    assert "<h4>user.email: carol@devcloud.test (" in html


def test_users_filtered_by_domain(query_conn: Any) -> None:
    rows = UserQuery().select("name", "email").run(query_conn, from_domain="research")
    expected = sorted(
        (str(u["name"]), u["email"])
        for u in seed_data.USERS
        if u["domain"] == seed_data.EXTRA_DOMAIN
    )
    assert sorted((r["name"], r["email"]) for r in rows.to_props()) == expected


def test_user_by_domain_id_where(query_conn: Any, seed_ids: dict[str, Any]) -> None:
    research = seed_ids["domains"]["research"]
    rows = UserQuery().select("name").where("==", "domain_id", value=research)
    names = sorted(r["name"] for r in rows.run(query_conn).to_props())
    assert names == sorted(
        str(u["name"]) for u in seed_data.USERS if u["domain"] == "research"
    )


def image_names(query: ImageQuery, conn: Any) -> list[str]:
    query.select("name").where("any_in", "name", values=SEEDED_IMAGES)
    return sorted(r["name"] for r in query.run(conn).to_props())


def test_images_by_date(query_conn: Any) -> None:
    older = image_names(
        ImageQuery().where("older_than", "created_at", days=400), query_conn
    )
    assert older == sorted(
        str(i["name"]) for i in seed_data.IMAGES if i["age_days"] > 400
    )
    younger = image_names(
        ImageQuery().where("younger_than", "created_at", days=100), query_conn
    )
    assert younger == sorted(
        str(i["name"]) for i in seed_data.IMAGES if i["age_days"] < 100
    )


def test_images_by_size(query_conn: Any) -> None:
    size = seed_data.IMAGE_BYTES
    exact = image_names(ImageQuery().where("any_in", "size", values=[size]), query_conn)
    assert exact == sorted(SEEDED_IMAGES)
    assert image_names(ImageQuery().where(">", "size", value=size), query_conn) == []
    assert image_names(ImageQuery().where("<", "size", value=size), query_conn) == []
    both = ImageQuery().where(">=", "size", value=size).where("<=", "size", value=size)
    assert image_names(both, query_conn) == sorted(SEEDED_IMAGES)


@pytest.mark.parametrize(
    ("preset", "prop", "value"),
    [
        (">", "ram", 2048),
        (">=", "ram", 2048),
        ("<", "ram", 2048),
        ("<=", "ram", 1024),
        (">", "disk", 20),
        ("<", "disk", 20),
        (">=", "vcpus", 2),
    ],
)
def test_flavor_comparisons(
    query_conn: Any, preset: str, prop: str, value: int
) -> None:
    ops = {
        ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b,
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
    }
    query = FlavorQuery().select("name", prop).where(preset, prop, value=value)
    query.where("any_in", "name", values=SEEDED_FLAVORS)
    got = sorted((r["name"], r[prop]) for r in query.run(query_conn).to_props())
    expected = sorted(
        (str(f["name"]), f[prop])
        for f in seed_data.FLAVORS
        if ops[preset](f[prop], value)
    )
    assert got == expected and got


@pytest.fixture
def changed_inventory(query_conn: Any) -> Iterator[dict[str, Any]]:
    """hv1's Placement inventory with MEMORY_MB at ratio 1.5 and DISK_GB at 2.0 and
    2 GB reserved (restored afterwards); yields the inventory set."""
    hv = next(
        h for h in query_conn.compute.hypervisors() if h.name.startswith("devcloud-hv1")
    )
    path = f"/resource_providers/{hv.id}/inventories"
    original = query_conn.placement.get(path, microversion="1.27").json()
    changed = json.loads(json.dumps(original))
    changed["inventories"]["MEMORY_MB"]["allocation_ratio"] = 1.5
    changed["inventories"]["DISK_GB"]["allocation_ratio"] = 2.0
    changed["inventories"]["DISK_GB"]["reserved"] = 2
    body = {
        "resource_provider_generation": original["resource_provider_generation"],
        "inventories": changed["inventories"],
    }
    response = query_conn.placement.put(path, json=body, microversion="1.27")
    assert response.status_code == 200, response.text
    try:
        yield {"hypervisor": hv, "inventories": changed["inventories"]}
    finally:
        current = query_conn.placement.get(path, microversion="1.27").json()
        query_conn.placement.put(
            path,
            json={
                "resource_provider_generation": current["resource_provider_generation"],
                "inventories": original["inventories"],
            },
            microversion="1.27",
        )


def test_hypervisor_capacity_honours_ratio_and_reserved(
    query_conn: Any, changed_inventory: dict[str, Any]
) -> None:
    hv = changed_inventory["hypervisor"]
    inv = changed_inventory["inventories"]
    usages = query_conn.placement.get(
        f"/resource_providers/{hv.id}/usages", microversion="1.27"
    ).json()["usages"]
    rows = (
        HypervisorQuery()
        .select_all()
        .where("==", "name", value=hv.name)
        .run(query_conn)
        .to_props()
    )
    assert len(rows) == 1
    row = rows[0]
    for rc, prefix in (
        ("VCPU", "vcpus"),
        ("MEMORY_MB", "memory_mb"),
        ("DISK_GB", "disk_gb"),
    ):
        total = int(
            (inv[rc]["total"] - inv[rc]["reserved"]) * inv[rc]["allocation_ratio"]
        )
        assert row[f"{prefix}_total"] == total, rc
        assert row[f"{prefix}_used"] == usages.get(rc, 0), rc
        assert row[f"{prefix}_free"] == total - usages.get(rc, 0), rc
    assert (
        inv["MEMORY_MB"]["allocation_ratio"] == 1.5 and inv["DISK_GB"]["reserved"] == 2
    )
    expected_servers = sum(
        1 for s in SEEDED_SERVERS.values() if s["host"] == "devcloud-hv1"
    )
    assert row["server_count"] >= expected_servers
    assert row["state"] == "up"


def test_disabled_hypervisor_reason(query_conn: Any) -> None:
    rows = (
        HypervisorQuery()
        .select("name", "status", "disabled_reason")
        .where("==", "status", value="disabled")
        .run(query_conn)
        .to_props()
    )
    assert [(r["name"].split(".")[0], r["disabled_reason"]) for r in rows] == [
        (seed_data.DISABLED_HOST, seed_data.DISABLED_REASON)
    ]


def test_then_on_a_grouped_query(query_conn: Any) -> None:
    users = (
        UserQuery()
        .select("name")
        .group_by("name")
        .run(query_conn, from_domain=seed_data.EXTRA_DOMAIN)
    )
    servers = (
        users.then("SERVER_QUERY").select("name").run(query_conn, all_projects=True)
    )
    got = sorted((r["name"], r["user.name"]) for r in servers.to_props())
    research = {str(u["name"]) for u in seed_data.USERS if u["domain"] == "research"}
    expected = sorted(
        (name, OPERATORS[str(s["project"])])
        for name, s in SEEDED_SERVERS.items()
        if OPERATORS[str(s["project"])] in research
    )
    assert got == expected and got


def test_a_second_select_adds_columns(query_conn: Any) -> None:
    query = ServerQuery().select("name").where("==", "name", value="web-old")
    query.select("status", "name", "flavor_id")
    rows = query.run(query_conn, all_projects=True).to_props()
    flavors = json.loads(SEED_FILE.read_text())["flavors"]
    assert rows == [
        {"name": "web-old", "status": "SHUTOFF", "flavor_id": flavors["m1.tiny"]}
    ]


def test_non_utc_timezone_same_answer(query_conn: Any) -> None:
    def answer() -> list[str]:
        query = ServerQuery().select("name").where("older_than", "created_at", days=190)
        return seeded_names(query.run(query_conn, all_projects=True).to_props())

    expected = sorted(n for n, s in SEEDED_SERVERS.items() if int(s["age_days"]) > 190)
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
    assert tokyo == answer() == expected


def test_search_workflow_server_by_property(query_conn: Any) -> None:
    rows = search.server_by_property(
        query_conn,
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
    text = search.server_by_property(
        query_conn, "status", ["SHUTOFF"], all_projects=True, output_type="to_string"
    )
    assert "legacy-db" in text and "web-old" in text and "web-01" not in text


def test_search_workflow_flavor_expression(query_conn: Any) -> None:
    rows = search.flavor_by_expression(
        query_conn,
        "ram",
        "greater_than",
        4096,
        ["name", "ram"],
        "to_props",
        None,
        ["ram"],
    )
    assert [r for r in rows if r["name"] in SEEDED_FLAVORS] == [
        {"name": str(f["name"]), "ram": f["ram"]}
        for f in seed_data.FLAVORS
        if int(f["ram"]) > 4096
    ]
