"""The devcloud's Keystone catalog lists every service with a reachable endpoint."""

from __future__ import annotations

import urllib.error
import urllib.request

from openstack.connection import Connection

EXPECTED_TYPES = {"identity", "placement", "image", "compute", "network"}


def test_catalog_has_the_five_services_on_loopback(admin_conn: Connection) -> None:
    services = {s.id: s.type for s in admin_conn.identity.services()}
    assert EXPECTED_TYPES <= set(services.values())
    public = {
        services[e.service_id]: e.url
        for e in admin_conn.identity.endpoints(interface="public")
        if e.service_id in services
    }
    assert EXPECTED_TYPES <= set(public)
    for kind in EXPECTED_TYPES:
        assert public[kind].startswith("http://127.0.0.1:"), (kind, public[kind])


def test_every_public_endpoint_answers(admin_conn: Connection) -> None:
    for kind in EXPECTED_TYPES:
        url = admin_conn.endpoint_for(kind)
        assert url, kind
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                status = response.status
        except urllib.error.HTTPError as error:  # 300/401 still prove the API answers
            status = error.code
        assert status < 500, (kind, url, status)


def test_token_catalog_seen_by_ordinary_user(user_conn: Connection) -> None:
    catalog = user_conn.service_catalog
    assert EXPECTED_TYPES <= {entry["type"] for entry in catalog}
