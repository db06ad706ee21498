"""Seed Nova: flavors, the disabled compute service, servers in several states."""

from __future__ import annotations

import time

import seed_data as data

from seedlib.context import SeedContext
from seedlib.identity import operator_connection


def seed_flavors(ctx: SeedContext) -> None:
    """Public flavors, the GPU-like one with extra specs."""
    compute = ctx.admin.compute
    for spec in data.FLAVORS:
        flavor = compute.find_flavor(spec["name"])
        if flavor is None:
            attrs = {k: spec[k] for k in ("name", "vcpus", "ram", "disk")}
            if spec.get("description"):
                attrs["description"] = spec["description"]
            flavor = compute.create_flavor(is_public=True, **attrs)
        if spec["extra_specs"]:
            have = compute.fetch_flavor_extra_specs(flavor).extra_specs or {}
            if have != spec["extra_specs"]:
                compute.create_flavor_extra_specs(flavor, dict(spec["extra_specs"]))
        ctx.ids("flavors")[spec["name"]] = flavor.id


def seed_disabled_service(ctx: SeedContext) -> None:
    """Disable the maintenance host's nova-compute with a reason."""
    compute = ctx.admin.compute
    service = next(
        s
        for s in compute.services()
        if s.host == data.DISABLED_HOST and s.binary == "nova-compute"
    )
    if service.status != "disabled" or service.disabled_reason != data.DISABLED_REASON:
        service = compute.disable_service(service, disabled_reason=data.DISABLED_REASON)
    ctx.record["disabled_service"] = {
        "id": service.id,
        "host": data.DISABLED_HOST,
        "binary": "nova-compute",
        "reason": data.DISABLED_REASON,
    }


def _find_server(ctx: SeedContext, name: str, project_id: str):
    """The seeded server called ``name`` in ``project_id``, if it exists."""
    for server in ctx.admin.compute.servers(all_projects=True, name=f"^{name}$"):
        if server.project_id == project_id:
            return ctx.admin.compute.get_server(server.id)
    return None


def _wait(ctx: SeedContext, server_id: str, check, what: str, timeout: float = 120.0):
    """Poll the server as admin until ``check(server)`` holds."""
    deadline = time.monotonic() + timeout
    while True:
        server = ctx.admin.compute.get_server(server_id)
        if check(server):
            return server
        if server.status == "ERROR" or time.monotonic() > deadline:  # unexpected ERROR
            raise RuntimeError(
                f"server {server.name}: waiting for {what}, got {server.status}"
            )
        time.sleep(0.5)


def seed_servers(ctx: SeedContext) -> None:
    """Boot the servers (in parallel), place them, then set their states."""
    projects = ctx.ids("projects")
    network_id = ctx.ids("networks")[data.SHARED_NETWORK]
    created = {}
    for spec in data.SERVERS:
        server = _find_server(ctx, str(spec["name"]), projects[spec["project"]])
        if server is None:
            conn = operator_connection(ctx, str(spec["project"]))
            server = conn.compute.create_server(
                name=spec["name"],
                flavor_id=ctx.ids("flavors")[spec["flavor"]],
                image_id=ctx.ids("images")[spec["image"]],
                networks=[{"uuid": network_id}],
                metadata={"seeded-by": "devcloud"},
            )
            created[spec["name"]] = server.id
        ctx.ids("servers")[spec["name"]] = {"id": server.id}
    specs = {str(s["name"]): s for s in data.SERVERS}
    for server_id in created.values():
        _wait(ctx, server_id, lambda s: s.status == "ACTIVE", "ACTIVE")
    _place(ctx, created, specs)
    _set_states(ctx, created, specs)
    for name, entry in ctx.ids("servers").items():
        server = ctx.admin.compute.get_server(entry["id"])
        entry.update(
            host=server.compute_host,
            status=server.status,
            project=specs[name]["project"],
            flavor=specs[name]["flavor"],
            image=specs[name]["image"],
        )


def _place(ctx: SeedContext, created: dict[str, str], specs: dict[str, dict]) -> None:
    """Live-migrate every new server not on its wanted host, all at once."""
    compute = ctx.admin.compute
    moving = {}
    for name, server_id in created.items():
        if compute.get_server(server_id).compute_host != specs[name]["host"]:
            compute.live_migrate_server(
                server_id, host=specs[name]["host"], block_migration="auto"
            )
            moving[name] = server_id
    for name, server_id in moving.items():
        host = specs[name]["host"]
        _wait(
            ctx,
            server_id,
            lambda s, host=host: s.compute_host == host and s.status == "ACTIVE",
            f"live migration to {host}",
        )


def _set_states(
    ctx: SeedContext, created: dict[str, str], specs: dict[str, dict]
) -> None:
    """Stop the SHUTOFF servers and mark the ERROR ones."""
    compute = ctx.admin.compute
    for name, server_id in created.items():
        if specs[name]["status"] == "SHUTOFF":
            compute.stop_server(server_id)
        elif specs[name]["status"] == "ERROR":
            compute.reset_server_state(server_id, "error")
    for name, server_id in created.items():
        wanted = specs[name]["status"]
        if wanted != "ERROR":
            _wait(ctx, server_id, lambda s, wanted=wanted: s.status == wanted, wanted)
