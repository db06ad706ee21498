"""Alertmanager accounts from the pack config ``alertmanager_accounts``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pack_common import ConfigError, service_account_values, tls_verify

CONFIG_KEY = "alertmanager_accounts"
#: The ``createdBy`` of the silences the pack makes, unless the account says otherwise.
DEFAULT_CREATED_BY = "openstack_ops"
#: How a hypervisor's alerts are matched: ``{host}`` is replaced by the host name
#: (regex-escaped for the ``=~``/``!~`` operators).
DEFAULT_HOST_MATCHER = "instance=~{host}(:[0-9]+)?"


@dataclass(frozen=True)
class AlertmanagerAccount:
    """One Alertmanager (or a cluster behind one URL). Secrets never appear in repr.

    Authentication is ``username``/``password`` (basic) or ``token`` (bearer), or
    none. TLS is verified (``verify``), against ``ca_file`` when one is given.
    ``created_by`` marks the silences the pack creates; ``host_matcher`` is the
    matcher that selects one hypervisor's alerts (hypervisor maintenance).
    """

    name: str
    url: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    verify: bool = True
    ca_file: str | None = None
    timeout: int = 30
    created_by: str = DEFAULT_CREATED_BY
    host_matcher: str = DEFAULT_HOST_MATCHER

    @classmethod
    def from_config(cls, entry: Mapping[str, Any]) -> AlertmanagerAccount:
        """Build from a pack config entry, naming the config key of any problem."""
        values = service_account_values(
            entry, CONFIG_KEY, cls.__dataclass_fields__, ("name", "url")
        )
        name = values["name"]
        if values.get("token") and (values.get("username") or values.get("password")):
            raise _bad(name, "token", "give either token or username/password")
        if bool(values.get("username")) != bool(values.get("password")):
            raise _bad(name, "password", "username and password go together")
        if "{host}" not in str(values.get("host_matcher", DEFAULT_HOST_MATCHER)):
            raise _bad(name, "host_matcher", "must contain {host}")
        return cls(**values)

    @property
    def tls_verify(self) -> bool | str:
        """What ``requests`` takes as ``verify``: the CA file, or the flag."""
        return tls_verify(self.verify, self.ca_file)


def _bad(name: str, key: str, message: str) -> ConfigError:
    return ConfigError(f"pack config '{CONFIG_KEY}' entry {name!r}: '{key}' {message}")
