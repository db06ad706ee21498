"""A recording stand-in for an openstacksdk connection, for pure-logic unit tests.

Each service answers the proxy-level ``_list(resource_type, base_path=..., **params)``
that openstacksdk's public listing methods (and the query library) call: it records
the call as ``<service>.<resources_key>`` with its parameters, so tests can check
what was pushed down and that each resource type was listed once, and yields
``resource_type.existing(**body)`` for each API-shaped body (``BodyView``s for the
library's body classes, SDK objects otherwise). The public methods remain for code
that uses them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from openstack import exceptions
from openstack.compute.v2.aggregate import Aggregate
from openstack.compute.v2.flavor import Flavor
from openstack.compute.v2.hypervisor import Hypervisor
from openstack.compute.v2.server import Server
from openstack.identity.v3.domain import Domain
from openstack.identity.v3.project import Project
from openstack.identity.v3.role_assignment import RoleAssignment
from openstack.identity.v3.user import User
from openstack.image.v2.image import Image

from openstack_query.bodies import body_class


class _Response:
    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data
        self.status_code = 200
        self.headers: dict[str, str] = {}

    def json(self) -> dict[str, Any]:
        return self._data


class _Service:
    def __init__(self, conn: FakeConn, service: str) -> None:
        self._conn = conn
        self._service = service

    def _list(
        self,
        resource_type: type,
        paginated: bool = True,
        base_path: str | None = None,
        **params: Any,
    ) -> Iterator[Any]:
        what = resource_type.resources_key
        self._conn.calls.append((f"{self._service}.{what}", dict(params)))
        self._conn.base_paths.append(base_path)
        for body in self._conn.data.get(what, []):
            yield resource_type.existing(**dict(body))


class _Compute(_Service):
    def servers(self, details: bool = True, **params: Any) -> Iterator[Server]:
        return self._list(Server, **params)

    def flavors(self, details: bool = True, **params: Any) -> Iterator[Flavor]:
        return self._list(Flavor, **params)

    def hypervisors(self, details: bool = False, **params: Any) -> Iterator[Hypervisor]:
        return self._list(Hypervisor, **params)

    def aggregates(self, **params: Any) -> Iterator[Aggregate]:
        return self._list(Aggregate, **params)


class _Identity(_Service):
    def users(self, **params: Any) -> Iterator[User]:
        return self._list(User, **params)

    def projects(self, **params: Any) -> Iterator[Project]:
        return self._list(Project, **params)

    def role_assignments(self, **params: Any) -> Iterator[RoleAssignment]:
        return self._list(RoleAssignment, **params)

    def get(self, path: str) -> _Response:
        """``GET /users/{id}`` or ``/projects/{id}``: recorded as
        ``identity.get <kind>`` with the id; 404 when the id is unknown."""
        kind, _, key = path.strip("/").partition("/")
        self._conn.calls.append((f"identity.get {kind}", {"id": key}))
        for body in self._conn.data.get(kind, []):
            if str(body.get("id")) == key:
                return _Response({kind[:-1]: dict(body)})
        missing = _Response({"error": {"code": 404}})
        missing.status_code = 404
        return missing

    def find_domain(self, name_or_id: str, ignore_missing: bool = True) -> Any:
        self._conn.calls.append(("identity.find_domain", {"name_or_id": name_or_id}))
        for body in self._conn.data.get("domains", []):
            if name_or_id in (body["id"], body["name"]):
                return body_class(Domain).existing(**body)
        if ignore_missing:
            return None
        raise exceptions.NotFoundException(f"no domain {name_or_id}")


class _Image(_Service):
    def images(self, **params: Any) -> Iterator[Image]:
        return self._list(Image, **params)


class _Placement(_Service):
    def get(self, path: str, params: Any = None, microversion: Any = None) -> Any:
        self._conn.calls.append((f"placement.get {path}", dict(params or {})))
        handler = self._conn.data.get("placement", {})
        return _Response(handler(path, params or {}) if callable(handler) else {})


class FakeConn:
    """Answers listings from ``data`` (resource name -> list of API bodies)."""

    def __init__(self, **data: Any) -> None:
        self.data = data
        self.calls: list[tuple[str, dict[str, Any]]] = []
        #: The ``base_path`` of each listing, in call order.
        self.base_paths: list[str | None] = []
        self.compute = _Compute(self, "compute")
        self.identity = _Identity(self, "identity")
        self.image = _Image(self, "image")
        self.placement = _Placement(self, "placement")

    def names(self) -> list[str]:
        """The names of the calls made, in order."""
        return [name for name, _ in self.calls]

    def params(self, name: str) -> dict[str, Any]:
        """The parameters of the one call named ``name``."""
        found = [p for n, p in self.calls if n == name]
        assert len(found) == 1, f"{name} called {len(found)} times: {self.names()}"
        return found[0]


def server(
    sid: str,
    name: str,
    status: str = "ACTIVE",
    user: str = "u1",
    project: str = "p1",
    created: str = "2024-01-01T00:00:00Z",
    updated: str | None = None,
    flavor: str = "m1.small",
    image: str = "img1",
    host: str = "hv1",
) -> dict[str, Any]:
    """An API-shaped server body (microversion 2.47+: flavor by name only)."""
    return {
        "id": sid,
        "name": name,
        "status": status,
        "user_id": user,
        "tenant_id": project,
        "created": created,
        "updated": updated or created,
        "flavor": {"original_name": flavor, "vcpus": 1, "ram": 512, "disk": 1},
        "image": {"id": image} if image else "",
        "OS-EXT-SRV-ATTR:hypervisor_hostname": host,
        "OS-EXT-SRV-ATTR:host": host,
        "OS-EXT-AZ:availability_zone": "nova",
        "addresses": {"net1": [{"addr": f"10.0.0.{len(sid)}", "version": 4}]},
        "metadata": {},
        "description": None,
    }
