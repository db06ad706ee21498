"""Shared validation and execution for the search actions (``workflows.search``).

Turns action parameters into a Query, validating every input first and raising
``InputError`` naming the parameter, then renders the result as the requested
output type (strings for to_string/to_html/to_csv/to_json, data otherwise).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from openstack.connection import Connection

from openstack_api.named import ids_and_names
from openstack_query import PropKind, Query, QueryError, resolve_type
from openstack_query.bodies import quiet_sdk_construction
from pack_common import InputError, validation

LOG = logging.getLogger(__name__)

OUTPUT_TYPES = ("to_string", "to_html", "to_csv", "to_json", "to_props", "to_objects")
MEMBERSHIP_PRESETS = ("any_in", "not_any_in")
REGEX_PRESETS = ("matches_regex", "not_matches_regex")
DATE_PRESETS = (
    "older_than",
    "older_than_or_equal_to",
    "younger_than",
    "younger_than_or_equal_to",
)
EXPRESSION_PRESETS = (
    "greater_than",
    "greater_than_or_equal_to",
    "less_than",
    "less_than_or_equal_to",
    "equal_to",
    "not_equal_to",
)
_SEARCHABLE_KINDS = {
    "property": (PropKind.STRING, PropKind.NUMBER, PropKind.LIST),
    "regex": (PropKind.STRING,),
    "datetime": (PropKind.DATETIME,),
    "expression": (PropKind.NUMBER,),
}


def searchable(type_name: str, search: str) -> list[str]:
    """Properties of ``type_name`` a ``search`` kind (property, regex, datetime,
    expression) applies to; the action YAML enums list the same."""
    kinds = _SEARCHABLE_KINDS[search]
    return [p.name for p in resolve_type(type_name).properties if p.kind in kinds]


def selectable(type_name: str) -> list[str]:
    """Every property of ``type_name``, for ``properties_to_select``."""
    return resolve_type(type_name).properties.names()


@dataclass
class Common:
    """The parameters every search action shares."""

    properties_to_select: Sequence[str] | None = None
    output_type: str = "to_string"
    group_by: str | None = None
    sort_by: Sequence[str] | None = None
    max_rows: int | None = None
    run_args: dict[str, Any] = field(default_factory=dict)


def check_property(type_name: str, search: str, prop: Any) -> str:
    """``property_to_search_by`` resolved for ``search``, or ``InputError``."""
    allowed = searchable(type_name, search)
    rtype = resolve_type(type_name)
    if isinstance(prop, str) and rtype.properties.has(prop):
        name = rtype.properties.get(prop).name
        if name in allowed:
            return name
    raise InputError(
        "property_to_search_by",
        f"{prop!r} is not a {search}-searchable {rtype.label} property "
        f"(one of: {', '.join(allowed)})",
    )


def check_choice(parameter: str, value: Any, choices: Sequence[str]) -> str:
    """``value`` when it is one of ``choices``, else ``InputError``."""
    if value not in choices:
        raise InputError(parameter, f"{value!r} is not one of {', '.join(choices)}")
    return str(value)


#: Properties holding the id of another resource, by (query type, property): the
#: kinds of resource the id may belong to (a top-level project's parent is its
#: domain). A value given by NAME is resolved to its id by ``resolve_references``.
REFERENCES: dict[tuple[str, str], tuple[str, ...]] = {
    ("users", "domain_id"): ("domain",),
    ("projects", "domain_id"): ("domain",),
    ("projects", "parent_id"): ("project", "domain"),
    ("users", "default_project_id"): ("project",),
    ("users", "project_ids"): ("project",),
    ("servers", "project_id"): ("project",),
    ("images", "owner"): ("project",),
    ("servers", "user_id"): ("user",),
    ("servers", "flavor_id"): ("flavor",),
    ("servers", "image_id"): ("image",),
}
#: What an OpenStack id looks like (Keystone's 32 hex digits, or a UUID): such a
#: value is searched for as given even when no such resource exists any more (the
#: servers of a deleted project still carry its id).
_ID_SHAPE = re.compile(
    r"^(?:[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$",
    re.IGNORECASE,
)
#: At most this many names are listed in an error as the known ones.
_KNOWN_SHOWN = 20


def resolve_references(
    conn: Connection, type_name: str, prop: str, values: list[str]
) -> list[str]:
    """``values`` of an id property (``REFERENCES``) with names turned into ids.

    An operator who writes ``domain_id=Default`` means the domain called Default:
    each value that is the id of an existing resource is kept; else the resource of
    that NAME gives its id; else a value shaped like an id is kept as given (a
    deleted resource's id still finds what carries it); anything else is an
    ``InputError`` naming ``values`` (as is a name several resources share, with
    their ids). Nothing is listed when every value already looks like an id.
    """
    kinds = REFERENCES.get((type_name, prop))
    if not kinds or all(_ID_SHAPE.match(v) for v in values):
        return values
    known = {kind: ids_and_names(conn, kind) for kind in kinds}
    ids = {rid for found in known.values() for rid, _ in found}
    what = " or ".join(kinds)
    resolved: list[str] = []
    for value in values:
        if value in ids:
            resolved.append(value)
            continue
        named = [
            (kind, rid) for kind in kinds for rid, name in known[kind] if name == value
        ]
        if len(named) == 1:
            LOG.info("values: %s %r is id %s", named[0][0], value, named[0][1])
            resolved.append(named[0][1])
        elif named:
            raise InputError(
                "values",
                f"{value!r} names {len(named)} {what}s (ids "
                f"{', '.join(rid for _, rid in named)}); give the id",
            )
        elif _ID_SHAPE.match(value):
            resolved.append(value)
        else:
            names = sorted({name for found in known.values() for _, name in found})
            hint = (
                f" (known: {', '.join(names)})"
                if len(names) <= _KNOWN_SHOWN
                else f" ({len(names)} known)"
            )
            raise InputError(
                "values",
                f"{prop} holds {what} ids, and there is no {what} with the name or "
                f"id {value!r}{hint}",
            )
    return list(dict.fromkeys(resolved))


def scope_args(
    all_projects: bool = False,
    from_projects: Sequence[str] | None = None,
    from_domain: str | None = None,
) -> dict[str, Any]:
    """``run()`` keyword arguments for the scope parameters, validated."""
    if all_projects and from_projects:
        raise InputError(
            "from_projects", "cannot be combined with all_projects=true; choose one"
        )
    if from_projects is not None and not isinstance(from_projects, list | tuple):
        raise InputError("from_projects", "must be a list of project names or ids")
    args: dict[str, Any] = {"all_projects": bool(all_projects)}
    if from_projects:
        args["from_projects"] = [str(p) for p in from_projects]
    if from_domain:
        args["from_domain"] = str(from_domain)
    return args


def build(type_name: str, common: Common) -> Query:
    """A query with the shared parameters applied, each validated by name."""
    query = Query(type_name)
    check_choice("output_type", common.output_type, OUTPUT_TYPES)
    common.max_rows = validation.optional_whole_number(
        "max_rows", common.max_rows, 1, validation.INT32_MAX
    )
    settings: tuple[tuple[str, Callable[[], object]], ...] = (
        (
            "properties_to_select",
            lambda: query.select(*(common.properties_to_select or [])),
        ),
        ("sort_by", lambda: query.sort_by(*(common.sort_by or []))),
        ("group_by", lambda: common.group_by and query.group_by(common.group_by)),
    )
    for parameter, action in settings:
        try:
            action()
        except QueryError as exc:
            raise InputError(parameter, str(exc)) from exc
    return query


def add_filter(query: Query, preset: str, prop: str, **args: Any) -> None:
    """``query.where(...)`` with errors reported against the search parameters."""
    try:
        query.where(preset, prop, **args)
    except QueryError as exc:
        raise InputError("property_to_search_by", str(exc)) from exc


def execute(conn: Connection, query: Query, common: Common) -> Any:
    """Run ``query`` on the injected connection and render ``output_type``
    (``to_objects`` keeps the rows' bodies while listing: one listing, not two)."""
    output = common.output_type
    if output == "to_objects":
        query.keep_objects()
    query.run(conn, max_rows=common.max_rows, **common.run_args)
    if output == "to_objects":
        objects = query.to_objects()
        if isinstance(objects, dict):
            return {g: [_plain(o) for o in objs] for g, objs in objects.items()}
        return [_plain(o) for o in objects]
    if output == "to_props":
        return query.to_props()
    if output == "to_json":
        return query.to_json()
    return getattr(query, output)()


def _plain(resource: Any) -> dict[str, Any]:
    """An openstacksdk resource as a plain JSON-serialisable dict."""
    with quiet_sdk_construction():  # to_dict() builds nested SDK resources
        plain: dict[str, Any] = resource.to_dict(computed=False)
    return plain
