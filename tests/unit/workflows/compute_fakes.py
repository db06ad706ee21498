"""An in-memory cloud for the compute/image/flavor workflow unit tests.

It answers the openstacksdk proxy calls the pack makes, applies mutations to its own
state (migrations move servers, stops power them off) and records every mutating
call in ``changes``, so a test can assert that a refused input changed nothing.
"""

from __future__ import annotations

import itertools
import re
from types import SimpleNamespace
from typing import Any

from openstack import exceptions
from openstack.compute.v2.server import Server

_ids = itertools.count(1)


def new_id(prefix: str) -> str:
    return f"{prefix}-{next(_ids):04d}"


class FakeCompute:
    """``conn.compute``: hypervisors, services, servers, flavors."""

    def __init__(self, cloud: FakeCloud) -> None:
        self.cloud = cloud

    # hypervisors and services -------------------------------------------------
    def hypervisors(self, details: bool = False, with_servers: bool = False):
        self.cloud.reads.append("hypervisors")
        for host, hyp in self.cloud.hosts.items():
            servers = [
                {"uuid": s["id"], "name": s["name"]}
                for s in self.cloud.servers.values()
                if s["OS-EXT-SRV-ATTR:host"] == host
            ]
            yield SimpleNamespace(
                id=hyp["id"],
                name=host,
                status="enabled" if hyp["enabled"] else "disabled",
                state="up" if hyp["up"] else "down",
                service_details={"host": host, "id": hyp["service_id"]},
                hypervisor_type="fake",
                uptime=hyp.get("uptime"),
                servers=servers or None,
            )

    def services(self, binary: str | None = None):
        self.cloud.reads.append("services")
        for host, hyp in self.cloud.hosts.items():
            yield SimpleNamespace(
                id=hyp["service_id"],
                host=host,
                availability_zone="nova",
                status="enabled" if hyp["enabled"] else "disabled",
                state="up" if hyp["up"] else "down",
                disabled_reason=hyp.get("reason"),
                is_forced_down=False,
                updated_at=None,
                binary="nova-compute",
            )

    def _host_of_service(self, service_id: str) -> str:
        return next(
            h for h, v in self.cloud.hosts.items() if v["service_id"] == service_id
        )

    def disable_service(self, service_id: str, disabled_reason: str | None = None):
        host = self._host_of_service(service_id)
        self.cloud.changes.append(("disable_service", host, disabled_reason))
        self.cloud.hosts[host].update(enabled=False, reason=disabled_reason)

    def enable_service(self, service_id: str):
        host = self._host_of_service(service_id)
        self.cloud.changes.append(("enable_service", host))
        self.cloud.hosts[host].update(enabled=True, reason=None)

    def aggregates(self):
        return iter(self.cloud.aggregates)

    # servers ---------------------------------------------------------------------
    def _server(self, data: dict[str, Any]) -> Server:
        return Server(**data)

    def servers(self, details: bool = True, all_projects: bool = False, **query: Any):
        self.cloud.reads.append("servers")
        host = query.get("compute_host")
        name = query.get("name")
        for data in self.cloud.servers.values():
            if host and data["OS-EXT-SRV-ATTR:host"] != host:
                continue
            if name and not re.search(name, data["name"]):
                continue
            yield self._server(data)

    def get_server(self, server_id: str) -> Server:
        data = self.cloud.servers.get(server_id)
        if data is None:
            raise exceptions.NotFoundException(f"no server {server_id}")
        return self._server(data)

    def create_server(self, **attrs: Any) -> Server:
        self.cloud.changes.append(("create_server", attrs["name"]))
        zone_host = attrs.get("availability_zone") or ""
        host = zone_host.split(":", 1)[1] if ":" in zone_host else "hv1"
        data = self.cloud.add_server(attrs["name"], host)
        return self._server(data)

    def stop_server(self, server_id: str) -> None:
        self.cloud.changes.append(("stop_server", server_id))
        if server_id in self.cloud.fail_stop:
            raise exceptions.ConflictException("cannot stop in this state")
        self.cloud.servers[server_id]["status"] = "SHUTOFF"

    def _destination(self, server_id: str, host: str | None) -> str:
        source = self.cloud.servers[server_id]["OS-EXT-SRV-ATTR:host"]
        if host:
            return host
        return next(
            h
            for h, v in self.cloud.hosts.items()
            if h != source and v["enabled"] and v["up"]
        )

    def live_migrate_server(self, server_id: str, host=None, block_migration=None):
        self.cloud.changes.append(("live_migrate", server_id, host, block_migration))
        if server_id not in self.cloud.fail_migration:
            dest = self._destination(server_id, host)
            self.cloud.servers[server_id]["OS-EXT-SRV-ATTR:host"] = dest

    def migrate_server(self, server_id: str, host=None):
        self.cloud.changes.append(("cold_migrate", server_id, host))
        data = self.cloud.servers[server_id]
        if server_id not in self.cloud.fail_migration:
            data["_before"] = data["status"]
            data["status"] = "VERIFY_RESIZE"
            data["OS-EXT-SRV-ATTR:host"] = self._destination(server_id, host)

    def confirm_server_resize(self, server_id: str):
        self.cloud.changes.append(("confirm", server_id))
        data = self.cloud.servers[server_id]
        data["status"] = data.pop("_before")

    def migrations(self, instance_uuid: str | None = None):
        return iter([])

    def create_server_image(self, server_id: str, name: str, metadata=None):
        self.cloud.changes.append(("snapshot", server_id, name, metadata))
        image = SimpleNamespace(
            id=new_id("img"), name=name, status=self.cloud.snapshot_status
        )
        self.cloud.images.append(image)
        return image

    # flavors ---------------------------------------------------------------------
    def get_flavor(self, flavor_id: str):
        for f in self.cloud.flavors:
            if f.id == flavor_id:
                return f
        raise exceptions.NotFoundException(flavor_id)

    def flavors(self, details: bool = True, is_public: Any = None):
        return iter(self.cloud.flavors)

    def get_flavor_access(self, flavor_id: str):
        return [
            {"flavor_id": flavor_id, "tenant_id": p}
            for p in self.cloud.flavor_access.get(flavor_id, [])
        ]

    def flavor_add_tenant_access(self, flavor_id: str, project_id: str):
        self.cloud.changes.append(("flavor_add", flavor_id, project_id))
        self.cloud.flavor_access.setdefault(flavor_id, []).append(project_id)

    def flavor_remove_tenant_access(self, flavor_id: str, project_id: str):
        self.cloud.changes.append(("flavor_remove", flavor_id, project_id))
        self.cloud.flavor_access[flavor_id].remove(project_id)


class FakeImage:
    """``conn.image``: images and members."""

    def __init__(self, cloud: FakeCloud) -> None:
        self.cloud = cloud

    def get_image(self, image_id: str):
        for i in self.cloud.images:
            if i.id == image_id:
                return i
        raise exceptions.NotFoundException(image_id)

    def images(self, name: str | None = None, visibility: str | None = None, **q):
        return iter([i for i in self.cloud.images if name is None or i.name == name])

    def members(self, image_id: str):
        return iter(
            SimpleNamespace(member_id=p, status=st)
            for p, st in self.cloud.members.get(image_id, {}).items()
        )

    def update_image(self, image_id: str, **attrs: Any):
        self.cloud.changes.append(("update_image", image_id, attrs))
        self.get_image(image_id).visibility = attrs["visibility"]

    def add_member(self, image_id: str, member: str):
        self.cloud.changes.append(("add_member", image_id, member))
        self.cloud.members.setdefault(image_id, {})[member] = "pending"

    def update_member(self, member: str, image_id: str, status: str):
        self.cloud.changes.append(("update_member", image_id, member, status))
        self.cloud.members[image_id][member] = status

    def remove_member(self, member: str, image_id: str, ignore_missing: bool = True):
        self.cloud.changes.append(("remove_member", image_id, member))
        del self.cloud.members[image_id][member]

    def wait_for_status(self, image, **kwargs):
        return image


class FakeIdentity:
    """``conn.identity``: projects only."""

    def __init__(self, cloud: FakeCloud) -> None:
        self.cloud = cloud

    def get_project(self, project_id: str):
        for p in self.cloud.projects:
            if p.id == project_id:
                return p
        raise exceptions.NotFoundException(project_id)

    def projects(self, name: str | None = None, **q):
        return iter([p for p in self.cloud.projects if p.name == name])


class FakeNetwork:
    def __init__(self, cloud: FakeCloud) -> None:
        self.cloud = cloud

    def get_network(self, network_id: str):
        for n in self.cloud.networks:
            if n.id == network_id:
                return n
        raise exceptions.NotFoundException(network_id)

    def networks(self, name: str | None = None):
        return iter([n for n in self.cloud.networks if n.name == name])


class FakePlacement:
    def __init__(self, cloud: FakeCloud) -> None:
        self.cloud = cloud

    def resource_providers(self, name: str | None = None):
        return iter([SimpleNamespace(id=f"rp-{name}", name=name)])

    def fetch_resource_provider_usages(self, provider):
        return SimpleNamespace(usages={"VCPU": 2, "MEMORY_MB": 1024})

    def resource_provider_inventories(self, provider):
        return iter(
            [
                SimpleNamespace(
                    resource_class="VCPU", total=8, reserved=0, allocation_ratio=4.0
                ),
                SimpleNamespace(
                    resource_class="MEMORY_MB",
                    total=4096,
                    reserved=512,
                    allocation_ratio=1.0,
                ),
            ]
        )


class FakeCloud:
    """The state behind the fake proxies; ``conn`` is what workflows receive."""

    def __init__(self) -> None:
        self.hosts: dict[str, dict[str, Any]] = {}
        self.servers: dict[str, dict[str, Any]] = {}
        self.flavors: list[Any] = []
        self.flavor_access: dict[str, list[str]] = {}
        self.images: list[Any] = []
        self.members: dict[str, dict[str, str]] = {}
        self.projects: list[Any] = []
        self.networks: list[Any] = []
        self.aggregates: list[Any] = []
        self.changes: list[tuple[Any, ...]] = []
        self.reads: list[str] = []
        self.fail_migration: set[str] = set()
        self.fail_stop: set[str] = set()
        self.snapshot_status = "active"
        self.conn = SimpleNamespace(
            compute=FakeCompute(self),
            image=FakeImage(self),
            identity=FakeIdentity(self),
            network=FakeNetwork(self),
            placement=FakePlacement(self),
        )

    def add_host(
        self,
        name: str,
        enabled: bool = True,
        up: bool = True,
        reason: str | None = None,
        uptime: str | None = None,
    ) -> None:
        self.hosts[name] = {
            "id": new_id("hyp"),
            "service_id": new_id("svc"),
            "enabled": enabled,
            "up": up,
            "reason": reason,
            "uptime": uptime,
        }

    def add_server(
        self,
        name: str,
        host: str,
        status: str = "ACTIVE",
        vcpus: int = 1,
        extra_specs: dict[str, str] | None = None,
        task_state: str | None = None,
    ) -> dict[str, Any]:
        server_id = new_id("srv")
        self.servers[server_id] = {
            "id": server_id,
            "name": name,
            "status": status,
            "OS-EXT-STS:task_state": task_state,
            "OS-EXT-SRV-ATTR:host": host,
            "OS-EXT-SRV-ATTR:hypervisor_hostname": host,
            "tenant_id": "proj-1",
            "flavor": {
                "original_name": "m1.test",
                "vcpus": vcpus,
                "ram": 512,
                "disk": 1,
                "extra_specs": extra_specs or {},
            },
            "image": {"id": "img-1"},
        }
        return self.servers[server_id]

    def host_of(self, server_id: str) -> str:
        return self.servers[server_id]["OS-EXT-SRV-ATTR:host"]


def standard_cloud() -> FakeCloud:
    """Three enabled hosts hv1-hv3 (hv1 with two servers) and a disabled hv9."""
    cloud = FakeCloud()
    cloud.add_host("hv1", uptime=" 10:00:00 up 30 days,  2:05,  0 users")
    cloud.add_host("hv2", uptime=" 10:00:00 up 5 days,  1:00,  0 users")
    cloud.add_host("hv3", uptime=" 10:00:00 up 90 days,  0:10,  0 users")
    cloud.add_host("hv9", enabled=False, reason="broken DIMM")
    cloud.add_server("web-1", "hv1")
    cloud.add_server("db-1", "hv1", status="SHUTOFF")
    return cloud
