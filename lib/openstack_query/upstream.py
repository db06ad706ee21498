"""The names upstream openstackquery 1.3 accepts, and what each is here.

Scripts written for upstream openstackquery (``from openstackquery import
ServerQuery``) name properties, presets and query types with upstream's enum names
and aliases. Every one of them is accepted here with the same meaning: most are
plain aliases of this library's properties (accepted by every query); the few whose
name means something else here (``ADDRESSES``, a server's IPs as one string, vs this
library's ``addresses`` mapping; ``uptime`` in days vs Nova's uptime text; an
aggregate's ``id``, which upstream reads from its uuid) are translated only by the
``openstack_query.compat`` query classes, which scripts use in place of upstream's.

``PROPERTIES`` is the table the library's README shows and the tests check: for
each type, upstream's enum name, its aliases, and this library's canonical name.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class UpstreamProperty:
    """One upstream property: its enum name, its aliases, and the canonical name of
    the property here that has its meaning."""

    enum: str
    aliases: tuple[str, ...]
    ours: str
    #: How the value's representation differs from upstream's, if it does.
    note: str = ""


def _p(enum: str, ours: str, *aliases: str, note: str = "") -> UpstreamProperty:
    return UpstreamProperty(enum, tuple(aliases), ours, note)


#: Upstream 1.3's properties per query type (keyed by this library's type name).
PROPERTIES: dict[str, tuple[UpstreamProperty, ...]] = {
    "servers": (
        _p("FLAVOR_ID", "flavor_id"),
        _p("HYPERVISOR_NAME", "hypervisor_name", "hv_name", "hypervisor_name"),
        _p("IMAGE_ID", "image_id"),
        _p("PROJECT_ID", "project_id"),
        _p("SERVER_CREATION_DATE", "created_at", "created_at"),
        _p(
            "SERVER_DESCRIPTION",
            "description",
            "description",
            "desc",
            "vm_description",
        ),
        _p("SERVER_ID", "id", "vm_id", "id", "uuid"),
        _p("SERVER_LAST_UPDATED_DATE", "updated_at", "updated_at"),
        _p("SERVER_NAME", "name", "vm_name", "name"),
        _p("SERVER_STATUS", "status", "status", "vm_status"),
        _p("USER_ID", "user_id"),
        _p("ADDRESSES", "ips", "ips", "vm_ips", "server_ips"),
    ),
    "users": (
        _p("USER_DOMAIN_ID", "domain_id", "domain_id"),
        _p("USER_DESCRIPTION", "description", "description", "desc"),
        _p(
            "USER_EMAIL",
            "email",
            "email",
            "email_addr",
            "email_address",
            "user_email_address",
        ),
        _p("USER_ID", "id", "id", "uuid"),
        _p("USER_NAME", "name", "name", "username"),
    ),
    "projects": (
        _p("PROJECT_DESCRIPTION", "description", "description", "desc"),
        _p("PROJECT_DOMAIN_ID", "domain_id", "domain_id"),
        _p("PROJECT_ID", "id", "id", "uuid"),
        _p("PROJECT_IS_DOMAIN", "is_domain", "is_domain"),
        _p("PROJECT_IS_ENABLED", "enabled", "is_enabled"),
        _p("PROJECT_NAME", "name", "name"),
        _p("PROJECT_PARENT_ID", "parent_id", "parent_id"),
    ),
    "flavors": (
        _p("FLAVOR_DESCRIPTION", "description", "description", "desc"),
        _p("FLAVOR_DISK", "disk", "disk", "disk_size"),
        _p(
            "FLAVOR_EPHEMERAL",
            "ephemeral",
            "ephemeral",
            "ephemeral_disk",
            "ephemeral_disk_size",
        ),
        _p("FLAVOR_ID", "id", "id", "uuid"),
        _p("FLAVOR_IS_DISABLED", "is_disabled", "is_disabled"),
        _p("FLAVOR_IS_PUBLIC", "is_public", "is_public"),
        _p("FLAVOR_NAME", "name", "name"),
        _p("FLAVOR_RAM", "ram", "ram", "ram_size"),
        _p("FLAVOR_SWAP", "swap", "swap", "swap_size"),
        _p("FLAVOR_VCPU", "vcpus", "vcpu", "vcpus"),
    ),
    "images": (
        _p("IMAGE_CREATION_DATE", "created_at", "created_at"),
        _p("IMAGE_CREATION_PROGRESS", "progress", "progress"),
        _p("IMAGE_ID", "id", "id", "uuid"),
        _p("IMAGE_LAST_UPDATED_DATE", "updated_at", "updated_at"),
        _p("IMAGE_MINIMUM_RAM", "min_ram", "min_ram", "ram"),
        _p("IMAGE_MINIMUM_DISK", "min_disk", "min_disk", "disk"),
        _p("IMAGE_NAME", "name", "name"),
        _p("IMAGE_SIZE", "size", "size"),
        _p("IMAGE_STATUS", "status", "status"),
    ),
    "hypervisors": (
        _p("HYPERVISOR_ID", "id", "id", "uuid", "host_id"),
        _p("HYPERVISOR_IP", "host_ip", "ip", "host_ip"),
        _p("HYPERVISOR_NAME", "name", "name", "host_name"),
        _p("HYPERVISOR_STATE", "state", "state"),
        _p("HYPERVISOR_STATUS", "status", "status"),
        _p("HYPERVISOR_DISABLED_REASON", "disabled_reason", "disabled_reason"),
        _p("HYPERVISOR_UPTIME_DAYS", "uptime_days", "uptime"),
        _p("VCPUS", "vcpus_total", "vcpus"),
        _p("VCPUS_USED", "vcpus_used", "vcpus_used", "vcpus_in_use"),
        _p("VCPUS_AVAIL", "vcpus_free", "vcpus_avail", "vcpus_free"),
        _p(
            "MEMORY_MB_SIZE",
            "memory_mb_total",
            "memory_mb_size",
            "memory_size",
            "memory_mb",
            "memory",
            "ram",
        ),
        _p("MEMORY_MB_USED", "memory_mb_used", "memory_mb_used", "memory_used"),
        _p(
            "MEMORY_MB_AVAIL",
            "memory_mb_free",
            "memory_mb_avail",
            "memory_avail",
            "memory_free",
            "free_ram_mb",
        ),
        _p(
            "DISK_GB_SIZE",
            "disk_gb_total",
            "disk_gb_size",
            "disk",
            "local_disk",
            "local_gb",
        ),
        _p(
            "DISK_GB_USED",
            "disk_gb_used",
            "disk_gb_used",
            "disk_used",
            "local_disk_used",
            "local_gb_used",
        ),
        _p(
            "DISK_GB_AVAIL",
            "disk_gb_free",
            "disk_gb_avail",
            "disk_avail",
            "local_disk_free",
            "free_disk_gb",
        ),
    ),
    "aggregates": (
        _p("AGGREGATE_CREATED_AT", "created_at", "created_at"),
        _p("AGGREGATE_DELETED", "deleted", "deleted"),
        _p("AGGREGATE_DELETED_AT", "deleted_at", "deleted_at"),
        _p("AGGREGATE_GPUNUM", "gpunum", "metadata_gpunum", "gpunum"),
        _p(
            "AGGREGATE_HOST_IPS",
            "hosts",
            "hosts",
            "host_ips",
            note="a list here; upstream gives the list as JSON text",
        ),
        _p("AGGREGATE_HOSTTYPE", "hosttype", "metadata_hosttype", "hosttype"),
        _p(
            "AGGREGATE_LOCAL_STORAGE_TYPE",
            "local_storage_type",
            "metadata_local_storage_type",
            "local_storage_type",
        ),
        _p(
            "AGGREGATE_METADATA",
            "metadata",
            "metadata",
            note="a mapping here; upstream gives it as JSON text",
        ),
        _p("AGGREGATE_UPDATED_AT", "updated_at", "updated_at"),
        _p("AGGREGATE_ID", "uuid", "id", "uuid"),
    ),
}

#: Upstream's query type names and aliases, per this library's type name.
QUERY_TYPES: dict[str, tuple[str, ...]] = {
    "flavors": ("FLAVOR_QUERY", "flavor", "flavors", "flavorquery"),
    "projects": ("PROJECT_QUERY", "project", "projects", "projectquery"),
    "servers": (
        "SERVER_QUERY",
        "vm",
        "vms",
        "vmquery",
        "server",
        "servers",
        "serverquery",
    ),
    "users": ("USER_QUERY", "user", "users", "userquery"),
    "images": ("IMAGE_QUERY", "image", "images", "imagequery"),
    "hypervisors": ("HYPERVISOR_QUERY", "hypervisor", "hypervisors", "hypervisorquery"),
    "aggregates": ("AGGREGATE_QUERY", "aggregate", "aggregates", "aggregatequery"),
}

#: Upstream's preset names and aliases, per this library's preset value.
PRESETS: dict[str, tuple[str, ...]] = {
    "equal_to": ("EQUAL_TO", "equal", "=="),
    "not_equal_to": ("NOT_EQUAL_TO", "not_equal", "!="),
    "any_in": ("ANY_IN", "in"),
    "not_any_in": ("NOT_ANY_IN", "not_in"),
    "greater_than": ("GREATER_THAN", "greater", "more_than", "more", ">"),
    "greater_than_or_equal_to": (
        "GREATER_THAN_OR_EQUAL_TO",
        "greater_or_equal",
        "more_than_or_equal_to",
        "more_or_equal",
        ">=",
    ),
    "less_than": ("LESS_THAN", "less", "<"),
    # upstream also lists "<=" under YOUNGER_THAN_OR_EQUAL_TO, but its lookup
    # returns the first enum that has it: LESS_THAN_OR_EQUAL_TO
    "less_than_or_equal_to": ("LESS_THAN_OR_EQUAL_TO", "less_or_equal", "<="),
    "older_than": ("OLDER_THAN", "older"),
    "older_than_or_equal_to": ("OLDER_THAN_OR_EQUAL_TO", "older_or_equal"),
    "younger_than": ("YOUNGER_THAN", "younger", "newer_than", "newer"),
    "younger_than_or_equal_to": (
        "YOUNGER_THAN_OR_EQUAL_TO",
        "younger_or_equal",
        "newer_than_or_equal_to",
        "newer_or_equal",
    ),
    "matches_regex": ("MATCHES_REGEX", "match_regex", "regex", "re"),
    "not_matches_regex": (
        "NOT_MATCHES_REGEX",
        "not_match_regex",
        "notregex",
        "nre",
    ),
}


def upstream_names(type_name: str) -> dict[str, str]:
    """Every upstream property name and alias of ``type_name`` (lower case) mapped
    to the canonical name here with its meaning."""
    names: dict[str, str] = {}
    for prop in PROPERTIES[type_name]:
        for name in (prop.enum, *prop.aliases):
            names[name.lower()] = prop.ours
    return names


def markdown_table() -> str:
    """The README's table of upstream names (checked by the unit tests)."""
    from openstack_query.resources import UPSTREAM_CONFLICTS

    lines = [
        "| Type | Upstream property (enum) | Upstream aliases | Here | Notes |",
        "|---|---|---|---|---|",
    ]
    for type_name, props in PROPERTIES.items():
        conflicts = UPSTREAM_CONFLICTS[type_name]
        for prop in props:
            notes = [prop.note] if prop.note else []
            compat_only = sorted(
                n for n in (prop.enum, *prop.aliases) if n.lower() in conflicts
            )
            if compat_only:
                notes.append(
                    f"{', '.join(f'`{n}`' for n in compat_only)} means this only "
                    "in `openstack_query.compat` queries"
                )
            aliases = ", ".join(f"`{a}`" for a in prop.aliases)
            lines.append(
                f"| {type_name} | `{prop.enum}` | {aliases} | `{prop.ours}` | "
                f"{'; '.join(notes)} |"
            )
    lines += [
        "",
        "| Query type here | Upstream names |",
        "|---|---|",
    ]
    lines += [
        f"| {t} | {', '.join(f'`{n}`' for n in names)} |"
        for t, names in QUERY_TYPES.items()
    ]
    lines += ["", "| Preset here | Upstream names |", "|---|---|"]
    lines += [
        f"| `{p}` | {', '.join(f'`{n}`' for n in names)} |"
        for p, names in PRESETS.items()
    ]
    return "\n".join(lines) + "\n"
