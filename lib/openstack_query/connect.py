"""Accept either an openstacksdk connection or a cloud name (clouds.yaml), and open
connections whose every request has a timeout."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import openstack.config
from openstack import exceptions as sdk_exceptions
from openstack.connection import Connection

from openstack_query.errors import QueryError

#: Seconds to wait for a connection and then for each read of a response, when
#: neither the caller nor the cloud's configuration (``api_timeout``) says.
DEFAULT_TIMEOUT = 60
#: Retries of a request whose connection failed before an answer (keystoneauth's
#: ``connect_retries``, with its growing delay). An HTTP server or load balancer that
#: closes an idle keep-alive connection just as a request is sent on it makes the
#: request fail with "Remote end closed connection without response"; that request
#: was never processed, and one retry on a fresh connection succeeds.
CONNECT_RETRIES = 2


def open_connection(timeout: float | None = None, **options: Any) -> Connection:
    """A lazily-authenticating openstacksdk connection (nothing is sent yet).

    ``options`` are ``openstack.connect``'s (``cloud=``, ``auth=``, ...). Every
    request gets ``timeout`` seconds to connect and for each read: the given one,
    else the configuration's ``api_timeout`` (clouds.yaml), else
    ``DEFAULT_TIMEOUT``.
    """
    region = openstack.config.get_cloud_region(
        connect_retries=CONNECT_RETRIES, **options
    )
    if timeout is not None:
        region.config["api_timeout"] = timeout
    elif not region.config.get("api_timeout"):
        region.config["api_timeout"] = DEFAULT_TIMEOUT
    return Connection(config=region)


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
        conn = open_connection(cloud=cloud)
    except sdk_exceptions.SDKException as exc:
        raise QueryError(f"cannot open cloud {cloud!r}: {exc}") from exc
    try:
        yield conn
    finally:
        conn.close()
