"""Search actions: find servers, users, projects, flavors, images and hypervisors by
property values, regex, age or numeric comparison, and list servers.

Each function validates its inputs (``InputError`` naming the parameter), runs ONE
Query through ``openstack_query`` on the injected connection and returns the result
in ``output_type``: a table string for to_string/to_html/to_csv, JSON text for
to_json, rows (or ``{group: rows}``) for to_props, raw resources for to_objects.
"""

from __future__ import annotations

from typing import Any

from openstack.connection import Connection

from openstack_query import QueryError
from pack_common import InputError, validation
from workflows.search_support import (
    DATE_PRESETS,
    EXPRESSION_PRESETS,
    MEMBERSHIP_PRESETS,
    REGEX_PRESETS,
    Common,
    add_filter,
    build,
    check_choice,
    check_property,
    execute,
    resolve_references,
    scope_args,
)


def _by_property(
    conn: Connection,
    type_name: str,
    prop: str,
    values: list[str],
    search_mode: str,
    common: Common,
) -> Any:
    name = check_property(type_name, "property", prop)
    preset = check_choice("search_mode", search_mode, MEMBERSHIP_PRESETS)
    cleaned = validation.name_list("values", values, what="value")
    query = build(type_name, common)
    cleaned = resolve_references(conn, type_name, name, cleaned)
    add_filter(query, preset, name, values=cleaned)
    return execute(conn, query, common)


def _by_regex(
    conn: Connection,
    type_name: str,
    prop: str,
    pattern: str,
    search_mode: str,
    common: Common,
) -> Any:
    name = check_property(type_name, "regex", prop)
    preset = check_choice("search_mode", search_mode, REGEX_PRESETS)
    if not isinstance(pattern, str) or not pattern:
        raise InputError("pattern", "give a regular expression")
    query = build(type_name, common)
    try:
        query.where(preset, name, regex=pattern)
    except QueryError as exc:  # an invalid regex
        raise InputError("pattern", str(exc)) from exc
    return execute(conn, query, common)


def _by_datetime(
    conn: Connection,
    type_name: str,
    prop: str,
    search_mode: str,
    span: dict[str, Any],
    common: Common,
) -> Any:
    name = check_property(type_name, "datetime", prop)
    preset = check_choice("search_mode", search_mode, DATE_PRESETS)
    span = {unit: validation.time_span(unit, amount) for unit, amount in span.items()}
    if not any(span.values()):
        raise InputError("days", "give days, hours, minutes or seconds (not all 0)")
    query = build(type_name, common)
    add_filter(query, preset, name, **{k: v for k, v in span.items() if v})
    return execute(conn, query, common)


def _by_expression(
    conn: Connection,
    type_name: str,
    prop: str,
    operator: str,
    value: float,
    common: Common,
) -> Any:
    name = check_property(type_name, "expression", prop)
    preset = check_choice("operator", operator, EXPRESSION_PRESETS)
    value = validation.comparison_value("value", value)
    query = build(type_name, common)
    add_filter(query, preset, name, value=value)
    return execute(conn, query, common)


def _common(
    properties_to_select: list[str] | None,
    output_type: str,
    group_by: str | None,
    sort_by: list[str] | None,
    max_rows: int | None,
    **scope: Any,
) -> Common:
    return Common(
        properties_to_select,
        output_type,
        group_by,
        sort_by,
        max_rows,
        scope_args(**scope),
    )


# ------------------------------------------------------------------ servers
def server_by_property(
    conn: Connection,
    property_to_search_by: str,
    values: list[str],
    search_mode: str = "any_in",
    properties_to_select: list[str] | None = None,
    output_type: str = "to_string",
    group_by: str | None = None,
    sort_by: list[str] | None = None,
    all_projects: bool = False,
    from_projects: list[str] | None = None,
    max_rows: int | None = None,
) -> Any:
    """Servers whose property is (``any_in``) or is not (``not_any_in``) one of
    ``values``."""
    common = _common(
        properties_to_select,
        output_type,
        group_by,
        sort_by,
        max_rows,
        all_projects=all_projects,
        from_projects=from_projects,
    )
    return _by_property(
        conn, "servers", property_to_search_by, values, search_mode, common
    )


def server_by_regex(
    conn: Connection,
    property_to_search_by: str,
    pattern: str,
    search_mode: str = "matches_regex",
    properties_to_select: list[str] | None = None,
    output_type: str = "to_string",
    group_by: str | None = None,
    sort_by: list[str] | None = None,
    all_projects: bool = False,
    from_projects: list[str] | None = None,
    max_rows: int | None = None,
) -> Any:
    """Servers whose property matches (or does not match) a regular expression."""
    common = _common(
        properties_to_select,
        output_type,
        group_by,
        sort_by,
        max_rows,
        all_projects=all_projects,
        from_projects=from_projects,
    )
    return _by_regex(
        conn, "servers", property_to_search_by, pattern, search_mode, common
    )


def server_by_datetime(
    conn: Connection,
    property_to_search_by: str,
    search_mode: str = "older_than",
    days: int = 0,
    hours: int = 0,
    minutes: int = 0,
    seconds: int = 0,
    properties_to_select: list[str] | None = None,
    output_type: str = "to_string",
    group_by: str | None = None,
    sort_by: list[str] | None = None,
    all_projects: bool = False,
    from_projects: list[str] | None = None,
    max_rows: int | None = None,
) -> Any:
    """Servers whose date property is older or younger than a span (UTC)."""
    common = _common(
        properties_to_select,
        output_type,
        group_by,
        sort_by,
        max_rows,
        all_projects=all_projects,
        from_projects=from_projects,
    )
    span = {"days": days, "hours": hours, "minutes": minutes, "seconds": seconds}
    return _by_datetime(
        conn, "servers", property_to_search_by, search_mode, span, common
    )


def server_list(
    conn: Connection,
    properties_to_select: list[str] | None = None,
    output_type: str = "to_string",
    group_by: str | None = None,
    sort_by: list[str] | None = None,
    all_projects: bool = False,
    from_projects: list[str] | None = None,
    max_rows: int | None = None,
) -> Any:
    """Every server in scope (the current project, ``from_projects`` or all)."""
    common = _common(
        properties_to_select,
        output_type,
        group_by,
        sort_by,
        max_rows,
        all_projects=all_projects,
        from_projects=from_projects,
    )
    return execute(conn, build("servers", common), common)


# -------------------------------------------------------------------- users
def user_by_property(
    conn: Connection,
    property_to_search_by: str,
    values: list[str],
    search_mode: str = "any_in",
    properties_to_select: list[str] | None = None,
    output_type: str = "to_string",
    group_by: str | None = None,
    sort_by: list[str] | None = None,
    from_domain: str | None = None,
    max_rows: int | None = None,
) -> Any:
    """Users whose property is (or is not) one of ``values``."""
    common = _common(
        properties_to_select,
        output_type,
        group_by,
        sort_by,
        max_rows,
        from_domain=from_domain,
    )
    return _by_property(
        conn, "users", property_to_search_by, values, search_mode, common
    )


def user_by_regex(
    conn: Connection,
    property_to_search_by: str,
    pattern: str,
    search_mode: str = "matches_regex",
    properties_to_select: list[str] | None = None,
    output_type: str = "to_string",
    group_by: str | None = None,
    sort_by: list[str] | None = None,
    from_domain: str | None = None,
    max_rows: int | None = None,
) -> Any:
    """Users whose property matches (or does not match) a regular expression."""
    common = _common(
        properties_to_select,
        output_type,
        group_by,
        sort_by,
        max_rows,
        from_domain=from_domain,
    )
    return _by_regex(conn, "users", property_to_search_by, pattern, search_mode, common)


def user_by_datetime(
    conn: Connection,
    property_to_search_by: str,
    search_mode: str = "younger_than",
    days: int = 0,
    hours: int = 0,
    minutes: int = 0,
    seconds: int = 0,
    properties_to_select: list[str] | None = None,
    output_type: str = "to_string",
    group_by: str | None = None,
    sort_by: list[str] | None = None,
    from_domain: str | None = None,
    max_rows: int | None = None,
) -> Any:
    """Users by a date (Keystone exposes ``password_expires_at``)."""
    common = _common(
        properties_to_select,
        output_type,
        group_by,
        sort_by,
        max_rows,
        from_domain=from_domain,
    )
    span = {"days": days, "hours": hours, "minutes": minutes, "seconds": seconds}
    return _by_datetime(conn, "users", property_to_search_by, search_mode, span, common)


# ----------------------------------------------------------------- projects
def project_by_property(
    conn: Connection,
    property_to_search_by: str,
    values: list[str],
    search_mode: str = "any_in",
    properties_to_select: list[str] | None = None,
    output_type: str = "to_string",
    group_by: str | None = None,
    sort_by: list[str] | None = None,
    from_domain: str | None = None,
    max_rows: int | None = None,
) -> Any:
    """Projects whose property is (or is not) one of ``values``."""
    common = _common(
        properties_to_select,
        output_type,
        group_by,
        sort_by,
        max_rows,
        from_domain=from_domain,
    )
    return _by_property(
        conn, "projects", property_to_search_by, values, search_mode, common
    )


def project_by_regex(
    conn: Connection,
    property_to_search_by: str,
    pattern: str,
    search_mode: str = "matches_regex",
    properties_to_select: list[str] | None = None,
    output_type: str = "to_string",
    group_by: str | None = None,
    sort_by: list[str] | None = None,
    from_domain: str | None = None,
    max_rows: int | None = None,
) -> Any:
    """Projects whose property matches (or does not match) a regular expression."""
    common = _common(
        properties_to_select,
        output_type,
        group_by,
        sort_by,
        max_rows,
        from_domain=from_domain,
    )
    return _by_regex(
        conn, "projects", property_to_search_by, pattern, search_mode, common
    )


# ------------------------------------------------------------------ flavors
def flavor_by_property(
    conn: Connection,
    property_to_search_by: str,
    values: list[str],
    search_mode: str = "any_in",
    properties_to_select: list[str] | None = None,
    output_type: str = "to_string",
    group_by: str | None = None,
    sort_by: list[str] | None = None,
    max_rows: int | None = None,
) -> Any:
    """Flavors whose property is (or is not) one of ``values``."""
    common = _common(properties_to_select, output_type, group_by, sort_by, max_rows)
    return _by_property(
        conn, "flavors", property_to_search_by, values, search_mode, common
    )


def flavor_by_regex(
    conn: Connection,
    property_to_search_by: str,
    pattern: str,
    search_mode: str = "matches_regex",
    properties_to_select: list[str] | None = None,
    output_type: str = "to_string",
    group_by: str | None = None,
    sort_by: list[str] | None = None,
    max_rows: int | None = None,
) -> Any:
    """Flavors whose property matches (or does not match) a regular expression."""
    common = _common(properties_to_select, output_type, group_by, sort_by, max_rows)
    return _by_regex(
        conn, "flavors", property_to_search_by, pattern, search_mode, common
    )


def flavor_by_expression(
    conn: Connection,
    property_to_search_by: str,
    operator: str,
    value: float,
    properties_to_select: list[str] | None = None,
    output_type: str = "to_string",
    group_by: str | None = None,
    sort_by: list[str] | None = None,
    max_rows: int | None = None,
) -> Any:
    """Flavors by a numeric comparison (e.g. ram greater_than 2048)."""
    common = _common(properties_to_select, output_type, group_by, sort_by, max_rows)
    return _by_expression(
        conn, "flavors", property_to_search_by, operator, value, common
    )


# ------------------------------------------------------------------- images
def image_by_property(
    conn: Connection,
    property_to_search_by: str,
    values: list[str],
    search_mode: str = "any_in",
    properties_to_select: list[str] | None = None,
    output_type: str = "to_string",
    group_by: str | None = None,
    sort_by: list[str] | None = None,
    all_projects: bool = False,
    from_projects: list[str] | None = None,
    max_rows: int | None = None,
) -> Any:
    """Images whose property is (or is not) one of ``values``."""
    common = _common(
        properties_to_select,
        output_type,
        group_by,
        sort_by,
        max_rows,
        all_projects=all_projects,
        from_projects=from_projects,
    )
    return _by_property(
        conn, "images", property_to_search_by, values, search_mode, common
    )


def image_by_regex(
    conn: Connection,
    property_to_search_by: str,
    pattern: str,
    search_mode: str = "matches_regex",
    properties_to_select: list[str] | None = None,
    output_type: str = "to_string",
    group_by: str | None = None,
    sort_by: list[str] | None = None,
    all_projects: bool = False,
    from_projects: list[str] | None = None,
    max_rows: int | None = None,
) -> Any:
    """Images whose property matches (or does not match) a regular expression."""
    common = _common(
        properties_to_select,
        output_type,
        group_by,
        sort_by,
        max_rows,
        all_projects=all_projects,
        from_projects=from_projects,
    )
    return _by_regex(
        conn, "images", property_to_search_by, pattern, search_mode, common
    )


def image_by_datetime(
    conn: Connection,
    property_to_search_by: str,
    search_mode: str = "older_than",
    days: int = 0,
    hours: int = 0,
    minutes: int = 0,
    seconds: int = 0,
    properties_to_select: list[str] | None = None,
    output_type: str = "to_string",
    group_by: str | None = None,
    sort_by: list[str] | None = None,
    all_projects: bool = False,
    from_projects: list[str] | None = None,
    max_rows: int | None = None,
) -> Any:
    """Images whose date property is older or younger than a span (UTC)."""
    common = _common(
        properties_to_select,
        output_type,
        group_by,
        sort_by,
        max_rows,
        all_projects=all_projects,
        from_projects=from_projects,
    )
    span = {"days": days, "hours": hours, "minutes": minutes, "seconds": seconds}
    return _by_datetime(
        conn, "images", property_to_search_by, search_mode, span, common
    )


def image_by_expression(
    conn: Connection,
    property_to_search_by: str,
    operator: str,
    value: float,
    properties_to_select: list[str] | None = None,
    output_type: str = "to_string",
    group_by: str | None = None,
    sort_by: list[str] | None = None,
    all_projects: bool = False,
    from_projects: list[str] | None = None,
    max_rows: int | None = None,
) -> Any:
    """Images by a numeric comparison (size in bytes, min_ram, min_disk)."""
    common = _common(
        properties_to_select,
        output_type,
        group_by,
        sort_by,
        max_rows,
        all_projects=all_projects,
        from_projects=from_projects,
    )
    return _by_expression(
        conn, "images", property_to_search_by, operator, value, common
    )


# -------------------------------------------------------------- hypervisors
def hypervisor_by_property(
    conn: Connection,
    property_to_search_by: str,
    values: list[str],
    search_mode: str = "any_in",
    properties_to_select: list[str] | None = None,
    output_type: str = "to_string",
    group_by: str | None = None,
    sort_by: list[str] | None = None,
    max_rows: int | None = None,
) -> Any:
    """Hypervisors whose property is (or is not) one of ``values``."""
    common = _common(properties_to_select, output_type, group_by, sort_by, max_rows)
    return _by_property(
        conn, "hypervisors", property_to_search_by, values, search_mode, common
    )


def hypervisor_by_regex(
    conn: Connection,
    property_to_search_by: str,
    pattern: str,
    search_mode: str = "matches_regex",
    properties_to_select: list[str] | None = None,
    output_type: str = "to_string",
    group_by: str | None = None,
    sort_by: list[str] | None = None,
    max_rows: int | None = None,
) -> Any:
    """Hypervisors whose property matches (or does not match) a regular expression."""
    common = _common(properties_to_select, output_type, group_by, sort_by, max_rows)
    return _by_regex(
        conn, "hypervisors", property_to_search_by, pattern, search_mode, common
    )


def hypervisor_by_expression(
    conn: Connection,
    property_to_search_by: str,
    operator: str,
    value: float,
    properties_to_select: list[str] | None = None,
    output_type: str = "to_string",
    group_by: str | None = None,
    sort_by: list[str] | None = None,
    max_rows: int | None = None,
) -> Any:
    """Hypervisors by a numeric comparison of Placement capacity/usage
    (e.g. vcpus_free less_than 4)."""
    common = _common(properties_to_select, output_type, group_by, sort_by, max_rows)
    return _by_expression(
        conn, "hypervisors", property_to_search_by, operator, value, common
    )
