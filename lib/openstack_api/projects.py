"""Keystone projects and the resources a project owns across services.

``inventory`` answers "what does this project still own?" (servers, volumes where
the service exists, networks, subnets, routers, ports, floating IPs, security groups
and RBAC policies targeting it) for ``project.delete``'s emptiness guard and purge
plan, and ``project.show``'s usage.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from openstack.connection import Connection

from openstack_api.catalog import token_access
from openstack_api.connection import account_name, identity_v3
from openstack_api.reconcile import create_or_find

IMMUTABLE_TAG = "immutable"

#: The kinds that make a project "not empty" for ``project.delete``.
BLOCKING_KINDS = ("servers", "volumes", "networks", "routers", "ports", "floating_ips")


def create_project(
    conn: Connection,
    name: str,
    domain_id: str,
    description: str,
    parent_id: str | None,
    tags: list[str],
    extra: dict[str, str],
    notes: list[str] | None = None,
) -> Any:
    """Create an enabled project; ``extra`` holds Keystone extra attributes such as
    ``contact_email`` (Keystone stores and returns unknown project attributes).

    Names are unique in a domain, so when the reply is lost the project is looked up
    by name in the domain (the caller checked the name was free before) instead of
    being created again; ``notes`` says so (see ``reconcile.create_or_find``)."""
    attrs: dict[str, Any] = {
        "name": name,
        "domain_id": domain_id,
        "description": description,
        "is_enabled": True,
        "tags": list(tags),
        **extra,
    }
    if parent_id:
        attrs["parent_id"] = parent_id
    return create_or_find(
        lambda: identity_v3(conn).create_project(**attrs),
        lambda: identity_v3(conn).projects(name=name, domain_id=domain_id),
        f"project {name!r}",
        notes,
    )


def name_taken(conn: Connection, name: str, domain_id: str) -> bool:
    """Whether the domain already has a project named ``name`` (names are unique
    in a domain)."""
    return any(
        p.name == name
        for p in identity_v3(conn).projects(name=name, domain_id=domain_id)
    )


def current_project_id(conn: Connection) -> str:
    """The id of the project the connection's token is scoped to (authenticating
    when needed); a token without a project is ``ConnectionNotScoped``."""
    project_id = conn.current_project_id
    if not project_id:
        raise ConnectionNotScoped(account_name(conn))
    return str(project_id)


class ConnectionNotScoped(RuntimeError):
    """The cloud account's token is scoped to no project (a domain or system
    scope): per-project calls need a project. ``account`` is the account name."""

    def __init__(self, account: str | None) -> None:
        super().__init__(
            f"cloud account {account!r} is scoped to no project: set its project"
        )
        self.account = account


def delete_project(conn: Connection, project_id: str) -> None:
    """Delete a project (already gone is fine)."""
    identity_v3(conn).delete_project(project_id, ignore_missing=True)


def is_immutable(project: Any) -> bool:
    """Whether the project carries the ``immutable`` tag (or Keystone's
    ``immutable`` resource option), which destructive actions refuse."""
    tags = [str(t).lower() for t in (getattr(project, "tags", None) or [])]
    options = getattr(project, "options", None) or {}
    return IMMUTABLE_TAG in tags or bool(options.get("immutable"))


def is_protected(project: Any, protected: list[str]) -> bool:
    """Whether the project's id or name is in the configured protected list."""
    return project.id in protected or project.name in protected


def describe_project(project: Any) -> dict[str, Any]:
    """The JSON details of a project shown in results."""
    return {
        "id": project.id,
        "name": project.name,
        "domain_id": project.domain_id,
        # Keystone reports a top-level project's domain as its parent
        "parent_id": (
            None if project.parent_id == project.domain_id else project.parent_id
        ),
        "description": project.description or "",
        "enabled": bool(project.is_enabled),
        "tags": sorted(project.tags or []),
        "contact_email": _extra(project, "contact_email"),
    }


def _extra(project: Any, key: str) -> Any:
    """A Keystone extra attribute of the project (None when unset)."""
    value = getattr(project, key, None)
    if value is None and hasattr(project, "to_dict"):
        value = project.to_dict().get(key)
    return value


@dataclass(frozen=True)
class Owned:
    """One resource a project owns, as listed in refusals and purge plans."""

    kind: str
    id: str
    name: str
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return asdict(self)


@dataclass
class Inventory:
    """What a project owns, by kind; ``notes`` says which services were not checked."""

    items: dict[str, list[Owned]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def of(self, kind: str) -> list[Owned]:
        """The owned resources of one kind."""
        return self.items.get(kind, [])

    def blocking(self) -> dict[str, list[Owned]]:
        """The kinds that keep a project from being deleted, non-empty only."""
        return {k: self.of(k) for k in BLOCKING_KINDS if self.of(k)}

    def counts(self) -> dict[str, int]:
        """How many of each kind."""
        return {k: len(v) for k, v in self.items.items()}

    def as_dict(self) -> dict[str, Any]:
        """JSON form: each kind's list."""
        return {k: [o.as_dict() for o in v] for k, v in self.items.items()}


def has_service(conn: Connection, service_type: str) -> bool:
    """Whether the cloud's catalog has ``service_type`` (e.g. ``block-storage``);
    read from the token's catalog, which (unlike ``conn.has_service``) logs no
    warning for an absent service."""
    aliases = {"block-storage": ("block-storage", "volumev3", "volumev2", "volume")}
    access = token_access(conn)
    present = {entry.get("type") for entry in access.service_catalog.catalog}
    return any(t in present for t in aliases.get(service_type, (service_type,)))


def inventory(conn: Connection, project_id: str) -> Inventory:
    """Everything the project owns that ``project.delete`` cares about."""
    inv = Inventory()
    net = conn.network
    inv.items["servers"] = [
        Owned("servers", s.id, s.name, {"status": s.status})
        for s in conn.compute.servers(all_projects=True, project_id=project_id)
    ]
    if has_service(conn, "block-storage"):
        inv.items["volumes"] = [
            Owned("volumes", v.id, v.name or "", {"status": v.status})
            for v in conn.block_storage.volumes(
                all_projects=True, project_id=project_id
            )
        ]
    else:
        inv.notes.append("volumes: the cloud has no block-storage service")
    inv.items["floating_ips"] = [
        Owned(
            "floating_ips",
            f.id,
            f.floating_ip_address,
            {"port_id": f.port_id},
        )
        for f in net.ips(project_id=project_id)
    ]
    inv.items["routers"] = [
        Owned("routers", r.id, r.name, {"gateway": bool(r.external_gateway_info)})
        for r in net.routers(project_id=project_id)
    ]
    inv.items["ports"] = [
        Owned(
            "ports",
            p.id,
            p.name or "",
            {
                "device_owner": p.device_owner or "",
                "device_id": p.device_id or "",
                "network_id": p.network_id,
            },
        )
        for p in net.ports(project_id=project_id)
    ]
    inv.items["subnets"] = [
        Owned("subnets", s.id, s.name, {"cidr": s.cidr, "network_id": s.network_id})
        for s in net.subnets(project_id=project_id)
    ]
    inv.items["networks"] = [
        Owned("networks", n.id, n.name, {"shared": bool(n.is_shared)})
        for n in net.networks(project_id=project_id)
    ]
    inv.items["security_groups"] = [
        Owned("security_groups", g.id, g.name)
        for g in net.security_groups(project_id=project_id)
    ]
    inv.items["rbac_policies"] = [
        Owned(
            "rbac_policies",
            p.id,
            f"{p.action} {p.object_type} {p.object_id}",
            {"object_type": p.object_type, "object_id": p.object_id},
        )
        for p in net.rbac_policies(target_project_id=project_id)
    ]
    return inv
