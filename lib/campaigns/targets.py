"""The targets of each campaign, found with the Query library.

Every lookup is one server listing (filters pushed down where Nova supports them,
re-checked locally), then the owners' names and emails and the projects' names are
joined in with one user listing and one project listing (``append_from``). A
server's owner is the user who created it (its ``user_id``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from campaigns.model import Owner, Target
from openstack_query import FlavorQuery, HypervisorQuery, ImageQuery, ServerQuery
from pack_common import InputError

#: Server columns every server campaign reads.
SERVER_COLUMNS = (
    "id",
    "name",
    "status",
    "project_id",
    "user_id",
    "updated_at",
    "flavor_name",
    "image_id",
    "hypervisor_name",
    "host",
)
#: What a condition on servers is: (preset, property, preset arguments).
Condition = tuple[str, str, dict[str, Any]]


@dataclass(frozen=True)
class Scope:
    """Which projects a campaign looks at: the cloud account's project (neither
    set), every project (``all_projects``), or ``from_projects`` (names or ids)."""

    all_projects: bool = False
    from_projects: tuple[str, ...] = ()

    @classmethod
    def build(cls, all_projects: bool, from_projects: Sequence[str] | None) -> Scope:
        """Validate the scope parameters (errors name them)."""
        projects = tuple(
            str(p).strip() for p in (from_projects or []) if str(p).strip()
        )
        if all_projects and projects:
            raise InputError(
                "from_projects", "cannot be combined with all_projects: true"
            )
        return cls(bool(all_projects), projects)

    def run_args(self) -> dict[str, Any]:
        """Keyword arguments of ``Query.run``."""
        if self.from_projects:
            return {"from_projects": list(self.from_projects)}
        return {"all_projects": self.all_projects}

    def as_dict(self) -> dict[str, Any]:
        """JSON form (part of a campaign's inputs)."""
        return {
            "all_projects": self.all_projects,
            "from_projects": list(self.from_projects),
        }


def format_time(value: Any) -> str:
    """A timestamp as ``YYYY-MM-DD HH:MM UTC`` (empty when unknown)."""
    if value in (None, ""):
        return ""
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return str(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _run(query: Any, conn: Any, scope: Scope) -> Any:
    """Run ``query`` in ``scope``. An unknown project in ``from_projects`` raises the
    Query library's ``ScopeError``, which the entry point reports as an input error
    naming the parameter (as it does for every workflow)."""
    return query.run(conn, **scope.run_args())


def server_rows(
    conn: Any, scope: Scope, conditions: Sequence[Condition]
) -> list[dict[str, Any]]:
    """Servers in ``scope`` matching every condition, each a dict of
    ``SERVER_COLUMNS`` plus ``user.name``, ``user.email`` and ``project.name``."""
    query = ServerQuery().select(*SERVER_COLUMNS)
    for preset, prop, args in conditions:
        query.where(preset, prop, **args)
    _run(query, conn, scope)
    query.append_from("USER_QUERY", conn, "name", "email")
    query.append_from("PROJECT_QUERY", conn, "name")
    rows = query.to_props()
    assert isinstance(rows, list)
    return rows


def owner_of(row: dict[str, Any]) -> Owner:
    """The owner of a server row (after ``server_rows``)."""
    return Owner(
        user_id=str(row.get("user_id") or ""),
        name=str(row.get("user.name") or ""),
        email=(
            (str(row.get("user.email")).strip() or None)
            if row.get("user.email")
            else None
        ),
    )


def server_targets(
    rows: Sequence[dict[str, Any]], make_row: Callable[[dict[str, Any]], dict[str, Any]]
) -> list[Target]:
    """Targets from server rows; ``make_row`` builds the template's row."""
    return [Target(make_row(r), owner_of(r)) for r in rows]


def base_row(row: dict[str, Any]) -> dict[str, Any]:
    """The columns every server table has: name, id, project."""
    return {
        "name": str(row.get("name") or ""),
        "id": str(row.get("id") or ""),
        "project": str(row.get("project.name") or row.get("project_id") or ""),
    }


def servers_in_status(
    conn: Any, scope: Scope, status: str, days_threshold: int
) -> list[Target]:
    """Servers in ``status`` whose last update (the status change) is more than
    ``days_threshold`` days ago; rows: name, id, project, since."""
    rows = server_rows(
        conn,
        scope,
        [
            ("any_in", "status", {"values": [status]}),
            ("older_than", "updated_at", {"days": days_threshold}),
        ],
    )
    return server_targets(
        rows, lambda r: base_row(r) | {"since": format_time(r.get("updated_at"))}
    )


def flavor_names_of(conn: Any, flavors: Sequence[str]) -> list[str]:
    """The names of the flavors ``flavors`` names (names or ids; one listing of
    every flavor, private ones too); a name or id no flavor has is an input error
    naming ``flavor_names``."""
    query = FlavorQuery().select("id", "name")
    query.run(conn)
    rows = query.to_props()
    assert isinstance(rows, list)
    by_id = {str(r["id"]): str(r["name"]) for r in rows}
    names = set(by_id.values())
    missing = sorted(f for f in set(flavors) if f not in names and f not in by_id)
    if missing:
        raise InputError(
            "flavor_names", f"no flavor named {', '.join(map(repr, missing))}"
        )
    return sorted({f if f in names else by_id[f] for f in flavors})


def servers_on_flavors(
    conn: Any, scope: Scope, flavor_names: Sequence[str], end_of_life: str
) -> list[Target]:
    """Servers whose flavor is one of ``flavor_names`` (checked to be flavors);
    rows: name, id, project, flavor, end_of_life."""
    names = flavor_names_of(conn, flavor_names)
    rows = server_rows(conn, scope, [("any_in", "flavor_name", {"values": names})])
    return server_targets(
        rows,
        lambda r: base_row(r)
        | {"flavor": str(r.get("flavor_name") or ""), "end_of_life": end_of_life},
    )


def _images_named(conn: Any, prop: str, values: Sequence[str]) -> dict[str, str]:
    """``{image id: name}`` of the images whose ``prop`` (id or name) is one of
    ``values`` (one listing, the filter pushed down)."""
    query = ImageQuery().select("id", "name")
    query.where("any_in", prop, values=list(values))
    query.run(conn)
    rows = query.to_props()
    assert isinstance(rows, list)
    return {str(r["id"]): str(r["name"]) for r in rows}


def image_ids(conn: Any, image_names: Sequence[str]) -> dict[str, str]:
    """``{image id: name}`` of the images named ``image_names`` (one listing); a
    name no image has is an input error naming ``image_names``."""
    found = _images_named(conn, "name", image_names)
    missing = sorted(set(image_names) - set(found.values()))
    if missing:
        raise InputError(
            "image_names", f"no image named {', '.join(map(repr, missing))}"
        )
    return found


def check_recommended_image(conn: Any, image: str) -> None:
    """``image`` (a name or id) is an image, else an input error naming
    ``recommended_image``: the mail must not recommend an image that is not there."""
    if _images_named(conn, "name", [image]) or _images_named(conn, "id", [image]):
        return
    raise InputError("recommended_image", f"no image with name or id {image!r}")


def servers_on_images(
    conn: Any,
    scope: Scope,
    image_names: Sequence[str],
    end_of_life: str,
    replacement: str,
) -> list[Target]:
    """Servers built from an image named in ``image_names``; rows: name, id,
    project, image, end_of_life, replacement (checked to be an image, when
    given)."""
    images = image_ids(conn, image_names)
    if replacement:
        check_recommended_image(conn, replacement)
    rows = server_rows(conn, scope, [("any_in", "image_id", {"values": list(images)})])
    return server_targets(
        rows,
        lambda r: base_row(r)
        | {
            "image": images.get(str(r.get("image_id")), str(r.get("image_id") or "")),
            "end_of_life": end_of_life,
            "replacement": replacement,
        },
    )


def hypervisor_rows(conn: Any) -> list[dict[str, Any]]:
    """Every hypervisor: name, host, state, status, disabled_reason, server_count."""
    query = HypervisorQuery().select(
        "name", "host", "state", "status", "disabled_reason", "server_count"
    )
    query.run(conn)
    rows = query.to_props()
    assert isinstance(rows, list)
    return rows


def check_hypervisor_names(
    rows: Sequence[dict[str, Any]], names: Sequence[str]
) -> None:
    """Every name in ``names`` is a hypervisor (or compute host) name, else an
    input error naming ``hypervisor_names`` and listing the known ones."""
    known = {str(r.get("name")) for r in rows} | {str(r.get("host")) for r in rows}
    known.discard("None")
    missing = sorted(set(names) - known)
    if missing:
        raise InputError(
            "hypervisor_names",
            f"no hypervisor named {', '.join(map(repr, missing))} "
            f"(known: {', '.join(sorted(str(r.get('name')) for r in rows))})",
        )


def servers_on_hypervisors(
    conn: Any, scope: Scope, hypervisor_names: Sequence[str]
) -> list[Target]:
    """Servers on the hypervisors (or compute hosts) named; rows: name, id,
    project, hypervisor. The names are checked against the hypervisor list."""
    hypervisors = hypervisor_rows(conn)
    check_hypervisor_names(hypervisors, hypervisor_names)
    asked = set(hypervisor_names)
    chosen = [
        h for h in hypervisors if h.get("name") in asked or h.get("host") in asked
    ]
    nodes = {str(h.get("name")) for h in chosen if h.get("name")}
    hosts = {str(h.get("host")) for h in chosen if h.get("host")}
    conditions: list[Condition] = []
    if len(nodes) == 1:  # Nova filters on one node; several are checked here
        conditions.append(("any_in", "hypervisor_name", {"values": sorted(nodes)}))
    rows = [
        r
        for r in server_rows(conn, scope, conditions)
        if r.get("hypervisor_name") in nodes or r.get("host") in hosts
    ]
    return server_targets(
        rows,
        lambda r: base_row(r)
        | {"hypervisor": str(r.get("hypervisor_name") or r.get("host") or "")},
    )


def down_or_disabled_hypervisors(
    conn: Any, hypervisor_names: Sequence[str] = ()
) -> list[Target]:
    """Hypervisors whose state is down or whose status is disabled (only those
    named, when ``hypervisor_names`` is given); rows: name, state, status,
    disabled_reason, servers."""
    rows = hypervisor_rows(conn)
    if hypervisor_names:
        check_hypervisor_names(rows, hypervisor_names)
    wanted = set(hypervisor_names)
    targets = []
    for row in rows:
        if wanted and row.get("name") not in wanted and row.get("host") not in wanted:
            continue
        if row.get("state") != "down" and row.get("status") != "disabled":
            continue
        targets.append(
            Target(
                {
                    "name": str(row.get("name") or ""),
                    "state": str(row.get("state") or ""),
                    "status": str(row.get("status") or ""),
                    "disabled_reason": str(row.get("disabled_reason") or ""),
                    "servers": row.get("server_count") or 0,
                }
            )
        )
    return targets
