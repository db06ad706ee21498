"""The synthetic estate: deterministic servers, users, projects, flavors, images and
hypervisors of a configurable size, as API-shaped dicts."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class Size:
    """How many of each resource the synthetic cloud holds."""

    servers: int = 10_000
    users: int = 5_000
    projects: int = 1_000
    flavors: int = 100
    images: int = 500
    hypervisors: int = 200


#: Every hypervisor's Placement inventory: sized so the default estate fills about
#: 70-90 % of each class, with non-trivial reserved amounts and allocation ratios.
INVENTORY: dict[str, dict[str, Any]] = {
    "VCPU": {"total": 128, "reserved": 4, "allocation_ratio": 4.0},
    "MEMORY_MB": {"total": 1048576, "reserved": 16384, "allocation_ratio": 1.0},
    "DISK_GB": {"total": 7680, "reserved": 100, "allocation_ratio": 1.0},
}


def capacity(inventory: dict[str, Any]) -> int:
    """Placement's capacity of one inventory record."""
    return int(
        (inventory["total"] - inventory["reserved"]) * inventory["allocation_ratio"]
    )


def _id(rng: random.Random) -> str:
    return uuid.UUID(int=rng.getrandbits(128), version=4).hex


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Estate:
    """Every resource, pre-rendered as the API returns it."""

    size: Size
    domains: list[dict[str, Any]] = field(default_factory=list)
    projects: list[dict[str, Any]] = field(default_factory=list)
    users: list[dict[str, Any]] = field(default_factory=list)
    flavors: list[dict[str, Any]] = field(default_factory=list)
    images: list[dict[str, Any]] = field(default_factory=list)
    hypervisors: list[dict[str, Any]] = field(default_factory=list)
    servers: list[dict[str, Any]] = field(default_factory=list)
    assignments: list[dict[str, Any]] = field(default_factory=list)
    inventories: dict[str, dict[str, Any]] = field(default_factory=dict)
    usages: dict[str, dict[str, int]] = field(default_factory=dict)

    @classmethod
    def build(cls, size: Size, seed: int = 42) -> Estate:
        rng = random.Random(seed)
        now = datetime.now(UTC)
        estate = cls(size)
        estate.domains = [
            {"id": "default", "name": "Default", "enabled": True},
            {"id": _id(rng), "name": "research", "enabled": True},
        ]
        for i in range(size.projects):
            domain = estate.domains[i % 10 == 0]["id"]
            estate.projects.append(
                {
                    "id": _id(rng),
                    "name": f"project-{i:05d}",
                    "domain_id": domain,
                    "enabled": True,
                    "description": "",
                    "parent_id": domain,
                    "is_domain": False,
                    "tags": [],
                }
            )
        for i in range(size.users):
            domain = estate.domains[i % 10 == 0]["id"]
            estate.users.append(
                {
                    "id": _id(rng),
                    "name": f"user-{i:05d}",
                    "domain_id": domain,
                    "email": f"user-{i:05d}@example.org",
                    "enabled": True,
                }
            )
            project = estate.projects[i % size.projects]["id"]
            estate.assignments.append(
                {
                    "user": {"id": estate.users[-1]["id"]},
                    "role": {"id": "member"},
                    "scope": {"project": {"id": project}},
                }
            )
        for i in range(size.flavors):
            estate.flavors.append(
                {
                    "id": _id(rng),
                    "name": f"flavor-{i:03d}",
                    "vcpus": 1 + i % 16,
                    "ram": 512 * (1 + i % 64),
                    "disk": 10 * (1 + i % 20),
                    "OS-FLV-EXT-DATA:ephemeral": 0,
                    "swap": 0,
                    "os-flavor-access:is_public": True,
                    "extra_specs": {},
                }
            )
        for i in range(size.images):
            estate.images.append(
                {
                    "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    "name": f"image-{i:04d}",
                    "status": "active",
                    "visibility": "public",
                    "owner": estate.projects[i % size.projects]["id"],
                    "size": 1024 * 1024 * (1 + i),
                    "min_ram": 0,
                    "min_disk": 0,
                    "created_at": _iso(now - timedelta(days=i)),
                    "updated_at": _iso(now - timedelta(days=i // 2)),
                    "disk_format": "raw",
                    "container_format": "bare",
                    "tags": [],
                }
            )
        for i in range(size.hypervisors):
            rp = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            name = f"compute-{i:04d}"
            estate.hypervisors.append(
                {
                    "id": rp,
                    "hypervisor_hostname": name,
                    "state": "up",
                    "status": "enabled" if i % 20 else "disabled",
                    "host_ip": f"10.1.{i // 250}.{i % 250}",
                    "hypervisor_type": "QEMU",
                    "hypervisor_version": 8002000,
                    "uptime": f" 10:00:00 up {i} days",
                    "servers": [],
                    "service": {
                        "host": name,
                        "id": _id(rng),
                        "disabled_reason": None if i % 20 else "maintenance",
                    },
                }
            )
            estate.inventories[rp] = {rc: dict(inv) for rc, inv in INVENTORY.items()}
            estate.usages[rp] = {"VCPU": 0, "MEMORY_MB": 0, "DISK_GB": 0}
        statuses = ["ACTIVE"] * 8 + ["SHUTOFF", "ERROR"]
        for i in range(size.servers):
            user = estate.users[i % size.users]
            project = estate.projects[i % size.projects]
            flavor = estate.flavors[i % size.flavors]
            hv = estate.place(flavor, start=i)
            created = now - timedelta(days=rng.randint(0, 400))
            server_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            host = hv["hypervisor_hostname"] if hv else None
            estate.servers.append(
                {
                    "id": server_id,
                    "name": f"server-{i:05d}",
                    # like Nova: a server no host can take is in ERROR, unplaced
                    "status": statuses[i % len(statuses)] if hv else "ERROR",
                    "user_id": user["id"],
                    "tenant_id": project["id"],
                    "created": _iso(created),
                    "updated": _iso(created + timedelta(days=1)),
                    "flavor": {
                        "original_name": flavor["name"],
                        "vcpus": flavor["vcpus"],
                        "ram": flavor["ram"],
                        "disk": flavor["disk"],
                        "ephemeral": 0,
                        "swap": 0,
                        "extra_specs": {},
                    },
                    "image": {"id": estate.images[i % size.images]["id"]},
                    "OS-EXT-SRV-ATTR:hypervisor_hostname": host,
                    "OS-EXT-SRV-ATTR:host": host,
                    "OS-EXT-AZ:availability_zone": "nova",
                    "addresses": {
                        "net": [
                            {"addr": f"10.0.{i // 250 % 250}.{i % 250}", "version": 4}
                        ]
                    },
                    "metadata": {},
                    "description": None,
                    "tags": [],
                    "links": [],
                }
            )
            if hv is not None:
                hv["servers"].append({"uuid": server_id, "name": f"server-{i:05d}"})
        return estate

    def place(self, flavor: dict[str, Any], start: int) -> dict[str, Any] | None:
        """Like the scheduler: the first hypervisor from ``start`` (round robin) with
        room for ``flavor`` in Placement terms, its usage updated; None when no
        host has room (the estate is never over-allocated)."""
        demand = {
            "VCPU": flavor["vcpus"],
            "MEMORY_MB": flavor["ram"],
            "DISK_GB": flavor["disk"],
        }
        count = len(self.hypervisors)
        for step in range(count):
            hv = self.hypervisors[(start + step) % count]
            usage = self.usages[hv["id"]]
            inventory = self.inventories[hv["id"]]
            if all(
                usage[rc] + amount <= capacity(inventory[rc])
                for rc, amount in demand.items()
            ):
                for rc, amount in demand.items():
                    usage[rc] += amount
                return hv
        return None
