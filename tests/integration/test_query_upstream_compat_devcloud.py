"""Upstream openstackquery 1.3's documented usage examples (its docs/user_docs/
USAGE.md), run unchanged but for the import (``openstack_query.compat``) and the
cloud name, against the devcloud; every answer compared with what the
``openstack`` CLI (python-openstackclient, ``-f json``; see ``oracle_cli``) reports
on the same cloud. Also: queries by cloud name share one session, which survives
its token being revoked (401).

The cloud is shared with other tests: answers are restricted to seeded names, and
the CLI is asked after the query ran (a seeded server's status does not change).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import oracle_tables as tables
import pytest
from openstack.connection import Connection
from oracle_cli import OpenStackCLI, oracle_clouds_yaml

from openstack_query import connect
from openstack_query.compat import ServerQuery, UserQuery
from tools.devcloud import seed_data

CLOUD = "devcloud-admin"
CHECKOUT = Path(__file__).resolve().parents[2]
SEEDED_SERVERS = {str(s["name"]) for s in seed_data.SERVERS}
SEEDED_USERS = {str(u["name"]) for u in seed_data.USERS}


@pytest.fixture
def by_name(clouds: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The admin cloud's name, resolvable through the devcloud's clouds.yaml; the
    process's shared connections are forgotten before and after."""
    state = os.environ.get("OPENSTACK_OPS_DEVCLOUD_DIR") or str(CHECKOUT / ".devcloud")
    path = os.environ.get("OS_CLIENT_CONFIG_FILE") or str(Path(state) / "clouds.yaml")
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", path)
    connect.close_shared_connections()
    yield CLOUD
    connect.close_shared_connections()


@pytest.fixture(scope="module")
def cli(clouds: dict[str, Any]) -> OpenStackCLI:
    """The ``openstack`` CLI on the admin cloud; its answers are read once for
    this module (seeded servers keep their status and owner)."""
    del clouds  # checked: the devcloud answers and clouds.yaml has the admin cloud
    return OpenStackCLI(oracle_clouds_yaml(), CLOUD)


def cli_servers(cli: OpenStackCLI) -> list[dict[str, Any]]:
    """Every seeded server as the CLI reports it (all projects)."""
    return [s for s in tables.servers(cli) if s["name"] in SEEDED_SERVERS]


def cli_time(value: str) -> dt.datetime:
    when = tables.when(value)
    assert when is not None, value
    return when


def test_usage_servers_in_error_or_shutoff_grouped_by_project(
    cli: OpenStackCLI, by_name: str
) -> None:
    query = ServerQuery()
    query.select("name", "id")
    query.where("any_in", "status", values=["ERROR", "SHUTOFF"])
    query.run(by_name, as_admin=True, all_projects=True)
    query.group_by("project_id")
    text = query.to_string()
    groups = query.to_props()
    assert isinstance(groups, dict)
    got = {
        (project, row["name"], row["id"])
        for project, rows in groups.items()
        for row in rows
        if row["name"] in SEEDED_SERVERS
    }
    expected = {
        (s["project_id"], s["name"], s["id"])
        for s in cli_servers(cli)
        if s["status"] in ("ERROR", "SHUTOFF")
    }
    assert got == expected and expected
    assert all(name in text for _, name, _ in expected)


def test_usage_older_than_last_updated(cli: OpenStackCLI, by_name: str) -> None:
    query = ServerQuery()
    query.select("name", "id")
    query.where("any_in", "status", values=["ERROR", "SHUTOFF"])
    query.where("older_than", "SERVER_LAST_UPDATED_DATE", minutes=1)
    query.run(by_name, all_projects=True)
    query.group_by("id")
    groups = query.to_props()
    assert isinstance(groups, dict)
    limit = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    expected = {
        s["id"]
        for s in cli_servers(cli)
        if s["status"] in ("ERROR", "SHUTOFF") and cli_time(s["updated_at"]) < limit
    }
    got = {g for g, rows in groups.items() if rows[0]["name"] in SEEDED_SERVERS}
    assert got == expected


def test_usage_then_and_append_from(cli: OpenStackCLI, by_name: str) -> None:
    research = cli(f"domain show {seed_data.EXTRA_DOMAIN}")["id"]
    user_query = UserQuery()
    user_query.select("name", "email")
    user_query.where("equal_to", "domain_id", value=research)
    user_query.run(by_name)

    server_query = user_query.then("SERVER_QUERY", keep_previous_results=True)
    server_query.select("name", "id")
    server_query.run(by_name, all_projects=True)
    server_query.append_from("PROJECT_QUERY", by_name, ["name"])
    server_query.group_by("project_id")
    groups = server_query.to_props()
    assert isinstance(groups, dict)
    got = {
        (r["name"], r["user.name"], r["user.email"], r["project.name"])
        for rows in groups.values()
        for r in rows
        if r["name"] in SEEDED_SERVERS
    }
    users = {
        u["id"]: u
        for u in tables.users(cli)
        if u["domain_id"] == research and u["name"] in SEEDED_USERS
    }
    projects = {p["id"]: p["name"] for p in tables.projects(cli)}
    expected = {
        (s["name"], users[owner]["name"], users[owner]["email"], projects[project])
        for s in cli_servers(cli)
        if (owner := s["user_id"]) in users and (project := s["project_id"])
    }
    assert got == expected and expected


def test_usage_group_by_values_and_given_keys(cli: OpenStackCLI, by_name: str) -> None:
    servers = cli_servers(cli)
    query = ServerQuery().select("id", "name")
    query.where("any_in", "status", values=["ERROR", "SHUTOFF"])
    query.run(by_name, all_projects=True)
    query.group_by("status")
    by_status = query.to_props()
    assert isinstance(by_status, dict)
    for status in ("ERROR", "SHUTOFF"):
        got = {
            r["name"] for r in by_status.get(status, []) if r["name"] in SEEDED_SERVERS
        }
        assert got == {s["name"] for s in servers if s["status"] == status}

    shutoff_projects = sorted(
        {s["project_id"] for s in servers if s["status"] == "SHUTOFF"}
    )
    query.group_by("project_id", group_ranges={"group1": shutoff_projects})
    ranged = query.to_props()
    assert isinstance(ranged, dict) and set(ranged) == {"group1"}
    got = {r["name"] for r in ranged["group1"] if r["name"] in SEEDED_SERVERS}
    assert got == {
        s["name"]
        for s in servers
        if s["status"] in ("ERROR", "SHUTOFF") and s["project_id"] in shutoff_projects
    }


def test_per_owner_queries_share_one_session_that_survives_a_revoked_token(
    admin_conn: Connection, cli: OpenStackCLI, by_name: str
) -> None:
    owners = sorted({s["user_id"] for s in cli_servers(cli) if s["user_id"]})
    assert owners
    emails = {}
    for owner in owners:
        rows = UserQuery().select("id", "email").where("equal_to", "id", value=owner)
        emails.update({r["id"]: r["email"] for r in rows.run(by_name).to_props()})
    by_id = {u["id"]: u for u in tables.users(cli)}
    assert emails == {o: by_id[o]["email"] for o in owners}
    shared = connect.shared_connection(by_name)
    first_token = shared.session.get_token()
    # revoke the shared session's token: the next request gets a 401, and
    # keystoneauth authenticates again and repeats it
    admin_conn.identity.delete(
        "/auth/tokens", headers={"X-Subject-Token": first_token}
    ).raise_for_status()
    again = UserQuery().select("email").where("equal_to", "id", value=owners[0])
    assert again.run(by_name).to_props() == [{"email": emails[owners[0]]}]
    assert connect.shared_connection(by_name) is shared
    assert shared.session.get_token() != first_token
