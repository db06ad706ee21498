"""Glance on the devcloud: upload, share to another project, visible there."""

from __future__ import annotations

import time

import pytest
from openstack import exceptions
from openstack.connection import Connection

DATA = bytes(range(256)) * 256  # 64 KiB of RAW bytes


def test_image_shared_to_another_project(
    admin_conn: Connection, user_conn: Connection, unique_name, cleanup
) -> None:
    image = admin_conn.image.create_image(
        allow_duplicates=True,
        name=unique_name("img"),
        disk_format="raw",
        container_format="bare",
        visibility="shared",
        data=DATA,
    )
    cleanup(admin_conn.image.delete_image, image)
    deadline = time.monotonic() + 60
    while (image := admin_conn.image.get_image(image.id)).status != "active":
        assert time.monotonic() < deadline, image.status
        time.sleep(0.5)
    assert image.size == len(DATA)

    with pytest.raises(exceptions.NotFoundException):
        user_conn.image.get_image(image.id)

    member_project = user_conn.current_project_id
    member = admin_conn.image.add_member(image, member=member_project)
    assert member.status == "pending"
    assert image.id not in {i.id for i in user_conn.image.images()}

    user_conn.image.update_member(member_project, image, status="accepted")
    assert admin_conn.image.get_member(member_project, image).status == "accepted"
    seen = user_conn.image.get_image(image.id)
    assert (seen.name, seen.owner) == (image.name, admin_conn.current_project_id)
    assert image.id in {i.id for i in user_conn.image.images()}
    assert (
        b"".join(user_conn.image.download_image(seen, stream=True).iter_content(65536))
        == DATA
    )
