"""The cleanup actions' re-reads (``floating_ip_now``, ``port_now``) make the same
records as the audits' listings, from the API body of the SDK resource."""

from __future__ import annotations

from typing import Any

from openstack.network.v2.floating_ip import FloatingIP
from openstack.network.v2.port import Port
from pytest_mock import MockerFixture

from openstack_api import audits

FIP = {
    "id": "f1",
    "floating_ip_address": "203.0.113.5",
    "project_id": "p1",
    "port_id": None,
    "status": "DOWN",
    "floating_network_id": "n1",
    "created_at": "2024-01-01T00:00:00Z",
    "updated_at": "2024-01-02T00:00:00Z",
}
PORT = {
    "id": "pt1",
    "name": "loose",
    "project_id": "p1",
    "network_id": "n1",
    "status": "DOWN",
    "device_id": "",
    "device_owner": "",
    "fixed_ips": [{"subnet_id": "s1", "ip_address": "10.0.0.5"}],
    "created_at": "2024-01-01T00:00:00Z",
    "updated_at": "2024-01-02T00:00:00Z",
}


def _fetched(mocker: MockerFixture, cls: Any, key: str, body: dict[str, Any]) -> Any:
    """An SDK resource as a GET leaves it."""
    response = mocker.Mock(status_code=200, headers={})
    response.json.return_value = {key: dict(body)}  # the SDK consumes it
    found = cls(id=body["id"])
    found._translate_response(response, has_body=True)
    return found


def test_floating_ip_now_is_the_listing_record(mocker: MockerFixture) -> None:
    conn = mocker.Mock()
    conn.network.get_ip.return_value = _fetched(mocker, FloatingIP, "floatingip", FIP)
    assert audits.floating_ip_now(conn, "f1") == audits._floating_ip(FIP)
    assert audits.floating_ip_now(conn, "f1") == audits.FloatingIp(
        id="f1",
        address="203.0.113.5",
        project_id="p1",
        port_id=None,
        status="DOWN",
        network_id="n1",
        created_at="2024-01-01T00:00:00Z",
        updated_at="2024-01-02T00:00:00Z",
    )
    conn.network.get_ip.assert_called_with("f1")


def test_port_now_is_the_listing_record(mocker: MockerFixture) -> None:
    conn = mocker.Mock()
    conn.network.get_port.return_value = _fetched(mocker, Port, "port", PORT)
    now = audits.port_now(conn, "pt1")
    conn.network.get_port.assert_called_once_with("pt1")
    assert now == audits._port_info(PORT)
    assert now is not None and now.fixed_ips == ("10.0.0.5",)
    assert (now.device_id, now.device_owner, now.status) == ("", "", "DOWN")
