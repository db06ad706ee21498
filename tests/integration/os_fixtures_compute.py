"""Fixtures for the server/hypervisor/image/flavor action tests on the devcloud.

Actions run the way StackStorm runs them: the action's YAML defaults filled, the
pack's entry point (``WorkflowActions``) with the devcloud's pack config. Tests boot
their own servers (smallest seeded flavor, an image of their own, no network), pinned to a host,
and delete them afterwards; seeded servers and hosts are never touched, apart from
the scratch host ``devcloud-hv4`` which no seeded server uses.
"""

from __future__ import annotations

import copy
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from openstack import exceptions
from openstack.connection import Connection
from src.workflow_actions import WorkflowActions

from openstack_api.migrations import SNAPSHOT_PREFIX, snapshots_of
from tools.pack_meta import find_action
from tools.run_action.config import devcloud_dir, load_config
from tools.testing.services import PackActionService

SCRATCH_HOST = "devcloud-hv4"
SERVER_HOSTS = ("devcloud-hv1", "devcloud-hv2")
TINY_FLAVOR = "m1.tiny"

#: Migration rules the tests run with (the pack defaults plus a vCPU limit).
MIGRATION_CONFIG = {
    "refused_extra_specs": ["pci_passthrough:alias", "resources:VGPU"],
    "max_vcpus": 4,
    "drain_concurrency": 2,
}

RunAction = Callable[..., tuple[bool, Any]]


@pytest.fixture(scope="session")
def pack_config(clouds: dict[str, Any]) -> dict[str, Any]:
    """The devcloud's pack config with schema defaults and the test migration rules."""
    config, _path = load_config(str(devcloud_dir() / "openstack_ops.yaml"))
    config["migration"] = dict(MIGRATION_CONFIG)
    return config


@pytest.fixture
def run_action(pack_config: dict[str, Any]) -> RunAction:
    """``run_action("server.show", server=...)`` -> (succeeded, result).

    ``_config`` replaces the pack config for one run.

    Parameters not given take the action YAML's defaults (so ``apply`` is false
    unless a test says otherwise); unknown ones fail the test.
    """

    def run(
        _action: str, _config: dict[str, Any] | None = None, **params: Any
    ) -> tuple[bool, Any]:
        meta = find_action(_action)
        assert meta is not None, f"no action {_action}"
        unknown = set(params) - set(meta.parameters)
        assert not unknown, f"{_action} has no parameters {unknown}"
        values = {
            key: schema.get("default")
            for key, schema in meta.inputs.items()
            if key not in params
        }
        values.update(params)
        values.setdefault("cloud_account", "devcloud-admin")
        config = pack_config if _config is None else _config
        service = PackActionService("WorkflowActions")
        action = WorkflowActions(config=copy.deepcopy(config), action_service=service)
        outcome = action.run(**values)
        if isinstance(outcome, tuple):
            return outcome
        return True, outcome

    return run


def wait_server(
    conn: Connection, server_id: str, check: Callable[[Any], bool], timeout: float = 180
) -> Any:
    """Re-read the server until ``check`` holds; fail on ERROR or timeout."""
    deadline = time.monotonic() + timeout
    while True:
        server = conn.compute.get_server(server_id)
        if check(server):
            return server
        assert server.status != "ERROR", f"server went to ERROR: {server.fault}"
        assert time.monotonic() < deadline, f"timed out, status {server.status}"
        time.sleep(0.5)


def delete_server(conn: Connection, server_id: str) -> None:
    """Delete a server and its pre-migration snapshots, waiting until it is gone.

    Only images named ``openstack_ops-premigration-it-...`` (a test server's
    snapshot, filtered client-side) are ever deleted here.
    """
    for image in snapshots_of(conn, server_id):
        if image.name.startswith(f"{SNAPSHOT_PREFIX}-it-"):
            conn.image.delete_image(image, ignore_missing=True)
    try:
        server = conn.compute.get_server(server_id)
    except exceptions.NotFoundException:
        return
    conn.compute.delete_server(server, force=server.status == "ERROR")
    conn.compute.wait_for_delete(server, wait=180)


def delete_servers_named(conn: Connection, name: str) -> None:
    """Delete every server named exactly ``name`` (a test's unique ``it-`` name;
    the name filter is re-checked here, since Nova treats it as a pattern)."""
    assert name.startswith("it-"), name
    for server in conn.compute.servers(all_projects=True, name=f"^{name}$"):
        if server.name == name:
            delete_server(conn, server.id)


@pytest.fixture(scope="session")
def test_image(admin_conn: Connection) -> Iterator[Any]:
    """A tiny public RAW image of the tests' own (seeded images may be re-seeded
    under the tests' feet by a concurrent ``devcloud seed``)."""
    image = admin_conn.image.create_image(
        allow_duplicates=True,
        name=f"it-compute-image-{uuid.uuid4().hex[:8]}",
        disk_format="raw",
        container_format="bare",
        visibility="public",
        data=bytes(64 * 1024),
    )
    deadline = time.monotonic() + 60
    while admin_conn.image.get_image(image.id).status != "active":
        assert time.monotonic() < deadline, "test image never became active"
        time.sleep(0.5)
    yield admin_conn.image.get_image(image.id)
    admin_conn.image.delete_image(image, ignore_missing=True)


@pytest.fixture
def boot_server(
    admin_conn: Connection, unique_name: Callable[[str], str], test_image: Any
) -> Iterator[Callable[..., Any]]:
    """``boot_server(host, stopped=False, flavor=...)``: a server ACTIVE (or SHUTOFF)
    on ``host``.

    Pinned with ``nova:<host>``; every server booted is deleted after the test.
    """
    created: list[str] = []
    image = test_image

    def boot(
        host: str, stopped: bool = False, flavor: str = TINY_FLAVOR, label: str = "vm"
    ) -> Any:
        flavor_id = admin_conn.compute.find_flavor(flavor, ignore_missing=False).id
        server = admin_conn.compute.create_server(
            name=unique_name(f"{label}{len(created)}"),
            flavor_id=flavor_id,
            image_id=image.id,
            networks="none",
            availability_zone=f"nova:{host}",
        )
        created.append(server.id)
        server = wait_server(admin_conn, server.id, lambda s: s.status == "ACTIVE")
        if stopped:
            admin_conn.compute.stop_server(server)
            server = wait_server(
                admin_conn,
                server.id,
                lambda s: s.status == "SHUTOFF" and not s.task_state,
            )
        assert server.compute_host == host
        return server

    yield boot
    for server_id in created:
        delete_server(admin_conn, server_id)


def compute_service(conn: Connection, host: str) -> Any:
    """The nova-compute service of ``host``."""
    found = [s for s in conn.compute.services(binary="nova-compute") if s.host == host]
    assert found, f"no nova-compute service on {host}"
    return found[0]


@pytest.fixture
def scratch_host(admin_conn: Connection) -> Iterator[str]:
    """``devcloud-hv4``, enabled and up, re-enabled after the test."""
    service = compute_service(admin_conn, SCRATCH_HOST)
    if service.status != "enabled":
        admin_conn.compute.enable_service(service)
    assert compute_service(admin_conn, SCRATCH_HOST).state == "up"
    yield SCRATCH_HOST
    service = compute_service(admin_conn, SCRATCH_HOST)
    if service.status != "enabled":
        admin_conn.compute.enable_service(service)


#: Reason the tests fence the scratch host with (marked as the pack's).
FENCE_REASON = "[openstack_ops] integration tests: scratch host fenced"


def fence(conn: Connection, host: str) -> None:
    """Disable ``host`` so unpinned servers of concurrent tests do not land on it.

    Nova places no new server on a disabled host, not even one pinned with
    ``nova:<host>``: boot the test's servers first, then fence.
    """
    service = compute_service(conn, host)
    if service.status == "enabled":
        conn.compute.disable_service(service, disabled_reason=FENCE_REASON)
    assert compute_service(conn, host).status == "disabled"


def host_of(conn: Connection, server_id: str) -> str:
    """The compute host of a server, re-read."""
    return conn.compute.get_server(server_id).compute_host
