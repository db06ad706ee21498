"""Seed Glance: images with tiny RAW data, one shared through image members."""

from __future__ import annotations

import time

import seed_data as data

from seedlib.context import SeedContext
from seedlib.identity import operator_connection


def _wait_active(conn, image_id: str, timeout: float = 60.0):
    """Re-read the image until it is active (create may return early)."""
    deadline = time.monotonic() + timeout
    while True:
        image = conn.image.get_image(image_id)
        if image.status == "active" or time.monotonic() > deadline:
            return image
        time.sleep(0.5)


def seed_images(ctx: SeedContext) -> None:
    """Create the images (as their owner project) and share the shared one."""
    projects = ctx.ids("projects")
    for spec in data.IMAGES:
        owner = spec["owner"]
        conn = ctx.admin if owner is None else operator_connection(ctx, str(owner))
        found = [
            image
            for image in ctx.admin.image.images(name=spec["name"])
            if owner is None or image.owner == projects[owner]
        ]
        if found:
            image = found[0]
        else:
            image = conn.image.create_image(
                allow_duplicates=True,
                name=spec["name"],
                disk_format="raw",
                container_format="bare",
                visibility=spec["visibility"],
                data=bytes(data.IMAGE_BYTES),
                **dict(spec["properties"]),
            )
        image = _wait_active(ctx.admin, image.id)
        ctx.ids("images")[spec["name"]] = image.id
        for member in spec.get("members", []):
            _share(ctx, conn, image.id, str(member))


def _share(ctx: SeedContext, owner_conn, image_id: str, project: str) -> None:
    """Add ``project`` as a member of the image and accept as that project."""
    project_id = ctx.ids("projects")[project]
    members = {m.member_id: m for m in owner_conn.image.members(image_id)}
    if project_id not in members:
        owner_conn.image.add_member(image_id, member=project_id)
    if members.get(project_id) is None or members[project_id].status != "accepted":
        operator_connection(ctx, project).image.update_member(
            project_id, image_id, status="accepted"
        )
