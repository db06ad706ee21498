"""``project.create``: validate every input, then build the step plan.

Validation resolves every name (domain, parent, users, roles, networks) and checks
every value (email, tags, CIDR, DNS, quotas) before anything is changed, so a bad
input is an ``InputError`` naming its parameter and the cloud is untouched. The plan
is a list of ``Step`` objects: the dry run shows it, the real run executes it and
undoes the done steps in reverse when one fails.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any

from openstack.connection import Connection

from openstack_api import identity, networking, projects
from openstack_api import quotas as quota_api
from pack_common import ConfigError, InputError
from workflows.project_settings import NETWORKS_KEY, ROLES_KEY, ProjectSettings
from workflows.project_steps import State, Step
from workflows.quota import validate_request

NETWORK_KINDS = ("none", "internal", "external")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_MAX_TAG = 255


@dataclass
class ProjectRequest:
    """The operator's ``project.create`` inputs, after the offline checks."""

    name: str
    description: str = ""
    contact_email: str = ""
    domain: str = "default"
    parent: str = ""
    immutable: bool = False
    tags: list[str] = field(default_factory=list)
    network: str = "none"
    cidr: str = ""
    dns_nameservers: list[str] = field(default_factory=list)
    floating_ips: int = 1
    quotas: dict[str, dict[str, int]] = field(default_factory=dict)
    admins: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)


def check_offline(request: ProjectRequest, settings: ProjectSettings) -> ProjectRequest:
    """Checks that need no cloud: raise ``InputError`` naming the parameter."""
    name = (request.name or "").strip()
    if not name or len(name) > 64:
        raise InputError("name", "a project name of 1 to 64 characters is required")
    request.name = name
    if request.network not in NETWORK_KINDS:
        raise InputError(
            "network", f"{request.network!r} is not one of {NETWORK_KINDS}"
        )
    if request.contact_email and not _EMAIL.match(request.contact_email):
        raise InputError("contact_email", f"{request.contact_email!r} is not an email")
    request.tags = _check_tags(request.tags, request.immutable)
    if request.network == "external":
        request.cidr = networking.validate_cidr(request.cidr or settings.cidr)
        request.dns_nameservers = _check_dns(
            request.dns_nameservers or list(settings.dns_nameservers)
        )
        if request.floating_ips < 0:
            raise InputError("floating_ips", "must be 0 or more")
    request.quotas = validate_request(request.quotas)
    if request.network == "external":
        request.quotas.setdefault("network", {}).setdefault(
            "floatingip", request.floating_ips
        )
    request.admins = _check_list(request.admins, "admins")
    request.members = _check_list(request.members, "members")
    return request


def _check_tags(tags: list[str] | None, immutable: bool) -> list[str]:
    """Keystone tags: non-empty, at most 255 characters, no ',' or '/'."""
    result: list[str] = []
    for tag in tags or []:
        tag = str(tag).strip()
        if not tag or len(tag) > _MAX_TAG or "," in tag or "/" in tag:
            raise InputError("tags", f"{tag!r} is not a valid tag (no ',' or '/')")
        if tag not in result:
            result.append(tag)
    if immutable and projects.IMMUTABLE_TAG not in result:
        result.append(projects.IMMUTABLE_TAG)
    return result


def _check_dns(servers: list[str]) -> list[str]:
    """DNS servers must be IP addresses."""
    result = []
    for server in servers:
        try:
            result.append(str(ipaddress.ip_address(str(server).strip())))
        except ValueError as error:
            message = f"{server!r} is not an IP address"
            raise InputError("dns_nameservers", message) from error
    return result


def _check_list(values: list[str] | None, parameter: str) -> list[str]:
    """A list of non-empty strings, duplicates removed."""
    result: list[str] = []
    for value in values or []:
        if not isinstance(value, str) or not value.strip():
            raise InputError(parameter, f"{value!r} is not a user name or id")
        if value.strip() not in result:
            result.append(value.strip())
    return result


@dataclass
class Resolved:
    """Everything the plan needs that came from the cloud."""

    domain: Any
    parent: Any | None
    admins: list[Any]
    members: list[Any]
    admin_role: Any | None
    member_role: Any | None
    external_network: Any | None = None
    internal_network: Any | None = None
    quota_notes: list[str] = field(default_factory=list)


def resolve(
    conn: Connection, request: ProjectRequest, settings: ProjectSettings
) -> Resolved:
    """Look up every name; raise ``InputError``/``ConfigError`` before any change."""
    domain = identity.find_domain(conn, request.domain or "default")
    parent = None
    if request.parent:
        parent = identity.find_project(conn, request.parent, "parent")
        if parent.domain_id != domain.id:
            raise InputError("parent", f"{parent.name!r} is in another domain")
    if list(conn.identity.projects(name=request.name, domain_id=domain.id)):
        raise InputError("name", f"a project {request.name!r} already exists")
    admins = [identity.find_user(conn, u, "admins") for u in request.admins]
    members = [identity.find_user(conn, u, "members") for u in request.members]
    resolved = Resolved(
        domain=domain,
        parent=parent,
        admins=admins,
        members=members,
        admin_role=_config_role(conn, settings.admin_role, "admin_role", admins),
        member_role=_config_role(conn, settings.member_role, "member_role", members),
    )
    if request.network == "external":
        resolved.external_network = networking.external_network(
            conn, settings.external_network, f"{NETWORKS_KEY}.external_network"
        )
    if request.network == "internal":
        resolved.internal_network = _internal_network(conn, settings)
    resolved.quota_notes = _check_quota_keys(conn, request.quotas)
    return resolved


def _config_role(conn: Connection, role: str, key: str, users: list[Any]) -> Any:
    """The configured role (only looked up when some user gets it)."""
    if not users:
        return None
    try:
        return identity.find_role(conn, role, f"{ROLES_KEY}.{key}")
    except InputError as error:
        raise ConfigError(
            str(error).replace("parameter ", "pack config ", 1)
        ) from error


def _internal_network(conn: Connection, settings: ProjectSettings) -> Any:
    """The configured internal network (a config error when unset or unknown)."""
    key = f"{NETWORKS_KEY}.internal_network"
    if not settings.internal_network:
        raise ConfigError(f"pack config '{key}' is not set: network=internal needs it")
    try:
        return networking.find_network(conn, settings.internal_network, key)
    except InputError as error:
        raise ConfigError(
            str(error).replace("parameter ", "pack config ", 1)
        ) from error


def _check_quota_keys(
    conn: Connection, request: dict[str, dict[str, int]]
) -> list[str]:
    """Unknown quota keys are an ``InputError`` (checked against the caller's own
    project, whose keys are the same); unknown or absent services become notes and
    are dropped from the request."""
    notes: list[str] = []
    available = quota_api.available_services(conn)
    for service in list(request):
        if service not in quota_api.SERVICES or service not in available:
            notes.append(f"quotas: {service}: no such service here, skipped")
            del request[service]
            continue
        known = quota_api.get_quotas(conn, conn.current_project_id, service)
        for key in request[service]:
            if key not in known:
                raise InputError(
                    "quotas",
                    f"{service}.{key}: unknown quota (valid: {', '.join(known)})",
                )
    return notes


def build_steps(
    conn: Connection,
    request: ProjectRequest,
    resolved: Resolved,
    settings: ProjectSettings,
) -> list[Step]:
    """The ordered steps creating the project as requested."""
    steps = [_project_step(conn, request, resolved)]
    for service, values in request.quotas.items():
        steps.append(_quota_step(conn, service, values))
    if request.network == "internal":
        steps.append(_share_step(conn, resolved.internal_network))
    if request.network == "external":
        steps.extend(_external_steps(conn, request, resolved.external_network))
    if request.network != "none":
        steps.extend(_security_group_step(conn, g) for g in settings.security_groups)
    for user in resolved.admins:
        steps.append(_grant_step(conn, user, resolved.admin_role))
    for user in resolved.members:
        steps.append(_grant_step(conn, user, resolved.member_role))
    return steps


def _project_step(
    conn: Connection, request: ProjectRequest, resolved: Resolved
) -> Step:
    """Create the Keystone project (undo: delete it and Neutron's default group)."""
    extra = {"contact_email": request.contact_email} if request.contact_email else {}

    def run(state: State) -> dict[str, Any]:
        project = projects.create_project(
            conn,
            request.name,
            resolved.domain.id,
            request.description,
            resolved.parent.id if resolved.parent else None,
            request.tags,
            extra,
        )
        state["project_id"] = project.id
        return {"id": project.id}

    def undo(state: State) -> None:
        for group in conn.network.security_groups(project_id=state["project_id"]):
            networking.delete_security_group(conn, group.id)
        projects.delete_project(conn, state["project_id"])

    detail: dict[str, Any] = {
        "domain": resolved.domain.name,
        "parent": resolved.parent.name if resolved.parent else None,
        "description": request.description,
        "tags": request.tags,
        **extra,
    }
    return Step("create project", request.name, detail, run, undo)


def _quota_step(conn: Connection, service: str, values: dict[str, int]) -> Step:
    """Set one service's quotas (undo: back to the defaults)."""

    def run(state: State) -> None:
        quota_api.update_quotas(conn, state["project_id"], service, values)

    def undo(state: State) -> None:
        quota_api.reset_quotas(conn, state["project_id"], service)

    return Step("set quotas", service, dict(values), run, undo)


def _share_step(conn: Connection, network: Any) -> Step:
    """Share the internal network with the project through an RBAC policy."""

    def run(state: State) -> dict[str, Any]:
        policy = networking.share_network(conn, network.id, state["project_id"])
        state["rbac_policy_id"] = policy.id
        return {"id": policy.id}

    def undo(state: State) -> None:
        networking.delete_rbac_policy(conn, state["rbac_policy_id"])

    detail = {"network_id": network.id, "rbac": "access_as_shared"}
    return Step("share network", network.name, detail, run, undo)


def _external_steps(
    conn: Connection, request: ProjectRequest, external: Any
) -> list[Step]:
    """Network, subnet, router with a gateway, and the router interface."""
    net_name = f"{request.name}-net"
    subnet_name = f"{request.name}-subnet"
    router_name = f"{request.name}-router"

    def make_network(state: State) -> dict[str, Any]:
        state["network_id"] = networking.create_network(
            conn, state["project_id"], net_name
        ).id
        return {"id": state["network_id"]}

    def make_subnet(state: State) -> dict[str, Any]:
        state["subnet_id"] = networking.create_subnet(
            conn,
            state["project_id"],
            state["network_id"],
            subnet_name,
            request.cidr,
            request.dns_nameservers,
        ).id
        return {"id": state["subnet_id"]}

    def make_router(state: State) -> dict[str, Any]:
        state["router_id"] = networking.create_router(
            conn, state["project_id"], router_name, external.id
        ).id
        return {"id": state["router_id"]}

    def attach(state: State) -> None:
        networking.add_router_interface(conn, state["router_id"], state["subnet_id"])

    return [
        Step(
            "create network",
            net_name,
            {},
            make_network,
            lambda s: networking.delete_network(conn, s["network_id"]),
        ),
        Step(
            "create subnet",
            subnet_name,
            {"cidr": request.cidr, "dns_nameservers": request.dns_nameservers},
            make_subnet,
            lambda s: networking.delete_subnet(conn, s["subnet_id"]),
        ),
        Step(
            "create router",
            router_name,
            {"external_network": external.name},
            make_router,
            lambda s: networking.delete_router(conn, s["router_id"]),
        ),
        Step(
            "attach subnet to router",
            router_name,
            {"subnet": subnet_name},
            attach,
            lambda s: networking.remove_router_interface(
                conn, s["router_id"], subnet_id=s["subnet_id"]
            ),
        ),
    ]


def _security_group_step(conn: Connection, spec: networking.SecurityGroupSpec) -> Step:
    """Create one configured security group with its rules."""
    key = f"security_group:{spec.name}"

    def run(state: State) -> dict[str, Any]:
        state[key] = networking.create_security_group(
            conn, state["project_id"], spec
        ).id
        return {"id": state[key]}

    def undo(state: State) -> None:
        networking.delete_security_group(conn, state[key])

    return Step(
        "create security group", spec.name, {"rules": list(spec.rules)}, run, undo
    )


def _grant_step(conn: Connection, user: Any, role: Any) -> Step:
    """Grant ``role`` on the new project to ``user``."""

    def run(state: State) -> None:
        identity.grant_user_role(conn, state["project_id"], user.id, role.id)

    def undo(state: State) -> None:
        identity.revoke_user_role(conn, state["project_id"], user.id, role.id)

    detail = {"user_id": user.id, "role": role.name}
    return Step("grant role", user.name, detail, run, undo)
