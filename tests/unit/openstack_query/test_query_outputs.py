"""Selection, sorting, grouping and every output format."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from query_fakes import FakeConn, server

from openstack_query import QueryError, ServerQuery, UnknownPropertyError


def conn() -> FakeConn:
    return FakeConn(
        servers=[
            server(
                "s1", "b<script>", "SHUTOFF", user="u2", created="2021-01-01T00:00:00Z"
            ),
            server("s2", "a", "ACTIVE", user="u1", created="2021-01-03T00:00:00+02:00"),
            server("s3", "c", "SHUTOFF", user="u1", created="2021-01-02T00:00:00Z"),
            server("s4", "d", "ERROR", user="u3", created="2021-01-02T00:00:00Z"),
        ]
    )


def test_select_is_additive_and_ordered() -> None:
    q = ServerQuery().select("status", "server_name").select("id", "status")
    assert q.columns() == ["status", "name", "id"]
    rows = q.run(conn()).to_props()
    assert list(rows[0]) == ["status", "name", "id"]


def test_select_after_run_adds_columns() -> None:
    q = ServerQuery().select("id").run(conn())
    q.select("name")
    assert q.to_props()[0] == {"id": "s1", "name": "b<script>"}


def test_default_and_select_all() -> None:
    q = ServerQuery()
    assert q.columns()[:3] == ["id", "name", "status"]
    assert "metadata" in ServerQuery().select_all().columns()


def test_unknown_property_in_select_and_sort() -> None:
    with pytest.raises(UnknownPropertyError):
        ServerQuery().select("nope")
    with pytest.raises(UnknownPropertyError):
        ServerQuery().sort_by("nope")
    with pytest.raises(QueryError, match="asc or desc"):
        ServerQuery().sort_by(("name", "sideways"))


def test_multi_key_sort_stable_and_dates_by_instant() -> None:
    q = ServerQuery().select("id").sort_by(("status", "desc"), "created_at").run(conn())
    # SHUTOFF (s1 older, s3), ERROR, ACTIVE
    assert [r["id"] for r in q.to_props()] == ["s1", "s3", "s4", "s2"]
    # s2 is 2021-01-02T22:00Z, after s3/s4 (2021-01-02T00:00Z); s3 before s4 (stable)
    q = ServerQuery().select("id").sort_by("created_at:desc").run(conn())
    assert [r["id"] for r in q.to_props()] == ["s2", "s3", "s4", "s1"]


def test_group_by_value_and_ranges() -> None:
    q = ServerQuery().select("id").group_by("user_id").run(conn())
    assert q.to_props() == {
        "u1": [{"id": "s2"}, {"id": "s3"}],
        "u2": [{"id": "s1"}],
        "u3": [{"id": "s4"}],
    }
    q = (
        ServerQuery()
        .select("id")
        .group_by("status", ranges={"off": ["SHUTOFF"], "bad": ["ERROR", "DELETED"]})
    )
    q.run(conn())
    assert q.to_props() == {
        "off": [{"id": "s1"}, {"id": "s3"}],
        "bad": [{"id": "s4"}],
        "ungrouped": [{"id": "s2"}],
    }
    q.group_by("status", ranges={"off": ["SHUTOFF"]}, include_ungrouped=False)
    assert q.to_props() == {"off": [{"id": "s1"}, {"id": "s3"}]}
    assert q.to_props(groups=["off"], flatten=True) == {"off": {"id": ["s1", "s3"]}}
    with pytest.raises(QueryError, match="unknown group"):
        q.to_props(groups=["nope"])
    with pytest.raises(QueryError, match="both ranges"):
        ServerQuery().group_by("status", ranges={"a": ["X"], "b": ["X"]})


def test_flatten() -> None:
    q = ServerQuery().select("id", "status").sort_by("id").run(conn())
    assert q.to_props(flatten=True) == {
        "id": ["s1", "s2", "s3", "s4"],
        "status": ["SHUTOFF", "ACTIVE", "SHUTOFF", "ERROR"],
    }


def test_to_string_and_group_titles() -> None:
    q = ServerQuery().select("id", "name").sort_by("id").run(conn())
    text = q.to_string(title="Servers")
    assert text.startswith("Servers\n") and "| s1   | b<script> |" in text
    q.group_by("status")
    text = q.to_string()
    assert "status: SHUTOFF (2)" in text and "status: ACTIVE (1)" in text
    assert "status: SHUTOFF" not in q.to_string(include_group_titles=False)
    assert q.to_string(tablefmt="plain", groups=["ERROR"]) == (
        "status: ERROR (1)\n\nid    name\ns4    d\n"
    )


def test_to_html_escapes_everything() -> None:
    q = ServerQuery().select("name").where("==", "id", value="s1").run(conn())
    page = q.to_html(title="<Report & co>")
    assert "<h3>&lt;Report &amp; co&gt;</h3>" in page
    assert ">b&lt;script&gt;</td>" in page and "<script>" not in page


def test_to_csv_string_and_file(tmp_path: Path) -> None:
    q = ServerQuery().select("id", "addresses").sort_by("id").run(conn())
    text = q.to_csv(path=tmp_path / "out.csv")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["id", "addresses"] and rows[1][0] == "s1"
    assert json.loads(rows[1][1])["net1"][0]["version"] == 4
    assert (tmp_path / "out.csv").read_text() == text
    q.group_by("status")
    assert next(csv.reader(io.StringIO(q.to_csv()))) == ["group", "id", "addresses"]


def test_to_json() -> None:
    q = ServerQuery().select("id").sort_by("id").run(conn())
    assert q.to_json() == '[{"id":"s1"},{"id":"s2"},{"id":"s3"},{"id":"s4"}]'
    assert json.loads(q.to_json(pretty=True)) == json.loads(q.to_json())


def test_to_objects_are_sdk_resources() -> None:
    q = ServerQuery().where("==", "id", value="s3").run(conn())
    (obj,) = q.to_objects()
    assert obj.id == "s3" and obj.name == "c"


def test_empty_results_render() -> None:
    q = ServerQuery().select("id").where("==", "status", value="BUILD").run(conn())
    assert q.to_props() == [] and "(no results)" in q.to_string()
    assert q.to_csv() == "id\n"
