"""The generic Query knows no type by name: scope, links and enrichments are what
each ResourceType declares."""

from __future__ import annotations

from typing import Any

import pytest
from query_fakes import FakeConn

from openstack_query import ALL_TYPES, ChainError, Query, QueryStateError
from openstack_query.kinds import PropKind
from openstack_query.properties import Item, PropertyDef, PropertySet, body
from openstack_query.resource_type import FetchRequest, Link, ResourceType

P1, P2 = "a" * 32, "b" * 32


def _widgets(conn: Any, request: FetchRequest) -> list[Item]:
    conn.calls.append(("widgets", {}))
    return [Item(dict(w)) for w in conn.data["widgets"]]


WIDGETS = ResourceType(
    name="widgets",
    query_name="WIDGET_QUERY",
    label="widget",
    aliases=(),
    properties=PropertySet(
        "widgets",
        [
            PropertyDef("id", PropKind.STRING, body("id")),
            PropertyDef("owner", PropKind.STRING, body("owner")),
            PropertyDef("maker", PropKind.STRING, body("maker")),
        ],
    ),
    default_select=("id",),
    fetch=_widgets,
    project_prop="owner",
    links=(Link("users", "maker", "id"),),
)


def conn() -> FakeConn:
    return FakeConn(
        widgets=[
            {"id": "w1", "owner": P1, "maker": "u1"},
            {"id": "w2", "owner": P2, "maker": "u2"},
        ],
        users=[{"id": "u1", "name": "ann"}, {"id": "u2", "name": "bob"}],
    )


def test_a_new_type_is_scoped_and_linked_as_it_declares() -> None:
    c = conn()
    widgets = Query(WIDGETS).select("id").run(c, from_projects=[P1])
    assert widgets.to_props() == [{"id": "w1"}]  # owner re-checked locally
    users = widgets.then("users").select("name").run(c)
    assert users.to_props() == [{"name": "ann", "widget.id": "w1"}]
    with pytest.raises(ChainError, match="WIDGET_QUERY is not linked to SERVER_QUERY"):
        widgets.then("servers")


def test_every_link_has_its_reverse() -> None:
    by_name = {t.name: t for t in ALL_TYPES}
    for source in ALL_TYPES:
        for link in source.links:
            back = by_name[link.target].link_to(source)
            assert (back.source_prop, back.target_prop) == (
                link.target_prop,
                link.source_prop,
            )


def test_listing_enrichments_cannot_be_added_after_run() -> None:
    c = FakeConn(hypervisors=[{"id": "h1", "hypervisor_hostname": "hv1"}])
    q = Query("hypervisors").select("name").run(c)
    with pytest.raises(QueryStateError, match="servers data was not loaded"):
        q.select("server_count").to_props()
