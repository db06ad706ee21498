"""Accept either an openstacksdk connection or a cloud name (clouds.yaml)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import openstack
from openstack import exceptions as sdk_exceptions

from openstack_query.errors import QueryError


def is_connection(value: Any) -> bool:
    """Whether ``value`` looks like an openstacksdk connection (duck-typed so tests
    and wrappers work)."""
    return hasattr(value, "compute") and hasattr(value, "identity")


@contextmanager
def connection(cloud: Any) -> Iterator[Any]:
    """Yield a connection for ``cloud``; one opened from a name is closed after."""
    if is_connection(cloud):
        yield cloud
        return
    if not isinstance(cloud, str) or not cloud:
        raise QueryError(
            "run() needs an openstacksdk connection or a cloud name from clouds.yaml, "
            f"got {cloud!r}"
        )
    try:
        # Retry a request dropped on a closing keep-alive connection (see the
        # pack's openstack_api.connection.CONNECT_RETRIES).
        conn = openstack.connect(cloud=cloud, connect_retries=2)
    except sdk_exceptions.SDKException as exc:
        raise QueryError(f"cannot open cloud {cloud!r}: {exc}") from exc
    try:
        yield conn
    finally:
        conn.close()
