"""Icinga 2 API accounts from the pack config ``icinga_accounts``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pack_common import ConfigError, service_account_values, tls_verify

CONFIG_KEY = "icinga_accounts"
DEFAULT_AUTHOR = "openstack_ops"


@dataclass(frozen=True)
class IcingaAccount:
    """One Icinga 2 API endpoint and its ApiUser. The password never appears in repr.

    TLS is verified (``verify``), against ``ca_file`` when given (Icinga's own CA,
    e.g. /var/lib/icinga2/certs/ca.crt). ``author`` marks the downtimes the pack
    schedules; ``host_name_template`` turns a hypervisor name into Icinga's host name
    (``{host}``, e.g. ``{host}.example.org``).
    """

    name: str
    url: str
    username: str
    password: str = field(repr=False)
    verify: bool = True
    ca_file: str | None = None
    timeout: int = 30
    author: str = DEFAULT_AUTHOR
    host_name_template: str = "{host}"

    @classmethod
    def from_config(cls, entry: Mapping[str, Any]) -> IcingaAccount:
        """Build from a pack config entry, naming the config key of any problem."""
        values = service_account_values(
            entry,
            CONFIG_KEY,
            cls.__dataclass_fields__,
            ("name", "url", "username", "password"),
        )
        name = values["name"]
        if values["url"].endswith("/v1"):
            values["url"] = values["url"][: -len("/v1")]
        if "{host}" not in str(values.get("host_name_template", "{host}")):
            raise _bad(name, "host_name_template", "must contain {host}")
        return cls(**values)

    @property
    def tls_verify(self) -> bool | str:
        """What ``requests`` takes as ``verify``: the CA file, or the flag."""
        return tls_verify(self.verify, self.ca_file)

    def host_name(self, hypervisor: str) -> str:
        """Icinga's name of the hypervisor's host."""
        return self.host_name_template.replace("{host}", hypervisor)


def _bad(name: str, key: str, message: str) -> ConfigError:
    return ConfigError(f"pack config '{CONFIG_KEY}' entry {name!r}: '{key}' {message}")
