"""The devcloud's estate as the ``openstack`` CLI reports it, in the pack's terms.

Each table is a list of rows keyed by the pack's property names (``id``, ``name``,
``status``, ``project_id``, ...), built ONLY from ``openstack ... -f json`` answers
(see ``oracle_cli``): a listing plus, where the listing lacks a field the pack
reports (dates, tags, user of a server...), one ``show`` per listed item, all in one
CLI process. Values are normalised for comparison only (dates to UTC, lists and
addresses to sorted lists), never reinterpreted.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from dateutil import parser as dateparser
from oracle_cli import OpenStackCLI

SERVER_LIST = "server list --all-projects --long"
USER_LIST = "user list --long"
PROJECT_LIST = "project list --long"
FLAVOR_LIST = "flavor list --all --long"
IMAGE_LIST = "image list --long"
HYPERVISOR_LIST = "hypervisor list --long"
COMPUTE_SERVICES = "compute service list --long --service nova-compute"
EFFECTIVE_ASSIGNMENTS = "role assignment list --effective"
ROLES = "role list"
ASSIGNMENTS = "role assignment list"
AGGREGATES = "aggregate list --long"


def when(value: Any) -> datetime | None:
    """A date as an aware UTC datetime (None stays None)."""
    if value in (None, ""):
        return None
    parsed = dateparser.isoparse(str(value))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def norm(field: str, value: Any) -> Any:
    """``value`` of ``field`` in a comparable form (either side)."""
    if field.endswith("_at"):
        return when(value)
    if field == "ips":
        if isinstance(value, str):
            return sorted(v.strip() for v in value.split(",") if v.strip())
        return sorted(value or [])
    if field in ("tags", "project_ids"):
        return sorted(value or [])
    if field in ("description", "email", "disabled_reason", "default_project_id"):
        return value or None  # Keystone/Nova report "" and null alike
    return value


def _show_all(cli: OpenStackCLI, kind: str, ids: list[str], fresh: bool) -> None:
    cli.batch([f"{kind} show {i}" for i in ids], fresh=fresh)


def servers(cli: OpenStackCLI, fresh: bool = False) -> list[dict[str, Any]]:
    """Every server (all projects): ``server list --long`` plus ``server show``."""
    listing = cli(SERVER_LIST, fresh=fresh)
    _show_all(cli, "server", [s["ID"] for s in listing], fresh)
    rows = []
    for s in listing:
        show = cli.get(f"server show {s['ID']}")
        if show is None:  # deleted since the listing
            continue
        rows.append(
            {
                "id": s["ID"],
                "name": s["Name"],
                "status": s["Status"],
                "project_id": s["Project ID"],
                "user_id": show["user_id"],
                "flavor_name": s["Flavor"],
                "image_id": s["Image ID"] or None,
                "host": s["Host"],
                "hypervisor_name": show.get("OS-EXT-SRV-ATTR:hypervisor_hostname"),
                "availability_zone": s["Availability Zone"],
                "created_at": show["created"],
                "updated_at": show["updated"],
                "ips": [a for addrs in (s["Networks"] or {}).values() for a in addrs],
                "description": show.get("description"),
                "_show": show,
            }
        )
    return rows


def users(cli: OpenStackCLI, fresh: bool = False) -> list[dict[str, Any]]:
    """Every user: ``user list --long``, ``user show`` and effective assignments."""
    listing = cli(USER_LIST, fresh=fresh)
    _show_all(cli, "user", [u["ID"] for u in listing], fresh)
    projects: dict[str, set[str]] = {}
    for a in cli(EFFECTIVE_ASSIGNMENTS, fresh=fresh):
        if a["User"] and a["Project"]:
            projects.setdefault(a["User"], set()).add(a["Project"])
    rows = []
    for u in listing:
        show = cli.get(f"user show {u['ID']}")
        if show is None:
            continue
        rows.append(
            {
                "id": u["ID"],
                "name": u["Name"],
                "email": u["Email"],
                "description": u["Description"],
                "domain_id": u["Domain"],
                "enabled": u["Enabled"],
                "default_project_id": u["Project"],
                "password_expires_at": show.get("password_expires_at"),
                "project_ids": sorted(projects.get(u["ID"], ())),
            }
        )
    return rows


def projects(cli: OpenStackCLI, fresh: bool = False) -> list[dict[str, Any]]:
    """Every project: ``project list --long`` plus ``project show`` (tags, parent)."""
    listing = cli(PROJECT_LIST, fresh=fresh)
    _show_all(cli, "project", [p["ID"] for p in listing], fresh)
    rows = []
    for p in listing:
        show = cli.get(f"project show {p['ID']}")
        if show is None:
            continue
        rows.append(
            {
                "id": p["ID"],
                "name": p["Name"],
                "description": p["Description"],
                "domain_id": p["Domain ID"],
                "enabled": p["Enabled"],
                "parent_id": show.get("parent_id"),
                "is_domain": show.get("is_domain"),
                "tags": show.get("tags") or [],
                "email": show.get("email"),
            }
        )
    return rows


def flavors(cli: OpenStackCLI, fresh: bool = False) -> list[dict[str, Any]]:
    """Every flavor, public and private: ``flavor list --all --long``."""
    return [
        {
            "id": f["ID"],
            "name": f["Name"],
            "vcpus": f["VCPUs"],
            "ram": f["RAM"],
            "disk": f["Disk"],
            "ephemeral": f["Ephemeral"],
            "swap": f["Swap"] or 0,
            "is_public": f["Is Public"],
            "extra_specs": f["Properties"] or {},
        }
        for f in cli(FLAVOR_LIST, fresh=fresh)
    ]


def images(cli: OpenStackCLI, fresh: bool = False) -> list[dict[str, Any]]:
    """Every image the admin sees: ``image list --long`` plus ``image show``."""
    listing = cli(IMAGE_LIST, fresh=fresh)
    _show_all(cli, "image", [i["ID"] for i in listing], fresh)
    rows = []
    for i in listing:
        show = cli.get(f"image show {i['ID']}")
        if show is None:
            continue
        props = show.get("properties") or {}
        rows.append(
            {
                "id": i["ID"],
                "name": i["Name"],
                "status": i["Status"],
                "visibility": i["Visibility"],
                "owner": i["Project"],
                "size": i["Size"],
                "disk_format": i["Disk Format"],
                "container_format": i["Container Format"],
                "protected": i["Protected"],
                "tags": i["Tags"] or [],
                "min_ram": show.get("min_ram"),
                "min_disk": show.get("min_disk"),
                "created_at": show.get("created_at"),
                "updated_at": show.get("updated_at"),
                "os_distro": props.get("os_distro"),
                "os_version": props.get("os_version"),
                "os_type": props.get("os_type"),
                "architecture": props.get("architecture"),
            }
        )
    return rows


def hypervisors(cli: OpenStackCLI, fresh: bool = False) -> list[dict[str, Any]]:
    """Every hypervisor: ``hypervisor list --long``, its nova-compute service,
    Placement inventory and usage of its resource provider (osc-placement), and
    the servers ``server list --all-projects`` places on its host."""
    listing = cli(HYPERVISOR_LIST, fresh=fresh)
    services = {s["Host"]: s for s in cli(COMPUTE_SERVICES, fresh=fresh)}
    commands = [f"resource provider inventory list {h['ID']}" for h in listing]
    cli.batch(commands, fresh=fresh)
    per_host = Counter(s["Host"] for s in cli(SERVER_LIST, fresh=fresh))
    rows = []
    for h in listing:
        host = h["Hypervisor Hostname"]
        service = services.get(host) or {}
        row: dict[str, Any] = {
            "id": h["ID"],
            "name": host,
            "host": host,
            "state": h["State"],
            "status": service.get("Status"),
            "disabled_reason": service.get("Disabled Reason"),
            "host_ip": h["Host IP"],
            "hypervisor_type": h["Hypervisor Type"],
            "server_count": per_host.get(host, 0),
            "_service": service,
            "_inventory": {},
        }
        for inv in cli.get(f"resource provider inventory list {h['ID']}") or []:
            rc = inv["resource_class"]
            capacity = int((inv["total"] - inv["reserved"]) * inv["allocation_ratio"])
            row["_inventory"][rc] = inv
            prefix = {"VCPU": "vcpus", "MEMORY_MB": "memory_mb", "DISK_GB": "disk_gb"}
            if rc in prefix:
                row[f"{prefix[rc]}_total"] = capacity
                row[f"{prefix[rc]}_used"] = inv["used"]
                row[f"{prefix[rc]}_free"] = capacity - inv["used"]
        rows.append(row)
    return rows


TABLES = {
    "servers": servers,
    "users": users,
    "projects": projects,
    "flavors": flavors,
    "images": images,
    "hypervisors": hypervisors,
}


def prefetch(cli: OpenStackCLI, extra: list[str]) -> None:
    """The listings (and ``extra``) in one CLI process, then every table's shows
    split over three processes running at once."""
    cli.batch(
        [
            *extra,
            SERVER_LIST,
            USER_LIST,
            PROJECT_LIST,
            FLAVOR_LIST,
            IMAGE_LIST,
            HYPERVISOR_LIST,
            COMPUTE_SERVICES,
            EFFECTIVE_ASSIGNMENTS,
            ASSIGNMENTS,
            ROLES,
            AGGREGATES,
        ]
    )
    commands = [f"server show {s['ID']}" for s in cli(SERVER_LIST)]
    commands += [f"user show {u['ID']}" for u in cli(USER_LIST)]
    commands += [f"project show {p['ID']}" for p in cli(PROJECT_LIST)]
    commands += [f"image show {i['ID']}" for i in cli(IMAGE_LIST)]
    commands += [
        f"resource provider inventory list {h['ID']}" for h in cli(HYPERVISOR_LIST)
    ]
    cli.batch_parallel(commands)
