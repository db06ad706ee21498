"""Role grants, group membership and user.show against the local cloud.

Grants go to a project and a group each test creates; seeded users are only granted
roles on that test project (removed with it) and added to the test group.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from openstack.connection import Connection
from os_fixtures_projects import Act, failed, succeeded

pytest_plugins = ["os_fixtures_projects"]


@pytest.fixture
def scratch_project(
    act: Act, unique_name: Callable[[str], str], project_scrubber: Callable[[str], str]
) -> dict[str, str]:
    """A new empty project: {"id", "name"}."""
    name = project_scrubber(unique_name("roles"))
    result = succeeded(act("project.create", name=name, apply=True))
    return {"id": result["project_id"], "name": name}


@pytest.fixture
def scratch_group(
    admin_conn: Connection,
    unique_name: Callable[[str], str],
    cleanup: Callable[..., None],
) -> Any:
    group = admin_conn.identity.create_group(
        name=unique_name("grp"), domain_id="default"
    )
    cleanup(admin_conn.identity.delete_group, group.id)
    return group


def outcomes(result: dict[str, Any], key: str = "user") -> dict[str, str]:
    return {item[key]: item["outcome"] for item in result["items"]}


def test_grant_by_name_and_id_is_idempotent_and_revocable(
    act: Act, admin_conn: Connection, seed: dict[str, Any], scratch_project: dict
) -> None:
    pid = scratch_project["id"]
    alice, bob = seed["users"]["alice"], seed["users"]["bob"]
    params = {"project": scratch_project["name"], "role": "member"}

    dry = succeeded(act("project.add.user.with.role", users=["alice", bob], **params))
    assert outcomes(dry) == {"alice": "would grant", "bob": "would grant"}
    assert not admin_conn.identity.validate_user_has_project_role(
        pid, alice, _role(admin_conn)
    )

    done = succeeded(
        act("project.add.user.with.role", users=["alice", bob], apply=True, **params)
    )
    assert outcomes(done) == {"alice": "done", "bob": "done"}
    role = _role(admin_conn)
    assert admin_conn.identity.validate_user_has_project_role(pid, alice, role)
    assert admin_conn.identity.validate_user_has_project_role(pid, bob, role)

    again = succeeded(
        act(
            "project.add.user.with.role",
            project=pid,
            role=role,
            users=[alice, "bob"],
            apply=True,
        )
    )
    assert outcomes(again) == {"alice": "unchanged", "bob": "unchanged"}

    shown = succeeded(act("user.show", user="alice"))
    mine = next(p for p in shown["projects"] if p["id"] == pid)
    assert mine["roles"] == ["member"]
    assert mine["grants"] == [{"role": "member", "via": "user"}]

    removed = succeeded(
        act("project.remove.user.role", users=["alice"], apply=True, **params)
    )
    assert outcomes(removed) == {"alice": "done"}
    assert not admin_conn.identity.validate_user_has_project_role(pid, alice, role)
    assert admin_conn.identity.validate_user_has_project_role(pid, bob, role)
    twice = succeeded(
        act("project.remove.user.role", users=["alice"], apply=True, **params)
    )
    assert outcomes(twice) == {"alice": "unchanged"}


def _role(conn: Connection, name: str = "member") -> str:
    return next(conn.identity.roles(name=name)).id


def test_unknown_user_in_the_list_changes_nothing(
    act: Act, admin_conn: Connection, seed: dict[str, Any], scratch_project: dict
) -> None:
    result = failed(
        act(
            "project.add.user.with.role",
            project=scratch_project["id"],
            users=["alice", "no-such-user-xyz"],
            role="member",
            apply=True,
        )
    )
    assert result["error"].startswith("parameter 'users'")
    assert not admin_conn.identity.validate_user_has_project_role(
        scratch_project["id"], seed["users"]["alice"], _role(admin_conn)
    )


def test_group_role_grant_and_revoke(
    act: Act, admin_conn: Connection, scratch_project: dict, scratch_group: Any
) -> None:
    pid, role = scratch_project["id"], _role(admin_conn, "reader")
    params = {"project": pid, "group": scratch_group.name, "role": "reader"}
    done = succeeded(act("project.add.group.with.role", apply=True, **params))
    assert outcomes(done, "group") == {scratch_group.name: "done"}
    assert admin_conn.identity.validate_group_has_project_role(
        pid, scratch_group.id, role
    )
    again = succeeded(act("project.add.group.with.role", apply=True, **params))
    assert outcomes(again, "group") == {scratch_group.name: "unchanged"}
    shown = succeeded(act("project.show", project=pid))
    assert {
        "type": "group",
        "name": scratch_group.name,
        "roles": ["reader"],
    }.items() <= (next(m for m in shown["members"] if m["type"] == "group").items())
    succeeded(act("group.add.users", group=scratch_group.id, users=["bob"], apply=True))
    bob = next(
        p for p in succeeded(act("user.show", user="bob"))["projects"] if p["id"] == pid
    )
    assert bob["grants"] == [{"role": "reader", "via": f"group {scratch_group.name}"}]
    gone = succeeded(act("project.remove.group.role", apply=True, **params))
    assert outcomes(gone, "group") == {scratch_group.name: "done"}
    assert not admin_conn.identity.validate_group_has_project_role(
        pid, scratch_group.id, role
    )


def test_group_membership_add_and_remove(
    act: Act, admin_conn: Connection, seed: dict[str, Any], scratch_group: Any
) -> None:
    carol = seed["users"]["carol"]
    params = {"group": scratch_group.id, "users": ["carol", seed["users"]["dave"]]}
    dry = succeeded(act("group.add.users", **params))
    assert set(outcomes(dry).values()) == {"would add"}
    assert not admin_conn.identity.check_user_in_group(carol, scratch_group.id)

    done = succeeded(act("group.add.users", apply=True, **params))
    assert outcomes(done) == {"carol": "done", "dave": "done"}
    assert admin_conn.identity.check_user_in_group(carol, scratch_group.id)
    again = succeeded(act("group.add.users", apply=True, **params))
    assert set(outcomes(again).values()) == {"unchanged"}

    shown = succeeded(act("user.show", user=carol))
    assert scratch_group.name in [g["name"] for g in shown["groups"]]

    removed = succeeded(
        act(
            "group.remove.users",
            group=scratch_group.name,
            users=["carol"],
            apply=True,
        )
    )
    assert outcomes(removed) == {"carol": "done"}
    assert not admin_conn.identity.check_user_in_group(carol, scratch_group.id)


def test_user_show_of_a_seeded_user(act: Act, seed: dict[str, Any]) -> None:
    shown = succeeded(act("user.show", user="frank"))
    roles = {p["name"]: p["roles"] for p in shown["projects"]}
    assert "member" in roles["billing-core"] and "member" in roles["legacy-apps"]
    assert shown["user"]["id"] == seed["users"]["frank"]
