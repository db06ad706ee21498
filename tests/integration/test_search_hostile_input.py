"""Hostile input to the search actions on the devcloud (issue 12): CSV formula
injection from a project description (item 6), ids given by name (item 1) and
numbers past what Python or the API can take (item 5), through the pack's entry
point as StackStorm runs it. Projects the tests create are named ``it-num-...`` and
deleted afterwards; the seeded estate is only read."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable
from typing import Any

import pytest
from openstack.connection import Connection

from tools.devcloud import seed_data

pytest_plugins = ["os_fixtures_compute"]

CALC = "=cmd|' /C calc'!A0"
RunAction = Callable[..., tuple[bool, Any]]


@pytest.mark.fault(6)
def test_project_description_formula_is_neutralised_in_csv(
    run_action: RunAction,
    admin_conn: Connection,
    unique_name: Callable[[str], str],
    cleanup: Callable[..., None],
) -> None:
    name = unique_name("num-csv")
    project = admin_conn.identity.create_project(
        name=name, domain_id="default", description=CALC
    )
    cleanup(admin_conn.identity.delete_project, project.id)
    ok, text = run_action(
        "project.search.by.property",
        property_to_search_by="name",
        values=[name, "web-shop"],
        properties_to_select=["name", "description"],
        sort_by=["name"],
        output_type="to_csv",
    )
    assert ok, text
    rows = list(csv.reader(io.StringIO(text)))
    web_shop = next(p for p in seed_data.PROJECTS if p["name"] == "web-shop")
    assert rows == [
        ["name", "description"],
        [name, f"'{CALC}"],
        ["web-shop", str(web_shop.get("description", ""))],
    ]
    assert f"\n{CALC}" not in text and f",{CALC}" not in text


@pytest.mark.fault(1)
def test_domain_id_given_the_domain_name_finds_the_domains_users(
    run_action: RunAction, admin_conn: Connection
) -> None:
    research = next(admin_conn.identity.domains(name=seed_data.EXTRA_DOMAIN))
    by_name = run_action(
        "user.search.by.property",
        property_to_search_by="domain_id",
        values=[seed_data.EXTRA_DOMAIN],
        properties_to_select=["name", "domain_id"],
        output_type="to_props",
    )
    by_id = run_action(
        "user.search.by.property",
        property_to_search_by="domain_id",
        values=[research.id],
        properties_to_select=["name", "domain_id"],
        output_type="to_props",
    )
    assert by_name[0] and by_name == by_id
    seeded = {u["name"] for u in seed_data.USERS if u.get("domain") == research.name}
    found = {r["name"] for r in by_name[1]}
    assert seeded and seeded <= found
    assert {r["domain_id"] for r in by_name[1]} == {research.id}

    ok, default_users = run_action(
        "user.search.by.property",
        property_to_search_by="domain_id",
        values=["Default"],
        output_type="to_props",
    )
    assert ok and default_users  # the report's command: no longer []


@pytest.mark.fault(1)
@pytest.mark.parametrize(
    ("action", "prop", "extra"),
    [
        ("user.search.by.property", "domain_id", {}),
        ("project.search.by.property", "domain_id", {}),
        ("server.search.by.property", "project_id", {"all_projects": True}),
        ("image.search.by.property", "owner", {}),
    ],
)
def test_a_name_that_names_nothing_fails_naming_values(
    run_action: RunAction,
    unique_name: Callable[[str], str],
    action: str,
    prop: str,
    extra: dict[str, Any],
) -> None:
    ghost = unique_name("num-ghost")
    ok, result = run_action(action, property_to_search_by=prop, values=[ghost], **extra)
    assert not ok, result
    assert result["error"].startswith("parameter 'values'"), result
    assert repr(ghost) in result["error"]


@pytest.mark.fault(1)
def test_project_id_given_the_project_name_finds_its_servers(
    run_action: RunAction, admin_conn: Connection
) -> None:
    web_shop = next(admin_conn.identity.projects(name="web-shop", domain_id="default"))
    results = [
        run_action(
            "server.search.by.property",
            property_to_search_by="project_id",
            values=[value],
            all_projects=True,
            properties_to_select=["name", "project_id"],
            sort_by=["name"],
            output_type="to_props",
        )
        for value in ("web-shop", web_shop.id)
    ]
    assert results[0][0] and results[0] == results[1]
    seeded = sorted(
        str(s["name"]) for s in seed_data.SERVERS if s["project"] == "web-shop"
    )
    assert [r["name"] for r in results[0][1] if r["name"] in seeded] == seeded


@pytest.mark.fault(5)
@pytest.mark.parametrize(
    ("action", "params", "parameter"),
    [
        (
            "server.search.by.datetime",
            {"property_to_search_by": "created_at", "days": 10**12},
            "days",
        ),
        (
            "server.search.by.datetime",
            {"property_to_search_by": "created_at", "seconds": 10**20},
            "seconds",
        ),
        (
            "flavor.search.by.expression",
            {
                "property_to_search_by": "ram",
                "operator": "greater_than",
                "value": math.nan,
            },
            "value",
        ),
        (
            "email.users.with.shutoff.vms",
            {"days_threshold": 10**20},
            "days_threshold",
        ),
        ("server.list", {"max_rows": True}, "max_rows"),
    ],
)
def test_numbers_past_the_bounds_fail_naming_the_parameter(
    run_action: RunAction, action: str, params: dict[str, Any], parameter: str
) -> None:
    ok, result = run_action(action, **params)
    assert not ok, result
    assert result["error"].startswith(f"parameter '{parameter}'"), result
    assert "exception" not in json.dumps(result), result
