"""Accept either an openstacksdk connection or a cloud name (clouds.yaml), and open
connections whose every request has a timeout."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import openstack.config
import requests
from keystoneauth1 import exceptions as ks_exceptions
from keystoneauth1 import session as ks_session
from openstack import exceptions as sdk_exceptions
from openstack.connection import Connection

from openstack_query.errors import QueryError

#: Seconds to wait for a connection and then for each read of a response, when
#: neither the caller nor the cloud's configuration (``api_timeout``) says.
DEFAULT_TIMEOUT = 60
#: Retries of an idempotent request whose connection failed before an answer. An HTTP
#: server or load balancer that closes an idle keep-alive connection just as a request
#: is sent on it makes the request fail with "Remote end closed connection without
#: response"; one retry on a fresh connection succeeds. A request that TIMED OUT is not
#: retried: the service is stalled, and each retry would add a whole ``timeout`` to the
#: wait (3x the configured timeout with keystoneauth's own retries). Only requests of
#: ``IDEMPOTENT_METHODS`` are retried (see ``IdempotentRetrySession``).
CONNECT_RETRIES = 2
#: Seconds before the first retry; doubled for each further one.
RETRY_DELAY = 0.5
#: Methods whose repetition has the effect of one request (RFC 9110, 9.2.2).
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


class IdempotentRetrySession(ks_session.Session):
    """A keystoneauth session that retries only what is safe and quick to retry.

    keystoneauth retries a request whose connection failed or timed out whatever its
    method. A POST whose reply was lost may have been carried out (a router created):
    sending it again would create a duplicate, so a POST (or PATCH) is sent once and
    its failure is raised. An idempotent request is retried ``CONNECT_RETRIES`` times
    when its connection failed (refused, closed, reset), never when it timed out, so a
    stalled service fails after one ``timeout``.
    """

    def request(
        self, url: str, method: str, *args: Any, **kwargs: Any
    ) -> requests.Response:
        """``Session.request`` with the retry policy of the class docstring."""
        # The adapter passes the connection's setting (CONNECT_RETRIES unless the
        # cloud's configuration says otherwise); keystoneauth itself retries nothing.
        retries = kwargs.pop("connect_retries", None)
        if retries is None:
            retries = self._connect_retries
        if method.upper() not in IDEMPOTENT_METHODS:
            retries = 0
        kwargs["connect_retries"] = 0
        delay = RETRY_DELAY
        while True:
            try:
                return super().request(url, method, *args, **kwargs)
            except ks_exceptions.ConnectTimeout:
                raise
            except ks_exceptions.ConnectFailure:
                if retries <= 0:
                    raise
            retries -= 1
            time.sleep(delay)
            delay *= 2


def open_connection(timeout: float | None = None, **options: Any) -> Connection:
    """A lazily-authenticating openstacksdk connection (nothing is sent yet).

    ``options`` are ``openstack.connect``'s (``cloud=``, ``auth=``, ...). Every
    request gets ``timeout`` seconds to connect and for each read: the given one,
    else the configuration's ``api_timeout`` (clouds.yaml), else
    ``DEFAULT_TIMEOUT``. A request whose connection fails is retried
    ``CONNECT_RETRIES`` times if its method is idempotent; a timed-out or
    non-idempotent one is not retried.
    """
    options.setdefault("connect_retries", CONNECT_RETRIES)
    region = openstack.config.get_cloud_region(**options)
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
