"""The pack config the project workflows read, with the same defaults as
``config.schema.yaml`` so a config without these keys still works.

- ``protected_projects``: names or ids destructive actions refuse.
- ``project_networks``: the external network routers get their gateway on, the
  internal network shared with ``network=internal`` projects, the default subnet CIDR
  and DNS servers, and the security groups (rule sets) every new project gets.
- ``project_roles``: the roles ``project.create`` grants to its admin and member lists.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from openstack_api.networking import SecurityGroupSpec
from pack_common import ConfigError

NETWORKS_KEY = "project_networks"
ROLES_KEY = "project_roles"

_ANYWHERE = "0.0.0.0/0"

#: Mirrors the default of ``project_networks.default_security_groups`` in the schema.
DEFAULT_SECURITY_GROUPS: list[dict[str, Any]] = [
    {
        "name": "ssh",
        "description": "SSH from anywhere",
        "rules": [
            {
                "protocol": "tcp",
                "port_range_min": 22,
                "port_range_max": 22,
                "remote_ip_prefix": _ANYWHERE,
            }
        ],
    },
    {
        "name": "icmp",
        "description": "ICMP (ping) from anywhere",
        "rules": [{"protocol": "icmp", "remote_ip_prefix": _ANYWHERE}],
    },
    {
        "name": "web",
        "description": "HTTP and HTTPS from anywhere",
        "rules": [
            {
                "protocol": "tcp",
                "port_range_min": 80,
                "port_range_max": 80,
                "remote_ip_prefix": _ANYWHERE,
            },
            {
                "protocol": "tcp",
                "port_range_min": 443,
                "port_range_max": 443,
                "remote_ip_prefix": _ANYWHERE,
            },
        ],
    },
]


@dataclass(frozen=True)
class ProjectSettings:
    """The project-related pack config, defaults filled."""

    protected_projects: tuple[str, ...] = ("admin", "service")
    external_network: str = ""
    internal_network: str = ""
    cidr: str = "192.168.0.0/24"
    dns_nameservers: tuple[str, ...] = ()
    security_groups: tuple[SecurityGroupSpec, ...] = field(default_factory=tuple)
    admin_role: str = "manager"
    member_role: str = "member"

    @classmethod
    def from_pack_config(cls, pack_config: Mapping[str, Any] | None) -> ProjectSettings:
        """Read the settings, naming the config key of any bad value."""
        config = pack_config or {}
        networks = _mapping(config, NETWORKS_KEY)
        roles = _mapping(config, ROLES_KEY)
        groups_key = f"{NETWORKS_KEY}.default_security_groups"
        raw_groups = networks.get("default_security_groups")
        if raw_groups is None:
            raw_groups = DEFAULT_SECURITY_GROUPS
        if not isinstance(raw_groups, list):
            raise ConfigError(f"pack config '{groups_key}' must be a list")
        protected = config.get("protected_projects")
        if protected is None:
            protected = list(cls.protected_projects)
        return cls(
            protected_projects=tuple(str(p) for p in protected),
            external_network=str(networks.get("external_network") or ""),
            internal_network=str(networks.get("internal_network") or ""),
            cidr=str(networks.get("cidr") or cls.cidr),
            dns_nameservers=tuple(
                str(d) for d in networks.get("dns_nameservers") or []
            ),
            security_groups=tuple(
                SecurityGroupSpec.from_config(g, groups_key) for g in raw_groups
            ),
            admin_role=str(roles.get("admin_role") or cls.admin_role),
            member_role=str(roles.get("member_role") or cls.member_role),
        )


def _mapping(config: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """The object under ``key`` (empty when absent)."""
    value = config.get(key) or {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"pack config '{key}' must be an object")
    return value
