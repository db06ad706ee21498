"""Alertmanager accounts from the pack config ``alertmanager_accounts``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pack_common import ConfigError, require_fields, validation

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
        require_fields(entry, CONFIG_KEY, ("name", "url"))
        known = set(cls.__dataclass_fields__)
        values = {k: v for k, v in entry.items() if k in known and v not in (None, "")}
        name = values["name"]
        values["url"] = str(values["url"]).rstrip("/")
        if not values["url"].startswith(("http://", "https://")):
            raise _bad(name, "url", "must start with http:// or https://")
        values["timeout"] = validation.config_whole_number(
            f"pack config '{CONFIG_KEY}' entry {name!r}: 'timeout'",
            values.get("timeout", 30),
            1,
            note="seconds",
        )
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
        return self.ca_file if self.verify and self.ca_file else self.verify


def _bad(name: str, key: str, message: str) -> ConfigError:
    return ConfigError(f"pack config '{CONFIG_KEY}' entry {name!r}: '{key}' {message}")
