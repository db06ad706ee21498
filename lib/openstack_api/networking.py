"""Neutron pieces of a project's network: networks, subnets, routers, RBAC sharing,
security groups and floating IPs.

Functions take ``conn`` first and ids (resolved by the caller), create resources
owned by a given project (admin credentials create on the project's behalf), and the
``delete_*`` helpers treat "already gone" as done so undo and purge can be re-run.

A create whose reply is lost is reconciled (``reconcile.create_or_find``): the object
is looked up by its name inside the (new) project, and when found it is used instead
of being created again; ``notes`` collects what was reconciled for the report.
``sweep_project`` finds and removes every Neutron object a project owns, for the
rollback of ``project.create`` (which must leave nothing behind, even objects whose
create reply was lost).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from openstack import exceptions
from openstack.connection import Connection

from openstack_api.errors import NameLookupError
from openstack_api.lookup import find_unique, not_found_as_none
from openstack_api.reconcile import create_or_find, describe, refused
from pack_common import ConfigError, InputError


def find_network(conn: Connection, identifier: str) -> Any:
    """The network ``identifier`` names (id or name); ``UnknownName`` or
    ``AmbiguousName`` otherwise (the caller names where the name came from)."""
    return find_unique(
        identifier,
        "network",
        not_found_as_none(conn.network.get_network),
        lambda name: conn.network.networks(name=name),
        lambda n: f"project {n.project_id}",
    )


def external_network(conn: Connection, configured: str | None, config_key: str) -> Any:
    """The external network routers get their gateway on.

    ``configured`` (a name or id from the pack config ``config_key``) wins; empty
    means the cloud's only external network. An unknown, ambiguous or not external
    configured network, and zero or several external ones when none is configured,
    are a ``ConfigError`` naming the key.
    """
    if configured:
        try:
            network = find_network(conn, configured)
        except NameLookupError as error:
            raise error.for_config(config_key) from error
        if not network.is_router_external:
            raise ConfigError(
                f"pack config '{config_key}': network {network.name!r} is not external"
            )
        return network
    found = list(conn.network.networks(is_router_external=True))
    if len(found) != 1:
        names = ", ".join(sorted(n.name for n in found)) or "none"
        raise ConfigError(
            f"pack config '{config_key}' is empty and the cloud has {len(found)} "
            f"external networks ({names}): set it"
        )
    return found[0]


def validate_cidr(cidr: str, parameter: str = "cidr") -> str:
    """The canonical form of an IPv4/IPv6 network CIDR, or ``InputError``."""
    try:
        network = ipaddress.ip_network(str(cidr).strip(), strict=True)
    except ValueError as error:
        message = f"{cidr!r} is not a network CIDR ({error})"
        raise InputError(parameter, message) from error
    if network.num_addresses < 8:
        raise InputError(parameter, f"{cidr!r} is too small for a project subnet")
    return str(network)


def overlapping_subnets(conn: Connection, cidr: str, network_id: str) -> list[Any]:
    """The subnets of ``network_id`` whose range overlaps ``cidr`` (same IP version).

    A router cannot join two overlapping subnets: Neutron refuses the interface of a
    project subnet overlapping a subnet of the router's external network.
    """
    wanted = ipaddress.ip_network(cidr)
    clashes = []
    for subnet in conn.network.subnets(network_id=network_id):
        try:
            theirs = ipaddress.ip_network(subnet.cidr)
        except (TypeError, ValueError):
            continue
        if theirs.version == wanted.version and theirs.overlaps(wanted):
            clashes.append(subnet)
    return clashes


# --- security group rule sets ---------------------------------------------------------

_RULE_KEYS = (
    "direction",
    "ethertype",
    "protocol",
    "port_range_min",
    "port_range_max",
    "remote_ip_prefix",
)


@dataclass(frozen=True)
class SecurityGroupSpec:
    """A security group the pack creates in new projects (from the pack config)."""

    name: str
    description: str = ""
    rules: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    @classmethod
    def from_config(cls, entry: Mapping[str, Any], key: str) -> SecurityGroupSpec:
        """Build from one pack config entry, naming ``key`` on a bad value."""
        name = entry.get("name")
        if not name:
            raise ConfigError(f"pack config '{key}': every entry needs a 'name'")
        rules = []
        for rule in entry.get("rules") or []:
            unknown = set(rule) - set(_RULE_KEYS)
            if unknown:
                raise ConfigError(
                    f"pack config '{key}' group {name!r}: unknown rule keys "
                    + ", ".join(sorted(unknown))
                )
            clean = {k: v for k, v in rule.items() if v not in (None, "")}
            if "port_range_min" in clean:  # one port: min alone means min..min
                clean.setdefault("port_range_max", clean["port_range_min"])
            clean.setdefault("direction", "ingress")
            clean.setdefault("ethertype", "IPv4")
            rules.append(clean)
        return cls(
            name=str(name),
            description=str(entry.get("description") or ""),
            rules=tuple(rules),
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON form, as shown in plans."""
        return {
            "name": self.name,
            "description": self.description,
            "rules": [dict(r) for r in self.rules],
        }


def create_security_group(
    conn: Connection,
    project_id: str,
    spec: SecurityGroupSpec,
    notes: list[str] | None = None,
) -> Any:
    """Create the group and its rules in the project (each create reconciled by
    name or by its attributes when its reply is lost). When a rule fails the group is
    deleted again so nothing half-made is left behind."""
    group = create_or_find(
        lambda: conn.network.create_security_group(
            name=spec.name, description=spec.description, project_id=project_id
        ),
        lambda: conn.network.security_groups(project_id=project_id, name=spec.name),
        f"security group {spec.name!r}",
        notes,
    )
    try:
        for rule in spec.rules:
            create_or_find(
                partial(
                    conn.network.create_security_group_rule,
                    security_group_id=group.id,
                    project_id=project_id,
                    **rule,
                ),
                partial(_matching_rules, conn, group.id, rule),
                f"rule {_rule_text(rule)} of security group {spec.name!r}",
                notes,
            )
    except Exception:
        delete_security_group(conn, group.id)
        raise
    return group


def _matching_rules(
    conn: Connection, group_id: str, rule: Mapping[str, Any]
) -> list[Any]:
    """The rules of the group equal to ``rule`` on every key it sets (keys are the
    API's; openstacksdk names ``ethertype`` ``ether_type``)."""
    return [
        r
        for r in conn.network.security_group_rules(security_group_id=group_id)
        if all(
            str(getattr(r, _RULE_ATTRIBUTES.get(k, k), None)) == str(v)
            for k, v in rule.items()
        )
    ]


#: openstacksdk's attribute names of the rule keys that differ from the API's.
_RULE_ATTRIBUTES = {"ethertype": "ether_type"}


def _rule_text(rule: Mapping[str, Any]) -> str:
    """A short description of a rule for messages."""
    return " ".join(f"{k}={v}" for k, v in rule.items())


def delete_security_group(conn: Connection, group_id: str) -> None:
    """Delete a security group (already gone is fine)."""
    conn.network.delete_security_group(group_id, ignore_missing=True)


# --- networks, subnets, routers -------------------------------------------------------


def create_network(
    conn: Connection, project_id: str, name: str, notes: list[str] | None = None
) -> Any:
    """A project-owned tenant network (the cloud picks the segmentation)."""
    return create_or_find(
        lambda: conn.network.create_network(name=name, project_id=project_id),
        lambda: conn.network.networks(project_id=project_id, name=name),
        f"network {name!r}",
        notes,
    )


def create_subnet(
    conn: Connection,
    project_id: str,
    network_id: str,
    name: str,
    cidr: str,
    dns_nameservers: list[str],
    notes: list[str] | None = None,
) -> Any:
    """A DHCP-enabled subnet of ``network_id``."""
    version = ipaddress.ip_network(cidr).version
    return create_or_find(
        lambda: conn.network.create_subnet(
            name=name,
            project_id=project_id,
            network_id=network_id,
            cidr=cidr,
            ip_version=version,
            is_dhcp_enabled=True,
            dns_nameservers=list(dns_nameservers),
        ),
        lambda: conn.network.subnets(network_id=network_id, name=name),
        f"subnet {name!r}",
        notes,
    )


def create_router(
    conn: Connection,
    project_id: str,
    name: str,
    external_network_id: str,
    notes: list[str] | None = None,
) -> Any:
    """A project-owned router with its gateway on the external network."""
    return create_or_find(
        lambda: conn.network.create_router(
            name=name,
            project_id=project_id,
            external_gateway_info={"network_id": external_network_id},
        ),
        lambda: conn.network.routers(project_id=project_id, name=name),
        f"router {name!r}",
        notes,
    )


def add_router_interface(
    conn: Connection, router_id: str, subnet_id: str, notes: list[str] | None = None
) -> None:
    """Attach the subnet to the router; an interface already there is fine.

    The request is a PUT, so a lost reply is sent again, and Neutron answers the
    repeat with 400 "already has a port on subnet": after any failure but a 403/404
    the router's ports are checked, and an interface on the subnet means done.
    """
    router = conn.network.get_router(router_id)
    try:
        # Positional: openstacksdk renamed subnet_id/port_id to subnet/port (>= 4.x
        # warns on the old names, older 4.x lacks the new ones).
        conn.network.add_interface_to_router(router, subnet_id)
    except Exception as error:
        if refused(error) and getattr(error, "status_code", None) != 400:
            raise
        if not router_interfaces(conn, router_id, subnet_id):
            raise
        if notes is not None:
            notes.append(
                f"router {router.name!r}: attaching subnet {subnet_id} failed "
                f"({describe(error)}) but the interface is there"
            )


def router_interfaces(conn: Connection, router_id: str, subnet_id: str) -> list[Any]:
    """The router's interface ports on ``subnet_id``."""
    return [
        port
        for port in conn.network.ports(device_id=router_id)
        if (port.device_owner or "") in _ROUTER_INTERFACE_OWNERS
        and any(ip.get("subnet_id") == subnet_id for ip in port.fixed_ips or [])
    ]


def remove_router_interface(
    conn: Connection,
    router_id: str,
    subnet_id: str | None = None,
    port_id: str | None = None,
) -> None:
    """Detach a subnet (or an interface port) from the router; gone is fine."""
    try:
        router = conn.network.get_router(router_id)
        conn.network.remove_interface_from_router(router, subnet_id, port_id)
    except exceptions.NotFoundException:
        pass


#: ``device_owner`` of a router's interface ports (legacy, distributed, HA).
_ROUTER_INTERFACE_OWNERS = (
    "network:router_interface",
    "network:router_interface_distributed",
    "network:ha_router_replicated_interface",
)


def delete_router(conn: Connection, router_id: str) -> None:
    """Delete a router after detaching every interface and clearing its gateway."""
    try:
        router = conn.network.get_router(router_id)
    except exceptions.NotFoundException:
        return
    for port in conn.network.ports(device_id=router_id):
        if (port.device_owner or "") in _ROUTER_INTERFACE_OWNERS:
            remove_router_interface(conn, router_id, port_id=port.id)
    if router.external_gateway_info:
        conn.network.update_router(router, external_gateway_info={})
    conn.network.delete_router(router_id, ignore_missing=True)


def delete_subnet(conn: Connection, subnet_id: str) -> None:
    """Delete a subnet (already gone is fine)."""
    conn.network.delete_subnet(subnet_id, ignore_missing=True)


def delete_network(conn: Connection, network_id: str) -> None:
    """Delete a network (already gone is fine); its subnets go with it."""
    conn.network.delete_network(network_id, ignore_missing=True)


def delete_port(conn: Connection, port_id: str) -> None:
    """Delete a port (already gone is fine)."""
    conn.network.delete_port(port_id, ignore_missing=True)


def delete_floating_ip(conn: Connection, floating_ip_id: str) -> None:
    """Release a floating IP (already gone is fine)."""
    conn.network.delete_ip(floating_ip_id, ignore_missing=True)


# --- RBAC sharing ---------------------------------------------------------------------


def share_network(
    conn: Connection,
    network_id: str,
    project_id: str,
    notes: list[str] | None = None,
) -> Any:
    """An RBAC policy sharing the network with one project, or the existing one."""
    existing = shared_network_policy(conn, network_id, project_id)
    if existing is not None:
        return existing
    return create_or_find(
        lambda: conn.network.create_rbac_policy(
            object_type="network",
            object_id=network_id,
            action="access_as_shared",
            target_project_id=project_id,
        ),
        lambda: [
            p
            for p in [shared_network_policy(conn, network_id, project_id)]
            if p is not None
        ],
        f"RBAC policy sharing network {network_id}",
        notes,
    )


def shared_network_policy(conn: Connection, network_id: str, project_id: str) -> Any:
    """The RBAC policy sharing ``network_id`` with ``project_id``, or None."""
    for policy in conn.network.rbac_policies(
        object_type="network",
        object_id=network_id,
        action="access_as_shared",
        target_project_id=project_id,
    ):
        return policy
    return None


def delete_rbac_policy(conn: Connection, policy_id: str) -> None:
    """Delete an RBAC policy (already gone is fine)."""
    conn.network.delete_rbac_policy(policy_id, ignore_missing=True)


# --- removing everything a project owns -----------------------------------------------


def sweep_project(
    conn: Connection, project_id: str
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Remove every Neutron object ``project_id`` owns, in dependency order: routers
    (interfaces and gateway first), standalone ports, networks (their subnets and
    DHCP ports go with them), security groups, and RBAC policies sharing networks
    with it. Each failure is collected and the rest still tried.

    Returns ``(removed, failed)``: ``{"kind", "id", "name"}`` of each removed object,
    and the same plus ``"error"`` of each that could not be removed (a listing that
    failed appears with the kind and no id).
    """
    removed: list[dict[str, str]] = []
    failed: list[dict[str, str]] = []
    net = conn.network
    kinds: list[tuple[str, Any, Any]] = [
        ("router", lambda: net.routers(project_id=project_id), delete_router),
        (
            "port",
            lambda: [
                p
                for p in net.ports(project_id=project_id)
                if not (p.device_owner or "").startswith(_OWNED_PORT_PREFIXES)
            ],
            delete_port,
        ),
        ("network", lambda: net.networks(project_id=project_id), delete_network),
        (
            "security group",
            lambda: net.security_groups(project_id=project_id),
            delete_security_group,
        ),
        (
            "rbac policy",
            lambda: net.rbac_policies(target_project_id=project_id),
            delete_rbac_policy,
        ),
    ]
    for kind, listing, delete in kinds:
        try:
            found = list(listing())
        except Exception as error:  # report it, carry on with the other kinds
            failed.append(
                {"kind": kind, "id": "", "name": "", "error": describe(error)}
            )
            continue
        for item in found:
            entry = {"kind": kind, "id": item.id, "name": getattr(item, "name", "")}
            try:
                delete(conn, item.id)
            except Exception as error:  # report it, carry on with the rest
                failed.append({**entry, "error": describe(error)})
            else:
                removed.append(entry)
    return removed, failed


#: Ports removed together with their owner (router, DHCP, floating IP, server).
_OWNED_PORT_PREFIXES = (
    "network:router",
    "network:dhcp",
    "network:floatingip",
    "network:ha_router",
    "compute:",
)
