"""Nova on the devcloud: boot on a tenant network, migrations, service disable."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from openstack.connection import Connection

RAW_BYTES = bytes(64 * 1024)


def wait_for(
    conn: Connection, server_id: str, check: Callable[[Any], bool], timeout: float = 120
):
    """Re-read the server until ``check`` holds; fail on ERROR or timeout."""
    deadline = time.monotonic() + timeout
    while True:
        server = conn.compute.get_server(server_id)
        if check(server):
            return server
        assert server.status != "ERROR", f"server went to ERROR: {server.fault}"
        assert time.monotonic() < deadline, f"timed out, status {server.status}"
        time.sleep(0.5)


def hypervisor_of(conn: Connection, server_id: str) -> set[str]:
    """Hypervisors whose server list includes ``server_id`` (with_servers, 2.53+)."""
    return {
        h.name
        for h in conn.compute.hypervisors(details=True, with_servers=True)
        if any(s.get("uuid") == server_id for s in h.servers or [])
    }


def make_server(admin_conn: Connection, unique_name, cleanup) -> Any:
    """Boot a server on a new tenant network; returns it ACTIVE."""
    net = admin_conn.network.create_network(name=unique_name("net"))
    cleanup(admin_conn.network.delete_network, net)
    subnet = admin_conn.network.create_subnet(
        network_id=net.id,
        ip_version=4,
        cidr="192.168.77.0/24",
        name=unique_name("subnet"),
    )
    cleanup(admin_conn.network.delete_subnet, subnet)
    image = admin_conn.image.create_image(
        allow_duplicates=True,
        name=unique_name("img"),
        disk_format="raw",
        container_format="bare",
        data=RAW_BYTES,
    )
    cleanup(admin_conn.image.delete_image, image)
    flavor = admin_conn.compute.create_flavor(
        name=unique_name("flv"), ram=256, vcpus=1, disk=1
    )
    cleanup(admin_conn.compute.delete_flavor, flavor)
    server = admin_conn.compute.create_server(
        name=unique_name("vm"),
        image_id=image.id,
        flavor_id=flavor.id,
        networks=[{"uuid": net.id}],
    )

    def delete_server(server_id: str) -> None:
        admin_conn.compute.delete_server(server_id)
        admin_conn.compute.wait_for_delete(
            admin_conn.compute.get_server(server_id), wait=120
        )

    cleanup(delete_server, server.id)
    return wait_for(admin_conn, server.id, lambda s: s.status == "ACTIVE"), net


def test_server_boots_migrates_and_comes_back(
    admin_conn: Connection, seed, unique_name, cleanup
):
    server, net = make_server(admin_conn, unique_name, cleanup)
    addresses = server.addresses[net.name]
    assert addresses and addresses[0]["addr"].startswith("192.168.77.")
    ports = list(admin_conn.network.ports(device_id=server.id))
    assert [p.status for p in ports] == ["ACTIVE"]
    assert ports[0].binding_vif_type == "other"

    # The scheduler may pick any enabled host: the seeded ones or the scratch host.
    enabled_hosts = [*seed["server_hosts"], seed["scratch_host"]]
    source = server.compute_host
    assert source in enabled_hosts
    assert hypervisor_of(admin_conn, server.id) == {source}
    target = next(h for h in enabled_hosts if h != source)

    admin_conn.compute.migrate_server(server, host=target)
    server = wait_for(admin_conn, server.id, lambda s: s.status == "VERIFY_RESIZE")
    admin_conn.compute.confirm_server_resize(server)
    server = wait_for(admin_conn, server.id, lambda s: s.status == "ACTIVE")
    assert server.compute_host == target
    assert hypervisor_of(admin_conn, server.id) == {target}

    admin_conn.compute.live_migrate_server(server, host=source, block_migration="auto")
    server = wait_for(
        admin_conn,
        server.id,
        lambda s: s.status == "ACTIVE" and s.compute_host == source,
    )
    assert hypervisor_of(admin_conn, server.id) == {source}
    migrations = {
        m.migration_type for m in admin_conn.compute.migrations(instance_uuid=server.id)
    }
    assert {"migration", "live-migration"} <= migrations


def test_compute_service_disable_and_enable_with_reason(
    admin_conn: Connection, seed, unique_name
):
    host = seed["server_hosts"][-1]
    service = next(
        s
        for s in admin_conn.compute.services()
        if s.host == host and s.binary == "nova-compute"
    )
    assert service.status == "enabled"
    reason = f"integration test {unique_name('reason')}"
    try:
        admin_conn.compute.disable_service(service, disabled_reason=reason)
        again = next(s for s in admin_conn.compute.services() if s.id == service.id)
        assert (again.status, again.disabled_reason) == ("disabled", reason)
    finally:
        admin_conn.compute.enable_service(service)
    again = next(s for s in admin_conn.compute.services() if s.id == service.id)
    assert again.status == "enabled"
    assert not again.disabled_reason
