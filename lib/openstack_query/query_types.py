"""One ``Query`` subclass per resource type, for readable call sites
(``ServerQuery().select("name")``) and ``isinstance`` checks."""

from __future__ import annotations

from openstack_query.query import Query


class ServerQuery(Query):
    """Servers (Nova)."""

    def __init__(self) -> None:
        super().__init__("servers")


class UserQuery(Query):
    """Users (Keystone)."""

    def __init__(self) -> None:
        super().__init__("users")


class ProjectQuery(Query):
    """Projects (Keystone)."""

    def __init__(self) -> None:
        super().__init__("projects")


class FlavorQuery(Query):
    """Flavors (Nova)."""

    def __init__(self) -> None:
        super().__init__("flavors")


class ImageQuery(Query):
    """Images (Glance v2)."""

    def __init__(self) -> None:
        super().__init__("images")


class HypervisorQuery(Query):
    """Hypervisors (Nova) with capacity and usage from Placement."""

    def __init__(self) -> None:
        super().__init__("hypervisors")


class AggregateQuery(Query):
    """Host aggregates (Nova)."""

    def __init__(self) -> None:
        super().__init__("aggregates")
