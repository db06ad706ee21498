"""Image sharing: make an image usable by another project, or stop sharing it.

Sharing adds the project as an image member and accepts the membership on its
behalf, so the image shows up in the project's image list at once. A private image
is switched to ``shared`` first (Glance refuses members on private images); public
and community images are visible to every project already and are refused.
"""

from __future__ import annotations

from typing import Any

from openstack.connection import Connection

from openstack_api import identity
from openstack_api import images as images_api
from pack_common import Failure, InputError

SHAREABLE = ("private", "shared")


def _refs(conn: Connection, image: str, project: str) -> tuple[Any, Any]:
    img = images_api.find_image(conn, "image", image)
    proj = identity.find_project(conn, project, "project")
    if img.owner == proj.id:
        raise InputError("project", f"{proj.name} owns image {img.name} already")
    return img, proj


def share_to_project(
    conn: Connection, image: str, project: str, apply: bool = False
) -> dict[str, Any] | Failure:
    """Share ``image`` with ``project`` and accept the membership for it.

    Steps (each only when needed, so a re-run changes nothing): set visibility
    ``shared`` on a private image, add the project as a member, accept it. The
    result's ``image.visibility`` is the image's visibility after the run (with
    ``previous_visibility`` when the run changed it); a dry run changes nothing,
    so it is the current one and ``steps`` says what would change.
    """
    dry_run = not apply  # nothing changes unless the operator ticks `apply`
    img, proj = _refs(conn, image, project)
    if img.visibility not in SHAREABLE:
        raise InputError(
            "image",
            f"{img.name} is {img.visibility}: every project sees it, nothing to share",
        )
    member = images_api.membership(conn, img, proj.id)
    steps: list[str] = []
    if img.visibility == "private":
        steps.append("set_visibility_shared")
    if member is None:
        steps.append("add_member")
    if member is None or member.status != images_api.ACCEPTED:
        steps.append("accept_membership")
    result: dict[str, Any] = {
        "dry_run": dry_run,
        "image": {"id": img.id, "name": img.name, "visibility": img.visibility},
        "project": {"id": proj.id, "name": proj.name},
        "member_status": member.status if member else None,
        "steps": steps,
        "changed": bool(steps) and not dry_run,
    }
    if dry_run or not steps:
        return result
    done: list[str] = []
    try:
        for step in steps:
            if step == "set_visibility_shared":
                visibility = images_api.set_visibility(conn, img.id, "shared")
                result["image"].update(
                    visibility=visibility, previous_visibility=img.visibility
                )
            elif step == "add_member":
                images_api.add_member(conn, img.id, proj.id)
            else:
                images_api.accept(conn, img.id, proj.id)
            done.append(step)
    except Exception as error:
        result.update(done=done, error=f"{step}: {error}")
        return Failure(result)
    fresh = images_api.find_image(conn, "image", img.id)
    now = images_api.membership(conn, fresh, proj.id)
    # What the image is now (Glance's answer), not what it was before the run.
    result["image"]["visibility"] = fresh.visibility
    result.update(done=done, member_status=now.status if now else None)
    return result


def unshare_from_project(
    conn: Connection, image: str, project: str, apply: bool = False
) -> dict[str, Any] | Failure:
    """Remove ``project``'s membership of ``image``; not a member = unchanged.

    Servers already booted from the image keep running; the project just no longer
    sees the image.
    """
    dry_run = not apply  # nothing changes unless the operator ticks `apply`
    img, proj = _refs(conn, image, project)
    member = images_api.membership(conn, img, proj.id)
    result: dict[str, Any] = {
        "dry_run": dry_run,
        "image": {"id": img.id, "name": img.name, "visibility": img.visibility},
        "project": {"id": proj.id, "name": proj.name},
        "member_status": member.status if member else None,
        "steps": ["remove_member"] if member else [],
        "changed": bool(member) and not dry_run,
    }
    if dry_run or member is None:
        return result
    try:
        images_api.remove_member(conn, img.id, proj.id)
    except Exception as error:
        result.update(changed=False, error=str(error))
        return Failure(result)
    result["done"] = ["remove_member"]
    return result
