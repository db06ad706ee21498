"""Who a connection is, and what its service catalog offers.

Used by ``cloud.check``: authentication, the catalog's services with the endpoint of
the connection's interface and region, and each service's API version range found by
version discovery (one GET per service).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any, cast

from keystoneauth1 import exceptions as ks_exceptions
from keystoneauth1.access import AccessInfo
from keystoneauth1.identity.base import BaseIdentityPlugin
from openstack import exceptions as sdk_exceptions
from openstack.connection import Connection


@dataclass
class Identity:
    """The authenticated user and project of a token."""

    user_id: str
    user_name: str
    user_domain: str | None
    project_id: str | None
    project_name: str | None
    project_domain: str | None
    roles: list[str]
    expires_at: str | None


@dataclass
class ServiceEndpoint:
    """One catalog service as seen through the connection's interface and region."""

    type: str
    name: str | None
    endpoint: str | None
    interface: str
    region: str | None
    version: str | None = None
    min_version: str | None = None
    max_version: str | None = None
    round_trip_ms: float | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return asdict(self)


def _version_str(version: tuple[int | float, ...] | None) -> str | None:
    """``(2, 96)`` -> ``"2.96"``; keystoneauth's latest marker -> ``"latest"``."""
    if not version:
        return None
    return ".".join("latest" if v == float("inf") else str(int(v)) for v in version)


class AuthenticationFailed(RuntimeError):
    """The cloud could not be reached or refused the credentials."""


def authenticate(conn: Connection) -> tuple[Identity, float]:
    """Authenticate (fetch a token) and return who we are and the round trip in ms.

    Raises ``AuthenticationFailed`` with openstacksdk's reason (which names the URL,
    never the password) when no token can be had.
    """
    started = time.perf_counter()
    try:
        conn.authorize()
    except (sdk_exceptions.SDKException, ks_exceptions.ClientException) as exc:
        raise AuthenticationFailed(f"{type(exc).__name__}: {exc}") from exc
    elapsed_ms = (time.perf_counter() - started) * 1000
    access = token_access(conn)
    expires = getattr(access, "expires", None)
    identity = Identity(
        user_id=str(access.user_id),
        user_name=str(access.username),
        user_domain=getattr(access, "user_domain_name", None),
        project_id=access.project_id,
        project_name=access.project_name,
        project_domain=getattr(access, "project_domain_name", None),
        roles=sorted(access.role_names or []),
        expires_at=expires.isoformat() if expires else None,
    )
    return identity, round(elapsed_ms, 1)


def token_access(conn: Connection) -> AccessInfo:
    """The token of an authorised connection (``authenticate`` got one)."""
    # openstacksdk connections authenticate with a keystoneauth identity plugin
    auth = cast(BaseIdentityPlugin, conn.session.auth)
    return auth.get_access(conn.session)


def catalog_services(conn: Connection) -> list[tuple[str, str | None]]:
    """``(type, name)`` of every service in the token's catalog, sorted by type."""
    access = token_access(conn)
    catalog = access.service_catalog.catalog or []
    return sorted((str(svc.get("type")), svc.get("name")) for svc in catalog)


def discover(
    conn: Connection, service_type: str, service_name: str | None
) -> ServiceEndpoint:
    """Endpoint and API version range of one service, via version discovery.

    A service that cannot be reached is reported with ``error``, not raised, so one
    broken service does not hide the state of the others.
    """
    configured = conn.config.get_interface()
    interface = configured if isinstance(configured, str) and configured else "public"
    region = conn.config.get_region_name()
    result = ServiceEndpoint(
        type=service_type,
        name=service_name,
        endpoint=None,
        interface=interface,
        region=region,
    )
    started = time.perf_counter()
    try:
        data = conn.session.get_endpoint_data(
            service_type=service_type,
            interface=interface,
            region_name=region,
            discover_versions=True,
        )
    except ks_exceptions.ClientException as exc:
        result.error = f"{type(exc).__name__}: {exc}"
        return result
    finally:
        result.round_trip_ms = round((time.perf_counter() - started) * 1000, 1)
    if data is None:
        result.error = f"no {interface} endpoint in region {region or 'any'}"
        return result
    result.endpoint = data.url
    result.version = _version_str(data.api_version)
    if data.max_microversion:
        result.min_version = _version_str(data.min_microversion)
        result.max_version = _version_str(data.max_microversion)
    else:
        result.min_version, result.max_version = _version_range(conn, data)
    return result


def _version_range(conn: Connection, data: Any) -> tuple[str | None, str | None]:
    """For services without microversions: the lowest and highest API versions the
    service lists within the current major version (e.g. image 2.0 to 2.17). Reuses
    the discovery document already fetched, so it costs no request."""
    try:
        listed = data.get_all_version_string_data(conn.session, conn.current_project_id)
    except ks_exceptions.ClientException:
        return None, None
    major = data.api_version[0] if data.api_version else None
    versions = sorted(
        tuple(int(part) for part in v.version.split("."))
        for v in listed
        if v.version and v.version.split(".")[0].isdigit()
    )
    same_major = [v for v in versions if major is None or v[0] == major]
    if not same_major:
        return None, None
    return _version_str(same_major[0]), _version_str(same_major[-1])
