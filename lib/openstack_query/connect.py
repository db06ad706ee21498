"""Accept either an openstacksdk connection or a cloud name (clouds.yaml), and open
connections whose every request has a timeout.

A cloud given by name gets ONE connection per process (``shared_connection``): every
``run("cloud")``, ``append_from``, chained run and later query reuses it, so a script
running one small query per owner authenticates and discovers versions once instead
of once per query. keystoneauth fetches a new token when the current one is about to
expire, and once more on a 401 answer, so a long-lived shared connection stays usable.
A connection passed in by the caller is the caller's: the library never closes it.
"""

from __future__ import annotations

import atexit
import os
import threading
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


#: The process's connection per cloud name (see ``shared_connection``).
_SHARED: dict[str, Connection] = {}
#: Guards ``_SHARED`` so two threads asking for the same cloud get one connection.
_SHARED_LOCK = threading.Lock()


def shared_connection(cloud: str) -> Connection:
    """The process's one connection to clouds.yaml cloud ``cloud``, opened on first
    use (authentication itself happens on the first request, once).

    Thread-safe: concurrent first calls open one connection. keystoneauth serialises
    token fetching under its own lock and re-authenticates on expiry or a 401, so
    threads may share the connection. A failed open is not remembered.
    """
    with _SHARED_LOCK:
        conn = _SHARED.get(cloud)
        if conn is None:
            try:
                conn = open_connection(cloud=cloud)
            except sdk_exceptions.SDKException as exc:
                raise QueryError(f"cannot open cloud {cloud!r}: {exc}") from exc
            _SHARED[cloud] = conn
        return conn


def close_shared_connections(cloud: str | None = None) -> None:
    """Close and forget the shared connection of ``cloud`` (every one when None);
    the next use opens and authenticates a new one. Called at interpreter exit."""
    with _SHARED_LOCK:
        names = list(_SHARED) if cloud is None else [cloud]
        closing = [_SHARED.pop(n) for n in names if n in _SHARED]
    for conn in closing:
        try:
            conn.close()
        except Exception:  # closing is best effort (at exit)
            pass


def _forget_after_fork() -> None:
    """A forked child must not share its parent's sockets: it opens its own."""
    global _SHARED_LOCK
    _SHARED_LOCK = threading.Lock()
    _SHARED.clear()


atexit.register(close_shared_connections)
os.register_at_fork(after_in_child=_forget_after_fork)


@contextmanager
def connection(cloud: Any) -> Iterator[Any]:
    """Yield a connection for ``cloud``: the connection itself when one is given
    (never closed here), else the process's shared connection for that cloud name
    (kept open for later queries)."""
    if is_connection(cloud):
        yield cloud
        return
    if not isinstance(cloud, str) or not cloud:
        raise QueryError(
            "run() needs an openstacksdk connection or a cloud name from clouds.yaml, "
            f"got {cloud!r}"
        )
    yield shared_connection(cloud)
