"""A small fake openstacksdk connection for the project/identity/quota workflows.

Read calls answer from in-memory resources; every other proxy method is recorded in
``conn.mutations`` and does nothing, so a test can assert that nothing was changed.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from openstack import exceptions


def res(**attrs: Any) -> SimpleNamespace:
    """A fake resource."""
    attrs.setdefault("domain_id", "default")
    return SimpleNamespace(**attrs)


class FakeResponse:
    """What a proxy's raw ``get`` returns."""

    def __init__(self, body: dict[str, Any], status_code: int = 200) -> None:
        self._body = body
        self.status_code = status_code
        self.headers: dict[str, str] = {}

    def json(self) -> dict[str, Any]:
        return self._body


class FakeProxy:
    """Read methods come from ``reads``; anything else is a recorded mutation."""

    def __init__(self, name: str, conn: FakeConn, reads: dict[str, Callable]) -> None:
        self._name = name
        self._conn = conn
        self._reads = reads

    def __getattr__(self, attr: str) -> Callable[..., Any]:
        if attr in self._reads:
            return self._reads[attr]

        def record(*args: Any, **kwargs: Any) -> Any:
            self._conn.mutations.append((f"{self._name}.{attr}", args, kwargs))
            created = res(id=f"new-{attr}", name=kwargs.get("name", ""))
            created.status_code, created.headers = 200, {}
            return created

        return record


def _getter(items: list[SimpleNamespace]) -> Callable[[str], SimpleNamespace]:
    def get(identifier: str) -> SimpleNamespace:
        for item in items:
            if item.id == identifier:
                return item
        raise exceptions.NotFoundException(f"404 {identifier}")

    return get


def _lister(items: list[SimpleNamespace]) -> Callable[..., list[SimpleNamespace]]:
    def list_(**query: Any) -> list[SimpleNamespace]:
        return [
            i
            for i in items
            if all(getattr(i, k, None) == v for k, v in query.items() if k != "name")
            and ("name" not in query or i.name == query["name"])
        ]

    return list_


COMPUTE_QUOTAS = {
    "cores": {"limit": 20, "in_use": 4, "reserved": 0},
    "instances": {"limit": 10, "in_use": 2, "reserved": 0},
    "ram": {"limit": 51200, "in_use": 1024, "reserved": 0},
}
NETWORK_QUOTAS = {
    "floatingip": {"limit": 50, "used": 1, "reserved": 0},
    "network": {"limit": 100, "used": 0, "reserved": 0},
}


class FakeConn:
    """Projects, users, groups, roles, domains and networks held in lists."""

    def __init__(self) -> None:
        self.mutations: list[tuple[str, tuple, dict]] = []
        self.current_project_id = "p-admin"
        self.domains = [res(id="default", name="Default")]
        self.projects = [
            res(id="p-admin", name="admin", tags=[], options={}),
            res(id="p-web", name="web", tags=[], options={}),
            res(id="p-d1", name="data", tags=[], options={}),
            res(id="p-d2", name="data", tags=[], options={}, domain_id="research"),
            res(id="p-frozen", name="frozen", tags=["immutable"], options={}),
        ]
        self.users = [res(id="u-alice", name="alice"), res(id="u-bob", name="bob")]
        self.groups = [res(id="g-ops", name="ops")]
        self.roles = [
            res(id="r-member", name="member"),
            res(id="r-manager", name="manager"),
        ]
        self.networks = [
            res(id="n-ext", name="ext", is_router_external=True, project_id="p-admin"),
            res(id="n-int", name="int", is_router_external=False, project_id="p-admin"),
        ]
        self.held: set[tuple[str, str, str]] = set()
        self.members: set[tuple[str, str]] = set()
        self.services = ["compute", "network"]
        self.identity = FakeProxy("identity", self, self._identity_reads())
        self.network = FakeProxy(
            "network",
            self,
            {
                "get_network": _getter(self.networks),
                "networks": _lister(self.networks),
                "get": lambda path, **_: FakeResponse({"quota": NETWORK_QUOTAS}),
            },
        )
        self.compute = FakeProxy(
            "compute",
            self,
            {"get": lambda path, **_: FakeResponse({"quota_set": COMPUTE_QUOTAS})},
        )
        catalog = SimpleNamespace(catalog=[{"type": t} for t in self.services])
        access = SimpleNamespace(service_catalog=catalog)
        self.session = SimpleNamespace(
            auth=SimpleNamespace(get_access=lambda _session: access)
        )

    def _identity_reads(self) -> dict[str, Callable]:
        return {
            "get_domain": _getter(self.domains),
            "domains": _lister(self.domains),
            "get_project": _getter(self.projects),
            "projects": _lister(self.projects),
            "get_user": _getter(self.users),
            "users": _lister(self.users),
            "get_group": _getter(self.groups),
            "groups": _lister(self.groups),
            "get_role": _getter(self.roles),
            "roles": _lister(self.roles),
            "head": self._role_head,
            "put": lambda url, **_: self._role_change(url, "assign"),
            "delete": lambda url, **_: self._role_change(url, "unassign"),
            "check_user_in_group": lambda u, g: (g, u) in self.members,
        }

    def _role_key(self, url: str) -> tuple[tuple[str, str, str], str]:
        """``((project, subject, role), "user"|"group")`` of a role-assignment URL
        ``/projects/{p}/{users|groups}/{id}/roles/{r}``."""
        _, _, project, kind, subject, _, role = url.split("/")
        return (project, subject, role), kind[:-1]

    def _role_head(self, url: str, **_: Any) -> FakeResponse:
        """Keystone's HEAD: 204 when the assignment exists, else 404."""
        key, _ = self._role_key(url)
        return FakeResponse({}, 204 if key in self.held else 404)

    def _role_change(self, url: str, verb: str) -> FakeResponse:
        """A PUT (assign) or DELETE (unassign), recorded as the SDK's call name."""
        key, kind = self._role_key(url)
        name = (
            f"identity.{verb}_project_role_to_{kind}"
            if verb == "assign"
            else f"identity.{verb}_project_role_from_{kind}"
        )
        self.mutations.append((name, key, {}))
        if verb == "assign":
            self.held.add(key)
        else:
            self.held.discard(key)
        return FakeResponse({}, 204)

    def changed(self) -> list[str]:
        """The names of the mutating calls made."""
        return [name for name, _args, _kwargs in self.mutations]
