"""image.share.to.project / image.unshare.from.project against the devcloud.

The test uploads its own private image as admin and shares it with the ordinary
user's project; the user's own connection must then see it (and not after unsharing).
"""

from __future__ import annotations

import pytest
from openstack.connection import Connection

pytest_plugins = ["os_fixtures_compute"]

RAW = bytes(64 * 1024)


def visible_to(conn: Connection, image_id: str) -> bool:
    return image_id in {i.id for i in conn.image.images()}


def test_share_accept_and_unshare_seen_from_the_other_project(
    run_action, admin_conn: Connection, user_conn: Connection, unique_name, cleanup
):
    image = admin_conn.image.create_image(
        allow_duplicates=True,
        name=unique_name("img"),
        disk_format="raw",
        container_format="bare",
        visibility="private",
        data=RAW,
    )
    cleanup(admin_conn.image.delete_image, image)
    project = user_conn.current_project_id
    assert not visible_to(user_conn, image.id)

    ok, plan = run_action("image.share.to.project", image=image.name, project=project)
    assert ok and plan["steps"] == [
        "set_visibility_shared",
        "add_member",
        "accept_membership",
    ]
    assert admin_conn.image.get_image(image.id).visibility == "private"

    ok, result = run_action(
        "image.share.to.project", image=image.id, project=project, apply=True
    )
    assert ok, result
    assert result["member_status"] == "accepted"
    assert visible_to(user_conn, image.id)

    ok, again = run_action(
        "image.share.to.project", image=image.name, project=project, apply=True
    )
    assert ok and again["steps"] == [] and again["changed"] is False

    ok, result = run_action(
        "image.unshare.from.project", image=image.name, project=project, apply=True
    )
    assert ok and result["done"] == ["remove_member"]
    assert not visible_to(user_conn, image.id)
    ok, again = run_action(
        "image.unshare.from.project", image=image.name, project=project, apply=True
    )
    assert ok and again["changed"] is False


def test_share_refusals_name_the_parameter(
    run_action, admin_conn: Connection, unique_name, cleanup
):
    public = admin_conn.image.create_image(
        allow_duplicates=True,
        name=unique_name("pub"),
        disk_format="raw",
        container_format="bare",
        visibility="public",
        data=RAW,
    ).id
    cleanup(admin_conn.image.delete_image, public)
    shared = admin_conn.image.create_image(
        allow_duplicates=True,
        name=unique_name("shr"),
        disk_format="raw",
        container_format="bare",
        visibility="shared",
        data=RAW,
    ).id
    cleanup(admin_conn.image.delete_image, shared)
    ok, result = run_action(
        "image.share.to.project", image=public, project="web-shop", apply=True
    )
    assert not ok and "parameter 'image'" in result["error"]
    ok, result = run_action(
        "image.share.to.project",
        image=shared,
        project="it-no-such-project",
        apply=True,
    )
    assert not ok and "parameter 'project'" in result["error"]
    ok, result = run_action(
        "image.unshare.from.project", image="it-no-such-image", project="web-shop"
    )
    assert not ok and "parameter 'image'" in result["error"]
    assert admin_conn.image.get_image(public).visibility == "public"
    assert list(admin_conn.image.members(shared)) == []


@pytest.mark.fault(9)
def test_share_reports_the_visibility_after_the_change(
    run_action, admin_conn: Connection, user_conn: Connection, unique_name, cleanup
):
    """A private image shared for real is reported ``shared`` (what Glance says
    now), with ``previous_visibility`` private; the dry run changed nothing and
    reports the current visibility."""
    image = admin_conn.image.create_image(
        allow_duplicates=True,
        name=unique_name("vis"),
        disk_format="raw",
        container_format="bare",
        visibility="private",
        data=RAW,
    )
    cleanup(admin_conn.image.delete_image, image)
    project = user_conn.current_project_id
    ok, plan = run_action("image.share.to.project", image=image.id, project=project)
    assert ok, plan
    assert plan["image"]["visibility"] == "private"
    assert "previous_visibility" not in plan["image"]
    ok, result = run_action(
        "image.share.to.project", image=image.id, project=project, apply=True
    )
    assert ok, result
    assert admin_conn.image.get_image(image.id).visibility == "shared"
    assert result["image"]["visibility"] == "shared"
    assert result["image"]["previous_visibility"] == "private"
    ok, again = run_action(
        "image.share.to.project", image=image.id, project=project, apply=True
    )
    assert ok and again["image"]["visibility"] == "shared"
    assert "previous_visibility" not in again["image"]
