"""Estate hygiene audits: what is leaking, what is exposed, and safe clean-ups.

Every audit is read-only and reads ONE listing per resource type it needs
(``openstack_api.audits`` / ``openstack_api.placement``), joined in memory: its
cost does not grow with the number of findings (one exception, bounded and
documented: ``placement_orphan_allocations`` re-reads each *candidate* orphan
once, so a server deleted while the audit ran is not reported). ``audit.all``
shares the listings between its audits through one ``Listings`` cache.

Each audit returns the same shape::

    {"audit": "audit.ports.orphaned", "summary": "...", "count": 2,
     "criteria": {...}, "scope": {...}, "listings": {"ports": 1, ...},
     "columns": [...], "findings": [{...}, ...], "output": "<table>"}

``output`` is the findings rendered as ``output_type`` (to_string, to_html,
to_csv, to_json); ``to_props`` returns the data alone.

The remediations (``release_floating_ips``, ``delete_orphaned_ports``) are dry
runs by default and return the plan with its ``plan_id``; a real run needs
``apply: true`` and ``confirm`` equal to that ``plan_id`` (so what is done is
exactly the plan the operator saw: a plan that changed since is refused). Each item
is re-read just before it is acted on, and one item's failure does not stop the
others; the execution fails when any item failed.
"""

from __future__ import annotations

import hashlib
import html
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from openstack import exceptions as sdk_exceptions
from openstack.connection import Connection

from openstack_api import audits as api
from openstack_api import placement
from openstack_query import FetchError, ScopeError, render
from openstack_query.scope import project_ids as resolve_project_ids
from openstack_query.timeutil import to_utc, utc_now
from pack_common import ConfigError, Failure, InputError, one_line, validation

LOG = logging.getLogger(__name__)

_T = TypeVar("_T")

OUTPUT_TYPES = ("to_string", "to_html", "to_csv", "to_json", "to_props")
#: Ports a security group should not open to the whole internet, by default:
#: SSH, RDP, MySQL, PostgreSQL, Redis, Elasticsearch, MongoDB.
DEFAULT_SENSITIVE_PORTS = (22, 3389, 3306, 5432, 6379, 9200, 27017)
#: Server statuses that should not last: building, moving, resizing, failed.
DEFAULT_STUCK_STATUSES = ("BUILD", "MIGRATING", "RESIZE", "ERROR")
STUCK_STATUS_CHOICES = (
    "BUILD",
    "MIGRATING",
    "RESIZE",
    "VERIFY_RESIZE",
    "REBUILD",
    "REBOOT",
    "HARD_REBOOT",
    "PASSWORD",
    "ERROR",
    "UNKNOWN",
)
MAX_DAYS = validation.MAX_SPAN["days"]
MAX_HOURS = validation.MAX_SPAN["hours"]
#: The most items one remediation run acts on unless ``max_items`` says more.
DEFAULT_MAX_ITEMS = 100
MAX_ITEMS = 10000
#: The most candidate orphan allocations re-read to confirm them in one run.
MAX_ORPHAN_CHECKS = 500
_OPEN_PREFIXES = ("0.0.0.0/0", "::/0")
#: Protocols that carry ports (None: any protocol, which includes them).
_PORT_PROTOCOLS = (None, "tcp", "udp", "sctp", "6", "17", "132", "any")


# ------------------------------------------------------------------ inputs
def _output_type(value: Any) -> str:
    if value not in OUTPUT_TYPES:
        raise InputError(
            "output_type", f"{value!r} is not one of {', '.join(OUTPUT_TYPES)}"
        )
    return str(value)


def _ports(value: Any) -> tuple[int, ...]:
    if value is None or value == []:
        return DEFAULT_SENSITIVE_PORTS
    if isinstance(value, str):
        value = [v for v in value.replace(" ", "").split(",") if v]
    if not isinstance(value, list | tuple):
        raise InputError("ports", "must be a list of port numbers")
    ports = []
    for item in value:
        try:
            number = int(str(item))
        except ValueError:
            raise InputError("ports", f"{item!r} is not a port number") from None
        ports.append(validation.whole_number("ports", number, 1, 65535))
    return tuple(sorted(set(ports)))


def _statuses(value: Any) -> tuple[str, ...]:
    if value is None or value == []:
        return DEFAULT_STUCK_STATUSES
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        raise InputError("statuses", "must be a list of server statuses")
    result = []
    for item in value:
        status = str(item).strip().upper()
        if status not in STUCK_STATUS_CHOICES:
            raise InputError(
                "statuses",
                f"{item!r} is not one of {', '.join(STUCK_STATUS_CHOICES)}",
            )
        result.append(status)
    return tuple(dict.fromkeys(result))


@dataclass(frozen=True)
class Scope:
    """Which projects an audit looks at: every project (``all_projects``, the
    default), ``from_projects`` (names or ids), or the cloud account's own."""

    all_projects: bool = True
    from_projects: tuple[str, ...] = ()

    @classmethod
    def build(cls, all_projects: Any, from_projects: Any) -> Scope:
        """Validate the scope parameters (errors name them)."""
        if from_projects is not None and not isinstance(from_projects, list | tuple):
            raise InputError("from_projects", "must be a list of project names or ids")
        projects = tuple(
            str(p).strip() for p in (from_projects or []) if str(p).strip()
        )
        if all_projects and projects:
            raise InputError(
                "from_projects",
                "cannot be combined with all_projects: true (set all_projects: "
                "false to audit only these projects)",
            )
        return cls(bool(all_projects), projects)

    def resolve(self, conn: Any) -> tuple[str, ...] | None:
        """Project ids in scope; None for every project."""
        if self.all_projects:
            return None
        if self.from_projects:
            try:
                return resolve_project_ids(conn, self.from_projects)
            except ScopeError as exc:
                raise InputError("from_projects", str(exc)) from exc
        return (str(conn.current_project_id),)

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "all_projects": self.all_projects,
            "from_projects": list(self.from_projects),
        }


# ---------------------------------------------------------------- listings
class Listings:
    """The listings of one run, each read at most once and shared by every audit
    of the run. ``calls`` counts the listings (and per-provider reads) made."""

    def __init__(
        self,
        conn: Any,
        project_ids: tuple[str, ...] | None,
        scope: Scope | None = None,
    ) -> None:
        self.conn = conn
        self.project_ids = project_ids
        self.scope = scope or Scope()
        self.calls: dict[str, int] = {}
        self._cache: dict[str, Any] = {}

    def _once(self, key: str, fetch: Callable[[], _T], calls: int = 1) -> _T:
        """``fetch()`` the first time ``key`` is asked for, the cached value after."""
        if key in self._cache:
            cached: _T = self._cache[key]
            return cached
        LOG.info("audit: listing %s", key)
        value = fetch()
        self._cache[key] = value
        self.calls[key] = self.calls.get(key, 0) + calls
        return value

    def in_scope(self, project_id: str | None) -> bool:
        """Whether ``project_id`` is one of the projects audited."""
        return self.project_ids is None or (project_id or "") in self.project_ids

    def floating_ips(self) -> list[api.FloatingIp]:
        """Floating IPs in scope."""
        return self._once(
            "floating_ips", lambda: api.floating_ips(self.conn, self.project_ids)
        )

    def ports(self) -> list[api.PortInfo]:
        """Ports in scope."""
        return self._once("ports", lambda: api.ports(self.conn, self.project_ids))

    def security_groups(self) -> list[api.SecurityGroupInfo]:
        """Security groups in scope, with their rules."""
        return self._once(
            "security_groups",
            lambda: api.security_groups(self.conn, self.project_ids),
        )

    def all_servers(self) -> list[api.ServerRecord]:
        """Every server of the cloud (whatever the scope)."""
        return self._once("servers", lambda: api.servers(self.conn, None))

    def servers(self) -> list[api.ServerRecord]:
        """Servers in scope (filtered from the one listing of every server)."""
        return [s for s in self.all_servers() if self.in_scope(s.project_id)]

    def users(self) -> dict[str, api.UserInfo]:
        """Every user by id."""
        return self._once("users", lambda: api.users(self.conn))

    def projects(self) -> dict[str, api.ProjectInfo]:
        """Every project by id."""
        return self._once("projects", lambda: api.projects(self.conn))

    def assigned_projects(self) -> set[str]:
        """Projects on which someone holds a role."""
        return self._once(
            "role_assignments", lambda: api.projects_with_assignments(self.conn)
        )

    def images(self) -> list[api.ImageInfo]:
        """Images owned in scope."""
        return self._once("images", lambda: api.images(self.conn, self.project_ids))

    def migrations(self) -> set[str]:
        """UUIDs of migrations in progress."""
        return self._once("migrations", lambda: api.migration_ids(self.conn))

    def providers(self) -> list[placement.Provider]:
        """Placement resource providers."""
        return self._once("resource_providers", lambda: placement.providers(self.conn))

    def allocations(self) -> dict[str, dict[str, dict[str, int]]]:
        """``{consumer: {provider_name: {rc: amount}}}`` over every provider."""

        def fetch() -> dict[str, dict[str, dict[str, int]]]:
            found: dict[str, dict[str, dict[str, int]]] = {}
            for provider in self.providers():
                held = placement.provider_allocations(self.conn, provider)
                for consumer, resources in held.items():
                    found.setdefault(consumer, {})[provider.name] = resources
            return found

        return self._once("provider_allocations", fetch, calls=len(self.providers()))

    def project_name(self, project_id: str | None) -> str:
        """A project's name ("" when unknown)."""
        project = self.projects().get(project_id or "")
        return project.name if project else ""


# ----------------------------------------------------------------- results
@dataclass
class AuditResult:
    """One audit's findings and what it looked for."""

    audit: str
    what: str
    columns: list[str]
    findings: list[dict[str, Any]]
    criteria: dict[str, Any]
    scope: Scope
    listings: dict[str, int] = field(default_factory=dict)

    @property
    def summary(self) -> str:
        """One line: how many of what were found."""
        return f"{len(self.findings)} {self.what}"

    def as_result(self, output_type: str = "to_props") -> dict[str, Any]:
        """The action's JSON result, with ``output`` rendered as ``output_type``."""
        result: dict[str, Any] = {
            "audit": self.audit,
            "summary": self.summary,
            "count": len(self.findings),
            "criteria": self.criteria,
            "scope": self.scope.as_dict(),
            "listings": dict(self.listings),
            "columns": list(self.columns),
            "findings": self.findings,
        }
        if output_type != "to_props":
            result["output"] = self.render(output_type)
        return result

    def render(self, output_type: str) -> str:
        """The findings as a text table, HTML table, CSV or JSON text."""
        rows = [[f.get(c) for c in self.columns] for f in self.findings]
        title = f"{self.audit}: {self.summary}"
        if output_type == "to_html":
            return render.to_html(self.columns, {None: rows}, title=title)
        if output_type == "to_csv":
            return render.to_csv(self.columns, {None: rows})
        if output_type == "to_json":
            return render.to_json(self.findings)
        return render.to_string(self.columns, {None: rows}, title=title)


def _age(value: str | None, now: datetime) -> timedelta | None:
    moment = to_utc(value)
    return None if moment is None else now - moment


def _days(age: timedelta | None) -> float | None:
    return None if age is None else round(age.total_seconds() / 86400, 2)


def _hours(age: timedelta | None) -> float | None:
    return None if age is None else round(age.total_seconds() / 3600, 2)


# ------------------------------------------------------------ pure finders
def _aged(
    items: Iterable[_T],
    now: datetime,
    limit: timedelta,
    keep: Callable[[_T], bool],
    stamp: Callable[[_T], str | None],
) -> list[tuple[_T, timedelta]]:
    """The ``items`` that ``keep`` selects whose ``stamp`` (a time) is ``limit`` or
    more before ``now``, each with its age; an item without a time is left out."""
    found = []
    for item in items:
        if not keep(item):
            continue
        age = _age(stamp(item), now)
        if age is not None and age >= limit:
            found.append((item, age))
    return found


def _changed(resource: Any) -> str | None:
    """When a resource last changed: ``updated_at``, else ``created_at``."""
    changed: str | None = resource.updated_at or resource.created_at
    return changed


def find_unattached_floating_ips(
    fips: Sequence[api.FloatingIp], now: datetime, older_than_days: int
) -> list[tuple[api.FloatingIp, timedelta]]:
    """Floating IPs with no port whose last change (``updated_at``, else
    ``created_at``) is at least ``older_than_days`` ago."""
    limit = timedelta(days=older_than_days)
    return _aged(fips, now, limit, lambda fip: not fip.port_id, _changed)


def find_orphaned_ports(
    ports: Sequence[api.PortInfo], now: datetime, older_than_days: int
) -> list[tuple[api.PortInfo, timedelta]]:
    """Ports with no device (no ``device_id``, no ``device_owner``) that are DOWN,
    unchanged for at least ``older_than_days``."""
    limit = timedelta(days=older_than_days)
    return _aged(ports, now, limit, _orphaned, _changed)


def _orphaned(port: api.PortInfo) -> bool:
    """No device and DOWN: what the audit finds and the clean-up re-checks."""
    return not (port.device_id or port.device_owner) and port.status == "DOWN"


def inactive_owner_reasons(
    server: api.ServerRecord,
    users: dict[str, api.UserInfo],
    projects: dict[str, api.ProjectInfo],
) -> list[str]:
    """Why a server's owners are inactive: its user deleted or disabled, its
    project deleted or disabled (empty when both are active)."""
    reasons = []
    user = users.get(server.user_id)
    if user is None:
        reasons.append("user deleted")
    elif not user.enabled:
        reasons.append("user disabled")
    project = projects.get(server.project_id)
    if project is None:
        reasons.append("project deleted")
    elif not project.enabled:
        reasons.append("project disabled")
    return reasons


def find_stuck_servers(
    servers: Sequence[api.ServerRecord],
    now: datetime,
    statuses: Sequence[str],
    older_than_hours: int,
) -> list[tuple[api.ServerRecord, timedelta]]:
    """Servers in one of ``statuses`` whose last change is at least
    ``older_than_hours`` ago."""
    limit = timedelta(hours=older_than_hours)
    return _aged(servers, now, limit, lambda s: s.status.upper() in statuses, _changed)


def rule_exposes(rule: api.SecurityRule, ports: Sequence[int]) -> list[int]:
    """The ``ports`` an ingress rule opens to the whole internet (0.0.0.0/0, ::/0,
    or no remote at all, which Neutron treats as everyone)."""
    if rule.direction != "ingress":
        return []
    prefix = rule.remote_ip_prefix
    everyone = prefix in _OPEN_PREFIXES or (
        prefix is None and rule.remote_group_id is None
    )
    if not everyone:
        return []
    protocol = None if rule.protocol is None else rule.protocol.lower()
    if protocol not in _PORT_PROTOCOLS:
        return []
    low = 1 if rule.port_min is None else rule.port_min
    high = 65535 if rule.port_max is None else rule.port_max
    return [p for p in ports if low <= p <= high]


def _port_range(rule: api.SecurityRule) -> str:
    if rule.port_min is None and rule.port_max is None:
        return "any"
    if rule.port_min == rule.port_max:
        return str(rule.port_min)
    return f"{rule.port_min}-{rule.port_max}"


# ------------------------------------------------------------------ audits
def _prepare(conn: Any, all_projects: Any, from_projects: Any) -> Listings:
    scope = Scope.build(all_projects, from_projects)
    return Listings(conn, scope.resolve(conn), scope)


def _scope_of(listings: Listings) -> Scope:
    return listings.scope


def _floating_ips(listings: Listings, now: datetime, days: int) -> AuditResult:
    rows = [
        {
            "id": fip.id,
            "address": fip.address,
            "project_id": fip.project_id,
            "project_name": listings.project_name(fip.project_id),
            "status": fip.status,
            "updated_at": fip.updated_at,
            "age_days": _days(age),
        }
        for fip, age in find_unattached_floating_ips(listings.floating_ips(), now, days)
    ]
    return AuditResult(
        "audit.floating_ips.unattached",
        f"unattached floating IP(s) unchanged for {days} day(s) or more",
        ["id", "address", "project_name", "project_id", "status", "age_days"],
        rows,
        {"older_than_days": days},
        _scope_of(listings),
    )


def _orphaned_ports(listings: Listings, now: datetime, days: int) -> AuditResult:
    rows = [
        {
            "id": port.id,
            "name": port.name,
            "project_id": port.project_id,
            "project_name": listings.project_name(port.project_id),
            "network_id": port.network_id,
            "status": port.status,
            "fixed_ips": list(port.fixed_ips),
            "updated_at": port.updated_at,
            "age_days": _days(age),
        }
        for port, age in find_orphaned_ports(listings.ports(), now, days)
    ]
    return AuditResult(
        "audit.ports.orphaned",
        f"orphaned port(s) (no device, DOWN) unchanged for {days} day(s) or more",
        ["id", "name", "project_name", "network_id", "fixed_ips", "age_days"],
        rows,
        {"older_than_days": days},
        _scope_of(listings),
    )


def _inactive_owners(listings: Listings) -> AuditResult:
    users = listings.users()
    projects = listings.projects()
    rows = []
    for server in listings.servers():
        reasons = inactive_owner_reasons(server, users, projects)
        if reasons:
            user = users.get(server.user_id)
            rows.append(
                {
                    "id": server.id,
                    "name": server.name,
                    "status": server.status,
                    "project_id": server.project_id,
                    "project_name": listings.project_name(server.project_id),
                    "user_id": server.user_id,
                    "user_name": user.name if user else "",
                    "reasons": reasons,
                }
            )
    return AuditResult(
        "audit.servers.of_inactive_owners",
        "server(s) whose user or project is disabled or deleted",
        ["id", "name", "status", "project_name", "user_name", "reasons"],
        rows,
        {},
        _scope_of(listings),
    )


def _projects_without_members(listings: Listings) -> AuditResult:
    assigned = listings.assigned_projects()
    rows = [
        {
            "id": project.id,
            "name": project.name,
            "domain_id": project.domain_id,
            "enabled": project.enabled,
        }
        for project in sorted(listings.projects().values(), key=lambda p: p.name)
        if not project.is_domain
        and listings.in_scope(project.id)
        and project.id not in assigned
    ]
    return AuditResult(
        "audit.projects.without_members",
        "project(s) on which no user or group holds a role",
        ["id", "name", "domain_id", "enabled"],
        rows,
        {},
        _scope_of(listings),
    )


def _image_row(
    listings: Listings, image: api.ImageInfo, age: timedelta | None
) -> dict[str, Any]:
    return {
        "id": image.id,
        "name": image.name,
        "owner": image.owner,
        "owner_name": listings.project_name(image.owner),
        "visibility": image.visibility,
        "status": image.status,
        "protected": image.protected,
        "size": image.size,
        "created_at": image.created_at,
        "age_days": _days(age),
    }


def _unused_images(listings: Listings, now: datetime, days: int) -> AuditResult:
    used = {s.image_id for s in listings.all_servers() if s.image_id}
    rows = [
        _image_row(listings, image, age)
        for image, age in _aged(
            listings.images(),
            now,
            timedelta(days=days),
            lambda i: i.image_type != "snapshot" and i.id not in used,
            lambda i: i.created_at,
        )
    ]
    return AuditResult(
        "audit.images.unused",
        f"image(s) no server uses, created {days} day(s) ago or more",
        ["id", "name", "owner_name", "visibility", "status", "size", "age_days"],
        rows,
        {"older_than_days": days},
        _scope_of(listings),
    )


def _stale_snapshots(listings: Listings, now: datetime, days: int) -> AuditResult:
    existing = {s.id for s in listings.all_servers()}
    rows = []
    for image, age in _aged(
        listings.images(),
        now,
        timedelta(days=days),
        lambda i: i.image_type == "snapshot",
        lambda i: i.created_at,
    ):
        row = _image_row(listings, image, age)
        row["instance_uuid"] = image.instance_uuid
        row["server_exists"] = bool(image.instance_uuid) and (
            image.instance_uuid in existing
        )
        rows.append(row)
    return AuditResult(
        "audit.snapshots.stale",
        f"server snapshot(s) created {days} day(s) ago or more",
        ["id", "name", "owner_name", "instance_uuid", "server_exists", "age_days"],
        rows,
        {"older_than_days": days},
        _scope_of(listings),
    )


def _stuck_servers(
    listings: Listings, now: datetime, statuses: tuple[str, ...], hours: int
) -> AuditResult:
    rows = [
        {
            "id": server.id,
            "name": server.name,
            "status": server.status,
            "task_state": server.task_state,
            "project_id": server.project_id,
            "project_name": listings.project_name(server.project_id),
            "host": server.host,
            "updated_at": server.updated_at,
            "age_hours": _hours(age),
            "fault": server.fault,
        }
        for server, age in find_stuck_servers(listings.servers(), now, statuses, hours)
    ]
    return AuditResult(
        "audit.servers.stuck",
        f"server(s) in {'/'.join(statuses)} for {hours} hour(s) or more",
        ["id", "name", "status", "task_state", "project_name", "age_hours", "fault"],
        rows,
        {"statuses": list(statuses), "older_than_hours": hours},
        _scope_of(listings),
    )


def _open_security_groups(listings: Listings, ports: tuple[int, ...]) -> AuditResult:
    rows = []
    for group in listings.security_groups():
        for rule in group.rules:
            exposed = rule_exposes(rule, ports)
            if exposed:
                rows.append(
                    {
                        "security_group_id": group.id,
                        "security_group": group.name,
                        "project_id": group.project_id,
                        "project_name": listings.project_name(group.project_id),
                        "rule_id": rule.id,
                        "ethertype": rule.ethertype,
                        "protocol": rule.protocol or "any",
                        "port_range": _port_range(rule),
                        "remote": rule.remote_ip_prefix or "any",
                        "exposed_ports": exposed,
                    }
                )
    return AuditResult(
        "audit.security_groups.open",
        "security group rule(s) open to the internet on a watched port",
        [
            "security_group",
            "project_name",
            "protocol",
            "port_range",
            "remote",
            "exposed_ports",
        ],
        rows,
        {"ports": list(ports)},
        _scope_of(listings),
    )


def _orphan_allocations(listings: Listings) -> AuditResult:
    allocations = listings.allocations()  # before the servers: see below
    known = {s.id for s in listings.all_servers()} | listings.migrations()
    candidates = sorted(set(allocations) - known)
    checked = candidates[:MAX_ORPHAN_CHECKS]
    rows = []
    for consumer in checked:
        # A server deleted after the allocations were read is absent from the
        # server listing too: its allocations are gone when re-read.
        current = placement.consumer_allocations(listings.conn, consumer)
        listings.calls["consumer_rechecks"] = (
            listings.calls.get("consumer_rechecks", 0) + 1
        )
        if not current.resources or not listings.in_scope(current.project_id):
            continue
        totals: dict[str, int] = {}
        for resources in allocations[consumer].values():
            for rc, amount in resources.items():
                totals[rc] = totals.get(rc, 0) + amount
        rows.append(
            {
                "consumer": consumer,
                "project_id": current.project_id,
                "project_name": listings.project_name(current.project_id),
                "user_id": current.user_id,
                "providers": sorted(allocations[consumer]),
                "resources": totals,
            }
        )
    criteria: dict[str, Any] = {}
    if len(candidates) > len(checked):
        criteria["unchecked_candidates"] = candidates[len(checked) :]
        LOG.warning(
            "audit: %d candidate orphan allocations, only %d re-read",
            len(candidates),
            len(checked),
        )
    return AuditResult(
        "audit.placement.orphan_allocations",
        "Placement consumer(s) that are neither a server nor a migration",
        ["consumer", "project_name", "user_id", "providers", "resources"],
        rows,
        criteria,
        _scope_of(listings),
    )


def _finish(
    result: AuditResult, listings: Listings, output_type: str
) -> dict[str, Any]:
    result.listings = dict(listings.calls)
    LOG.info("%s: %s", result.audit, result.summary)
    return result.as_result(output_type)


# ------------------------------------------------------- action functions
def _older_than_days(value: Any, name: str = "older_than_days") -> int:
    """A whole number of days from 0 to ``MAX_DAYS``."""
    return validation.whole_number(name, value, 0, MAX_DAYS)


def _older_than_hours(value: Any, name: str = "older_than_hours") -> int:
    """A whole number of hours from 0 to ``MAX_HOURS``."""
    return validation.whole_number(name, value, 0, MAX_HOURS)


def _run_audit(
    conn: Connection,
    all_projects: bool,
    from_projects: list[str] | None,
    output_type: str,
    audit: Callable[[Listings, datetime], AuditResult],
) -> dict[str, Any]:
    """One audit action once its own parameters are checked: the output type and
    the scope checked, the listings prepared, the audit run and rendered."""
    output = _output_type(output_type)
    listings = _prepare(conn, all_projects, from_projects)
    return _finish(audit(listings, utc_now()), listings, output)


def floating_ips_unattached(
    conn: Connection,
    older_than_days: int = 7,
    all_projects: bool = True,
    from_projects: list[str] | None = None,
    output_type: str = "to_string",
) -> dict[str, Any]:
    """Floating IPs attached to no port whose last change is ``older_than_days``
    days ago or more: addresses held and paid for that nothing uses."""
    days = _older_than_days(older_than_days)
    return _run_audit(
        conn,
        all_projects,
        from_projects,
        output_type,
        lambda listings, now: _floating_ips(listings, now, days),
    )


def ports_orphaned(
    conn: Connection,
    older_than_days: int = 7,
    all_projects: bool = True,
    from_projects: list[str] | None = None,
    output_type: str = "to_string",
) -> dict[str, Any]:
    """Ports bound to no device (no device id or owner) and DOWN, unchanged for
    ``older_than_days`` days or more: left behind by deleted servers or scripts,
    each holding an IP address."""
    days = _older_than_days(older_than_days)
    return _run_audit(
        conn,
        all_projects,
        from_projects,
        output_type,
        lambda listings, now: _orphaned_ports(listings, now, days),
    )


def servers_of_inactive_owners(
    conn: Connection,
    all_projects: bool = True,
    from_projects: list[str] | None = None,
    output_type: str = "to_string",
) -> dict[str, Any]:
    """Servers whose creating user is disabled or deleted, or whose project is
    disabled: resources nobody active answers for."""
    return _run_audit(
        conn,
        all_projects,
        from_projects,
        output_type,
        lambda listings, _now: _inactive_owners(listings),
    )


def projects_without_members(
    conn: Connection,
    all_projects: bool = True,
    from_projects: list[str] | None = None,
    output_type: str = "to_string",
) -> dict[str, Any]:
    """Projects on which no user or group holds any role (one role-assignment
    listing): nobody can log in to them, yet they may hold resources."""
    return _run_audit(
        conn,
        all_projects,
        from_projects,
        output_type,
        lambda listings, _now: _projects_without_members(listings),
    )


def images_unused(
    conn: Connection,
    older_than_days: int = 90,
    all_projects: bool = True,
    from_projects: list[str] | None = None,
    output_type: str = "to_string",
) -> dict[str, Any]:
    """Images (not server snapshots) owned in scope that no server of the cloud
    was booted from, created ``older_than_days`` days ago or more."""
    days = _older_than_days(older_than_days)
    return _run_audit(
        conn,
        all_projects,
        from_projects,
        output_type,
        lambda listings, now: _unused_images(listings, now, days),
    )


def snapshots_stale(
    conn: Connection,
    older_than_days: int = 90,
    all_projects: bool = True,
    from_projects: list[str] | None = None,
    output_type: str = "to_string",
) -> dict[str, Any]:
    """Server snapshots (Glance images with ``image_type: snapshot``) created
    ``older_than_days`` days ago or more, each with whether its server still
    exists."""
    days = _older_than_days(older_than_days)
    return _run_audit(
        conn,
        all_projects,
        from_projects,
        output_type,
        lambda listings, now: _stale_snapshots(listings, now, days),
    )


def servers_stuck(
    conn: Connection,
    older_than_hours: int = 24,
    statuses: list[str] | None = None,
    all_projects: bool = True,
    from_projects: list[str] | None = None,
    output_type: str = "to_string",
) -> dict[str, Any]:
    """Servers in BUILD, MIGRATING, RESIZE or ERROR (or ``statuses``) whose last
    change is ``older_than_hours`` hours ago or more, with Nova's fault."""
    hours = _older_than_hours(older_than_hours)
    wanted = _statuses(statuses)
    return _run_audit(
        conn,
        all_projects,
        from_projects,
        output_type,
        lambda listings, now: _stuck_servers(listings, now, wanted, hours),
    )


def security_groups_open(
    conn: Connection,
    ports: list[int] | None = None,
    all_projects: bool = True,
    from_projects: list[str] | None = None,
    output_type: str = "to_string",
) -> dict[str, Any]:
    """Security group rules letting anyone (0.0.0.0/0, ::/0 or no remote) in on a
    watched port (default 22, 3389, 3306, 5432, 6379, 9200, 27017)."""
    watched = _ports(ports)
    return _run_audit(
        conn,
        all_projects,
        from_projects,
        output_type,
        lambda listings, _now: _open_security_groups(listings, watched),
    )


def placement_orphan_allocations(
    conn: Connection,
    all_projects: bool = True,
    from_projects: list[str] | None = None,
    output_type: str = "to_string",
) -> dict[str, Any]:
    """Placement consumers holding resources that are neither a server of the
    cloud nor a migration in progress: capacity the scheduler counts as used."""
    return _run_audit(
        conn,
        all_projects,
        from_projects,
        output_type,
        lambda listings, _now: _orphan_allocations(listings),
    )


# ---------------------------------------------------------------- audit.all
def run_all_audits(
    listings: Listings,
    now: datetime,
    fip_days: int = 7,
    port_days: int = 7,
    image_days: int = 90,
    snapshot_days: int = 90,
    stuck_hours: int = 24,
    ports: tuple[int, ...] = DEFAULT_SENSITIVE_PORTS,
) -> tuple[list[AuditResult], dict[str, str]]:
    """Every audit over one shared set of listings; an audit that fails is
    reported in the second value (``{audit: error}``) and the others still run."""
    steps: list[tuple[str, Callable[[], AuditResult]]] = [
        ("audit.floating_ips.unattached", lambda: _floating_ips(listings, now, fip_days)),
        ("audit.ports.orphaned", lambda: _orphaned_ports(listings, now, port_days)),
        ("audit.servers.of_inactive_owners", lambda: _inactive_owners(listings)),
        ("audit.projects.without_members", lambda: _projects_without_members(listings)),
        ("audit.images.unused", lambda: _unused_images(listings, now, image_days)),
        ("audit.snapshots.stale", lambda: _stale_snapshots(listings, now, snapshot_days)),
        (
            "audit.servers.stuck",
            lambda: _stuck_servers(listings, now, DEFAULT_STUCK_STATUSES, stuck_hours),
        ),
        ("audit.security_groups.open", lambda: _open_security_groups(listings, ports)),
        ("audit.placement.orphan_allocations", lambda: _orphan_allocations(listings)),
    ]  # fmt: skip
    results: list[AuditResult] = []
    errors: dict[str, str] = {}
    for name, step in steps:
        try:
            results.append(step())
        except (FetchError, sdk_exceptions.SDKException) as exc:
            LOG.error("%s failed: %s", name, one_line(exc))
            errors[name] = one_line(exc)
    return results, errors


def all_audits(
    conn: Connection,
    store: Any,
    pack_config: dict[str, Any],
    smtp_account: Any = None,
    floating_ip_days: int = 7,
    port_days: int = 7,
    image_days: int = 90,
    snapshot_days: int = 90,
    stuck_hours: int = 24,
    ports: list[int] | None = None,
    all_projects: bool = True,
    from_projects: list[str] | None = None,
    output_type: str = "to_string",
    send_email: bool = False,
    to_addresses: list[str] | None = None,
    as_html: bool = True,
    campaign_id: str | None = None,
) -> dict[str, Any] | Failure:
    """Every audit in one run over shared listings (one per resource type), one
    summary, and optionally one mail of the report to the operators (pack config
    ``ops_email`` unless ``to_addresses``) through the campaign engine: a dry run
    (``send_email: false``, the default) returns the rendered mail's plan. The
    execution fails when an audit could not run or the mail failed."""
    given = {
        "floating_ip_days": floating_ip_days,
        "port_days": port_days,
        "image_days": image_days,
        "snapshot_days": snapshot_days,
    }
    days = {name: _older_than_days(value, name) for name, value in given.items()}
    hours = _older_than_hours(stuck_hours, "stuck_hours")
    watched = _ports(ports)
    output = _output_type(output_type)
    mail, no_mail_account = _report_mail(
        pack_config, smtp_account, to_addresses, as_html, send_email, campaign_id
    )
    listings = _prepare(conn, all_projects, from_projects)
    results, errors = run_all_audits(
        listings,
        utc_now(),
        fip_days=days["floating_ip_days"],
        port_days=days["port_days"],
        image_days=days["image_days"],
        snapshot_days=days["snapshot_days"],
        stuck_hours=hours,
        ports=watched,
    )
    for item in results:
        item.listings = {}
    total = sum(len(r.findings) for r in results)
    summary = f"{total} finding(s) in {len(results)} audit(s)" + (
        f"; {len(errors)} audit(s) failed: "
        + "; ".join(f"{k}: {v}" for k, v in errors.items())
        if errors
        else ""
    )
    result: dict[str, Any] = {
        "summary": summary,
        "scope": _scope_of(listings).as_dict(),
        "criteria": {**days, "stuck_hours": hours, "ports": list(watched)},
        "counts": {r.audit: len(r.findings) for r in results},
        "errors": errors,
        "listings": dict(listings.calls),
        "audits": {r.audit: r.as_result("to_props") for r in results},
    }
    if output != "to_props":
        result["output"] = _render_all(results, errors, output, summary)
    failed = bool(errors)
    if no_mail_account:
        result["mail"] = _mail_skipped()
    elif mail is not None:
        outcome = _mail(mail, results, errors, summary, smtp_account, store)
        if isinstance(outcome, Failure):
            failed = True
            outcome = outcome.result
        result["mail"] = outcome
    if failed:
        result["error"] = summary
        return Failure(result)
    return result


def _render_all(
    results: list[AuditResult], errors: dict[str, str], output: str, summary: str
) -> str:
    """Every audit's table (``output``), after a one-line summary."""
    if output == "to_json":
        return render.to_json({r.audit: r.findings for r in results})
    parts = [r.render(output) for r in results]
    parts += [f"{name}: FAILED: {error}\n" for name, error in errors.items()]
    if output == "to_html":
        return f"<p>{html.escape(summary)}</p>\n" + "\n".join(parts)
    if output == "to_csv":
        return "\n".join(
            f"# {r.audit}\n{p}"
            for r, p in zip(results, parts[: len(results)], strict=True)
        )
    return summary + "\n\n" + "\n".join(parts)


# --------------------------------------------------------------------- mail
@dataclass(frozen=True)
class _MailSetup:
    to: tuple[str, ...]
    options: Any


OPS_EMAIL_KEY = "ops_email"
AUDIT_TEMPLATE = "ops_audit_summary"
#: Findings listed per audit in the mail (the counts are always complete).
MAIL_ROWS_PER_AUDIT = 50


def _mail_setup(
    pack_config: dict[str, Any] | None,
    to_addresses: list[str] | None,
    as_html: bool,
    send_email: bool,
    campaign_id: str | None,
) -> _MailSetup | None:
    """The mail's recipients and options, validated before anything is read;
    None when no recipient is configured and no mail was asked for."""
    from campaigns.options import CampaignOptions

    if to_addresses is not None and not isinstance(to_addresses, list | tuple):
        raise InputError("to_addresses", "must be a list of email addresses")
    to = tuple(
        str(a).strip()
        for a in (to_addresses or (pack_config or {}).get(OPS_EMAIL_KEY) or [])
        if str(a).strip()
    )
    if not to:
        if send_email:
            raise InputError(
                "to_addresses",
                f"is empty and the pack config has no '{OPS_EMAIL_KEY}': name who "
                "receives the report",
            )
        return None
    options = CampaignOptions.build(
        send_email=bool(send_email),
        as_html=bool(as_html),
        campaign_id=campaign_id,
        pack_config=pack_config,
    )
    return _MailSetup(to, options)


def _report_mail(
    pack_config: dict[str, Any] | None,
    smtp_account: Any,
    to_addresses: list[str] | None,
    as_html: bool,
    send_email: bool,
    campaign_id: str | None,
) -> tuple[_MailSetup | None, bool]:
    """The report mail's setup (``_mail_setup``) and whether it has no SMTP account
    to go through, which a real send (``send_email``) refuses."""
    mail = _mail_setup(pack_config, to_addresses, as_html, send_email, campaign_id)
    no_mail_account = mail is not None and smtp_account is None
    if no_mail_account and send_email:
        raise ConfigError(
            "parameter 'smtp_account' is empty and the pack config has no "
            "'default_smtp_account': name the SMTP account the report is sent through"
        )
    return mail, no_mail_account


def _mail_skipped() -> dict[str, str]:
    """The ``mail`` entry of a report that has a recipient but no SMTP account."""
    return {
        "skipped": "no SMTP account: set smtp_account (or the pack config's "
        "default_smtp_account) to plan and send the report mail"
    }


def _mail(
    mail: _MailSetup,
    results: list[AuditResult],
    errors: dict[str, str],
    summary: str,
    smtp_account: Any,
    store: Any,
) -> dict[str, Any] | Failure:
    """Plan (or send) the one report mail through the campaign engine."""
    from campaigns.engine import run_campaign
    from campaigns.model import CampaignSpec, Target

    rows = [
        {
            "name": r.audit,
            "audit": r.audit,
            "count": len(r.findings),
            "summary": r.summary,
            "columns": r.columns,
            "rows": [
                [_cell(f.get(c)) for c in r.columns]
                for f in r.findings[:MAIL_ROWS_PER_AUDIT]
            ],
            "lines": [
                ", ".join(f"{c}={_cell(f.get(c))}" for c in r.columns)
                for f in r.findings[:MAIL_ROWS_PER_AUDIT]
            ],
            "more": max(0, len(r.findings) - MAIL_ROWS_PER_AUDIT),
            "error": "",
        }
        for r in results
    ] + [
        {"name": name, "audit": name, "count": 0, "summary": "", "columns": [],
         "rows": [], "lines": [], "more": 0, "error": error}
        for name, error in errors.items()
    ]  # fmt: skip
    digest = hashlib.sha256(
        render.to_json([[r["audit"], r["rows"]] for r in rows]).encode()
    ).hexdigest()[:16]
    spec = CampaignSpec(
        name="audit.all",
        template=AUDIT_TEMPLATE,
        parameters={"summary": summary, "total": sum(r["count"] for r in rows)},
        inputs={"to_addresses": list(mail.to), "findings": digest},
        to=mail.to,
        to_parameter="to_addresses",
    )
    targets = [Target(row=row) for row in rows]
    return run_campaign(spec, targets, mail.options, smtp_account, store)


def _cell(value: Any) -> str:
    return render.cell_text(value)


# ------------------------------------------------------------ remediation
@dataclass
class ItemOutcome:
    """What happened to one item of a remediation."""

    id: str
    label: str
    outcome: str  # "done", "skipped", "failed"
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "id": self.id,
            "label": self.label,
            "outcome": self.outcome,
            "detail": self.detail,
        }


def plan_id(kind: str, ids: Sequence[str]) -> str:
    """A short stable digest of a remediation plan (its kind and item ids)."""
    text = kind + "\n" + "\n".join(sorted(ids))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _remediate(
    kind: str,
    audit: AuditResult,
    dry_run: bool,
    confirm: str | None,
    max_items: int,
    act: Callable[[dict[str, Any]], ItemOutcome],
) -> dict[str, Any] | Failure:
    """The shared dry-run / confirm / per-item loop of the remediations."""
    ids = [str(f["id"]) for f in audit.findings]
    pid = plan_id(kind, ids)
    result: dict[str, Any] = {
        "action": kind,
        "dry_run": bool(dry_run),
        "plan_id": pid,
        "criteria": audit.criteria,
        "scope": audit.scope.as_dict(),
        "plan": audit.findings,
        "count": len(ids),
    }
    if len(ids) > max_items:
        result["error"] = (
            f"parameter 'max_items': the plan has {len(ids)} items, more than "
            f"max_items ({max_items}); nothing was done. Narrow the scope or raise "
            "max_items."
        )
        result["summary"] = result["error"]
        return Failure(result)
    if dry_run:
        result["summary"] = (
            f"dry run: would {kind} {len(ids)} item(s); nothing was changed. To "
            f"carry it out: apply=true confirm={pid}"
        )
        return result
    if confirm != pid:
        raise InputError(
            "confirm",
            f"must be the plan_id of the plan to carry out; the plan is now {pid} "
            f"({len(ids)} item(s)): review it with a dry run, then confirm={pid}",
        )
    outcomes = []
    for finding in audit.findings:
        try:
            outcome = act(finding)
        except (FetchError, sdk_exceptions.SDKException) as exc:
            outcome = ItemOutcome(
                str(finding["id"]), _label(finding), "failed", one_line(exc)
            )
        LOG.info("%s %s: %s %s", kind, outcome.id, outcome.outcome, outcome.detail)
        outcomes.append(outcome)
    counts = {
        k: sum(o.outcome == k for o in outcomes) for k in ("done", "skipped", "failed")
    }
    failed = [o for o in outcomes if o.outcome == "failed"]
    result["items"] = [o.as_dict() for o in outcomes]
    result["counts"] = counts
    result["summary"] = (
        f"{counts['done']} of {len(outcomes)} done, {counts['skipped']} skipped, "
        f"{counts['failed']} failed"
        + (": " + "; ".join(f"{o.label}: {o.detail}" for o in failed) if failed else "")
    )
    if failed:
        result["error"] = result["summary"]
        return Failure(result)
    return result


def _label(finding: dict[str, Any]) -> str:
    return str(finding.get("address") or finding.get("name") or finding.get("id"))


def _clean_up(
    kind: str,
    audit: Callable[[Listings, datetime, int], AuditResult],
    conn: Connection,
    older_than_days: Any,
    all_projects: bool,
    from_projects: list[str] | None,
    apply: bool,
    confirm: str | None,
    max_items: Any,
    act: Callable[[str], str | None],
) -> dict[str, Any] | Failure:
    """A remediation: its parameters checked, its audit run, then ``_remediate``.
    ``act(id)`` re-reads one item and acts on it, returning None when done or why
    it was skipped."""
    dry_run = not apply  # nothing changes unless the operator ticks `apply`
    days = _older_than_days(older_than_days)
    limit = validation.whole_number("max_items", max_items, 1, MAX_ITEMS)
    listings = _prepare(conn, all_projects, from_projects)
    found = audit(listings, utc_now(), days)
    done = {"release": "released", "delete": "deleted"}[kind]

    def outcome(finding: dict[str, Any]) -> ItemOutcome:
        skipped = act(finding["id"])
        if skipped is not None:
            return ItemOutcome(finding["id"], _label(finding), "skipped", skipped)
        return ItemOutcome(finding["id"], _label(finding), "done", done)

    return _remediate(kind, found, dry_run, confirm, limit, outcome)


def release_floating_ips(
    conn: Connection,
    older_than_days: int = 30,
    all_projects: bool = True,
    from_projects: list[str] | None = None,
    apply: bool = False,
    confirm: str | None = None,
    max_items: int = DEFAULT_MAX_ITEMS,
) -> dict[str, Any] | Failure:
    """Release the floating IPs ``audit.floating_ips.unattached`` finds (unattached
    for ``older_than_days`` days or more). Dry run by default: returns the plan and
    its ``plan_id``; a real run needs ``confirm`` equal to the plan_id of the same
    plan. Each address is re-read first and skipped when it got attached since."""

    def act(fip_id: str) -> str | None:
        current = api.floating_ip_now(conn, fip_id)
        if current is None:
            return "already gone"
        if current.port_id:
            return f"attached since to {current.port_id}"
        api.release_floating_ip(conn, fip_id)
        return None

    return _clean_up(
        "release",
        _floating_ips,
        conn,
        older_than_days,
        all_projects,
        from_projects,
        apply,
        confirm,
        max_items,
        act,
    )


def delete_orphaned_ports(
    conn: Connection,
    older_than_days: int = 30,
    all_projects: bool = True,
    from_projects: list[str] | None = None,
    apply: bool = False,
    confirm: str | None = None,
    max_items: int = DEFAULT_MAX_ITEMS,
) -> dict[str, Any] | Failure:
    """Delete the ports ``audit.ports.orphaned`` finds (no device, DOWN, unchanged
    for ``older_than_days`` days or more). Dry run by default: returns the plan and
    its ``plan_id``; a real run needs ``confirm`` equal to that plan_id. Each port
    is re-read first and skipped when it got a device since."""

    def act(port_id: str) -> str | None:
        current = api.port_now(conn, port_id)
        if current is None:
            return "already gone"
        if not _orphaned(current):
            return (
                f"in use since (device {current.device_owner or current.device_id}, "
                f"{current.status})"
            )
        api.delete_port(conn, port_id)
        return None

    return _clean_up(
        "delete",
        _orphaned_ports,
        conn,
        older_than_days,
        all_projects,
        from_projects,
        apply,
        confirm,
        max_items,
        act,
    )
