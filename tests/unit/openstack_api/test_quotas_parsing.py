"""openstack_api.quotas: detailed quota bodies of Nova, Neutron and Cinder."""

from __future__ import annotations

from openstack_api.quotas import SERVICES, QuotaValue, parse_quotas


def test_nova_detail_body() -> None:
    body = {
        "id": "p1",
        "cores": {"limit": 20, "in_use": 3, "reserved": 1},
        "ram": {"limit": -1, "in_use": 512, "reserved": 0},
    }
    assert parse_quotas(body, "in_use") == {
        "cores": QuotaValue(20, 3, 1),
        "ram": QuotaValue(-1, 512, 0),
    }


def test_neutron_details_body_uses_used() -> None:
    body = {"floatingip": {"limit": 5, "used": 2, "reserved": 0}}
    assert parse_quotas(body, "used")["floatingip"] == QuotaValue(5, 2, 0)


def test_cinder_usage_body_keeps_only_quota_objects_sorted() -> None:
    body = {
        "volumes": {"limit": 10, "in_use": 1, "reserved": 0, "allocated": 0},
        "gigabytes": {"limit": 1000, "in_use": 10, "reserved": 0, "allocated": 0},
        "id": "p1",
    }
    assert list(parse_quotas(body, "in_use")) == ["gigabytes", "volumes"]


def test_the_three_services_are_known_with_their_catalog_types() -> None:
    assert {k: s.catalog_type for k, s in SERVICES.items()} == {
        "compute": "compute",
        "network": "network",
        "volume": "block-storage",
    }
