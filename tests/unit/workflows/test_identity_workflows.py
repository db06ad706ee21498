"""Role grants and group membership: idempotent, validated first, failures collected."""

from __future__ import annotations

from typing import Any

import pytest
from project_fakes import FakeConn

from pack_common import Failure, InputError
from workflows import identity


def test_grant_reports_held_roles_unchanged_and_grants_the_rest() -> None:
    conn = FakeConn()
    conn.held.add(("p-web", "u-alice", "r-member"))
    result = identity.project_add_users(
        conn, "web", ["alice", "u-bob"], "member", dry_run=False  # type: ignore[arg-type]
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
        identity.project_add_users(conn, dry_run=False, **args)  # type: ignore[arg-type]
    assert error.value.parameter == parameter
    assert conn.changed() == []


def test_revoke_not_held_is_unchanged() -> None:
    conn = FakeConn()
    result = identity.project_remove_users(
        conn, "web", ["bob"], "member", dry_run=False  # type: ignore[arg-type]
    )
    assert result["items"][0]["outcome"] == "unchanged" and conn.changed() == []


def test_group_grant_and_revoke() -> None:
    conn = FakeConn()
    added = identity.project_add_group(conn, "web", "ops", "manager", dry_run=False)  # type: ignore[arg-type]
    assert added["items"][0]["outcome"] == "done"
    removed = identity.project_remove_group(conn, "web", "ops", "manager", dry_run=False)  # type: ignore[arg-type]
    assert removed["items"][0]["outcome"] == "unchanged"  # the fake keeps no state


def test_membership_idempotent_and_failures_collected(monkeypatch: Any) -> None:
    conn = FakeConn()
    conn.members.add(("g-ops", "u-alice"))

    def broken(*_args: Any) -> bool:
        raise RuntimeError("keystone said no")

    monkeypatch.setattr(identity.identity, "add_to_group", broken)
    result = identity.group_add_users(conn, "ops", ["alice", "bob"], dry_run=False)  # type: ignore[arg-type]
    assert isinstance(result, Failure)
    outcomes = {i["user"]: i["outcome"] for i in result.result["items"]}
    assert outcomes == {"alice": "unchanged", "bob": "failed"}
    assert result.result["summary"].startswith("1 of 2 failed")
