"""Query classes for scripts written for upstream openstackquery 1.3.

Replace ``from openstackquery import ServerQuery`` with
``from openstack_query.compat import ServerQuery``: every property name and alias,
preset and query type name upstream accepts is accepted with upstream's meaning
(see ``openstack_query.upstream`` and the table in this package's README). The
plain ``openstack_query`` classes accept the same names too, except the few that
mean something else here (a server's ``addresses``, a hypervisor's ``uptime``, an
aggregate's ``id``): these classes read those as upstream does.
"""

from __future__ import annotations

from openstack_query import query_types


class ServerQuery(query_types.ServerQuery):
    """Servers, with upstream openstackquery's property names."""

    upstream_names = True


class UserQuery(query_types.UserQuery):
    """Users, with upstream openstackquery's property names."""

    upstream_names = True


class ProjectQuery(query_types.ProjectQuery):
    """Projects, with upstream openstackquery's property names."""

    upstream_names = True


class FlavorQuery(query_types.FlavorQuery):
    """Flavors, with upstream openstackquery's property names."""

    upstream_names = True


class ImageQuery(query_types.ImageQuery):
    """Images, with upstream openstackquery's property names."""

    upstream_names = True


class HypervisorQuery(query_types.HypervisorQuery):
    """Hypervisors, with upstream openstackquery's property names."""

    upstream_names = True


class AggregateQuery(query_types.AggregateQuery):
    """Host aggregates, with upstream openstackquery's property names."""

    upstream_names = True


__all__ = [
    "AggregateQuery",
    "FlavorQuery",
    "HypervisorQuery",
    "ImageQuery",
    "ProjectQuery",
    "ServerQuery",
    "UserQuery",
]
