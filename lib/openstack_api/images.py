"""Glance images: look-up by name or id and sharing with other projects (members).

Sharing is two-sided in Glance: the owner adds the consumer project as a member
(status ``pending``), then the consumer accepts. An admin may set the member status
too, so the pack does both halves with its admin connection.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openstack.connection import Connection

from openstack_api.connection import image_v2
from openstack_api.lookup import find_one, not_found_as_none

ACCEPTED = "accepted"


def find_image(conn: Connection, parameter: str, identifier: str) -> Any:
    """The image ``identifier`` names (id or exact name, any visibility)."""
    return find_one(
        parameter,
        identifier,
        "image",
        not_found_as_none(image_v2(conn).get_image),
        lambda name: image_v2(conn).images(name=name, visibility="all"),
        describe=lambda i: f"owner {i.owner}, {i.visibility}",
    )


@dataclass(frozen=True)
class Membership:
    """One project's membership of an image."""

    project_id: str
    status: str


def membership(conn: Connection, image: Any, project_id: str) -> Membership | None:
    """The project's membership of the image, None when it is not a member.

    Only ``shared`` images have members (Glance answers 403 for the others).
    """
    if image.visibility != "shared":
        return None
    for member in image_v2(conn).members(image.id):
        if member.member_id == project_id:
            return Membership(project_id, member.status)
    return None


def set_visibility(conn: Connection, image_id: str, visibility: str) -> str:
    """Change the image's visibility (e.g. private -> shared before adding members);
    the visibility Glance reports afterwards."""
    updated = image_v2(conn).update_image(image_id, visibility=visibility)
    return str(getattr(updated, "visibility", None) or visibility)


def add_member(conn: Connection, image_id: str, project_id: str) -> None:
    """Add ``project_id`` as a member (Glance sets it ``pending``)."""
    image_v2(conn).add_member(image_id, member=project_id)


def accept(conn: Connection, image_id: str, project_id: str) -> None:
    """Mark the membership accepted (an admin may do it for the member)."""
    image_v2(conn).update_member(project_id, image_id, status=ACCEPTED)


def remove_member(conn: Connection, image_id: str, project_id: str) -> None:
    """Remove the project's membership."""
    image_v2(conn).remove_member(project_id, image_id, ignore_missing=False)
