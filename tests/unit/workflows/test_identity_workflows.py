"""Role grants and group membership: idempotent, validated first, failures collected."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from openstack import exceptions as sdk_exceptions
from project_fakes import FakeConn
from pytest_mock import MockerFixture

from pack_common import Failure, InputError
from workflows import identity


def test_grant_reports_held_roles_unchanged_and_grants_the_rest() -> None:
    conn = FakeConn()
    conn.held.add(("p-web", "u-alice", "r-member"))
    result = identity.project_add_users(
        conn, "web", ["alice", "u-bob"], "member", apply=True  # type: ignore[arg-type]
    )
    outcomes = {i["user"]: i["outcome"] for i in result["items"]}
    assert outcomes == {"alice": "unchanged", "bob": "done"}
    assert conn.changed() == ["identity.assign_project_role_to_user"]


def test_dry_run_changes_nothing() -> None:
    conn = FakeConn()
    result = identity.project_add_users(conn, "web", ["bob"], "member")  # type: ignore[arg-type]
    assert result["items"][0]["outcome"] == "would grant"
    assert conn.changed() == []


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"project": "ghost"}, "project"),
        ({"project": "data"}, "project"),  # ambiguous
        ({"role": "superuser"}, "role"),
        ({"users": ["alice", "ghost"]}, "users"),
        ({"users": []}, "users"),
    ],
)
def test_bad_inputs_name_the_parameter_and_change_nothing(
    kwargs: dict[str, Any], parameter: str
) -> None:
    conn = FakeConn()
    args = {"project": "web", "users": ["alice"], "role": "member", **kwargs}
    with pytest.raises(InputError) as error:
        identity.project_add_users(conn, apply=True, **args)  # type: ignore[arg-type]
    assert error.value.parameter == parameter
    assert conn.changed() == []


def test_revoke_not_held_is_unchanged() -> None:
    conn = FakeConn()
    result = identity.project_remove_users(
        conn, "web", ["bob"], "member", apply=True  # type: ignore[arg-type]
    )
    assert result["items"][0]["outcome"] == "unchanged" and conn.changed() == []


def test_group_grant_and_revoke() -> None:
    conn = FakeConn()
    added = identity.project_add_group(conn, "web", "ops", "manager", apply=True)  # type: ignore[arg-type]
    assert added["items"][0]["outcome"] == "done"
    removed = identity.project_remove_group(conn, "web", "ops", "manager", apply=True)  # type: ignore[arg-type]
    assert removed["items"][0]["outcome"] == "done"
    again = identity.project_remove_group(conn, "web", "ops", "manager", apply=True)  # type: ignore[arg-type]
    assert again["items"][0]["outcome"] == "unchanged"


def keystone_error(url: str, status: int) -> requests.Response:
    """Keystone's error answer, as requests hands it to openstacksdk."""
    response = requests.Response()
    response.status_code = status
    response.url = f"http://keystone.test/v3{url}"
    response.headers["Content-Type"] = "application/json"
    body = {"error": {"code": status, "message": "keystone said no"}}
    response._content = json.dumps(body).encode()
    return response


@pytest.mark.fault(2)
def test_a_refused_grant_is_a_failed_item_not_a_quiet_success() -> None:
    """openstacksdk's project role helpers read every non-204 as False: a 503 on the
    grant would have looked granted."""
    conn = FakeConn()
    conn.identity._reads["put"] = lambda url, **_: keystone_error(url, 503)
    result = identity.project_add_users(conn, "web", ["bob"], "member", apply=True)  # type: ignore[arg-type]
    assert isinstance(result, Failure), result
    item = result.result["items"][0]
    assert item["outcome"] == "failed" and "503" in item["error"], item
    assert conn.held == set()


@pytest.mark.fault(2)
def test_a_refused_role_check_fails_the_run_before_any_change() -> None:
    """A 403 on the check is not "does not hold it": the run stops (the entry point
    reports the 403 naming the account) and nothing is granted."""
    conn = FakeConn()
    conn.identity._reads["head"] = lambda url, **_: keystone_error(url, 403)
    with pytest.raises(sdk_exceptions.ForbiddenException):
        identity.project_add_users(conn, "web", ["bob"], "member", apply=True)  # type: ignore[arg-type]
    assert conn.changed() == []


def test_membership_idempotent_and_failures_collected(mocker: MockerFixture) -> None:
    conn = FakeConn()
    conn.members.add(("g-ops", "u-alice"))
    add = mocker.patch.object(
        identity.identity,
        "add_to_group",
        autospec=True,
        side_effect=RuntimeError("keystone said no"),
    )
    result = identity.group_add_users(conn, "ops", ["alice", "bob"], apply=True)  # type: ignore[arg-type]
    assert isinstance(result, Failure)
    outcomes = {i["user"]: i["outcome"] for i in result.result["items"]}
    assert outcomes == {"alice": "unchanged", "bob": "failed"}
    assert result.result["summary"].startswith("1 of 2 failed")
    add.assert_called_once_with(conn, "g-ops", "u-bob")  # alice is already a member


def _assignment(role: str, project: str, **actor: Any) -> Any:
    from types import SimpleNamespace

    return SimpleNamespace(
        role={"id": f"r-{role}", "name": role},
        scope={"project": {"id": f"p-{project}", "name": project}},
        user=actor.get("user"),
        group=actor.get("group"),
    )


def test_user_show_lists_direct_and_group_grants_without_implied_roles() -> None:
    from types import SimpleNamespace

    conn = FakeConn()
    alice = conn.users[0]
    alice.email, alice.is_enabled, alice.default_project_id = "a@x.org", True, None
    ops = {"id": "g-ops", "name": "ops"}
    direct = [
        _assignment("member", "web", user={"id": "u-alice"}),
        SimpleNamespace(role={"name": "admin"}, scope={"domain": {"id": "default"}}),
    ]
    through_group = [
        _assignment("reader", "web", group=ops),
        _assignment("member", "data", group=ops),
    ]
    queries: list[dict[str, Any]] = []

    def role_assignments(**query: Any) -> list[Any]:
        queries.append(query)
        return direct if "user_id" in query else through_group

    conn.identity._reads["role_assignments"] = role_assignments
    conn.identity._reads["user_groups"] = lambda _user: [conn.groups[0]]
    shown = identity.user_show(conn, "alice")  # type: ignore[arg-type]
    assert all("effective" not in q for q in queries)
    assert shown["groups"] == [{"id": "g-ops", "name": "ops"}]
    assert shown["projects"] == [
        {
            "id": "p-data",
            "name": "data",
            "roles": ["member"],
            "grants": [{"role": "member", "via": "group ops"}],
        },
        {
            "id": "p-web",
            "name": "web",
            "roles": ["member", "reader"],
            "grants": [
                {"role": "member", "via": "user"},
                {"role": "reader", "via": "group ops"},
            ],
        },
    ]
    assert conn.changed() == []
