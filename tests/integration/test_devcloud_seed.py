"""The seeded estate is really there and matches seed.json / seed_data."""

from __future__ import annotations

from collections import Counter
from typing import Any

from openstack.connection import Connection


def test_seeded_servers_states_and_hosts(
    admin_conn: Connection, seed: dict[str, Any]
) -> None:
    live = {}
    for name, entry in seed["servers"].items():
        server = admin_conn.compute.get_server(entry["id"])
        assert server.name == name
        assert (server.status, server.compute_host) == (entry["status"], entry["host"])
        assert server.created_at.startswith(entry["created_at"][:10])
        live[name] = server
    expected = seed["expected"]
    assert (
        dict(Counter(s.status for s in live.values())) == expected["servers_by_status"]
    )
    assert (
        dict(Counter(s.compute_host for s in live.values()))
        == expected["servers_by_host"]
    )
    assert len({s.created_at[:7] for s in live.values()}) >= 6  # spread over months


def test_seeded_identity(admin_conn: Connection, seed: dict[str, Any]) -> None:
    identity = admin_conn.identity
    immutable = identity.get_project(seed["projects"][seed["immutable_project"]])
    assert "immutable" in immutable.tags
    no_email = sorted(
        name
        for name, uid in seed["users"].items()
        if not getattr(identity.get_user(uid), "email", None)
    )
    assert no_email == seed["expected"]["users_without_email"]
    research = seed["domains"][seed["extra_domain"]]
    in_domain = sorted(
        p.name
        for p in identity.projects(domain_id=research)
        if p.name in seed["projects"]
    )
    assert in_domain == seed["expected"]["projects_in_extra_domain"]


def test_seeded_compute_service_flavors_images_networks(
    admin_conn: Connection, seed: dict[str, Any]
) -> None:
    disabled = seed["disabled_service"]
    service = next(s for s in admin_conn.compute.services() if s.id == disabled["id"])
    assert (service.status, service.disabled_reason) == ("disabled", disabled["reason"])
    gpu = admin_conn.compute.fetch_flavor_extra_specs(
        seed["flavors"][seed["gpu_flavor"]]
    )
    assert gpu.extra_specs.get("resources:VGPU") == "1"
    shared = admin_conn.image.get_image(seed["images"][seed["shared_image"]])
    members = {m.member_id: m.status for m in admin_conn.image.members(shared)}
    assert members == {seed["projects"]["student-labs"]: "accepted"}
    ext = admin_conn.network.get_network(seed["networks"][seed["external_network"]])
    assert (ext.is_router_external, ext.is_shared, ext.provider_network_type) == (
        True,
        False,
        "flat",
    )
    internal = admin_conn.network.get_network(seed["networks"][seed["shared_network"]])
    assert (internal.is_router_external, internal.is_shared) == (False, True)
