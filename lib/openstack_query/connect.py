"""Accept either an openstacksdk connection or a cloud name (clouds.yaml), and open
connections whose every request has a timeout."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import openstack.config
import requests
from keystoneauth1 import session as ks_session
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
#: was never processed, and one retry on a fresh connection succeeds. Only requests
#: of ``IDEMPOTENT_METHODS`` are retried (see ``IdempotentRetrySession``).
CONNECT_RETRIES = 2
#: Methods whose repetition has the effect of one request (RFC 9110, 9.2.2).
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


class IdempotentRetrySession(ks_session.Session):
    """A keystoneauth session whose ``connect_retries`` apply to idempotent methods.

    keystoneauth retries a request whose connection failed or timed out whatever its
    method. A POST whose reply was lost may have been carried out (a router created):
    sending it again would create a duplicate, so a POST (or PATCH) is sent once and
    its failure is raised.
    """

    def request(
        self, url: str, method: str, *args: Any, **kwargs: Any
    ) -> requests.Response:
        """``Session.request``, without connection retries for a non-idempotent
        ``method``."""
        if method.upper() not in IDEMPOTENT_METHODS:
            kwargs["connect_retries"] = 0
        return super().request(url, method, *args, **kwargs)


def open_connection(timeout: float | None = None, **options: Any) -> Connection:
    """A lazily-authenticating openstacksdk connection (nothing is sent yet).

    ``options`` are ``openstack.connect``'s (``cloud=``, ``auth=``, ...). Every
    request gets ``timeout`` seconds to connect and for each read: the given one,
    else the configuration's ``api_timeout`` (clouds.yaml), else
    ``DEFAULT_TIMEOUT``. A request whose connection fails or times out is retried
    ``CONNECT_RETRIES`` times if its method is idempotent, else not at all.
    """
    region = openstack.config.get_cloud_region(
        connect_retries=CONNECT_RETRIES, **options
    )
    if timeout is not None:
        region.config["api_timeout"] = timeout
    elif not region.config.get("api_timeout"):
        region.config["api_timeout"] = DEFAULT_TIMEOUT
    region.set_session_constructor(IdempotentRetrySession)
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
