"""Lost create replies are reconciled by a look-up, never by a second create; a 4xx
is a refusal and is never looked up; ``sweep_project`` reports what it removed and
what it could not, with ids (issue 12 item 3)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
import requests
from keystoneauth1 import exceptions as ks_exceptions
from openstack import exceptions
from pytest_mock import MockerFixture

from openstack_api import networking
from openstack_api.reconcile import CreateUnconfirmed, create_or_find

pytestmark = pytest.mark.fault(3)


def http_error(status: int, message: str) -> exceptions.HttpException:
    """openstacksdk's exception for an answer of ``status``, as raised for a
    response (the ``http_status`` argument is deprecated)."""
    response = requests.Response()
    response.status_code = status
    response.url = "http://127.0.0.1:9696/v2.0/x"
    error_class = {409: exceptions.ConflictException}.get(
        status, exceptions.HttpException
    )
    return error_class(message, response=response)


LOST = ks_exceptions.ConnectFailure("Remote end closed connection without response")


class Creator:
    """A create that fails with ``error`` after (maybe) making the object."""

    def __init__(self, error: Exception | None, made: bool) -> None:
        self.error, self.made = error, made
        self.calls = 0
        self.objects: list[Any] = []

    def create(self) -> Any:
        self.calls += 1
        if self.made or self.error is None:
            self.objects.append(SimpleNamespace(id=f"id-{self.calls}"))
        if self.error is not None:
            raise self.error
        return self.objects[-1]


def test_a_lost_reply_of_a_carried_out_create_is_found_not_created_again() -> None:
    creator = Creator(LOST, made=True)
    notes: list[str] = []
    found = create_or_find(creator.create, lambda: creator.objects, "router 'r'", notes)
    assert found.id == "id-1" and creator.calls == 1
    assert len(notes) == 1 and "router 'r': the reply was lost" in notes[0]
    assert "ConnectFailure" in notes[0] and "id-1" in notes[0]


def test_a_lost_create_not_carried_out_fails_with_its_own_error() -> None:
    creator = Creator(LOST, made=False)
    with pytest.raises(ks_exceptions.ConnectFailure):
        create_or_find(creator.create, lambda: creator.objects, "router 'r'")
    assert creator.calls == 1


def test_a_refusal_is_not_looked_up() -> None:
    """A 409 (the name taken by someone else meanwhile) must not adopt their object."""
    looked: list[bool] = []
    conflict = http_error(409, "409 name taken")

    def find() -> list[Any]:
        looked.append(True)
        return [SimpleNamespace(id="theirs")]

    with pytest.raises(exceptions.ConflictException):
        create_or_find(Creator(conflict, made=False).create, find, "project 'p'")
    assert looked == []


def test_a_server_error_is_looked_up() -> None:
    error = http_error(502, "502 bad gateway")
    creator = Creator(error, made=True)
    assert create_or_find(creator.create, lambda: creator.objects, "x").id == "id-1"


def test_a_failed_look_up_says_the_object_may_exist() -> None:
    def find() -> list[Any]:
        raise ks_exceptions.ConnectFailure("refused")

    with pytest.raises(CreateUnconfirmed, match="may exist") as error:
        create_or_find(Creator(LOST, made=True).create, find, "network 'n'")
    assert "network 'n'" in str(error.value) and "ConnectFailure" in str(error.value)


def test_several_found_are_listed_and_none_adopted() -> None:
    many = [SimpleNamespace(id="a"), SimpleNamespace(id="b")]
    with pytest.raises(CreateUnconfirmed, match=r"2 were found by name \(a, b\)"):
        create_or_find(Creator(LOST, made=False).create, lambda: many, "subnet 's'")


class SweepNetwork:
    """Neutron listings of one project; deleting ``broken`` ids fails."""

    def __init__(self, broken: set[str]) -> None:
        self.broken = broken
        self.deleted: list[str] = []

    def _items(self, *ids: str, **extra: Any) -> list[Any]:
        return [SimpleNamespace(id=i, name=f"n-{i}", **extra) for i in ids]

    def routers(self, **_query: Any) -> list[Any]:
        return self._items("r1")

    def ports(self, **_query: Any) -> list[Any]:
        return self._items("p1", device_owner="") + self._items(
            "p-dhcp", device_owner="network:dhcp"
        )

    def networks(self, **_query: Any) -> list[Any]:
        return self._items("n1")

    def security_groups(self, **_query: Any) -> list[Any]:
        return self._items("g1")

    def rbac_policies(self, **_query: Any) -> list[Any]:
        raise http_error(503, "503 unavailable")


def test_sweep_removes_what_it_can_and_names_what_it_cannot(
    mocker: MockerFixture,
) -> None:
    net = SweepNetwork(broken={"n1"})

    def deleter(_conn: Any, item_id: str) -> None:
        if item_id in net.broken:
            raise http_error(409, "409 in use")
        net.deleted.append(item_id)

    kinds = ("router", "port", "network", "security_group", "rbac_policy")
    deleters = {
        kind: mocker.patch.object(
            networking, f"delete_{kind}", autospec=True, side_effect=deleter
        )
        for kind in kinds
    }
    # the delete functions are looked up when the sweep runs
    removed, failed = networking.sweep_project(SimpleNamespace(network=net), "p")
    assert [(r["kind"], r["id"]) for r in removed] == [
        ("router", "r1"),
        ("port", "p1"),
        ("security group", "g1"),
    ]
    assert [(f["kind"], f["id"]) for f in failed] == [
        ("network", "n1"),
        ("rbac policy", ""),
    ]
    assert "409 in use" in failed[0]["error"] and "503" in failed[1]["error"]
    assert "p-dhcp" not in net.deleted
    assert {
        kind: [c.args[1] for c in m.call_args_list] for kind, m in deleters.items()
    } == {
        "router": ["r1"],
        "port": ["p1"],  # not the DHCP port
        "network": ["n1"],  # tried, refused
        "security_group": ["g1"],
        "rbac_policy": [],  # the listing failed: nothing to delete
    }


def test_a_lost_rule_create_is_found_by_its_attributes() -> None:
    """openstacksdk reads the API's ``ethertype`` as ``ether_type``: a rule the
    service made is matched on every key of the configured rule."""
    made = SimpleNamespace(
        id="rule-1",
        direction="ingress",
        ether_type="IPv4",
        protocol="tcp",
        port_range_min=22,
        port_range_max=22,
        remote_ip_prefix=None,
    )
    other = SimpleNamespace(**{**vars(made), "id": "rule-2", "port_range_min": 80})
    calls: list[str] = []

    class Network:
        def create_security_group(self, **_attrs: Any) -> Any:
            return SimpleNamespace(id="g1", name="ssh")

        def create_security_group_rule(self, **_attrs: Any) -> Any:
            calls.append("create rule")
            raise LOST

        def security_group_rules(self, **_query: Any) -> list[Any]:
            return [other, made]

        def delete_security_group(self, *_args: Any, **_kwargs: Any) -> None:
            calls.append("delete group")

    spec = networking.SecurityGroupSpec.from_config(
        {"name": "ssh", "rules": [{"protocol": "tcp", "port_range_min": 22}]}, "k"
    )
    notes: list[str] = []
    group = networking.create_security_group(
        SimpleNamespace(network=Network()), "p", spec, notes
    )
    assert group.id == "g1" and calls == ["create rule"]
    assert len(notes) == 1 and "found rule-1" in notes[0]
