"""Creates whose reply may have been lost, reconciled by a look-up.

A POST is sent once (``openstack_query.connect.IdempotentRetrySession``): when its
reply is lost (connection closed or reset after the request was sent, read timeout,
a 5xx from a proxy in front of the service) the service may or may not have carried
it out. ``create_or_find`` then looks the object up by what makes it unique in this
run (its name inside the new project, the project's name in its domain): found, it is
the created object and is not created again (no duplicate); not found, the create
failed and the error says so. Only a 4xx answer means "refused, nothing done", and
then nothing is looked up (a 409 must never adopt someone else's object).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TypeVar

from openstack import exceptions

LOG = logging.getLogger(__name__)

T = TypeVar("T")


class CreateUnconfirmed(RuntimeError):
    """A create whose reply was lost and whose outcome the look-up could not settle
    (the look-up failed, or found several candidates)."""


def refused(error: BaseException) -> bool:
    """Whether the service answered ``error`` with a 4xx: it refused the request and
    changed nothing (anything else may have been carried out)."""
    status = getattr(error, "status_code", None)
    return (
        isinstance(error, exceptions.HttpException)
        and isinstance(status, int)
        and 400 <= status < 500
    )


def describe(error: BaseException) -> str:
    """``Type: first line`` of an exception, for messages and notes."""
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0] if lines else ''}".rstrip(": ")


def create_or_find(
    create: Callable[[], T],
    find: Callable[[], Iterable[T]],
    what: str,
    notes: list[str] | None = None,
) -> T:
    """``create()``; when it fails without a 4xx, the one object ``find()`` returns.

    ``what`` names the object in messages (``"router 'p-router'"``). A reconciled
    create is logged and described in ``notes`` (the step reports it). Nothing found:
    the original error is raised (the create did not happen). The look-up failing,
    or finding several: ``CreateUnconfirmed`` saying both errors.
    """
    try:
        return create()
    except Exception as error:
        if refused(error):
            raise
        lost = describe(error)
        LOG.warning("%s: create failed (%s); looking it up by name", what, lost)
        try:
            found = list(find())
        except Exception as check:
            raise CreateUnconfirmed(
                f"{what}: the create failed ({lost}) and the look-up by name failed "
                f"too ({describe(check)}): it may exist"
            ) from error
        if not found:
            LOG.warning("%s: not found by name, so not created", what)
            raise
        if len(found) > 1:
            ids = ", ".join(str(getattr(f, "id", f)) for f in found)
            raise CreateUnconfirmed(
                f"{what}: the create failed ({lost}) and {len(found)} were found by "
                f"name ({ids})"
            ) from error
        created = found[0]
        note = (
            f"{what}: the reply was lost ({lost}); found "
            f"{getattr(created, 'id', created)} by name, not created again"
        )
        LOG.warning("%s", note)
        if notes is not None:
            notes.append(note)
        return created
