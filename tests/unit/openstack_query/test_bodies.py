"""Listing through openstacksdk's own paginating generator into ``BodyView``s."""

from __future__ import annotations

import warnings
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from keystoneauth1 import session as ks_session
from openstack import proxy
from openstack import warnings as os_warnings
from openstack.compute.v2.flavor import Flavor
from openstack.compute.v2.server import Server
from openstack.identity.v3.user import User
from query_fakes import server

from openstack_query.bodies import BodyView, body_class, list_bodies, to_sdk


class _Response:
    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data
        self.status_code = 200
        self.headers: dict[str, str] = {}
        self.links: dict[str, Any] = {}

    def json(self) -> dict[str, Any]:
        return self._data


class PagingProxy(proxy.Proxy):
    """A real openstacksdk proxy whose HTTP GETs are answered from ``bodies`` with
    Nova's marker pagination (``limit`` per page, ``servers_links`` next link)."""

    def __init__(self, bodies: list[dict[str, Any]]) -> None:
        super().__init__(ks_session.Session(), default_microversion="2.96")
        self.bodies = bodies
        self.requests: list[tuple[str, dict[str, Any]]] = []

    def get(self, url: str, **kwargs: Any) -> _Response:  # type: ignore[override]
        params = {
            k: v[-1] if isinstance(v, list) else v
            for k, v in (kwargs.get("params") or {}).items()
        }
        url = urlsplit(url).path
        self.requests.append((url, params))
        limit = int(params.get("limit", 1000))
        ids = [b["id"] for b in self.bodies]
        start = ids.index(params["marker"]) + 1 if "marker" in params else 0
        page = [dict(b) for b in self.bodies[start : start + limit]]
        data: dict[str, Any] = {"servers": page}
        if len(page) == limit:
            query = {**params, "marker": page[-1]["id"]}
            data["servers_links"] = [
                {"rel": "next", "href": f"http://nova{url}?{urlencode(query)}"}
            ]
        return _Response(data)


def test_sdk_pagination_yields_body_views_without_building_resources() -> None:
    bodies = [server(f"s{i:02d}", f"vm-{i}", project=f"p{i}") for i in range(5)]
    nova = PagingProxy(bodies)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        items = list(
            list_bodies(
                nova,
                Server,
                base_path="/servers/detail",
                limit=2,
                all_projects=True,
                changes_since="2024-01-01T00:00:00Z",
            )
        )
    assert not [w for w in caught if issubclass(w.category, os_warnings.SDKWarning)]
    assert [i.id for i in items] == [b["id"] for b in bodies]
    assert all(isinstance(i, BodyView) for i in items)
    # pages of 2, 2 and 1 through the SDK's query mapping and marker handling,
    # then the SDK's own confirming request for an empty page (limit was given)
    assert [url for url, _ in nova.requests] == ["/servers/detail"] * 4
    first, second, *_ = (params for _, params in nova.requests)
    assert str(first["all_tenants"]) == "True" and first["changes-since"].endswith("Z")
    assert "marker" not in first and second["marker"] == "s01"


def test_body_view_reads_sdk_attribute_names_and_types() -> None:
    view = body_class(Server).existing(**server("s1", "web", host="hv9"))
    assert isinstance(view, BodyView)
    assert view.project_id == "p1"  # body key "tenant_id"
    assert view.created_at == "2024-01-01T00:00:00Z"  # body key "created"
    assert view.hypervisor_hostname == "hv9"  # "OS-EXT-SRV-ATTR:..."
    assert view.body["tenant_id"] == "p1"
    assert view.get("project_id") == "p1" and view.get("key_name", "x") == "x"
    assert getattr(view, "no_such_attribute", None) is None
    flavor = BodyView(Flavor, {"id": "f", "os-flavor-access:is_public": True})
    assert flavor.is_public is True
    user = BodyView(User, {"id": "u", "enabled": False, "email": "a@b"})
    assert user.is_enabled is False


def test_to_sdk_builds_the_real_object_quietly() -> None:
    view = BodyView(Server, server("s1", "web"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", os_warnings.RemovedInSDK50Warning)
        obj = to_sdk(view)
    assert isinstance(obj, Server) and obj.project_id == "p1" and obj.name == "web"
    assert to_sdk("plain") == "plain"


def test_body_class_keeps_the_sdk_listing_contract() -> None:
    cls = body_class(Server)
    assert issubclass(cls, Server) and cls is body_class(Server)
    assert cls.resources_key == "servers" and cls.base_path == Server.base_path
    with pytest.raises(AttributeError):
        BodyView(Server, {}).__deepcopy__  # noqa: B018
