"""project.delete guards: confirm, protected, immutable, not empty; purge plan order."""

from __future__ import annotations

import pytest
from project_fakes import FakeConn, res
from pytest_mock import MockerFixture

from openstack_api.projects import Inventory, Owned
from pack_common import Failure, InputError
from workflows import project, project_delete
from workflows.project_settings import ProjectSettings

SETTINGS = ProjectSettings.from_pack_config({"protected_projects": ["admin", "p-web"]})


@pytest.mark.parametrize(
    ("name", "confirm", "parameter", "match"),
    [
        ("data-x", "data", "confirm", "must equal"),
        ("admin", "admin", "project", "protected"),
        ("web", "web", "project", "protected"),  # protected by id
        ("frozen", "frozen", "project", "immutable"),
    ],
)
def test_guards_name_the_parameter(
    name: str, confirm: str, parameter: str, match: str
) -> None:
    ids = {"admin": "p-admin", "web": "p-web", "frozen": "p-frozen"}
    tags = ["immutable"] if name == "frozen" else []
    found = res(id=ids.get(name, "p-x"), name=name, tags=tags, options={})
    with pytest.raises(InputError, match=match) as error:
        project_delete.check_guards(found, confirm, SETTINGS)
    assert error.value.parameter == parameter


def test_keystone_immutable_option_counts_too() -> None:
    found = res(id="p1", name="x", tags=[], options={"immutable": True})
    with pytest.raises(InputError, match="immutable"):
        project_delete.check_guards(found, "x", SETTINGS)


def test_unknown_project_is_refused_before_anything() -> None:
    conn = FakeConn()
    with pytest.raises(InputError) as error:
        project.delete(conn, {}, "ghost", confirm="ghost", apply=True)  # type: ignore[arg-type]
    assert error.value.parameter == "project" and conn.changed() == []


def test_wrong_confirm_through_the_workflow_changes_nothing() -> None:
    conn = FakeConn()
    with pytest.raises(InputError) as error:
        project.delete(conn, {}, "web", confirm="WEB", apply=True)  # type: ignore[arg-type]
    assert error.value.parameter == "confirm" and conn.changed() == []


def inventory(**kinds: list[Owned]) -> Inventory:
    return Inventory(items=dict(kinds))


def test_refusal_lists_blocking_resources_only() -> None:
    inv = inventory(
        servers=[Owned("servers", "s1", "vm1", {"status": "ACTIVE"})],
        security_groups=[Owned("security_groups", "g1", "default")],
        networks=[],
    )
    refused = project_delete.refusal(inv)
    assert refused is not None
    assert "1 servers" in refused["error"] and "purge" in refused["error"]
    assert list(refused["owned"]) == ["servers"]
    assert project_delete.refusal(inventory(security_groups=[])) is None


def test_purge_plan_is_in_dependency_order() -> None:
    inv = inventory(
        networks=[Owned("networks", "n1", "net")],
        ports=[
            Owned("ports", "pt1", "", {"device_owner": "network:router_interface"}),
            Owned("ports", "pt2", "loose", {"device_owner": ""}),
            Owned("ports", "pt3", "", {"device_owner": "compute:nova"}),
        ],
        routers=[Owned("routers", "r1", "rtr")],
        servers=[Owned("servers", "s1", "vm")],
        floating_ips=[Owned("floating_ips", "f1", "203.0.113.5")],
        security_groups=[Owned("security_groups", "g1", "default")],
        rbac_policies=[Owned("rbac_policies", "rb1", "share")],
    )
    steps, final = project_delete.build_steps(
        FakeConn(), res(id="p1", name="x"), inv, purge=True  # type: ignore[arg-type]
    )
    assert [s.describe()["id"] for s in steps] == [
        "f1",
        "s1",
        "r1",
        "pt2",
        "n1",
        "g1",
        "rb1",
    ]
    assert final.action == "delete project"


def test_without_purge_only_config_resources_are_removed() -> None:
    inv = inventory(
        security_groups=[Owned("security_groups", "g1", "default")],
        rbac_policies=[Owned("rbac_policies", "rb1", "share")],
    )
    steps, _final = project_delete.build_steps(
        FakeConn(), res(id="p1", name="x"), inv, purge=False  # type: ignore[arg-type]
    )
    assert [s.action for s in steps] == ["delete security group", "delete rbac policy"]


def test_refused_delete_is_a_failure_with_the_list(mocker: MockerFixture) -> None:
    conn = FakeConn()
    inv = inventory(routers=[Owned("routers", "r1", "rtr")])
    read = mocker.patch.object(
        project.projects, "inventory", autospec=True, return_value=inv
    )
    result = project.delete(conn, {}, "web", confirm="web", apply=True)  # type: ignore[arg-type]
    assert isinstance(result, Failure)
    assert result.result["owned"]["routers"][0]["id"] == "r1"
    assert conn.changed() == []
    read.assert_called_once_with(conn, "p-web")


def test_project_with_children_is_refused_listing_them() -> None:
    conn = FakeConn()
    conn.projects.append(res(id="p-kid", name="kid", parent_id="p-web", tags=[]))
    with pytest.raises(InputError, match=r"kid \[p-kid\]") as error:
        project.delete(conn, {}, "web", confirm="web", apply=True)  # type: ignore[arg-type]
    assert error.value.parameter == "project" and conn.changed() == []
