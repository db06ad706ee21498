"""Keystone catalog and accounts of the devcloud; runs in the services venv.

Usage (called by ``devcloud up``)::

    <state>/venv/bin/python cloud_setup.py catalog
    <state>/venv/bin/python cloud_setup.py wait-computes

Every step is idempotent: it looks things up before creating them.
"""

from __future__ import annotations

import sys
import time

import openstack
from devcloudlib.state import (
    ADMIN_PROJECT,
    ADMIN_USER,
    COMPUTE_HOSTS,
    HOST,
    MEMBER_PROJECT,
    MEMBER_USER,
    PORTS,
    REGION,
    SERVICE_USERS,
    State,
)
from openstack.connection import Connection

#: Catalog entries: service name -> (type, URL).
CATALOG = {
    "placement": ("placement", f"http://{HOST}:{PORTS['placement']}"),
    "glance": ("image", f"http://{HOST}:{PORTS['glance']}"),
    "nova": ("compute", f"http://{HOST}:{PORTS['nova-api']}/v2.1"),
    "neutron": ("network", f"http://{HOST}:{PORTS['neutron']}"),
}


def admin_connection(state: State) -> Connection:
    """A project-scoped admin connection to the devcloud."""
    return openstack.connect(
        auth_url=f"http://{HOST}:{PORTS['keystone']}/v3",
        username=ADMIN_USER,
        password=state.secrets()["admin"],
        project_name=ADMIN_PROJECT,
        user_domain_name="Default",
        project_domain_name="Default",
        region_name=REGION,
    )


def ensure_role(conn: Connection, name: str) -> object:
    """A role, created when missing."""
    return conn.identity.find_role(name) or conn.identity.create_role(name=name)


def ensure_project(conn: Connection, name: str, description: str) -> object:
    """A project in the Default domain, created when missing."""
    found = conn.identity.find_project(name, domain_id="default")
    return found or conn.identity.create_project(
        name=name, domain_id="default", description=description
    )


def ensure_user(
    conn: Connection, name: str, password: str, project: object, **extra
) -> object:
    """A user in the Default domain; its password is (re)set to ``password``."""
    user = conn.identity.find_user(name, domain_id="default")
    if user is None:
        return conn.identity.create_user(
            name=name,
            password=password,
            domain_id="default",
            default_project_id=project.id,
            **extra,
        )
    return user


def grant(conn: Connection, project: object, user: object, role: object) -> None:
    """Give ``user`` ``role`` on ``project`` (no-op when already assigned)."""
    conn.identity.assign_project_role_to_user(project, user, role)


def catalog(state: State) -> None:
    """Service project, service users, endpoints and the ordinary member user."""
    conn = admin_connection(state)
    secrets = state.secrets()
    admin_role = ensure_role(conn, "admin")
    member_role = ensure_role(conn, "member")
    ensure_role(conn, "reader")
    service_role = ensure_role(conn, "service")
    service = ensure_project(conn, "service", "OpenStack service users")
    for name in SERVICE_USERS:
        user = ensure_user(conn, name, secrets["service"], service)
        grant(conn, service, user, admin_role)
        grant(conn, service, user, service_role)
    existing = {svc.name: svc for svc in conn.identity.services()}
    for name, (kind, url) in CATALOG.items():
        svc = existing.get(name) or conn.identity.create_service(name=name, type=kind)
        have = {ep.interface for ep in conn.identity.endpoints(service_id=svc.id)}
        for interface in ("public", "internal", "admin"):
            if interface not in have:
                conn.identity.create_endpoint(
                    service_id=svc.id, interface=interface, url=url, region_id=REGION
                )
    demo = ensure_project(conn, MEMBER_PROJECT, "Project of the ordinary devcloud user")
    user = ensure_user(
        conn, MEMBER_USER, secrets["member"], demo, email="devcloud-user@devcloud.test"
    )
    grant(conn, demo, user, member_role)
    print("catalog ready")


#: Exit status of ``wait-computes`` when the hosts still need discover_hosts.
NOT_MAPPED = 3


def _wait(what: str, check, timeout: float) -> None:
    """Poll ``check()`` (returns (done, detail)) until done or ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        done, detail = check()
        if done:
            print(f"{what}: ready")
            return
        if time.monotonic() > deadline:
            raise SystemExit(f"{what}: not ready after {timeout:.0f} s: {detail}")
        time.sleep(1)


def wait_computes(state: State, timeout: float = 180.0) -> None:
    """Wait until every fake compute host is up and known to Placement."""
    conn = admin_connection(state)

    def check() -> tuple[bool, str]:
        services = {
            s.host: s.state
            for s in conn.compute.services()
            if s.binary == "nova-compute"
        }
        providers = {rp.name for rp in conn.placement.resource_providers()}
        done = all(services.get(h) == "up" and h in providers for h in COMPUTE_HOSTS)
        return done, f"services={services} providers={sorted(providers)}"

    _wait("compute services", check, timeout)
    names = {h.name for h in conn.compute.hypervisors()}
    if not all(h in names for h in COMPUTE_HOSTS):
        print(f"hosts not mapped to a cell yet: hypervisors={sorted(names)}")
        raise SystemExit(NOT_MAPPED)


def wait_hypervisors(state: State, timeout: float = 60.0) -> None:
    """Wait until every fake compute host is listed as a hypervisor."""
    conn = admin_connection(state)

    def check() -> tuple[bool, str]:
        names = {h.name for h in conn.compute.hypervisors()}
        return all(h in names for h in COMPUTE_HOSTS), f"hypervisors={sorted(names)}"

    _wait("hypervisors", check, timeout)


def main(argv: list[str]) -> None:
    """Dispatch to one step."""
    state = State.from_env()
    steps = {
        "catalog": catalog,
        "wait-computes": wait_computes,
        "wait-hypervisors": wait_hypervisors,
    }
    if len(argv) != 1 or argv[0] not in steps:
        raise SystemExit(f"usage: cloud_setup.py {{{'|'.join(steps)}}}")
    steps[argv[0]](state)


if __name__ == "__main__":
    main(sys.argv[1:])
