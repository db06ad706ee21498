"""JupyterHub environments from the pack config ``jupyter_envs``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pack_common import require_fields

CONFIG_KEY = "jupyter_envs"
_REQUIRED = ("url", "token")


@dataclass(frozen=True)
class JupyterEnv:
    """One JupyterHub (e.g. dev, training, prod). The token never appears in repr."""

    name: str
    url: str
    token: str = field(repr=False)
    verify: bool = True
    timeout: int = 30
    protected: bool = False

    @classmethod
    def from_config(cls, entry: Mapping[str, Any]) -> JupyterEnv:
        """Build from a pack config entry, naming the config key of any problem."""
        require_fields(entry, CONFIG_KEY, _REQUIRED)
        known = set(cls.__dataclass_fields__)
        values = {k: v for k, v in entry.items() if k in known and v is not None}
        values["url"] = values["url"].rstrip("/")
        return cls(**values)

    @property
    def api_url(self) -> str:
        """Base of the hub's REST API."""
        return f"{self.url}/hub/api"
