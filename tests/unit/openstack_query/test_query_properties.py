"""Property mapping: every type's canonical names, aliases and getters."""

from __future__ import annotations

import pytest
from openstack.compute.v2.hypervisor import Hypervisor
from openstack.compute.v2.server import Server
from openstack.identity.v3.project import Project
from openstack.identity.v3.user import User
from openstack.image.v2.image import Image
from query_fakes import server

from openstack_query import (
    ALL_TYPES,
    UnknownPropertyError,
    UnknownQueryTypeError,
    resolve_type,
)
from openstack_query.bodies import BodyView
from openstack_query.placement_usage import ResourceUsage, capacity
from openstack_query.properties import Item


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("SERVER_QUERY", "servers"),
        ("servers", "servers"),
        ("user", "users"),
        ("PROJECT_QUERY", "projects"),
        ("flavors", "flavors"),
        ("IMAGE_QUERY", "images"),
        ("hypervisors", "hypervisors"),
        ("AGGREGATE_QUERY", "aggregates"),
    ],
)
def test_types_by_name_and_alias(name: str, canonical: str) -> None:
    assert resolve_type(name).name == canonical


def test_unknown_type() -> None:
    with pytest.raises(UnknownQueryTypeError, match="SERVER_QUERY"):
        resolve_type("VOLUME_QUERY")


def test_every_default_column_exists() -> None:
    for rtype in ALL_TYPES:
        for name in rtype.default_select:
            assert rtype.properties.get(name).name == name


def test_server_properties_from_an_api_body() -> None:
    props = resolve_type("servers").properties
    item = Item(
        BodyView(Server, server("s1", "web", flavor="m1.tiny", image="", host="hv2"))
    )
    get = {p.name: p.value(item) for p in props}
    assert get["name"] == "web" and get["status"] == "ACTIVE"
    assert get["project_id"] == "p1" and get["user_id"] == "u1"
    assert get["flavor_name"] == "m1.tiny"
    assert get["flavor_id"] is None  # needs the flavor listing enrichment
    assert get["image_id"] is None  # boot from volume
    assert get["hypervisor_name"] == "hv2"
    assert get["availability_zone"] == "nova"
    assert get["created_at"] == "2024-01-01T00:00:00Z"
    assert props.get("server_name").name == "name"
    assert props.get("server_creation_date").name == "created_at"
    with pytest.raises(UnknownPropertyError, match="servers has no property 'colour'"):
        props.get("colour")


def test_user_project_image_properties() -> None:
    users = resolve_type("users").properties
    user = Item(
        BodyView(
            User,
            {"id": "u1", "name": "ann", "email": "ann@example.org", "enabled": True},
        )
    )
    assert users.get("user_email").value(user) == "ann@example.org"
    assert users.get("enabled").value(user) is True
    projects = resolve_type("projects").properties
    project = Item(
        BodyView(
            Project,
            {"id": "p1", "name": "alpha", "email": "team@example.org", "tags": ["a"]},
        )
    )
    assert projects.get("email").value(project) == "team@example.org"
    assert projects.get("tags").value(project) == ["a"]
    images = resolve_type("images").properties
    image = Item(
        BodyView(
            Image,
            {
                "id": "i1",
                "name": "cirros",
                "size": 1024,
                "owner": "p1",
                "os_distro": "cirros",
            },
        )
    )
    assert images.get("size").value(image) == 1024
    assert images.get("owner").value(image) == "p1"
    assert images.get("os_distro").value(image) == "cirros"


def test_hypervisor_usage_properties() -> None:
    props = resolve_type("hypervisors").properties
    item = Item(
        BodyView(
            Hypervisor,
            {
                "id": "rp1",
                "hypervisor_hostname": "hv1",
                "service": {"host": "hv1", "disabled_reason": None},
                "servers": [{"uuid": "a"}, {"uuid": "b"}],
            },
        ),
        {"usage": {"VCPU": ResourceUsage(32, 5)}, "with_servers": True},
    )
    assert props.get("vcpus_total").value(item) == 32
    assert props.get("vcpus_free").value(item) == 27
    assert props.get("memory_mb_total").value(item) is None
    assert props.get("server_count").value(item) == 2
    assert props.get("host").value(item) == "hv1"


def test_capacity_formula() -> None:
    assert capacity(16, 0, 4.0) == 64
    assert capacity(8192, 512, 1.5) == 11520
    assert capacity(100, 10, 1.0) == 90
