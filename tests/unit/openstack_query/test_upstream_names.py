"""Every name upstream openstackquery 1.3 accepts is accepted with the same meaning;
the README's table is the one ``openstack_query.upstream`` generates."""

from __future__ import annotations

from pathlib import Path

import pytest
from query_fakes import FakeConn, server

from openstack_query import Query, ServerQuery, compat, resolve_type
from openstack_query.presets import Preset, resolve_preset
from openstack_query.resources import UPSTREAM_CONFLICTS
from openstack_query.upstream import (
    PRESETS,
    PROPERTIES,
    QUERY_TYPES,
    markdown_table,
    upstream_names,
)

README = Path(__file__).resolve().parents[3] / "lib" / "openstack_query" / "README.md"

COMPAT = {
    "servers": compat.ServerQuery,
    "users": compat.UserQuery,
    "projects": compat.ProjectQuery,
    "flavors": compat.FlavorQuery,
    "images": compat.ImageQuery,
    "hypervisors": compat.HypervisorQuery,
    "aggregates": compat.AggregateQuery,
}

CASES = [
    (type_name, name, ours)
    for type_name in PROPERTIES
    for name, ours in upstream_names(type_name).items()
]


@pytest.mark.parametrize(("type_name", "name", "ours"), CASES)
def test_compat_query_reads_every_upstream_property_name(
    type_name: str, name: str, ours: str
) -> None:
    for spelling in (name, name.upper()):
        query = COMPAT[type_name]().select(spelling)
        assert query.columns() == [ours]
        query.sort_by(spelling).group_by(spelling)


@pytest.mark.parametrize(("type_name", "name", "ours"), CASES)
def test_plain_query_agrees_except_documented_conflicts(
    type_name: str, name: str, ours: str
) -> None:
    column = Query(type_name).select(name).columns()[0]
    if name in UPSTREAM_CONFLICTS[type_name]:
        assert column != ours
    else:
        assert column == ours


def test_conflicts_are_exactly_the_documented_three() -> None:
    assert {t: c for t, c in UPSTREAM_CONFLICTS.items() if c} == {
        "servers": {"addresses": "ips"},
        "hypervisors": {"uptime": "uptime_days"},
        "aggregates": {"id": "uuid", "aggregate_id": "uuid"},
    }


@pytest.mark.parametrize(
    ("ours", "name"), [(p, n) for p, names in PRESETS.items() for n in names]
)
def test_every_upstream_preset_name(ours: str, name: str) -> None:
    assert resolve_preset(name) is Preset(ours)
    assert resolve_preset(name.upper()) is Preset(ours)


@pytest.mark.parametrize(
    ("ours", "name"), [(t, n) for t, names in QUERY_TYPES.items() for n in names]
)
def test_every_upstream_query_type_name(ours: str, name: str) -> None:
    assert resolve_type(name).name == ours


def test_upstream_meanings_of_conflicting_names() -> None:
    body = server("s1", "web-1")
    body["addresses"] = {
        "net1": [{"addr": "10.0.0.1"}, {"addr": "fd00::1"}],
        "net2": [{"addr": "192.168.1.5"}],
    }
    conn = FakeConn(servers=[body])
    upstream = compat.ServerQuery().select("addresses").run(conn).to_props()
    assert upstream == [{"ips": "10.0.0.1, fd00::1, 192.168.1.5"}]
    ours = ServerQuery().select("addresses").run(conn).to_props()
    assert ours == [{"addresses": body["addresses"]}]

    hv = {
        "id": "h1",
        "hypervisor_hostname": "hv1",
        "uptime": " 10:00:00 up 3 days,  6:00,  0 users,  load average: 0.1",
    }
    rows = compat.HypervisorQuery().select("uptime").run(FakeConn(hypervisors=[hv]))
    assert rows.to_props() == [{"uptime_days": 3.25}]

    agg = {"id": 7, "uuid": "agg-uuid", "name": "a", "metadata": {"gpunum": "4"}}
    rows = (
        compat.AggregateQuery().select("id", "gpunum").run(FakeConn(aggregates=[agg]))
    )
    assert rows.to_props() == [{"uuid": "agg-uuid", "gpunum": 4}]


def test_regex_pattern_as_upstream_value_argument() -> None:
    conn = FakeConn(servers=[server("s1", "web-1"), server("s2", "db-1")])
    rows = ServerQuery().select("name").where("re", "vm_name", value="^web")
    assert rows.run(conn).to_props() == [{"name": "web-1"}]


def test_group_ranges_upstream_spelling_leaves_ungrouped_out() -> None:
    conn = FakeConn(
        servers=[
            server("s1", "a", project="p1"),
            server("s2", "b", project="p2"),
            server("s3", "c", project="p3"),
        ]
    )
    q = ServerQuery().select("name").run(conn)
    q.group_by("project_id", group_ranges={"g1": ["p1", "p2"]})
    assert q.to_props() == {"g1": [{"name": "a"}, {"name": "b"}]}
    q.group_by("project_id", {"g1": ["p1", "p2"]})
    assert set(q.to_props()) == {"g1", "ungrouped"}


def test_then_keeps_upstream_names() -> None:
    conn = FakeConn(
        users=[{"id": "u1", "name": "ann", "email_address": None}],
        servers=[server("s1", "web-1", user="u1")],
    )
    users = compat.UserQuery().select("username").run(conn)
    servers = users.then("vms").select("addresses").run(conn)
    assert servers.columns() == ["ips", "user.name"]


def test_readme_table_is_generated() -> None:
    text = README.read_text()
    start = text.index("-->\n", text.index("<!-- upstream-table:start")) + 4
    end = text.index("<!-- upstream-table:end -->")
    assert text[start:end] == markdown_table()
