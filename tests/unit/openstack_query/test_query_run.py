"""Running: one listing per type, pushdown, local re-check, scope, caching."""

from __future__ import annotations

from typing import Any

import pytest
from query_fakes import FakeConn, server

from openstack_query import (
    FlavorQuery,
    HypervisorQuery,
    ImageQuery,
    QueryError,
    ServerQuery,
    UserQuery,
)


def servers_conn() -> FakeConn:
    return FakeConn(
        servers=[
            server("s1", "web-1", "SHUTOFF", created="2020-01-01T00:00:00Z"),
            server("s2", "web-2", "ACTIVE", created="2020-01-02T00:00:00Z"),
            # a row the server "should" have filtered out: must not leak
            server("s3", "db-1", "ERROR", project="p2"),
        ],
        flavors=[{"id": "f-small", "name": "m1.small"}],
    )


def test_status_pushed_down_and_rechecked_locally() -> None:
    conn = servers_conn()
    q = ServerQuery().select("id").where("any_in", "status", values=["SHUTOFF"])
    rows = q.run(conn, all_projects=True).to_props()
    assert rows == [{"id": "s1"}]
    params = conn.params("compute.servers")
    assert params["status"] == "SHUTOFF" and params["all_projects"] is True
    assert params["limit"] == 1000


def test_many_values_one_listing_local_filter() -> None:
    conn = servers_conn()
    q = ServerQuery().select("id").where("in", "name", values=["web-1", "db-1", "x"])
    assert [r["id"] for r in q.run(conn).to_props()] == ["s1", "s3"]
    assert conn.names() == ["compute.servers"]
    assert "name" not in conn.params("compute.servers")


def test_multiple_statuses_sent_as_one_parameter() -> None:
    conn = servers_conn()
    ServerQuery().where("in", "status", values=["SHUTOFF", "ERROR"]).run(conn)
    assert conn.params("compute.servers")["status"] == ["SHUTOFF", "ERROR"]


def test_exact_name_regex_pushdown_only_for_plain_names() -> None:
    conn = servers_conn()
    ServerQuery().where("==", "name", value="web-1").run(conn)
    assert conn.params("compute.servers")["name"] == "^web-1$"
    conn = servers_conn()
    ServerQuery().where("==", "name", value="we(b)").run(conn)
    assert "name" not in conn.params("compute.servers")


def test_changes_since_for_younger_updated_and_deleted_dropped() -> None:
    conn = FakeConn(
        servers=[
            server("s1", "a", updated="2999-01-01T00:00:00Z"),
            server("s2", "b", "DELETED", updated="2999-01-01T00:00:00Z"),
        ]
    )
    q = ServerQuery().select("id").where("younger_than", "updated_at", days=1)
    assert q.run(conn).to_props() == [{"id": "s1"}]
    assert conn.params("compute.servers")["changes_since"].endswith("Z")


def test_admin_only_node_filter_needs_admin_scope() -> None:
    conn = servers_conn()
    ServerQuery().where("==", "hypervisor_name", value="hv1").run(conn)
    assert "node" not in conn.params("compute.servers")
    conn = servers_conn()
    ServerQuery().where("==", "hypervisor_name", value="hv1").run(conn, as_admin=True)
    assert conn.params("compute.servers")["node"] == "hv1"


def test_flavor_id_uses_one_flavor_listing_only_when_needed() -> None:
    conn = servers_conn()
    ServerQuery().select("name").run(conn)
    assert conn.names() == ["compute.servers"]
    conn = servers_conn()
    rows = ServerQuery().select("id", "flavor_id").run(conn).to_props()
    assert rows[0]["flavor_id"] == "f-small"
    assert conn.names() == ["compute.servers", "compute.flavors"]


def test_from_projects_and_all_projects_exclusive() -> None:
    with pytest.raises(QueryError, match="mutually exclusive"):
        ServerQuery().run(servers_conn(), all_projects=True, from_projects=["p1"])


def test_from_projects_by_name_one_listing_and_local_scope() -> None:
    conn = servers_conn()
    conn.data["projects"] = [
        {"id": "a" * 32, "name": "alpha"},
        {"id": "b" * 32, "name": "beta"},
    ]
    for body in conn.data["servers"]:
        body["tenant_id"] = "a" * 32 if body["id"] != "s3" else "b" * 32
    rows = ServerQuery().select("id").run(conn, from_projects=["alpha"]).to_props()
    assert rows == [{"id": "s1"}, {"id": "s2"}]
    params = conn.params("compute.servers")
    assert params["project_id"] == "a" * 32 and params["all_projects"] is True
    conn.calls.clear()
    rows = (
        ServerQuery().select("id").run(conn, from_projects=["alpha", "beta"]).to_props()
    )
    assert len(rows) == 3 and "project_id" not in conn.params("compute.servers")


def test_users_domain_pushdown_and_recheck() -> None:
    conn = FakeConn(
        users=[
            {"id": "u1", "name": "ann", "domain_id": "d1", "email": "ann@x"},
            {"id": "u2", "name": "bob", "domain_id": "d2", "email": "bob@x"},
        ],
        domains=[{"id": "d1", "name": "research"}],
    )
    rows = UserQuery().select("name").run(conn, from_domain="research").to_props()
    assert rows == [{"name": "ann"}]
    assert conn.params("identity.users") == {"domain_id": "d1"}


def test_flavor_ram_pushdown_is_a_superset() -> None:
    conn = FakeConn(
        flavors=[
            {"id": "1", "name": "a", "ram": 1024, "disk": 10},
            {"id": "2", "name": "b", "ram": 2048, "disk": 20},
            {"id": "3", "name": "c", "ram": 4096, "disk": 40},
        ]
    )
    q = FlavorQuery().select("name").where(">", "ram", value=1024)
    q.where("<=", "disk", value=20)
    assert q.run(conn).to_props() == [{"name": "b"}]
    params = conn.params("compute.flavors")
    assert params["min_ram"] == 1025 and params["is_public"] == "None"


def test_image_date_and_size_pushdown() -> None:
    conn = FakeConn(
        images=[
            {
                "id": "i1",
                "name": "old",
                "size": 100,
                "created_at": "2001-01-01T00:00:00Z",
            },
            {
                "id": "i2",
                "name": "new",
                "size": 100,
                "created_at": "2999-01-01T00:00:00Z",
            },
            {
                "id": "i3",
                "name": "big",
                "size": 10**9,
                "created_at": "2001-01-01T00:00:00Z",
            },
        ]
    )
    q = ImageQuery().select("name").where("older_than", "created_at", days=30)
    q.where("<", "size", value=1000)
    assert q.run(conn).to_props() == [{"name": "old"}]
    params = conn.params("image.images")
    assert params["created_at"].startswith("lte:") and params["size_max"] == 999
    assert params["visibility"] == "all"


def placement(path: str, params: dict[str, Any]) -> dict[str, Any]:
    """hv1 has free VCPU; hv2 is full on VCPU but has memory; hv3 is full."""
    summaries = {
        "VCPU:1": {"rp1": {"resources": {"VCPU": {"capacity": 64, "used": 2}}}},
        "MEMORY_MB:1": {
            "rp1": {"resources": {"VCPU": {"capacity": 64, "used": 2}}},
            "rp2": {
                "resources": {
                    "VCPU": {"capacity": 16, "used": 16},
                    "MEMORY_MB": {"capacity": 7680, "used": 1024},
                }
            },
        },
        "DISK_GB:1": {},
    }
    if path == "/allocation_candidates":
        return {
            "allocation_requests": [],
            "provider_summaries": summaries[params["resources"]],
        }
    if path == "/resource_providers/rp3/inventories":
        return {
            "inventories": {
                "VCPU": {"total": 8, "reserved": 0, "allocation_ratio": 2.0},
                "MEMORY_MB": {"total": 4096, "reserved": 512, "allocation_ratio": 1.0},
            }
        }
    if path == "/resource_providers/rp3/usages":
        return {"usages": {"VCPU": 16, "MEMORY_MB": 3584}}
    raise AssertionError(path)


def test_hypervisor_usage_constant_calls() -> None:
    conn = FakeConn(
        hypervisors=[
            {"id": "rp1", "hypervisor_hostname": "hv1", "state": "up"},
            {"id": "rp2", "hypervisor_hostname": "hv2", "state": "up"},
            {"id": "rp3", "hypervisor_hostname": "hv3", "state": "up"},
        ],
        placement=placement,
    )
    q = HypervisorQuery().select("name", "vcpus_total", "vcpus_free", "memory_mb_free")
    rows = q.run(conn).to_props()
    assert rows == [
        {"name": "hv1", "vcpus_total": 64, "vcpus_free": 62, "memory_mb_free": None},
        {"name": "hv2", "vcpus_total": 16, "vcpus_free": 0, "memory_mb_free": 6656},
        {"name": "hv3", "vcpus_total": 16, "vcpus_free": 0, "memory_mb_free": 0},
    ]
    assert conn.names().count("compute.hypervisors") == 1
    # three candidate requests + the one exhausted provider's inventories/usages
    assert len([n for n in conn.names() if n.startswith("placement")]) == 5


def test_every_output_shows_the_same_sorted_groups() -> None:
    conn = FakeConn(
        servers=[
            server("s1", "web-1", "SHUTOFF"),
            server("s2", "web-3", "ACTIVE"),
            server("s3", "web-2", "SHUTOFF"),
            server("s4", "db-1", "ACTIVE"),
        ]
    )
    q = ServerQuery().select("name").sort_by("name:desc").group_by("status")
    q.run(conn)
    expected = {"ACTIVE": ["web-3", "db-1"], "SHUTOFF": ["web-2", "web-1"]}
    props = q.to_props()
    assert isinstance(props, dict)
    assert {g: [r["name"] for r in rows] for g, rows in props.items()} == expected
    csv_rows = [line.split(",") for line in q.to_csv().splitlines()[1:]]
    assert [(g.strip('"'), n.strip('"')) for g, n in csv_rows] == [
        (g, n) for g, names in expected.items() for n in names
    ]
    text, html = q.to_string(), q.to_html()
    for page in (text, html):
        order = [page.index(n) for names in expected.values() for n in names]
        assert order == sorted(order), page
    assert conn.names() == ["compute.servers"]  # outputs list nothing again
    q.to_props()
    assert conn.names() == ["compute.servers"]
    # a sort added after outputs were made applies to every later output
    q2 = ServerQuery().select("name").group_by("status").run(conn)
    q2.to_props()
    assert q2.sort_by("name").to_props() == {
        "ACTIVE": [{"name": "db-1"}, {"name": "web-3"}],
        "SHUTOFF": [{"name": "web-1"}, {"name": "web-2"}],
    }


def test_max_rows_after_sorting() -> None:
    q = ServerQuery().select("name").sort_by(("name", "asc"))
    q.run(servers_conn(), max_rows=2)
    assert q.to_props() == [{"name": "db-1"}, {"name": "web-1"}]
    assert q.truncated == 1


def test_outputs_before_run_are_an_error() -> None:
    with pytest.raises(QueryError, match="run"):
        ServerQuery().to_props()


def test_unknown_domain_is_a_query_error() -> None:
    conn = FakeConn(domains=[{"id": "d1", "name": "research"}])
    with pytest.raises(QueryError, match="no domain 'nowhere'"):
        UserQuery().run(conn, from_domain="nowhere")
