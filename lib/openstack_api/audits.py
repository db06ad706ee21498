"""The listings the estate audits read, one paginated listing per resource type.

Every function here performs ONE listing (openstacksdk's paginating generator via
``openstack_query.bodies.list_bodies``, so each item is a light view of its API body,
not a full SDK object) and returns small frozen records holding only what an audit
needs. Nothing is looked up per item: the audits join these listings in memory
(``workflows.audit``), so an audit costs a constant number of listings whatever the
size of the estate.

Scope: ``project_ids`` is ``None`` for every project (admin), or the ids to keep.
One id is pushed down to the API; several are filtered locally on the one listing.

SDK errors surface as ``FetchError`` naming the listing (the entry point turns them
into a failure naming the cloud account, endpoint and cause).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

from openstack import exceptions as sdk_exceptions
from openstack.compute.v2.server import Server
from openstack.identity.v3.project import Project
from openstack.identity.v3.role_assignment import RoleAssignment
from openstack.identity.v3.user import User
from openstack.image.v2.image import Image
from openstack.network.v2.floating_ip import FloatingIP
from openstack.network.v2.port import Port
from openstack.network.v2.security_group import SecurityGroup

from openstack_query import FetchError
from openstack_query.bodies import BodyView, api_body, list_bodies

#: Page size asked of paginated listings.
PAGE_SIZE = 1000


def _bodies(listing: Iterable[BodyView], what: str) -> Iterator[dict[str, Any]]:
    """The raw API bodies of a listing, SDK errors as ``FetchError`` naming it."""
    try:
        for view in listing:
            yield view.body
    except sdk_exceptions.SDKException as exc:
        raise FetchError(f"listing {what} failed: {exc}") from exc


def _in_scope(project_id: str | None, project_ids: tuple[str, ...] | None) -> bool:
    return project_ids is None or (project_id or "") in project_ids


def _one(project_ids: tuple[str, ...] | None) -> dict[str, str]:
    """The pushed-down project filter when exactly one project is in scope."""
    if project_ids is not None and len(project_ids) == 1:
        return {"project_id": project_ids[0]}
    return {}


def _owner(body: dict[str, Any]) -> str | None:
    """A Neutron body's project (``tenant_id`` on older APIs)."""
    return body.get("project_id") or body.get("tenant_id")


def _network_bodies(
    conn: Any, resource: Any, project_ids: tuple[str, ...] | None, what: str
) -> Iterator[dict[str, Any]]:
    """The bodies in scope of one Neutron listing (one project pushed down)."""
    listing = list_bodies(conn.network, resource, **_one(project_ids))
    for body in _bodies(listing, what):
        if _in_scope(_owner(body), project_ids):
            yield body


@dataclass(frozen=True)
class _Record:
    """``as_dict`` for the frozen records below (a dataclass without fields, so
    ``asdict`` knows ``self`` is one)."""

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return asdict(self)


# ------------------------------------------------------------------ network
@dataclass(frozen=True)
class FloatingIp(_Record):
    """A floating IP: attached when ``port_id`` is set."""

    id: str
    address: str
    project_id: str
    port_id: str | None
    status: str
    network_id: str
    created_at: str | None
    updated_at: str | None


def _floating_ip(b: dict[str, Any]) -> FloatingIp:
    """The record of one API body (a listing's or a re-read's)."""
    return FloatingIp(
        id=b["id"],
        address=b.get("floating_ip_address") or "",
        project_id=_owner(b) or "",
        port_id=b.get("port_id") or None,
        status=b.get("status") or "",
        network_id=b.get("floating_network_id") or "",
        created_at=b.get("created_at"),
        updated_at=b.get("updated_at"),
    )


def floating_ips(conn: Any, project_ids: tuple[str, ...] | None) -> list[FloatingIp]:
    """Every floating IP in scope, from one Neutron listing."""
    return [
        _floating_ip(b)
        for b in _network_bodies(conn, FloatingIP, project_ids, "floating IPs")
    ]


@dataclass(frozen=True)
class PortInfo(_Record):
    """A Neutron port: orphaned when it has no device and is DOWN."""

    id: str
    name: str
    project_id: str
    network_id: str
    status: str
    device_id: str
    device_owner: str
    fixed_ips: tuple[str, ...]
    created_at: str | None
    updated_at: str | None


def _port_info(b: dict[str, Any]) -> PortInfo:
    """The record of one API body (a listing's or a re-read's)."""
    return PortInfo(
        id=b["id"],
        name=b.get("name") or "",
        project_id=_owner(b) or "",
        network_id=b.get("network_id") or "",
        status=b.get("status") or "",
        device_id=b.get("device_id") or "",
        device_owner=b.get("device_owner") or "",
        fixed_ips=tuple(
            str(ip.get("ip_address"))
            for ip in b.get("fixed_ips") or []
            if isinstance(ip, dict) and ip.get("ip_address")
        ),
        created_at=b.get("created_at"),
        updated_at=b.get("updated_at"),
    )


def ports(conn: Any, project_ids: tuple[str, ...] | None) -> list[PortInfo]:
    """Every port in scope, from one Neutron listing."""
    return [_port_info(b) for b in _network_bodies(conn, Port, project_ids, "ports")]


@dataclass(frozen=True)
class SecurityRule(_Record):
    """One security group rule (``None`` ports: every port; ``None`` protocol: any)."""

    id: str
    direction: str
    ethertype: str
    protocol: str | None
    port_min: int | None
    port_max: int | None
    remote_ip_prefix: str | None
    remote_group_id: str | None


@dataclass(frozen=True)
class SecurityGroupInfo(_Record):
    """A security group with its rules (Neutron embeds them in the listing)."""

    id: str
    name: str
    project_id: str
    rules: tuple[SecurityRule, ...]


def _port(value: Any) -> int | None:
    return None if value is None else int(value)


def security_groups(
    conn: Any, project_ids: tuple[str, ...] | None
) -> list[SecurityGroupInfo]:
    """Every security group in scope with its rules, from one Neutron listing."""
    groups = []
    for b in _network_bodies(conn, SecurityGroup, project_ids, "security groups"):
        rules = tuple(
            SecurityRule(
                id=str(r.get("id")),
                direction=str(r.get("direction") or ""),
                ethertype=str(r.get("ethertype") or ""),
                protocol=None if r.get("protocol") is None else str(r["protocol"]),
                port_min=_port(r.get("port_range_min")),
                port_max=_port(r.get("port_range_max")),
                remote_ip_prefix=r.get("remote_ip_prefix"),
                remote_group_id=r.get("remote_group_id"),
            )
            for r in b.get("security_group_rules") or []
            if isinstance(r, dict)
        )
        groups.append(
            SecurityGroupInfo(
                id=b["id"],
                name=b.get("name") or "",
                project_id=_owner(b) or "",
                rules=rules,
            )
        )
    return groups


# ------------------------------------------------------------------ compute
@dataclass(frozen=True)
class ServerRecord(_Record):
    """What the audits read of a server (``fault`` only in ERROR)."""

    id: str
    name: str
    status: str
    task_state: str | None
    project_id: str
    user_id: str
    image_id: str | None
    host: str | None
    created_at: str | None
    updated_at: str | None
    fault: str | None


def _image_of(body: dict[str, Any]) -> str | None:
    image = body.get("image")
    if isinstance(image, dict):
        return image.get("id") or None
    return image or None


def _fault_of(body: dict[str, Any]) -> str | None:
    fault = body.get("fault")
    if not isinstance(fault, dict):
        return None
    code = fault.get("code")
    message = str(fault.get("message") or "").strip()
    return f"{code}: {message}" if code else message or None


def servers(conn: Any, project_ids: tuple[str, ...] | None) -> list[ServerRecord]:
    """Every server in scope (all projects as admin), from one Nova listing."""
    params: dict[str, Any] = {"limit": PAGE_SIZE, "all_projects": True}
    params.update(_one(project_ids))
    listing = list_bodies(conn.compute, Server, base_path="/servers/detail", **params)
    return [
        ServerRecord(
            id=b["id"],
            name=b.get("name") or "",
            status=str(b.get("status") or ""),
            task_state=b.get("OS-EXT-STS:task_state"),
            project_id=b.get("tenant_id") or b.get("project_id") or "",
            user_id=b.get("user_id") or "",
            image_id=_image_of(b),
            host=b.get("OS-EXT-SRV-ATTR:host"),
            created_at=b.get("created"),
            updated_at=b.get("updated"),
            fault=_fault_of(b),
        )
        for b in _bodies(listing, "servers")
        if _in_scope(b.get("tenant_id") or b.get("project_id"), project_ids)
    ]


def server_ids(conn: Any) -> set[str]:
    """The ids of every server of the cloud (all projects), from one listing."""
    return {s.id for s in servers(conn, None)}


def migration_ids(conn: Any) -> set[str]:
    """UUIDs of the migrations still in progress (they hold Placement allocations
    of their own while a server moves), from one paginated Nova listing."""
    done = {"confirmed", "reverted", "error", "failed", "completed", "cancelled"}
    found: set[str] = set()
    marker: str | None = None
    while True:
        params: dict[str, Any] = {"limit": PAGE_SIZE}
        if marker:
            params["marker"] = marker
        try:
            response = conn.compute.get(
                "/os-migrations", params=params, microversion="2.59"
            )
            sdk_exceptions.raise_from_response(response)
        except sdk_exceptions.SDKException as exc:
            raise FetchError(f"listing migrations failed: {exc}") from exc
        page = response.json().get("migrations") or []
        found |= {
            str(m["uuid"])
            for m in page
            if m.get("uuid") and str(m.get("status") or "").lower() not in done
        }
        if len(page) < PAGE_SIZE or not page[-1].get("uuid"):
            return found
        marker = str(page[-1]["uuid"])


# ----------------------------------------------------------------- identity
@dataclass(frozen=True)
class UserInfo(_Record):
    """A Keystone user."""

    id: str
    name: str
    enabled: bool
    email: str | None


def users(conn: Any) -> dict[str, UserInfo]:
    """Every user by id, from one Keystone listing."""
    return {
        b["id"]: UserInfo(
            id=b["id"],
            name=b.get("name") or "",
            enabled=bool(b.get("enabled", True)),
            email=b.get("email") or None,
        )
        for b in _bodies(list_bodies(conn.identity, User), "users")
    }


@dataclass(frozen=True)
class ProjectInfo(_Record):
    """A Keystone project."""

    id: str
    name: str
    enabled: bool
    domain_id: str
    is_domain: bool
    tags: tuple[str, ...]


def projects(conn: Any) -> dict[str, ProjectInfo]:
    """Every project by id, from one Keystone listing."""
    return {
        b["id"]: ProjectInfo(
            id=b["id"],
            name=b.get("name") or "",
            enabled=bool(b.get("enabled", True)),
            domain_id=b.get("domain_id") or "",
            is_domain=bool(b.get("is_domain", False)),
            tags=tuple(b.get("tags") or ()),
        )
        for b in _bodies(list_bodies(conn.identity, Project), "projects")
    }


def projects_with_assignments(conn: Any) -> set[str]:
    """Ids of the projects on which any user or group holds a role, from one
    role-assignment listing."""
    found: set[str] = set()
    listing = list_bodies(conn.identity, RoleAssignment)
    for b in _bodies(listing, "role assignments"):
        project = (b.get("scope") or {}).get("project") or {}
        if project.get("id"):
            found.add(str(project["id"]))
    return found


# -------------------------------------------------------------------- image
@dataclass(frozen=True)
class ImageInfo(_Record):
    """A Glance image; ``image_type`` is ``snapshot`` for server snapshots."""

    id: str
    name: str
    owner: str
    status: str
    visibility: str
    protected: bool
    size: int | None
    image_type: str | None
    instance_uuid: str | None
    created_at: str | None
    updated_at: str | None


def images(conn: Any, project_ids: tuple[str, ...] | None) -> list[ImageInfo]:
    """Every image owned in scope (every visibility), from one Glance listing."""
    params: dict[str, Any] = {"limit": PAGE_SIZE, "visibility": "all"}
    if project_ids is not None and len(project_ids) == 1:
        params["owner"] = project_ids[0]
    return [
        ImageInfo(
            id=b["id"],
            name=b.get("name") or "",
            owner=b.get("owner") or "",
            status=b.get("status") or "",
            visibility=b.get("visibility") or "",
            protected=bool(b.get("protected", False)),
            size=b.get("size"),
            image_type=b.get("image_type"),
            instance_uuid=b.get("instance_uuid"),
            created_at=b.get("created_at"),
            updated_at=b.get("updated_at"),
        )
        for b in _bodies(list_bodies(conn.image, Image, **params), "images")
        if _in_scope(b.get("owner"), project_ids)
    ]


# ---------------------------------------------------------------- removals
def release_floating_ip(conn: Any, floating_ip_id: str) -> None:
    """Release (delete) a floating IP; already gone is fine."""
    conn.network.delete_ip(floating_ip_id, ignore_missing=True)


def delete_port(conn: Any, port_id: str) -> None:
    """Delete a port; already gone is fine."""
    conn.network.delete_port(port_id, ignore_missing=True)


def floating_ip_now(conn: Any, floating_ip_id: str) -> FloatingIp | None:
    """The floating IP re-read just before acting on it (None when gone)."""
    try:
        f = conn.network.get_ip(floating_ip_id)
    except sdk_exceptions.NotFoundException:
        return None
    return _floating_ip(api_body(f))


def port_now(conn: Any, port_id: str) -> PortInfo | None:
    """The port re-read just before acting on it (None when gone)."""
    try:
        p = conn.network.get_port(port_id)
    except sdk_exceptions.NotFoundException:
        return None
    return _port_info(api_body(p))
