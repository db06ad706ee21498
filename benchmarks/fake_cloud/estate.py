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
            estate.inventories[rp] = {
                "VCPU": {"total": 64, "reserved": 2, "allocation_ratio": 4.0},
                "MEMORY_MB": {
                    "total": 262144,
                    "reserved": 4096,
                    "allocation_ratio": 1.5,
                },
                "DISK_GB": {"total": 4000, "reserved": 100, "allocation_ratio": 1.0},
            }
            estate.usages[rp] = {"VCPU": 0, "MEMORY_MB": 0, "DISK_GB": 0}
        statuses = ["ACTIVE"] * 8 + ["SHUTOFF", "ERROR"]
        for i in range(size.servers):
            user = estate.users[i % size.users]
            project = estate.projects[i % size.projects]
            flavor = estate.flavors[i % size.flavors]
            hv = estate.hypervisors[i % size.hypervisors]
            created = now - timedelta(days=rng.randint(0, 400))
            server_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            estate.servers.append(
                {
                    "id": server_id,
                    "name": f"server-{i:05d}",
                    "status": statuses[i % len(statuses)],
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
                    "OS-EXT-SRV-ATTR:hypervisor_hostname": hv["hypervisor_hostname"],
                    "OS-EXT-SRV-ATTR:host": hv["hypervisor_hostname"],
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
            hv["servers"].append({"uuid": server_id, "name": f"server-{i:05d}"})
            usage = estate.usages[hv["id"]]
            usage["VCPU"] += flavor["vcpus"]
            usage["MEMORY_MB"] += flavor["ram"]
            usage["DISK_GB"] += flavor["disk"]
        return estate
