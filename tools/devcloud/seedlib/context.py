"""Connections and the record of created ids shared by the seed steps."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import openstack
from devcloudlib.state import HOST, PORTS, REGION, State
from openstack.connection import Connection


@dataclass
class SeedContext:
    """What the seed steps share: the admin connection and the ids created."""

    state: State
    admin: Connection
    record: dict[str, Any] = field(default_factory=dict)
    _user_conns: dict[tuple[str, str], Connection] = field(default_factory=dict)

    def ids(self, kind: str) -> dict[str, Any]:
        """The ``name -> id`` map of one kind of resource in the record."""
        return self.record.setdefault(kind, {})

    def connect_as(
        self, user: str, user_domain: str, project: str, project_domain: str
    ) -> Connection:
        """A connection as a seeded user scoped to ``project`` (cached)."""
        key = (user, project)
        if key not in self._user_conns:
            self._user_conns[key] = openstack.connect(
                auth_url=f"http://{HOST}:{PORTS['keystone']}/v3",
                username=user,
                password=self.state.secrets()["seed"],
                user_domain_name=user_domain,
                project_name=project,
                project_domain_name=project_domain,
                region_name=REGION,
            )
        return self._user_conns[key]
