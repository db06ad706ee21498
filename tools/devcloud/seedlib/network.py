"""Seed Neutron: an external flat network and an internal shared network."""

from __future__ import annotations

import seed_data as data

from seedlib.context import SeedContext


def seed_networks(ctx: SeedContext) -> None:
    """Create the networks and their subnets (admin-owned)."""
    net = ctx.admin.network
    for spec in data.NETWORKS:
        network = net.find_network(spec["name"])
        if network is None:
            attrs: dict[str, object] = {
                "name": spec["name"],
                "is_router_external": spec["external"],
                "is_shared": spec["shared"],
            }
            if spec["provider"]:
                provider = dict(spec["provider"])
                attrs["provider_network_type"] = provider["network_type"]
                attrs["provider_physical_network"] = provider["physical_network"]
            network = net.create_network(**attrs)
        subnet_spec = dict(spec["subnet"])
        subnet = net.find_subnet(subnet_spec["name"], network_id=network.id)
        if subnet is None:
            subnet = net.create_subnet(
                network_id=network.id, ip_version=4, **subnet_spec
            )
        ctx.ids("networks")[spec["name"]] = network.id
        ctx.ids("subnets")[subnet_spec["name"]] = subnet.id
