"""The openstacksdk internals ``openstack_query.bodies`` relies on still hold.

``bodies.py`` is the one module using openstacksdk's private API (``Proxy._list``,
``fields._BaseComponent`` descriptors, ``Resource.existing`` as called by
``Resource.list``, ``Resource._body.attributes``). When an openstacksdk upgrade
changes any of them, these tests fail naming what changed, before any query
silently reads wrong values.
"""

from __future__ import annotations

import warnings

import pytest
from openstack import fields
from openstack.compute.v2.server import Server
from openstack.identity.v3.user import User
from query_fakes import server

from openstack_query import bodies
from openstack_query.bodies import BodyView, api_body, sdk_internals_problems


def test_openstacksdk_internals_used_by_bodies_still_hold() -> None:
    problems = sdk_internals_problems()
    assert not problems, (
        "openstacksdk changed internals openstack_query/bodies.py relies on; "
        "adapt bodies.py to the installed openstacksdk: " + "; ".join(problems)
    )


def test_the_check_names_what_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(fields, "_BaseComponent")
    assert sdk_internals_problems() == ["openstack.fields._BaseComponent is gone"]


def test_fast_reads_equal_the_sdk_descriptors() -> None:
    """Every attribute a view reads equals what openstacksdk's own descriptor
    gives for the same body (the fast path for plain body keys included)."""
    body = server("s1", "web", host="hv9")
    view = BodyView(Server, dict(body))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        names = [
            n
            for n in dir(Server)
            if not n.startswith("_")
            and isinstance(bodies._field(Server, n), fields.Body)
        ]
        assert {"id", "project_id", "created_at", "flavor", "name"} <= set(names)
        for name in names:
            descriptor = bodies._field(Server, name)
            expected = descriptor.__get__(view, Server)
            assert view.read(name) == expected, name
            assert getattr(view, name) == expected, name
    assert view.read("no_such_attribute", "dflt") == "dflt"
    user = BodyView(User, {"id": "u", "enabled": 0})
    assert user.is_enabled is False  # typed field: converted as the SDK does


def test_api_body_of_sdk_objects_views_and_dicts() -> None:
    with bodies.quiet_sdk_construction():
        built = Server.existing(id="i", tenant_id="p")
    assert api_body(built)["tenant_id"] == "p"  # server-side names
    assert api_body(BodyView(Server, {"id": "i"})) == {"id": "i"}
    assert api_body({"k": 1}) == {"k": 1}
    assert api_body(object()) == {}
