"""image.share.to.project / image.unshare.from.project over the in-memory cloud."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from compute_fakes import FakeCloud

from pack_common import InputError
from workflows import image as wf


@pytest.fixture
def cloud():
    cloud = FakeCloud()
    cloud.projects += [
        SimpleNamespace(id="p-own", name="owner", domain_id="default"),
        SimpleNamespace(id="p-lab", name="labs", domain_id="default"),
    ]
    for iid, name, vis in [
        ("i-shared", "base", "shared"),
        ("i-private", "secret", "private"),
        ("i-public", "cirros", "public"),
    ]:
        cloud.images.append(
            SimpleNamespace(id=iid, name=name, owner="p-own", visibility=vis)
        )
    return cloud


def refused(cloud, parameter, call, *args, **kwargs):
    with pytest.raises(InputError) as error:
        call(cloud.conn, *args, **kwargs)
    assert error.value.parameter == parameter
    assert cloud.changes == []


def test_share_dry_run_plans_add_and_accept(cloud):
    result = wf.share_to_project(cloud.conn, "base", "labs")
    assert result["steps"] == ["add_member", "accept_membership"]
    assert cloud.changes == []


def test_share_adds_accepts_and_rerun_is_unchanged(cloud):
    result = wf.share_to_project(cloud.conn, "base", "p-lab", apply=True)
    assert result["member_status"] == "accepted" and result["changed"]
    again = wf.share_to_project(cloud.conn, "base", "labs", apply=True)
    assert again["steps"] == [] and again["changed"] is False
    assert [c[0] for c in cloud.changes] == ["add_member", "update_member"]


def test_share_pending_member_is_only_accepted(cloud):
    cloud.members["i-shared"] = {"p-lab": "pending"}
    result = wf.share_to_project(cloud.conn, "base", "labs", apply=True)
    assert result["done"] == ["accept_membership"]


def test_share_private_image_makes_it_shared_first(cloud):
    result = wf.share_to_project(cloud.conn, "secret", "labs", apply=True)
    assert result["done"][0] == "set_visibility_shared"
    assert cloud.changes[0] == ("update_image", "i-private", {"visibility": "shared"})


def test_share_public_image_is_refused(cloud):
    refused(cloud, "image", wf.share_to_project, "cirros", "labs", apply=True)


def test_share_unknown_image_or_project_is_refused(cloud):
    refused(cloud, "image", wf.share_to_project, "nope", "labs", apply=True)
    refused(cloud, "project", wf.share_to_project, "base", "nope", apply=True)


def test_share_with_the_owner_is_refused(cloud):
    refused(cloud, "project", wf.share_to_project, "base", "owner", apply=True)


def test_unshare_removes_and_rerun_is_unchanged(cloud):
    cloud.members["i-shared"] = {"p-lab": "accepted"}
    assert wf.unshare_from_project(cloud.conn, "base", "labs")["steps"] == [
        "remove_member"
    ]
    assert cloud.changes == []
    result = wf.unshare_from_project(cloud.conn, "base", "labs", apply=True)
    assert result["done"] == ["remove_member"]
    again = wf.unshare_from_project(cloud.conn, "base", "labs", apply=True)
    assert again["changed"] is False
    assert cloud.changes == [("remove_member", "i-shared", "p-lab")]
