"""Nova listings as plain API bodies, at the microversion a report needs.

``capacity.report`` reads every flavor (with extra specs, 2.61), hypervisor (with
its service and uptime fields, 2.53) and host aggregate (2.41) in one GET each, as
the JSON Nova returns: it only sums and compares, so SDK objects would only cost
time. A failed listing is the Query library's ``FetchError`` naming what failed.
"""

from __future__ import annotations

from typing import Any

from openstack import exceptions as sdk_exceptions
from openstack.connection import Connection

from openstack_query import FetchError


def _listing(
    conn: Connection, path: str, key: str, microversion: str
) -> list[dict[str, Any]]:
    """The ``key`` list of ``GET path`` on Nova at ``microversion``."""
    try:
        response = conn.compute.get(path, microversion=microversion)
        sdk_exceptions.raise_from_response(response)
    except sdk_exceptions.SDKException as exc:
        raise FetchError(f"listing {key} failed: {exc}") from exc
    return list(response.json().get(key) or [])


def flavors(conn: Connection) -> list[dict[str, Any]]:
    """Every flavor, public or not, with its extra specs."""
    return _listing(conn, "/flavors/detail?is_public=None", "flavors", "2.61")


def hypervisors(conn: Connection) -> list[dict[str, Any]]:
    """Every hypervisor with its compute service's state."""
    return _listing(conn, "/os-hypervisors/detail", "hypervisors", "2.53")


def aggregates(conn: Connection) -> list[dict[str, Any]]:
    """Every host aggregate with its hosts and metadata."""
    return _listing(conn, "/os-aggregates", "aggregates", "2.41")
