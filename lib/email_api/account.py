"""SMTP accounts from the pack config ``smtp_accounts``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pack_common import ConfigError, ServiceFailure, require_fields, validation

CONFIG_KEY = "smtp_accounts"
_REQUIRED = ("host", "from_address")


class Security(StrEnum):
    """How the SMTP connection is protected."""

    NONE = "none"
    STARTTLS = "starttls"
    SSL = "ssl"


@dataclass(frozen=True)
class SMTPAccount:
    """One SMTP server the pack sends through. TLS is verified unless ``verify`` is
    false; the password never appears in ``repr``."""

    name: str
    host: str
    from_address: str
    port: int = 25
    security: Security = Security.STARTTLS
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    verify: bool = True
    cacert: str | None = None
    timeout: int = 60
    #: Directory of operator templates overriding the built-in ones by name.
    templates_dir: str | None = None

    @classmethod
    def from_config(cls, entry: Mapping[str, Any]) -> SMTPAccount:
        """Build from a pack config entry, naming the config key of any problem."""
        require_fields(entry, CONFIG_KEY, _REQUIRED)
        known = set(cls.__dataclass_fields__)
        values = {k: v for k, v in entry.items() if k in known and v is not None}
        name = values.get("name", "?")
        try:
            values["security"] = Security(values.get("security", "starttls"))
        except ValueError:
            allowed = ", ".join(s.value for s in Security)
            raise ConfigError(
                f"pack config '{CONFIG_KEY}' entry {name!r}: 'security' must be one "
                f"of {allowed}, not {entry.get('security')!r}"
            ) from None
        for key, least, most in (("port", 1, 65535), ("timeout", 1, None)):
            if key in values:
                values[key] = validation.config_whole_number(
                    f"pack config '{CONFIG_KEY}' entry {name!r}: '{key}'",
                    values[key],
                    least,
                    most,
                )
        return cls(**values)

    def describe(self) -> dict[str, Any]:
        """What an operator may see of the account in results and logs: everything
        but the password."""
        return {
            "name": self.name,
            "host": self.host,
            "port": self.port,
            "security": self.security.value,
            "username": self.username,
            "from_address": self.from_address,
            "verify": self.verify,
            "cacert": self.cacert,
        }

    @property
    def endpoint(self) -> str:
        """``host:port`` of the server."""
        return f"{self.host}:{self.port}"

    def failure(self, cause: str, detail: str | None = None) -> ServiceFailure:
        """A failed SMTP exchange with this account, for an action result."""
        return ServiceFailure(
            parameter="smtp_account",
            cause=cause,
            account=self.name,
            endpoint=self.endpoint,
            service="smtp",
            detail=detail,
        )

    @property
    def route(self) -> str:
        """``host:port (security)``, for messages and logs."""
        return f"{self.host}:{self.port} ({self.security.value})"
