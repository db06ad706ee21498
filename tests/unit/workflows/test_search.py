"""Search workflows: inputs validated first (InputError naming the parameter),
output types, and the YAML enums matching the library's properties."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml

from pack_common import InputError
from workflows import search
from workflows.search_support import searchable, selectable

ACTIONS = Path(__file__).resolve().parents[3] / "actions"
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "openstack_query"))
from query_fakes import FakeConn, server  # noqa: E402


def conn() -> FakeConn:
    return FakeConn(
        servers=[server("s1", "a", "SHUTOFF"), server("s2", "b", "ACTIVE")],
        flavors=[{"id": "f1", "name": "small", "ram": 2048}],
    )


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"property_to_search_by": "colour", "values": ["x"]}, "property_to_search_by"),
        (
            {"property_to_search_by": "created_at", "values": ["x"]},
            "property_to_search_by",
        ),
        ({"property_to_search_by": "status", "values": []}, "values"),
        (
            {"property_to_search_by": "status", "values": ["x"], "search_mode": "eq"},
            "search_mode",
        ),
        (
            {"property_to_search_by": "status", "values": ["x"], "output_type": "pdf"},
            "output_type",
        ),
        (
            {"property_to_search_by": "status", "values": ["x"], "max_rows": 0},
            "max_rows",
        ),
        (
            {"property_to_search_by": "status", "values": ["x"], "sort_by": ["x:up"]},
            "sort_by",
        ),
        (
            {"property_to_search_by": "status", "values": ["x"], "group_by": "nope"},
            "group_by",
        ),
        (
            {
                "property_to_search_by": "status",
                "values": ["x"],
                "all_projects": True,
                "from_projects": ["p1"],
            },
            "from_projects",
        ),
    ],
)
def test_invalid_inputs_name_the_parameter(kwargs: dict, parameter: str) -> None:
    fake = conn()
    with pytest.raises(InputError) as err:
        search.server_by_property(fake, **kwargs)
    assert err.value.parameter == parameter
    assert fake.calls == []  # validated before any API call


def test_datetime_and_expression_validation() -> None:
    with pytest.raises(InputError) as err:
        search.server_by_datetime(conn(), "created_at")
    assert err.value.parameter == "days"
    with pytest.raises(InputError) as err:
        search.flavor_by_expression(conn(), "ram", ">>", 1)
    assert err.value.parameter == "operator"
    with pytest.raises(InputError) as err:
        search.server_by_regex(conn(), "name", "(")
    assert err.value.parameter == "pattern"


@pytest.mark.parametrize("output_type", ["to_string", "to_html", "to_csv", "to_json"])
def test_text_outputs_are_strings(output_type: str) -> None:
    result = search.server_by_property(
        conn(),
        "status",
        ["SHUTOFF"],
        properties_to_select=["id"],
        output_type=output_type,
    )
    assert isinstance(result, str) and "s1" in result and "s2" not in result


def test_data_outputs_are_json_serialisable() -> None:
    rows = search.server_list(conn(), ["id", "status"], "to_props", "status", ["id"])
    assert rows == {
        "ACTIVE": [{"id": "s2", "status": "ACTIVE"}],
        "SHUTOFF": [{"id": "s1", "status": "SHUTOFF"}],
    }
    objects = search.server_list(conn(), output_type="to_objects")
    assert json.loads(json.dumps(objects))[0]["id"] == "s1"
    rows = search.flavor_by_expression(
        conn(), "ram", "greater_than_or_equal_to", 2048, ["name"], "to_props"
    )
    assert rows == [{"name": "small"}]


def test_action_yaml_enums_match_the_library() -> None:
    checked = 0
    for path in [
        *sorted(ACTIONS.glob("*.search.by.*.yaml")),
        ACTIONS / "server.list.yaml",
    ]:
        meta = yaml.safe_load(path.read_text())
        label = meta["name"].split(".")[0]
        type_name = {
            "server": "servers",
            "user": "users",
            "project": "projects",
            "flavor": "flavors",
            "image": "images",
            "hypervisor": "hypervisors",
        }[label]
        params = meta["parameters"]
        assert params["properties_to_select"]["items"]["enum"] == selectable(type_name)
        if "property_to_search_by" in params:
            kind = meta["name"].rsplit(".", 1)[1]
            assert params["property_to_search_by"]["enum"] == searchable(
                type_name, kind
            )
        checked += 1
    assert checked == 19


def test_to_objects_lists_once() -> None:
    """The bodies are kept while listing: no second listing for ``to_objects``."""
    fake = conn()
    objects = search.server_list(fake, output_type="to_objects")
    assert [o["id"] for o in objects] == ["s1", "s2"]
    listings = [c for c in fake.calls if "server" in str(c)]
    assert len(listings) == 1, fake.calls
