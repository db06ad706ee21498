"""cloud.check over a scripted connection (the integration tier runs it for real)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from keystoneauth1 import exceptions as ks_exceptions

from pack_common import Failure
from workflows.cloud import check


class ScriptedSession:
    """A keystoneauth session answering from a script of endpoint data."""

    def __init__(self, endpoints: dict[str, Any]) -> None:
        self.endpoints = endpoints
        access = SimpleNamespace(
            user_id="u1",
            username="admin",
            user_domain_name="Default",
            project_id="p1",
            project_name="admin",
            project_domain_name="Default",
            role_names=["reader", "admin"],
            expires=None,
            service_catalog=SimpleNamespace(
                catalog=[{"type": t, "name": f"{t}-svc"} for t in endpoints]
            ),
        )
        self.auth = SimpleNamespace(get_access=lambda session: access)

    def get_endpoint_data(self, service_type: str, **kwargs: Any) -> Any:
        answer = self.endpoints[service_type]
        if isinstance(answer, Exception):
            raise answer
        return answer


def scripted_conn(endpoints: dict[str, Any]) -> Any:
    config = SimpleNamespace(
        get_interface=lambda: "public",
        get_region_name=lambda: "RegionOne",
        get_auth_args=lambda: {"auth_url": "http://127.0.0.1:5000/v3"},
    )
    return SimpleNamespace(
        session=ScriptedSession(endpoints),
        config=config,
        authorize=lambda: "token",
        current_project_id="p1",
    )


def endpoint(
    url: str,
    version: tuple,
    lo: tuple | None,
    hi: tuple | None,
    listed: tuple[str, ...] = (),
) -> Any:
    """Endpoint data as keystoneauth discovery returns it; ``listed`` are the version
    strings of the service's version document."""
    return SimpleNamespace(
        url=url,
        api_version=version,
        min_microversion=lo,
        max_microversion=hi,
        get_all_version_string_data=lambda session, project_id: [
            SimpleNamespace(version=v) for v in listed
        ],
    )


def test_reports_identity_and_version_ranges() -> None:
    conn = scripted_conn(
        {
            "compute": endpoint("http://127.0.0.1:8774/v2.1", (2, 1), (2, 1), (2, 96)),
            "identity": endpoint("http://127.0.0.1:5000/v3", (3, 14), None, None),
            "image": endpoint(
                "http://127.0.0.1:9292/v2",
                (2, 17),
                None,
                None,
                listed=("1.1", "2.0", "2.9", "2.17"),
            ),
        }
    )
    result = check(conn)
    assert not isinstance(result, Failure)
    assert result["user"] == {"id": "u1", "name": "admin", "domain": "Default"}
    assert result["project"]["name"] == "admin"
    assert result["roles"] == ["admin", "reader"]
    assert result["auth_url"] == "http://127.0.0.1:5000/v3"
    compute = result["services"]["compute"]
    assert compute["endpoint"] == "http://127.0.0.1:8774/v2.1"
    assert (compute["min_version"], compute["max_version"]) == ("2.1", "2.96")
    assert result["services"]["identity"]["version"] == "3.14"
    image = result["services"]["image"]
    # without microversions the range is the listed versions of the current major
    assert (image["min_version"], image["max_version"]) == ("2.0", "2.17")
    assert result["summary"] == "3 services, all reachable"
    assert isinstance(result["round_trip_ms"], float)


@pytest.mark.parametrize(
    "failure",
    [ks_exceptions.ConnectFailure("refused"), None],
    ids=["unreachable", "no-endpoint"],
)
def test_a_broken_service_fails_the_check_but_reports_the_rest(failure: Any) -> None:
    conn = scripted_conn(
        {
            "image": failure,
            "identity": endpoint("http://127.0.0.1:5000/v3", (3, 14), None, None),
        }
    )
    outcome = check(conn)
    assert isinstance(outcome, Failure)
    assert outcome.result["services"]["image"]["error"]
    assert outcome.result["services"]["identity"]["error"] is None
    assert outcome.result["summary"] == "1 of 2 services unreachable: image"


def test_unreachable_cloud_is_a_reported_failure() -> None:
    def refuse() -> None:
        raise ks_exceptions.ConnectFailure(
            "Unable to establish connection to 127.0.0.1"
        )

    conn = scripted_conn({})
    conn.authorize = refuse
    outcome = check(conn)
    assert isinstance(outcome, Failure)
    assert outcome.result["summary"] == "cannot authenticate"
    assert "ConnectFailure" in outcome.result["error"]
    assert outcome.result["auth_url"] == "http://127.0.0.1:5000/v3"
