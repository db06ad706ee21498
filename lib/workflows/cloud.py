"""Cloud-level checks an operator runs to verify the pack can reach a cloud."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from openstack.connection import Connection

from openstack_api import catalog, errors
from pack_common import Failure, redact


def check(conn: Connection) -> dict[str, Any] | Failure:
    """Authenticate and report the user, project, catalog and round-trip times.

    A cloud that cannot be reached or refuses the credentials fails the execution
    with the endpoint and the cause (never the password), as every action does.

    Every catalog service is probed by version discovery; each reports its endpoint
    and API version range (``min_version``/``max_version`` are microversions where the
    service has them). The execution fails when any service cannot be reached, with
    the others still reported.
    """
    # shown as the operator configured it, but never with a password in it
    auth_url = redact(conn.config.get_auth_args().get("auth_url"))
    try:
        identity, auth_ms = catalog.authenticate(conn)
    except catalog.AuthenticationFailed as exc:
        failure = errors.describe(exc, conn)
        reported = failure.as_result() if failure else {"error": str(exc)}
        return Failure(
            {"auth_url": auth_url, **reported, "summary": "cannot authenticate"}
        )
    services = [catalog.discover(conn, t, n) for t, n in catalog.catalog_services(conn)]
    failed = [s.type for s in services if s.error]
    result: dict[str, Any] = {
        "auth_url": auth_url,
        "region": conn.config.get_region_name(),
        "user": {
            "id": identity.user_id,
            "name": identity.user_name,
            "domain": identity.user_domain,
        },
        "project": {
            "id": identity.project_id,
            "name": identity.project_name,
            "domain": identity.project_domain,
        },
        "roles": identity.roles,
        "token_expires_at": identity.expires_at,
        "round_trip_ms": auth_ms,
        "services": {s.type: _service_summary(s) for s in services},
        "summary": (
            f"{len(services)} services, all reachable"
            if not failed
            else f"{len(failed)} of {len(services)} services unreachable: "
            + ", ".join(failed)
        ),
    }
    return Failure(result) if failed else result


def _service_summary(service: catalog.ServiceEndpoint) -> dict[str, Any]:
    """The per-service part of the result, without the redundant type key."""
    summary = asdict(service)
    summary.pop("type")
    return summary
