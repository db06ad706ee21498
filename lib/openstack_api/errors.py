"""What a failed cloud call means to an operator.

keystoneauth1 and openstacksdk raise many types (``ConnectFailure``, ``Unauthorized``,
``HttpException``, ``ForbiddenException`` ...), often wrapped again (openstacksdk's
``SDKException`` around a keystoneauth error, the Query library's ``FetchError``
around both). ``describe`` looks through the whole chain and returns one
``ServiceFailure``: the endpoint that failed, the service behind it, the HTTP status
and the cause in a few words. Used by the action entry point for any workflow and by
``cloud.check``.

``NameLookupError`` (``UnknownName``, ``AmbiguousName``) is what a lookup raises when
a name or id names no object of its kind, or several: it carries the kind, the name
and the reason, never a parameter, since only the caller knows where the name came
from. The workflow translates it: ``for_parameter`` is the ``InputError`` naming the
action parameter, ``for_config`` the ``ConfigError`` naming the pack config key.
"""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

from keystoneauth1 import exceptions as ks_exceptions
from openstack import exceptions as sdk_exceptions

from openstack_api.connection import account_name
from openstack_query import FetchError
from pack_common import (
    ConfigError,
    InputError,
    ServiceFailure,
    exception_chain,
    network_cause,
    one_line,
)

PARAMETER = "cloud_account"
_CLOUD_ERRORS = (ks_exceptions.ClientException, sdk_exceptions.SDKException, FetchError)
_URL = re.compile(r"https?://[^\s'\"<>]+")
_TOKEN_PATH = "/auth/tokens"


class NameLookupError(LookupError):
    """A name or id that does not name exactly one object of ``kind``; ``reason``
    says why, in words that fit after a parameter or config key."""

    def __init__(self, kind: str, identifier: str, reason: str) -> None:
        super().__init__(f"{kind} {identifier!r}: {reason}")
        self.kind = kind
        self.identifier = identifier
        self.reason = reason

    def for_parameter(self, parameter: str) -> InputError:
        """The input error naming the action parameter the name came from."""
        return InputError(parameter, self.reason)

    def for_config(self, key: str) -> ConfigError:
        """The config error naming the pack config key the name came from."""
        return ConfigError(f"pack config '{key}': {self.reason}")


class UnknownName(NameLookupError):
    """No ``kind`` has this name or id (or none was given)."""

    def __init__(self, kind: str, identifier: str) -> None:
        reason = (
            f"no {kind} with name or id {identifier!r}"
            if identifier
            else f"a {kind} name or id is required"
        )
        super().__init__(kind, identifier, reason)


class AmbiguousName(NameLookupError):
    """Several objects of ``kind`` have this name; ``candidates`` describes each
    (``name [id] (detail)``) so the operator can pick an id."""

    def __init__(self, kind: str, identifier: str, candidates: list[str]) -> None:
        reason = (
            f"{len(candidates)} {kind}s are named {identifier!r}, use an id: "
            + "; ".join(candidates)
        )
        super().__init__(kind, identifier, reason)
        self.candidates = candidates


def describe(exc: BaseException, conn: Any = None) -> ServiceFailure | None:
    """The failure ``exc`` stands for, or None when it is not a cloud error.

    ``conn`` (the action's connection, optional) supplies the account name, the auth
    URL when the error names no URL, and the catalog to name the service behind a
    URL.
    """
    chain = exception_chain(exc)
    cloud_errors = [e for e in chain if isinstance(e, _CLOUD_ERRORS)]
    if not cloud_errors:
        return None
    auth_url = _auth_url(conn)
    answered = next((e for e in chain if _status(e)), None)
    status = _status(answered) if answered is not None else None
    url = _url_of(answered) if answered is not None else None
    url = url or next((u for u in map(_url_of, chain) if u), None)
    service = _service_of(conn, url, auth_url)
    if answered is not None and status is not None:
        cause = _http_cause(status, url, service, _details(answered))
        if status == 403:
            cause += f" ({_forbidden_hint(conn)})"
    else:
        deepest = cloud_errors[-1]
        cause = network_cause(exc) or one_line(f"{type(deepest).__name__}: {deepest}")
    return ServiceFailure(
        parameter=PARAMETER,
        cause=cause,
        account=account_name(conn),
        endpoint=url or auth_url,
        service=service,
        status=status,
        detail=one_line(f"{type(cloud_errors[0]).__name__}: {cloud_errors[0]}"),
    )


def _status(exc: BaseException) -> int | None:
    """The HTTP status of an error that carries an answer."""
    if isinstance(exc, sdk_exceptions.HttpException):
        return exc.status_code
    if isinstance(exc, ks_exceptions.HttpError):
        return exc.http_status
    return None


def _details(exc: BaseException) -> str:
    """What the service said, on one line."""
    details = getattr(exc, "details", None) or getattr(exc, "message", None) or exc
    return one_line(details, 200)


def _url_of(exc: BaseException) -> str | None:
    """The request URL an error names (an attribute, else the first URL in its
    message: keystoneauth's ``ConnectFailure`` only has it there)."""
    url = getattr(exc, "url", None)
    if isinstance(url, str) and url:
        return url
    found = _URL.search(str(exc))
    return found.group(0).rstrip(":,.;)") if found else None


def _http_cause(status: int, url: str | None, service: str | None, said: str) -> str:
    """``401 Unauthorized: bad credentials``, ``500 Internal Server Error from
    compute (nova): <what it said>`` ..."""
    try:
        head = f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        head = str(status)
    if status == 401:
        token = url is not None and _TOKEN_PATH in url
        return f"{head}: " + ("bad credentials" if token else "the token was refused")
    source = f" from {service}" if service else ""
    return f"{head}{source}: {said}"


#: Roles that pass the services' default admin policies.
_ADMIN_ROLES = frozenset({"admin"})


def _forbidden_hint(conn: Any) -> str:
    """What a 403 means for this account, from the roles of the token it holds (no
    request is made): without an admin role, that the action needs one; with it, that
    the service's policy refused it anyway (a custom policy, or the wrong project
    scope); unknown roles, both possibilities."""
    try:
        access = conn.session.auth.auth_ref
        roles = sorted(access.role_names) if access is not None else None
        project = access.project_name if access is not None else None
    except Exception:  # not authenticated, or not an openstacksdk connection
        roles, project = None, None
    if roles is None:
        return (
            "the account lacks a role this needs; admin actions need an admin account"
        )
    held = f"the account holds {', '.join(roles) or 'no roles'} on project {project!r}"
    if _ADMIN_ROLES.isdisjoint(roles):
        return f"{held}; this needs the admin role"
    return (
        f"{held}, yet the service's policy refused it: check the policy for this "
        "call, or whether it needs a token scoped to another project"
    )


def _auth_url(conn: Any) -> str | None:
    """The connection's auth URL, or None."""
    try:
        url = conn.config.get_auth_args().get("auth_url")
    except Exception:  # a connection-like object without openstacksdk's config
        return None
    return str(url) if url else None


def _service_of(conn: Any, url: str | None, auth_url: str | None) -> str | None:
    """``compute (nova)`` for a URL under a catalog endpoint of the connection's
    token (no request is made: only a token already fetched is consulted);
    ``identity`` for the auth URL."""
    if not url:
        return None
    best: tuple[int, str] | None = None
    for service_type, name, endpoint in _catalog_endpoints(conn):
        if url.startswith(endpoint.rstrip("/")) and (
            best is None or len(endpoint) > best[0]
        ):
            best = (len(endpoint), f"{service_type} ({name})" if name else service_type)
    if best is not None:
        return best[1]
    if (auth_url and url.startswith(auth_url.rstrip("/"))) or _TOKEN_PATH in url:
        return "identity"
    return None


def _catalog_endpoints(conn: Any) -> list[tuple[str, str | None, str]]:
    """``(type, name, url)`` of every catalog endpoint of the token the connection
    already holds (none before authentication)."""
    try:
        access = conn.session.auth.auth_ref
        catalog = access.service_catalog.catalog if access is not None else []
    except Exception:  # not authenticated, or not an openstacksdk connection
        return []
    found = []
    for service in catalog or []:
        for endpoint in service.get("endpoints", []):
            if endpoint.get("url"):
                found.append(
                    (service.get("type"), service.get("name"), endpoint["url"])
                )
    return found
