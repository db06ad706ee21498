"""JupyterHub environments from the pack config ``jupyter_envs``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pack_common import service_account_values, validation

CONFIG_KEY = "jupyter_envs"
_REQUIRED = ("url", "token")
_LIMITS = ("inactive_days", "max_unconfirmed_deletes")


@dataclass(frozen=True)
class JupyterEnv:
    """One JupyterHub (e.g. dev, training, prod). The token never appears in repr.

    ``protected`` environments need ``confirm`` for any deletion. Deleting more than
    ``max_unconfirmed_deletes`` users needs it everywhere. ``inactive_days`` is the
    threshold of the inactive-users sensor.
    """

    name: str
    url: str
    token: str = field(repr=False)
    verify: bool = True
    timeout: int = 30
    protected: bool = False
    inactive_days: int = 90
    max_unconfirmed_deletes: int = 10

    @classmethod
    def from_config(cls, entry: Mapping[str, Any]) -> JupyterEnv:
        """Build from a pack config entry, naming the config key of any problem."""
        values = service_account_values(
            entry, CONFIG_KEY, cls.__dataclass_fields__, _REQUIRED
        )
        for key in _LIMITS:
            if values.get(key) is not None:
                values[key] = validation.config_whole_number(
                    f"pack config '{CONFIG_KEY}' entry {values.get('name')!r}: '{key}'",
                    values[key],
                    1,
                )
        return cls(**values)

    @property
    def api_url(self) -> str:
        """Base of the hub's REST API."""
        return f"{self.url}/hub/api"
